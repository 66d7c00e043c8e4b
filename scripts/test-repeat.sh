#!/usr/bin/env bash
# Runs the whole test command (scripts/test.sh) N times in a row, each time on a fresh clone of this repository's
# HEAD, and stops at the first run that does not end "N passed, 0 failed" — the evidence that the suite does not
# flake where CI runs it, and the way to find a missing install step a warm work tree hides.
#
#   bash scripts/test-repeat.sh [N=5] [--reuse-build]
#
# Every run clones into the same folder ($TMPDIR/lifeboat-fresh-clone, removed first), so nothing of an earlier
# run's work tree is left. --reuse-build keeps the compiled Rust dependencies between runs (the clone's target/ is
# a link to one kept folder): the first run still builds from cold, later runs rebuild only the project's own
# crates (their sources are newer) and skip the 10-odd minutes of third-party crates. The work tree, node_modules,
# the installed tools' checks and every test are fresh either way.
#
# One line per run on stdout: commit, passed, failed, minutes. Logs: $TMPDIR/lifeboat-test-repeat/run-K.log.
set -uo pipefail
cd "$(dirname "$0")/.."
source_repo=$PWD
runs=5
reuse=0
for arg in "$@"; do
  case $arg in
    --reuse-build) reuse=1 ;;
    [0-9]*) runs=$arg ;;
    *) echo "usage: bash scripts/test-repeat.sh [N=5] [--reuse-build]" >&2; exit 2 ;;
  esac
done
tmp=${TMPDIR:-/tmp}
clone=$tmp/lifeboat-fresh-clone
logs=$tmp/lifeboat-test-repeat
shared=$tmp/lifeboat-test-repeat-target
mkdir -p "$logs"
for ((k = 1; k <= runs; k++)); do
  rm -rf "$clone"
  git clone -q "$source_repo" "$clone" || exit 1
  commit=$(git -C "$clone" rev-parse --short HEAD)
  if [ "$reuse" -eq 1 ]; then
    mkdir -p "$shared"
    ln -s "$shared" "$clone/target"
  fi
  start=$(date +%s)
  (cd "$clone" && bash scripts/test.sh) >"$logs/run-$k.log" 2>&1
  status=$?
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logs/run-$k.log" | tail -n 1)
  minutes=$(( ($(date +%s) - start + 30) / 60 ))
  echo "run $k/$runs at $commit: ${summary:-no summary} in $minutes min"
  if [ "$status" -ne 0 ] || [ -z "$summary" ] || ! [[ $summary =~ \ 0\ failed$ ]]; then
    echo "stopped at run $k: see $logs/run-$k.log"
    grep -E '^(failed:|   FAILED)' "$logs/run-$k.log" | head -n 20 | sed 's/^/  /'
    exit 1
  fi
done
echo "$runs fresh-clone runs in a row, all clean"
