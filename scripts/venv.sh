#!/usr/bin/env bash
# Creates the virtualenvs of the Python tests:
# - .venv from requirements-dev.txt and the requirement files it includes
#   (and those they include): Airflow 3.0.6, dbt, moto, cfn-lint; the DAG
#   tests on Airflow 3 and the local run use it;
# - .venv-airflow2 from dags/requirements-test-2.11.0.txt: the DAG tests on
#   Airflow 2.11.0, pinned to that version's MWAA constraints (Airflow 2 and 3
#   cannot share one environment).
# An install takes minutes, so each is redone only when its files change.
# `scripts/venv.sh .venv` (or another folder) builds only that one.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/check-python.sh
python=${PYTHON:-python3}

# The requirement file and every "-r file" it names, followed through nested
# includes; like pip, an included path is relative to the file that names it.
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

# build <venv folder> <requirements file>
build() {
  local venv=$1 requirements=$2
  local stamp=$venv/.requirements.sha256
  files=()
  collect "$requirements"
  hash=$( { "$python" --version; cat "${files[@]}"; } | sha256sum | cut -d' ' -f1)

  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
    echo "venv: $venv is up to date with ${files[*]}"
    return 0
  fi

  echo "venv: creating $venv with $("$python" --version) from ${files[*]}; the first install takes a few minutes"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  log=$venv/pip-install.log
  "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off -r "$requirements" >"$log" 2>&1 &
  pip_pid=$!
  trap 'kill "$pip_pid" 2>/dev/null' INT TERM
  # Quiet while it is quick; every 10 s, how far pip has got.
  started=$SECONDS
  pip_progress() {
    collected=$(grep -c '^Collecting' "$log" || true)
    last=$(grep -E '^(Collecting|Installing collected|Building wheel)' "$log" | tail -n 1 | cut -c1-100 || true)
    echo "venv: $1 s, $collected packages collected${last:+; $last}"
  }
  source scripts/lib/progress.sh
  if ! progress_wait "$pip_pid" 10 pip_progress; then
    tail -n 30 "$log" >&2
    echo "venv: pip install failed; the whole log is $log" >&2
    return 1
  fi
  echo "$hash" > "$stamp"
  echo "venv: $venv ready in $((SECONDS - started)) s, packages installed: $(grep -o '^Successfully installed.*' "$log" | wc -w | awk '{print $1 - 2}')"
}

venvs=(".venv:requirements-dev.txt" ".venv-airflow2:dags/requirements-test-2.11.0.txt")
for spec in "${venvs[@]}"; do
  venv=${spec%%:*}
  if [ $# -gt 0 ] && [ "$1" != "$venv" ]; then continue; fi
  build "$venv" "${spec#*:}"
done
