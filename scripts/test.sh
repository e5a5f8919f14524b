#!/usr/bin/env bash
# Builds, lints (eslint.config.js), type-checks the tests (tsconfig.test.json), runs every test (vitest),
# and ends with one plain summary line
# "vitest: N passed, N failed[, N skipped]" read from vitest's JSON report.
# The exit code is vitest's.
set -uo pipefail
cd "$(dirname "$0")/.."
npm run build --silent || exit 1
# Code health first (fast, no servers): typescript-eslint (import cycles, src/core purity) and the tests type-checked.
npx eslint --max-warnings 0 src test || { echo "lint: failed (npx eslint src test)" >&2; exit 1; }
npx tsc -p tsconfig.test.json || { echo "typecheck: the tests do not type-check (npx tsc -p tsconfig.test.json)" >&2; exit 1; }
report=$(mktemp)
trap 'rm -f "$report"' EXIT
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
code=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || { echo "vitest: no report written" >&2; [ "$code" -ne 0 ] || code=1; }
exit "$code"
