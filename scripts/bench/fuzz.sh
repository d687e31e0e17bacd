#!/usr/bin/env bash
# Property fuzz bench: runs every package's fuzz suite (test/*.fuzz.test.ts)
# with FUZZ_RUNS cases per property (1000 by default; CI runs 50) and prints,
# per construct, the cases, how many gave a named LakehouseValidationError and
# how many a template that keeps the documented rules. A case that gives
# anything else (a TypeError, aws-cdk-lib's own error, a broken rule) fails
# its suite, and the bench exits non-zero after printing what it has.
#
# Usage: scripts/bench/fuzz.sh [package ...]   (default: every package with a fuzz suite)
# The libraries' @lakehouse-cdk/core must be built (npx nx run @lakehouse-cdk/core:build).
set -uo pipefail
cd "$(dirname "$0")/../.."

runs=${FUZZ_RUNS:-1000}
report=$(mktemp)
logs=$(mktemp -d)
packages=("$@")
if [ ${#packages[@]} -eq 0 ]; then
  for suite in packages/*/test/*.fuzz.test.ts; do packages+=("$(basename "$(dirname "$(dirname "$suite")")")"); done
  mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
fi

status=0
for package in "${packages[@]}"; do
  start=$(date +%s)
  if (cd "packages/$package" && FUZZ_RUNS=$runs FUZZ_REPORT=$report npx jest --ci --coverage=false --testPathPatterns 'fuzz\.test\.ts$' >"$logs/$package.log" 2>&1); then
    echo "$package: passed in $(( $(date +%s) - start ))s"
  else
    echo "$package: FAILED in $(( $(date +%s) - start ))s; see $logs/$package.log"
    status=1
  fi
done

echo
echo "Fuzz cases per construct, FUZZ_RUNS=$runs per property:"
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
const total = new Map();
for (const { construct, cases, namedErrors, validTemplates } of lines) {
  const t = total.get(construct) ?? { cases: 0, namedErrors: 0, validTemplates: 0 };
  t.cases += cases; t.namedErrors += namedErrors; t.validTemplates += validTemplates;
  total.set(construct, t);
}
const rows = [["construct", "cases", "named errors", "valid templates"], ...[...total].map(([c, t]) => [c, t.cases, t.namedErrors, t.validTemplates])];
const sum = [...total.values()].reduce((a, t) => [a[0] + t.cases, a[1] + t.namedErrors, a[2] + t.validTemplates], [0, 0, 0]);
rows.push(["total", ...sum]);
const widths = rows[0].map((_, i) => Math.max(...rows.map(r => String(r[i]).length)));
for (const row of rows) console.log(row.map((cell, i) => i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i])).join("  "));
' "$report"
rm -f "$report"
exit $status
