#!/usr/bin/env bash
# A fresh virtualenv in a temporary folder installs the core and storage
# wheels that jsii-pacmak built (packages/*/dist/python) with aws-cdk-lib
# from PyPI, and synthesizes (app.py). Only PyPI is reached.
#
# Usage: run.sh <aws-cdk-lib version>   (core and storage must be packaged)
set -euo pipefail
# The jsii runtime runs on Node.js; its end-of-life banner is noise here.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$(node -p "process.versions.node.split('.')[0]")"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
started=$SECONDS
cdk_version="${1:?usage: run.sh <aws-cdk-lib version>}"
python="${PYTHON:-python3}"

wheels=()
for layer in core storage; do
  found=("$repo/packages/$layer/dist/python/"*.whl)
  [ -f "${found[0]}" ] || { echo "no wheel in packages/$layer/dist/python; run npx nx run @lakehouse-cdk/$layer:package" >&2; exit 1; }
  wheels+=("${found[0]}")
done

work="$(mktemp -d "${TMPDIR:-/tmp}/lakehouse-py-consumer-XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --disable-pip-version-check -q "${wheels[@]}" "aws-cdk-lib==$cdk_version"
installed="$("$work/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("aws-cdk-lib"))')"
[ "$installed" = "$cdk_version" ] || { echo "installed aws-cdk-lib $installed, expected $cdk_version" >&2; exit 1; }
cd "$work"
"$work/venv/bin/python" "$here/app.py" "$work/cdk.out"
echo "python consumer (aws-cdk-lib $cdk_version, core and storage wheels) passed in $((SECONDS - started)) s"
