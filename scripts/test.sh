#!/usr/bin/env bash
# Lifeboat's one test command: installs what it needs, then runs every check and test and prints
# "N passed, N failed". Exit status is non-zero when anything failed.
#
#   static checks : rustfmt, clippy -D warnings, the frontend linter + type check, engine crates free of
#                   tauri/wry/webkit, cargo deny (licenses, bans, sources), npm audit, generated IPC types current
#   tests         : every Rust test (engine, emulator, CLI, shell), an independent Aura API client (aura-python-sdk)
#                   against the sandbox, frontend unit tests, end-to-end tests of the
#                   real app under Xvfb through WebDriver — inside a private desktop session (scripts/with-desktop.sh)
#   --packages    : also the test of a real install (scripts/test-packages.sh): builds the release .deb and .rpm,
#                   installs the .deb with apt, drives the installed app, uninstalls. A switch, not always on: the
#                   release build alone takes about 25 minutes here, more than a CI run can spare beside the rest.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
packages=0
for arg in "$@"; do
  case $arg in
    --packages) packages=1 ;;
    *) echo "usage: bash scripts/test.sh [--packages]" >&2; exit 2 ;;
  esac
done
export CARGO_TERM_COLOR=never NO_COLOR=1

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

results=$root/target/test-results
rm -rf "$results"; mkdir -p "$results" target/e2e
passed=0; failed=0; failures=()

# record NAME PASSED FAILED
record() { passed=$((passed + $2)); failed=$((failed + $3)); [ "$3" -gt 0 ] && failures+=("$1"); return 0; }
# check NAME CMD...: a check counts as one test.
check() {
  local name=$1; shift
  echo "── $name"
  if "$@" >"$results/$name.log" 2>&1; then record "$name" 1 0; echo "   ok"
  else record "$name" 0 1; echo "   FAILED:"; tail -n 40 "$results/$name.log" | sed 's/^/   /'; fi
}

engine_is_gui_free() {
  local bad=0
  for crate in $(cargo metadata --no-deps --format-version 1 | jq -r '.packages[].name' | grep -v '^lifeboat$'); do
    if cargo tree -p "$crate" -e normal,build --prefix none | grep -Ei '^(tauri|wry|webkit|gtk|tao)[-_ ]'; then
      echo "$crate depends on a GUI crate"; bad=1
    fi
  done
  return $bad
}

check rustfmt cargo fmt --all -- --check --color never
check frontend-lint bash -c 'cd ui && npm run --silent lint'
check frontend-build bash -c 'cd ui && npm run --silent build'
check engine-gui-free engine_is_gui_free
check clippy cargo clippy --workspace --all-targets --locked -- -D warnings
check cargo-deny cargo deny --log-level error check licenses bans sources
check build-app cargo build --locked --bin lifeboat --example inspect -p lifeboat -p lifeboat-archive
check stress-corpus bash scripts/stress/corpus.sh --short
check stress-crash-resume bash scripts/stress/crash-resume.sh 3

# Rust tests (inside the private desktop: later tests use the real keyring and notification daemon).
echo "── rust tests"
scripts/with-desktop.sh env LIFEBOAT_REQUIRE_KEYRING=1 LIFEBOAT_REQUIRE_GCS_EMULATOR=1 cargo test --workspace --locked --no-fail-fast >"$results/rust-tests.log" 2>&1
rust_status=$?
read -r rp rf < <(grep -E '^test result:' "$results/rust-tests.log" |
  sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/' | awk '{p+=$1; f+=$2} END {print p+0, f+0}')
[ "$rust_status" -ne 0 ] && [ "$rf" -eq 0 ] && rf=1   # a crash or build failure counts too
record rust-tests "$rp" "$rf"; echo "   $rp passed, $rf failed"
[ "$rf" -gt 0 ] && grep -E '^(test .* FAILED|failures:|---- )|panicked|error(\[|:)' "$results/rust-tests.log" | head -n 60 | sed 's/^/   /'

# The UI's IPC types are generated from the Rust types (src-tauri/src/wire_types.rs); the shell's test compares the
# committed ui/src/api/generated/wire.ts with a fresh rendering. Named here so a stale file says so by name.
wire_types_current() {
  grep -q '^test wire_types::tests::generated_wire_types_are_current ... ok$' "$results/rust-tests.log" && return 0
  grep -A6 'generated_wire_types_are_current' "$results/rust-tests.log" | head -n 20
  return 1
}
check wire-types wire_types_current

# An independent Aura API client (aura-python-sdk, PyPI) drives `lifeboat sandbox` over loopback.
echo "── Aura SDK interop (aura-python-sdk against lifeboat sandbox)"
LIFEBOAT_BIN=$root/target/debug/lifeboat python3 tests/interop/test_aura_sdk.py >"$results/interop-sdk.log" 2>&1
ss=$?
counts=$(sed -nE 's/^interop-sdk: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$results/interop-sdk.log" | tail -n 1)
read -r sp sf <<<"${counts:-0 1}"   # no summary line: it crashed, which counts as a failure
[ "$ss" -ne 0 ] && [ "$sf" -eq 0 ] && sf=1
record interop-sdk "$sp" "$sf"; echo "   $sp passed, $sf failed"
[ "$sf" -gt 0 ] && grep -E -A12 '^(FAIL|ERROR):' "$results/interop-sdk.log" | head -n 80 | sed 's/^/   /'
[ "$sf" -gt 0 ] && tail -n 20 "$results/interop-sdk.log" | sed 's/^/   /'

echo "── frontend unit tests"
(cd ui && npx vitest run --reporter=default --reporter=json --outputFile="$results/vitest.json") >"$results/vitest.log" 2>&1
vs=$?
if [ -f "$results/vitest.json" ]; then
  read -r vp vf < <(jq -r '"\(.numPassedTests) \(.numFailedTests)"' "$results/vitest.json")
else vp=0; vf=1; fi
[ "$vs" -ne 0 ] && [ "$vf" -eq 0 ] && vf=1
record frontend-tests "$vp" "$vf"; echo "   $vp passed, $vf failed"
[ "$vf" -gt 0 ] && tail -n 60 "$results/vitest.log" | sed 's/^/   /'

echo "── end-to-end tests (real app, WebDriver, Xvfb)"
bash scripts/e2e.sh >"$results/e2e.log" 2>&1
es=$?
ep=$(grep -cE '^ok [0-9]+ ' target/e2e/results.tap 2>/dev/null) || ep=0
ef=$(grep -cE '^not ok [0-9]+ ' target/e2e/results.tap 2>/dev/null) || ef=0
[ "$es" -ne 0 ] && [ "$ef" -eq 0 ] && ef=1
record e2e-tests "$ep" "$ef"; echo "   $ep passed, $ef failed (screenshots in target/e2e/)"
[ "$ef" -gt 0 ] && tail -n 80 "$results/e2e.log" | sed 's/^/   /'

if [ "$packages" -eq 1 ]; then
  echo "── packages: build, install, run, uninstall (scripts/test-packages.sh)"
  bash scripts/test-packages.sh >"$results/packages.log" 2>&1
  ps=$?
  counts=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$results/packages.log" | tail -n 1)
  read -r pp pf <<<"${counts:-0 1}"
  [ "$ps" -ne 0 ] && [ "$pf" -eq 0 ] && pf=1
  record packages "$pp" "$pf"; echo "   $pp passed, $pf failed (logs in target/test-results/packages/)"
  [ "$pf" -gt 0 ] && grep -E -A12 '^   FAILED:' "$results/packages.log" | head -n 80 | sed 's/^/   /'
fi

echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in target/test-results/)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
