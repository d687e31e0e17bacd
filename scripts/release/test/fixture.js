'use strict';
// A throwaway git repository shaped like the workspace: three layers, storage
// and catalog on core, a private test helper package.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function createWorkspace() {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'release-test-'));
  const git = (...args) => execFileSync('git', args, { cwd, encoding: 'utf8' });
  git('init', '--quiet', '-b', 'main');
  git('config', 'user.name', 'test');
  git('config', 'user.email', 'test@localhost');
  const write = (file, content) => {
    fs.mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true });
    fs.writeFileSync(path.join(cwd, file), content);
  };
  const library = (layer, peers = {}) => write(`packages/${layer}/package.json`, JSON.stringify({
    name: `@lakehouse-cdk/${layer}`,
    version: '0.1.0',
    jsii: { outdir: 'dist' },
    peerDependencies: { 'aws-cdk-lib': '^2.258.0', ...peers },
    devDependencies: { '@lakehouse-cdk/testing': '^0.0.0', ...Object.fromEntries(Object.keys(peers).map(name => [name, '0.1.0'])) },
  }, null, 2) + '\n');
  library('core');
  library('storage', { '@lakehouse-cdk/core': '^0.1.0' });
  library('catalog', { '@lakehouse-cdk/core': '^0.1.0' });
  write('packages/testing/package.json', JSON.stringify({ name: '@lakehouse-cdk/testing', version: '0.0.0', private: true }));
  for (const layer of ['core', 'storage', 'catalog']) {
    write(`packages/${layer}/src/index.ts`, `export const ${layer} = 1;\n`);
  }
  /** Commits a change to each file with the message. */
  const commit = (message, files) => {
    for (const file of files) {
      write(file, `${fs.existsSync(path.join(cwd, file)) ? fs.readFileSync(path.join(cwd, file), 'utf8') : ''}// ${message}\n`);
    }
    git('add', '-A');
    git('commit', '--quiet', '-m', message);
  };
  commit('chore: the three layers', []);
  return { cwd, git, commit, write, cleanup: () => fs.rmSync(cwd, { recursive: true, force: true }) };
}

module.exports = { createWorkspace };
