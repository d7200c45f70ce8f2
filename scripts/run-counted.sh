#!/usr/bin/env bash
# Runs one test layer and fails if it fails or if it ran no test at all (a layer that
# silently runs nothing must not pass). Usage: scripts/run-counted.sh LABEL cmd args…
set -uo pipefail
label=$1; shift
log=$(mktemp)
"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# cargo / wasm-bindgen-test: "test result: ok. N passed"; Playwright: "  N passed (…)";
# node --test: "# pass N".
passed=$(grep -aoE '([0-9]+) passed' "$log" | awk '{s += $1} END {print s + 0}')
passed=$((passed + $(grep -aoE '^# pass [0-9]+' "$log" | awk '{s += $3} END {print s + 0}')))
rm -f "$log"
if [ "$status" -ne 0 ]; then
  echo "== $label: FAILED (exit $status)"
  exit "$status"
fi
if [ "$passed" -eq 0 ]; then
  echo "== $label: ran no test"
  exit 1
fi
echo "== $label: $passed passed"
