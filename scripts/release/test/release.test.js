'use strict';
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { afterEach, beforeEach, test } = require('node:test');
const { apiBreaks, parseArgs, releaseIn } = require('../release');
const { createWorkspace } = require('./fixture');

let ws;
beforeEach(() => { ws = createWorkspace(); });
afterEach(() => ws.cleanup());

const read = file => fs.readFileSync(path.join(ws.cwd, file), 'utf8');
const manifest = layer => JSON.parse(read(`packages/${layer}/package.json`));
const quiet = fn => {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try { return fn(); } finally { process.stdout.write = write; }
};

test('a release writes the new versions, the sibling ranges and each changelog', () => {
  ['core', 'storage', 'catalog'].forEach(layer => ws.git('tag', `${layer}@v0.1.0`));
  ws.commit('feat(core)!: Naming takes a stage\n\nBREAKING CHANGE: pass `stage` where you passed `environment`.', ['packages/core/src/index.ts']);
  ws.commit('fix(storage,catalog): lifecycle rule ids', ['packages/storage/src/index.ts', 'packages/catalog/src/index.ts']);
  const plan = quiet(() => releaseIn(ws.cwd, { dryRun: true, skipBuild: true, date: '2026-12-01' }));
  assert.deepEqual(plan.map(r => r.tag).sort(), ['catalog@v0.2.0', 'core@v0.2.0', 'storage@v0.2.0']);
  assert.equal(manifest('core').version, '0.2.0');
  assert.equal(manifest('storage').peerDependencies['@lakehouse-cdk/core'], '^0.2.0');
  assert.equal(manifest('storage').devDependencies['@lakehouse-cdk/core'], '0.2.0');
  assert.equal(manifest('storage').devDependencies['@lakehouse-cdk/testing'], '^0.0.0', 'private packages are left alone');
  const changelog = read('packages/storage/CHANGELOG.md');
  assert.match(changelog, /^# Changelog of @lakehouse-cdk\/storage\n\n## \[0\.2\.0\]\(.*compare\/storage@v0\.1\.0\.\.\.storage@v0\.2\.0\) \(2026-12-01\)/);
  assert.match(changelog, /### Bug Fixes\n\n\* lifecycle rule ids \(also storage, catalog\)/);
  assert.match(changelog, /### Dependencies\n\n\* @lakehouse-cdk\/core 0\.1\.0 → 0\.2\.0/);
  assert.match(read('packages/core/CHANGELOG.md'), /### ⚠ BREAKING CHANGES[\s\S]*pass `stage` where you passed `environment`\./);
});

test('nothing releasable leaves the tree untouched', () => {
  ['core', 'storage', 'catalog'].forEach(layer => ws.git('tag', `${layer}@v0.1.0`));
  ws.commit('docs(core): the naming table', ['packages/core/README.md']);
  const plan = quiet(() => releaseIn(ws.cwd, { dryRun: true, skipBuild: true, date: '2026-12-01' }));
  assert.deepEqual(plan, []);
  assert.equal(ws.git('status', '--porcelain'), '');
});

test('a break without upgrade notes stops the release before anything is written', () => {
  ['core', 'storage', 'catalog'].forEach(layer => ws.git('tag', `${layer}@v0.1.0`));
  ws.commit('refactor(catalog)!: one crawler for all layers', ['packages/catalog/src/index.ts']);
  assert.throws(() => quiet(() => releaseIn(ws.cwd, { dryRun: true, skipBuild: true, date: '2026-12-01' })), /catalog: "one crawler for all layers" .* no upgrade notes/);
  assert.equal(ws.git('status', '--porcelain'), '');
});

test('the options are the documented ones', () => {
  assert.deepEqual(parseArgs(['--dry-run', '--', '--skip-build']), { dryRun: true, skipBuild: true, baselineDir: undefined });
  assert.throws(() => parseArgs(['--publish']), /unknown option --publish/);
});

// jsii-diff on a real assembly: core's, as built, against a copy without one of its types.
const coreAssembly = path.resolve(__dirname, '../../../packages/core/.jsii');

test('jsii-diff finds a removed type since the last release, and nothing in an unchanged API', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'release-diff-'));
  try {
    const assembly = JSON.parse(fs.readFileSync(coreAssembly, 'utf8'));
    const removed = Object.keys(assembly.types).find(fqn => assembly.types[fqn].kind === 'class');
    const stage = (where, types) => {
      fs.mkdirSync(where, { recursive: true });
      fs.writeFileSync(path.join(where, '.jsii'), JSON.stringify({ ...assembly, types }));
      fs.writeFileSync(path.join(where, 'package.json'), JSON.stringify({ name: assembly.name, version: assembly.version, types: 'lib/index.d.ts', jsii: { outdir: 'dist' } }));
    };
    stage(path.join(dir, 'baseline', 'core'), assembly.types);
    const { [removed]: _gone, ...rest } = assembly.types;
    stage(path.join(dir, 'packages', 'core'), rest);
    const release = [{ layer: 'core', name: assembly.name, previous: '0.1.0', initial: false }];
    const breaks = apiBreaks(dir, release, path.join(dir, 'baseline'));
    assert.equal(breaks.core.length, 1, breaks.core.join('\n'));
    assert.match(breaks.core[0], new RegExp(`${removed.replace(/\./g, '\\.')}.*has been removed`));

    stage(path.join(dir, 'packages', 'core'), assembly.types);
    assert.deepEqual(apiBreaks(dir, release, path.join(dir, 'baseline')), { core: [] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
