#!/usr/bin/env bash
# The soak: N uploads through the upload engine against an in-process fast-clock emulator, with faults drawn from a
# seeded random mix; checks every run to the byte, prints a table by fault kind and the seed to reproduce, and exits
# non-zero when any check failed. Arguments go to lifeboat-soak (see `lifeboat-soak --help`).
#
#   bash scripts/stress/soak.sh --uploads 100 --seed 42        # the full run (≥ 200 faults), about 5 minutes
#   bash scripts/stress/soak.sh --short                        # 10 uploads (~35 s), as tests/soak_short.rs runs it
#   bash scripts/stress/soak.sh --seed 42 --only 17            # reproduce upload #17 of a run
set -uo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet -p lifeboat-stress --bin lifeboat-soak || exit 1
exec "$PWD/target/debug/lifeboat-soak" "$@"
