#!/usr/bin/env bash
# A new TypeScript app in a temporary folder outside the workspace installs
# only the core and storage tarballs that jsii-pacmak packed for npm
# (packages/*/dist/js), compiles with tsc --strict and synthesizes (app.ts).
# It also checks what those tarballs ship: the registry fields, no
# devDependencies (no private workspace names) and no inline source maps.
# Only the npm registry is reached, for aws-cdk-lib, constructs and TypeScript.
#
# Usage: run.sh <aws-cdk-lib version>   (core and storage must be packaged: npx nx run-many -t package)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
started=$SECONDS
cdk_version="${1:?usage: run.sh <aws-cdk-lib version>}"

work="$(mktemp -d "${TMPDIR:-/tmp}/lakehouse-ts-consumer-XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/app"
node - "$repo" "$work/app" "$cdk_version" <<'EOF_NODE'
const fs = require('fs');
const [repo, app, cdk] = process.argv.slice(2);
const tarball = layer => {
  const dir = `${repo}/packages/${layer}/dist/js`;
  const found = fs.existsSync(dir) ? fs.readdirSync(dir).filter(f => f.endsWith('.tgz')) : [];
  if (found.length !== 1) throw new Error(`expected one tarball in ${dir}; run npx nx run @lakehouse-cdk/${layer}:package`);
  return `file:${dir}/${found[0]}`;
};
const root = require(`${repo}/package.json`);
const constructs = require(`${repo}/packages/core/package.json`).peerDependencies.constructs.replace(/^\^/, '');
fs.writeFileSync(`${app}/package.json`, JSON.stringify({
  name: 'lakehouse-ts-consumer', private: true,
  dependencies: { '@lakehouse-cdk/core': tarball('core'), '@lakehouse-cdk/storage': tarball('storage'), 'aws-cdk-lib': cdk, constructs },
  devDependencies: { typescript: root.devDependencies.typescript, '@types/node': root.devDependencies['@types/node'] },
}, null, 2));
EOF_NODE
cp "$here/app.ts" "$here/tsconfig.json" "$work/app/"
cd "$work/app"
npm install --no-audit --no-fund --prefer-offline --ignore-scripts --loglevel=error

# What the registry would get.
node - <<'EOF_NODE'
const fs = require('fs');
const path = require('path');
const installed = fs.readdirSync('node_modules/@lakehouse-cdk');
if (installed.sort().join() !== 'core,storage') throw new Error(`only core and storage may be installed, found ${installed}`);
for (const layer of installed) {
  const dir = `node_modules/@lakehouse-cdk/${layer}`;
  const manifest = JSON.parse(fs.readFileSync(`${dir}/package.json`, 'utf8'));
  const problems = [];
  if (!manifest.keywords?.includes('awscdk')) problems.push('no keyword awscdk');
  if (manifest.publishConfig?.access !== 'public') problems.push('publishConfig.access is not public');
  if (manifest.repository?.directory !== `packages/${layer}`) problems.push('no repository.directory');
  if (!manifest.homepage || !manifest.bugs?.url) problems.push('no homepage or bugs');
  if (manifest.devDependencies || JSON.stringify(manifest).includes('@lakehouse-cdk/testing')) problems.push('names devDependencies or the private testing package');
  const walk = d => fs.readdirSync(d, { withFileTypes: true }).flatMap(e => e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]);
  const files = walk(dir);
  if (files.some(f => f.endsWith('.js') && fs.readFileSync(f, 'utf8').includes('sourceMappingURL=data:'))) problems.push('inline source maps');
  if (files.some(f => f.endsWith('.ts') && !f.endsWith('.d.ts'))) problems.push('TypeScript sources');
  if (files.some(f => /\/(test|coverage)\//.test(f))) problems.push('tests or coverage');
  if (problems.length > 0) throw new Error(`${manifest.name}: ${problems.join('; ')}`);
}
EOF_NODE

npx tsc -p tsconfig.json
node app.js "$work/app/cdk.out"
echo "typescript consumer (aws-cdk-lib $cdk_version, core and storage tarballs) passed in $((SECONDS - started)) s"
