#!/usr/bin/env bash
# Build benchmark. Prints, from one run on this machine:
#   1. cold build+test of every package (nx cache cleared, build outputs removed);
#   2. the same with nothing changed (served from the nx cache) and its ratio to cold;
#   3. the projects `nx affected` selects after a change to one package, and that run's time;
#   4. the sandbox synth time and its ratio to a one-bucket app, both run as `cdk synth` of compiled JavaScript.
# Timings on a shared machine are noisy: compare the ratios, which come from one run.
set -euo pipefail
cd "$(dirname "$0")/.."

touched=${BENCH_TOUCH:-packages/storage/src/index.ts}
logs=$(mktemp -d)
synth_runs=${BENCH_SYNTH_RUNS:-3}
nx="npx nx"
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "bench:build: logs in $logs"
echo "== 1. cold build+test (a few minutes; log $logs/bench-cold.log)"
$nx reset >/dev/null 2>&1
rm -rf packages/*/lib packages/*/.jsii packages/*/tsconfig.tsbuildinfo apps/*/lib apps/*/cdk.out
start=$(now)
$nx run-many -t build test --output-style=static >$logs/bench-cold.log 2>&1 &
cold_pid=$!
while kill -0 "$cold_pid" 2>/dev/null; do
  sleep 30
  if kill -0 "$cold_pid" 2>/dev/null; then echo "  cold build+test: $(elapsed "$start" "$(now)") s so far"; fi
done
wait "$cold_pid"
cold=$(elapsed "$start" "$(now)")
echo "cold build+test: ${cold}s"

echo "== 2. cached no-op build+test"
start=$(now)
$nx run-many -t build test --output-style=static >$logs/bench-cached.log 2>&1
cached=$(elapsed "$start" "$(now)")
echo "cached build+test: ${cached}s ($(grep -o 'Nx read the output from the cache instead of running the command for [0-9]* out of [0-9]* tasks' $logs/bench-cached.log || echo "see $logs/bench-cached.log"))"
echo "cached / cold: $(ratio "$cached" "$cold")"

echo "== 3. nx affected after a change to ${touched}"
cp "$touched" $logs/bench-touched.bak
trap 'cp $logs/bench-touched.bak "$touched"' EXIT
echo "// benchmark change" >> "$touched"
echo "affected projects: $($nx show projects --affected --files="$touched" | sort | tr '\n' ' ')"
start=$(now)
$nx affected -t build test --files="$touched" --output-style=static >$logs/bench-affected.log 2>&1
affected=$(elapsed "$start" "$(now)")
echo "affected build+test: ${affected}s (ratio to cold: $(ratio "$affected" "$cold"))"
cp $logs/bench-touched.bak "$touched"
trap - EXIT
# Put the cache back in step with the restored file.
$nx affected -t build --files="$touched" --output-style=static >/dev/null 2>&1

echo "== 4. synth: sandbox vs a one-bucket app, each as \`cdk synth\` of compiled JavaScript (median of ${synth_runs} runs)"
out=$(mktemp -d)
cdk="$PWD/node_modules/.bin/cdk"
time_synth() { # workdir, then the cdk synth arguments
  local dir=$1; shift
  for _ in $(seq "$synth_runs"); do
    local s; s=$(now)
    # --build true: the app alone, without cdk.json's build hook (timed on its own below).
    (cd "$dir" && "$cdk" synth --quiet --build true "$@" --output "$out/$RANDOM" >/dev/null 2>&1)
    elapsed "$s" "$(now)"; echo
  done | median
}
one_bucket="node $PWD/scripts/bench/one-bucket-app.js"
sandbox=$(time_synth apps/sandbox --app "node lib/main.js")
baseline=$(time_synth apps/sandbox --app "$one_bucket")
# The sandbox turns off CDK's built-in template linter (cfn-lint runs in the tests instead);
# the second baseline does the same, so that ratio compares the apps' own work.
baseline_plain=$(time_synth apps/sandbox --app "$one_bucket" --no-validation)
rm -rf "$out"
# What `cdk synth` adds before the app runs when nothing changed: the build hook's nx run, all from the cache.
hook=$(for _ in $(seq "$synth_runs"); do s=$(now); bash scripts/cdk-build-hook.sh >/dev/null 2>&1; elapsed "$s" "$(now)"; echo; done | median)
echo "build hook with nothing changed (nx, from the cache): ${hook}s before every cdk synth, deploy or diff"
echo "sandbox synth: ${sandbox}s"
echo "one-bucket app synth: ${baseline}s (CDK defaults); ${baseline_plain}s (built-in template linter off, as in the sandbox)"
echo "sandbox / one-bucket: $(ratio "$sandbox" "$baseline") (CDK defaults); $(ratio "$sandbox" "$baseline_plain") (linter off in both)"
