#!/usr/bin/env bash
# Runs the end-to-end suite N times in a row and stops at the first failure — the way to find a flaky test before
# CI does. Builds the frontend and the app first.
#
#   bash scripts/e2e-repeat.sh [N=10]
#
# Each run's log is kept in target/e2e-repeat/run-K.log (and its TAP results in run-K.tap); the screenshots in
# target/e2e/ are those of the last run, so after a failure they show the failing run.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
bash scripts/setup.sh || exit 1
(cd ui && npm run --silent build) || exit 1
cargo build --locked --bin lifeboat || exit 1
out=target/e2e-repeat
rm -rf "$out"; mkdir -p "$out" target/e2e
for ((k = 1; k <= runs; k++)); do
  start=$(date +%s)
  bash scripts/e2e.sh >"$out/run-$k.log" 2>&1
  status=$?
  cp target/e2e/results.tap "$out/run-$k.tap" 2>/dev/null
  ok=$(grep -cE '^ok [0-9]+ ' "$out/run-$k.tap" 2>/dev/null) || ok=0
  bad=$(grep -cE '^not ok [0-9]+ ' "$out/run-$k.tap" 2>/dev/null) || bad=0
  echo "run $k/$runs: $ok passed, $bad failed in $(($(date +%s) - start)) s"
  if [ "$status" -ne 0 ] || [ "$bad" -gt 0 ] || [ "$ok" -eq 0 ]; then
    echo "stopped at run $k: see $out/run-$k.log"
    grep -E '^not ok' "$out/run-$k.tap" 2>/dev/null | sed 's/^/  /'
    exit 1
  fi
done
echo "$runs runs in a row, all clean"
