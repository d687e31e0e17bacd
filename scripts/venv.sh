#!/usr/bin/env bash
# Creates .venv from requirements-dev.txt and the requirement files it includes.
# The install takes minutes, so it is redone only when one of those files changes.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
stamp=.venv/.requirements.sha256

# requirements-dev.txt plus every "-r file" it names (paths relative to the root).
files=(requirements-dev.txt)
while read -r included; do files+=("$included"); done < <(sed -n 's/^-r[[:space:]]\{1,\}//p' requirements-dev.txt)
hash=$( { "$python" --version; cat "${files[@]}"; } | sha256sum | cut -d' ' -f1)

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
  echo "venv: .venv is up to date with ${files[*]}"
  exit 0
fi

echo "venv: creating .venv from ${files[*]}"
rm -rf .venv
"$python" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
echo "$hash" > "$stamp"
echo "venv: ready"
