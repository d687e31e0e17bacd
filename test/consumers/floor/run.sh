#!/usr/bin/env bash
# The libraries as a consumer gets them: packs the given layers with npm pack,
# installs them into a fresh app in a temporary folder outside the workspace,
# with aws-cdk-lib and constructs pinned to the floor the libraries declare,
# and synthesizes every layer there with cdk-nag (app.js). Only the npm
# registry is reached, for aws-cdk-lib, constructs and cdk-nag.
#
# Usage: run.sh <layer>...   (the libraries must be built)
# CONSUMER_AWS_CDK_LIB=<version> runs the same app on another aws-cdk-lib.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
started=$SECONDS
[ $# -gt 0 ] || { echo "usage: $0 <layer>..." >&2; exit 2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/lakehouse-consumer-XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tarballs" "$work/app" "$work/dags"

# Every layer must declare the same floor; the app installs exactly that.
read -r cdk_floor constructs_floor < <(node - "$repo" "$@" <<'EOF'
const [repo, ...layers] = process.argv.slice(2);
const floors = name => layers.map(layer => {
  const manifest = require(`${repo}/packages/${layer}/package.json`);
  const range = manifest.peerDependencies?.[name] ?? '';
  if (!/^\^\d+\.\d+\.\d+$/.test(range)) throw new Error(`${manifest.name} declares ${name} "${range}", not ^<floor>`);
  if (!require('fs').existsSync(`${repo}/packages/${layer}/lib/index.js`)) throw new Error(`${manifest.name} is not built`);
  return range.slice(1);
});
const single = name => {
  const found = [...new Set(floors(name))];
  if (found.length !== 1) throw new Error(`the layers declare different ${name} floors: ${found.join(', ')}`);
  return found[0];
};
console.log(single('aws-cdk-lib'), single('constructs'));
EOF
)
cdk_version="${CONSUMER_AWS_CDK_LIB:-$cdk_floor}"
cdk_nag="$(node -p "require('$repo/apps/sandbox/package.json').dependencies['cdk-nag']")"

(cd "$repo" && npm pack --silent --pack-destination "$work/tarballs" $(printf -- '--workspace packages/%s ' "$@") >/dev/null)

node - "$work" "$cdk_version" "$constructs_floor" "$cdk_nag" <<'EOF'
const fs = require('fs');
const [work, cdk, constructs, cdkNag] = process.argv.slice(2);
const dependencies = { 'aws-cdk-lib': cdk, constructs, 'cdk-nag': cdkNag };
for (const tarball of fs.readdirSync(`${work}/tarballs`)) {
  const name = tarball.replace(/^lakehouse-cdk-(.*)-\d+\.\d+\.\d+\.tgz$/, '@lakehouse-cdk/$1');
  dependencies[name] = `file:../tarballs/${tarball}`;
}
fs.writeFileSync(`${work}/app/package.json`, JSON.stringify({ name: 'lakehouse-consumer', private: true, dependencies }, null, 2));
EOF
cp "$here/app.js" "$work/app/app.js"
printf 'from airflow import DAG\n' > "$work/dags/consumer_dag.py"
# A dbt project folder as the dbt job packages it: its project file, pinned requirements and entrypoint.
mkdir -p "$work/dbt/scripts"
printf 'name: consumer\nversion: "1.0.0"\nconfig-version: 2\nprofile: consumer\n' > "$work/dbt/dbt_project.yml"
printf 'dbt-athena==1.11.1\n' > "$work/dbt/requirements-athena.txt"
printf 'print("dbt build")\n' > "$work/dbt/scripts/lakehouse_dbt.py"

cd "$work/app"
npm install --no-audit --no-fund --prefer-offline --ignore-scripts --loglevel=error
installed="$(node -p "require('aws-cdk-lib/package.json').version + ' ' + require('constructs/package.json').version")"
[ "$installed" = "$cdk_version $constructs_floor" ] || { echo "installed aws-cdk-lib and constructs $installed, expected $cdk_version $constructs_floor" >&2; exit 1; }
# One copy of each, or the layers would build on a copy other than the app's.
for package in aws-cdk-lib constructs; do
  copies="$(npm ls "$package" --all --parseable | sort -u | wc -l)"
  [ "$copies" -eq 1 ] || { echo "$copies copies of $package installed:" >&2; npm ls "$package" --all >&2; exit 1; }
done

node app.js "$work/app/cdk.out" "$work/dags" "$work/dbt"
echo "consumer test (aws-cdk-lib $cdk_version, constructs $constructs_floor, cdk-nag $cdk_nag, layers: $*) passed in $((SECONDS - started)) s"
