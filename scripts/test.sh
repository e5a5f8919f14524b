#!/usr/bin/env bash
# Builds, lints (eslint.config.js), type-checks the tests (tsconfig.test.json), runs every test (vitest),
# (test/timing last and alone), and ends with one plain summary line
# "vitest: N passed, N failed[, N skipped]" read from vitest's JSON report.
# The exit code is vitest's (the first failing run's).
set -uo pipefail
cd "$(dirname "$0")/.."
npm run build --silent || exit 1
# Code health first (fast, no servers): typescript-eslint (import cycles, src/core purity) and the tests type-checked.
npx eslint --max-warnings 0 src test || { echo "lint: failed (npx eslint src test)" >&2; exit 1; }
npx tsc -p tsconfig.test.json || { echo "typecheck: the tests do not type-check (npx tsc -p tsconfig.test.json)" >&2; exit 1; }
report=$(mktemp)
timing=$(mktemp)
trap 'rm -f "$report" "$timing"' EXIT
if [ "$#" -gt 0 ]; then
  # Files or filters given: one vitest run of exactly those.
  npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
  code=$?
  reports=("$report")
else
  # Everything but test/timing, two files at a time; then test/timing alone, so its wall-clock
  # bounds (what a user waits) are measured without other tests' servers on the same cores.
  npx vitest run --reporter=default --reporter=json --outputFile.json="$report" --exclude 'test/timing/**'
  code=$?
  npx vitest run --reporter=default --reporter=json --outputFile.json="$timing" --maxWorkers=1 test/timing
  timing_code=$?
  [ "$code" -ne 0 ] || code=$timing_code
  reports=("$report" "$timing")
fi
node -e '
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    const r = JSON.parse(require("fs").readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`vitest: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "${reports[@]}" || { echo "vitest: no report written" >&2; [ "$code" -ne 0 ] || code=1; }
exit "$code"
