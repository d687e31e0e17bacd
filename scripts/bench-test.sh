#!/usr/bin/env bash
# Test-time benchmark. In one run on this machine, each in a temporary worktree
# with its own npm install and nx cache, and the same virtualenv:
#   1. a cold `npx projen test` at the base commit (BENCH_BASE);
#   2. a cold `npx projen test` at HEAD, and its ratio to 1;
#   3. the same at HEAD again with nothing changed (from the nx cache), and its ratio to 2;
#   4. the jest time of the test files added since the base, run on their own at HEAD.
# Cold means the nx cache reset and the build outputs removed; the virtualenv is
# present (VENV, default .venv). HEAD is the last commit: commit before measuring.
# Timings on a shared machine are noisy: compare the ratios, which come from one run.
set -euo pipefail
cd "$(dirname "$0")/.."

base=${BENCH_BASE:-4c7a62a}
venv=${VENV:-.venv}
if [ ! -x "$venv/bin/python" ]; then
  echo "bench:test: no virtualenv at $venv; create it with npx projen venv, or point VENV at one" >&2
  exit 2
fi
venv=$(cd "$venv" && pwd)
repo=$PWD
logs=$(mktemp -d -t bench-test-XXXXXX)
echo "bench:test: logs and worktrees in $logs"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
source scripts/lib/progress.sh

cleanup() {
  for tree in base head; do
    [ -d "$logs/$tree" ] && git -C "$repo" worktree remove --force "$logs/$tree" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

# A worktree of `commit` with its npm install and the shared virtualenv.
prepare() { # name, commit
  local tree=$logs/$1
  git -C "$repo" worktree add --detach "$tree" "$2" >/dev/null 2>&1
  echo "$1 ($(git -C "$tree" log -1 --format='%h %s' | cut -c1-72)): npm ci, log $logs/$1-install.log"
  (cd "$tree" && npm ci --no-audit --no-fund >"$logs/$1-install.log" 2>&1)
  ln -s "$venv" "$tree/.venv"
}

# `npx projen test` in the worktree, cold unless told otherwise; prints the seconds.
run_tests() { # name, log name, cold|cached
  local tree=$logs/$1 log=$logs/$2.log start
  if [ "$3" = cold ]; then
    (cd "$tree" && npx nx reset >/dev/null 2>&1 || true
     rm -rf packages/*/lib packages/*/.jsii packages/*/tsconfig.tsbuildinfo packages/*/coverage packages/*/test-reports \
       apps/*/lib apps/*/cdk.out apps/*/coverage apps/*/test-reports)
  fi
  echo "$2: npx projen test, log $log" >&2
  start=$(now)
  # Progress while it runs: a line every 30 s.
  local name=$2
  # shellcheck disable=SC2317 # called by progress_wait
  bench_progress() { echo "  $name: $1 s" >&2; }
  (cd "$tree" && npx projen test >"$log" 2>&1) &
  if ! progress_wait $! 30 bench_progress; then
    tail -n 30 "$log" >&2
    echo "bench:test: $2 failed; the whole log is $log" >&2
    exit 1
  fi
  elapsed "$start" "$(now)"
}

prepare base "$base"
prepare head HEAD

echo "== 1. cold npx projen test at the base commit $base"
base_cold=$(run_tests base base-cold cold)
echo "base cold: ${base_cold}s"

echo "== 2. cold npx projen test at HEAD"
head_cold=$(run_tests head head-cold cold)
echo "HEAD cold: ${head_cold}s; HEAD / base: $(ratio "$head_cold" "$base_cold")"

echo "== 3. npx projen test at HEAD with nothing changed"
head_cached=$(run_tests head head-cached cached)
echo "HEAD cached: ${head_cached}s; cached / cold: $(ratio "$head_cached" "$head_cold"); $(wc -l <"$logs/head-cached.log") lines of output"

echo "== 4. test files added since $base"
# Against the commit measured in 2, which the worktree holds.
added=$(git -C "$logs/head" diff --name-only --diff-filter=A "$base" HEAD -- '*.test.ts' '*test_*.py' | sort)
if [ -z "$added" ]; then
  echo "none: every test at HEAD existed at the base commit, so 2 is the time of the base's tests"
else
  echo "$added" | sed 's/^/  /'
  for dir in $(echo "$added" | grep '\.test\.ts$' | sed -E 's#/test/.*##' | sort -u); do
    files=$(echo "$added" | grep "^$dir/" | sed "s#^$dir/##" | tr '\n' ' ')
    start=$(now)
    # shellcheck disable=SC2086
    (cd "$logs/head/$dir" && npx jest --coverage=false $files >"$logs/added-$(basename "$dir").log" 2>&1) || echo "  (failed, see $logs/added-$(basename "$dir").log)"
    echo "  $dir: $(elapsed "$start" "$(now)")s for the added jest files, run on their own"
  done
  py=$(echo "$added" | grep '\.py$' | tr '\n' ' ' || true)
  if [ -n "$py" ]; then
    start=$(now)
    # shellcheck disable=SC2086
    (cd "$logs/head" && .venv/bin/python -m pytest -q $py >"$logs/added-pytest.log" 2>&1) || echo "  (failed, see $logs/added-pytest.log)"
    echo "  pytest: $(elapsed "$start" "$(now)")s for the added Python tests, run on their own"
  fi
fi
echo "bench:test: done; logs in $logs"
