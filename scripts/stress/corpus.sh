#!/usr/bin/env bash
# The bad-file corpus: 70 broken, odd and hostile files and folders generated in a temporary folder (never
# committed), each put through the real `lifeboat` binary — `inspect`, and `upload` against a fast sandbox for
# some. Every case must give a specific plain-language reason and exit non-zero (except the files that are fine),
# never panic or hang, and leave the file's SHA-256, size, mtime and mode unchanged. Prints a table; exits non-zero
# on any failure. Known gaps of the product are listed as GAP (they don't fail the run).
#
#   bash scripts/stress/corpus.sh            # every case (about 20 s on 2 cores)
#   bash scripts/stress/corpus.sh --short    # the variant of the test command (63 cases, about 15 s)
#   bash scripts/stress/corpus.sh --keep     # keep the generated folder to look at
#
# LIFEBOAT_BIN chooses the binary under test (default target/debug/lifeboat, built here).
set -uo pipefail
cd "$(dirname "$0")/../.."
cargo build --quiet -p lifeboat -p lifeboat-stress --bin lifeboat --bin lifeboat-corpus || exit 1
exec "$PWD/target/debug/lifeboat-corpus" --lifeboat "${LIFEBOAT_BIN:-$PWD/target/debug/lifeboat}" "$@"
