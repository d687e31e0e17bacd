#!/usr/bin/env bash
# Creates .venv from requirements-dev.txt and the requirement files it includes
# (and those they include).
# The install takes minutes, so it is redone only when one of those files changes.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
stamp=.venv/.requirements.sha256

# requirements-dev.txt plus every "-r file" it names, followed through nested
# includes; like pip, an included path is relative to the file that names it.
files=()
collect() {
  local file=$1 dir included seen
  # ${files[@]+...}: an empty array is "unbound" to set -u in bash before 4.4.
  for seen in ${files[@]+"${files[@]}"}; do [ "$seen" = "$file" ] && return 0; done
  files+=("$file")
  dir=$(dirname "$file")
  while read -r included; do
    if [ "$dir" = . ]; then collect "$included"; else collect "$dir/$included"; fi
  done < <(sed -n 's/^-r[[:space:]]\{1,\}//p' "$file" | tr -d '\r' | sed 's/[[:space:]]*$//')
}
collect requirements-dev.txt
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
