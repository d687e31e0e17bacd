#!/usr/bin/env node
// The pack command of jsii-pacmak: it runs in a temporary copy of a layer,
// writes the manifest that the registries get and packs it with npm. The
// published manifest drops what only the workspace uses: devDependencies
// (which name private workspace packages), projen's scripts and the jest and
// nx settings. The last line printed is the tarball's name, as pacmak expects.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

/** Fields of a workspace manifest that a consumer of the package never reads. */
const WORKSPACE_ONLY_FIELDS = ['devDependencies', 'scripts', 'jest', 'nx', 'devEngines'];

/** The manifest as the registry gets it. */
function publishedManifest(manifest) {
  const published = { ...manifest };
  for (const field of WORKSPACE_ONLY_FIELDS) {
    delete published[field];
  }
  if (published.private) {
    throw new Error(`${manifest.name} is private and must not be packed for a registry`);
  }
  return published;
}

/** JavaScript files under lib/ that embed a source map (and with it the TypeScript sources). */
function filesWithInlineSourceMaps(dir) {
  const found = [];
  const walk = current => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith('.js') && /\/\/# sourceMappingURL=data:/.test(fs.readFileSync(full, 'utf8'))) {
        found.push(path.relative(dir, full));
      }
    }
  };
  if (fs.existsSync(path.join(dir, 'lib'))) {
    walk(path.join(dir, 'lib'));
  }
  return found;
}

function main() {
  const dir = process.cwd();
  const manifestPath = path.join(dir, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const inline = filesWithInlineSourceMaps(dir);
  if (inline.length > 0) {
    throw new Error(`${manifest.name}: inline source maps in ${inline.join(', ')}; build with inlineSourceMap false`);
  }
  fs.writeFileSync(manifestPath, JSON.stringify(publishedManifest(manifest), null, 2) + '\n');
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--loglevel=error'], { cwd: dir, encoding: 'utf8' });
  process.stdout.write(out.trim().split('\n').pop() + '\n');
}

if (require.main === module) {
  main();
}

module.exports = { publishedManifest, filesWithInlineSourceMaps, WORKSPACE_ONLY_FIELDS };
