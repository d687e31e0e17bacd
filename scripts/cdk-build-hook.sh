#!/usr/bin/env bash
# The sandbox's cdk.json build hook. Before `cdk synth`, `deploy` or `diff` runs
# lib/main.js, nx compiles the app and builds the layers it loads where their
# source changed, from its cache when nothing did, so the app always reflects
# the source, packages/*/src included. It prints one line (and, while a build
# takes longer, one every 10 s with how far nx has got), or nx's output when
# the build fails.
set -euo pipefail
# Inside an nx task (the sandbox's own build synthesizes right after compiling) everything is built already.
if [ -n "${NX_TASK_TARGET_PROJECT:-}" ]; then exit 0; fi
cd "$(dirname "$0")/.."

log=$(mktemp -t cdk-build-hook-XXXXXX.log)
started=$SECONDS
echo "build hook: nx builds the sandbox and the layers where their source changed (log: $log)" >&2
npx nx run @lakehouse-cdk/sandbox:compile --output-style=static >"$log" 2>&1 &
# Every 10 s that it takes, how many of the tasks nx has finished.
# shellcheck disable=SC2317 # called by progress_wait
building() {
  local finished total
  finished=$(grep -cE '^> nx run ' "$log" || true)
  total=$(grep -oE 'and [0-9]+ tasks? it depends on' "$log" | grep -oE '[0-9]+' | head -n 1 || true)
  echo "build hook: $1 s, $finished${total:+ of $((total + 1))} tasks done" >&2
}
source scripts/lib/progress.sh
if ! progress_wait $! 10 building; then
  cat "$log" >&2
  echo "build hook: the build failed; cdk does not synthesize stale code" >&2
  exit 1
fi
cache=$(grep -oE '[0-9]+/[0-9]+ hit' "$log" | head -n 1 || true)
echo "build hook: built in $((SECONDS - started)) s${cache:+ ($cache from the nx cache)}" >&2
rm -f "$log"
