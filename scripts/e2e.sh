#!/usr/bin/env bash
# Runs the end-to-end suite once: the real built app (target/debug/lifeboat) driven through WebDriver inside a
# private desktop (scripts/with-desktop.sh). TAP results go to target/e2e/results.tap, screenshots to target/e2e/.
# Used by scripts/test.sh and scripts/e2e-repeat.sh; expects the app and the frontend to be built.
# With arguments, runs only those specs: `bash scripts/e2e.sh specs/3-file-restore.test.mjs` (paths under tests/e2e).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rm -f target/e2e/results.tap
LIFEBOAT_APP=${LIFEBOAT_APP:-$root/target/debug/lifeboat} LIFEBOAT_SANDBOX_CLOCK=fast LIFEBOAT_CHUNK_SIZE=262144 \
  scripts/with-desktop.sh bash -c 'cd tests/e2e && if [ $# -gt 0 ]; then mkdir -p ../../target/e2e && node --test --test-concurrency=1 --test-reporter=spec "$@"; else npm test; fi' e2e "$@"
