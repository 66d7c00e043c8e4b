#!/usr/bin/env bash
# The logical data export and import against the sandbox, release build, figures only (nothing here passes or fails
# on a time): `lifeboat-cli graph export` of an instance (default Production: 1.2 M nodes, 4.8 M relationships),
# then `lifeboat-cli graph import` of that file into Staging. Prints, for each: entities, entities/s, wall time,
# peak RSS of the client, the emulator's CPU time, and where the client's time went (waiting for the Query API,
# decoding answers / building requests, encoding lines / parsing them, zstd and the file), as the engine measures
# and logs it ("transfer timings").
#
#   bash scripts/stress/graph-bench.sh [INSTANCE=Production]
#
# Also run as section 6 of scripts/stress/bench.sh. The sandbox runs on the fast clock, so its demo instances grow
# while they are read (an export then leaves out the relationships to nodes added meanwhile, and says so).
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/wait.sh
root=$PWD
source_name=${1:-Production}
work=${GRAPH_BENCH_DIR:-$root/target/bench/graph}
rm -rf "$work"; mkdir -p "$work"

echo "building the release command line (lifeboat-cli)…" >&2
cargo build --release --quiet -p lifeboat-cli --bin lifeboat-cli || exit 1
bin=$root/target/release/lifeboat-cli

"$bin" sandbox --json --clock fast --port 0 --data-dir "$work/sandbox" >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox=$!
trap 'kill "$sandbox" 2>/dev/null; wait "$sandbox" 2>/dev/null; rm -rf "$work/sandbox" "$work/export.graph.jsonl.zst"' EXIT
wait_for_line "$work/sandbox.out" 30 "$sandbox" || { echo "the sandbox did not start" >&2; exit 1; }
info=$(head -n 1 "$work/sandbox.out")
field() { jq -r ".instances[] | select(.name == \"$1\") | .$2" <<<"$info"; }
export AURA_CLIENT_ID=$(jq -r .client_id <<<"$info") AURA_CLIENT_SECRET=$(jq -r .client_secret <<<"$info")
export LIFEBOAT_API_URL=$(jq -r .api_url <<<"$info") LIFEBOAT_AUTH_URL=$(jq -r .auth_url <<<"$info")
export LIFEBOAT_QUERY_URL=$(jq -r .query_url <<<"$info") LIFEBOAT_DATA_DIR=$work/cli NEO4J_USERNAME=neo4j
export NO_COLOR=1 RUST_LOG=lifeboat_engine::graph_export=info

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$sandbox/stat"; }
hz=$(getconf CLK_TCK)
# run LABEL NAME ARGS…: one transfer; prints its line of figures.
run() {
  local label=$1 name=$2; shift 2
  local t0 t1
  t0=$(cpu_ticks)
  NEO4J_PASSWORD=$(field "$name" db_password) /usr/bin/time -f '%e %M' -o "$work/$label.time" \
    "$bin" graph "$@" --json >"$work/$label.json" 2>"$work/$label.err"
  local status=$?
  t1=$(cpu_ticks)
  if [ "$status" -ne 0 ]; then
    echo "$label: FAILED ($(jq -r '.error.message // empty' "$work/$label.json" 2>/dev/null || tail -n 1 "$work/$label.err"))"
    return 1
  fi
  local line; line=$(grep -m1 'transfer timings' "$work/$label.err")
  val() { sed -nE "s/.* $1=([0-9.]+).*/\1/p" <<<"$line"; }
  read -r wall rss <"$work/$label.time"
  printf '%s: %s entities, %s entities/s, %s s (client %.1f s wall, peak RSS %d MiB; emulator CPU %.1f s)\n' \
    "$label" "$(val entities)" "$(val entities_per_sec)" "$(printf '%.1f' "$(val wall_secs)")" "$wall" "$((rss / 1024))" \
    "$(awk "BEGIN { print ($t1 - $t0) / $hz }")"
  printf '   time: Query API %.1f s · decode/requests %.1f s · encode/parse %.1f s · zstd+file %.1f s\n' \
    "$(val query_api_secs)" "$(val decode_secs)" "$(val encode_secs)" "$(val compress_secs)"
  jq -r '.steps[] | select(.id == "verify") | "   check: " + (.detail // "")' "$work/$label.json"
}

file=$work/export.graph.jsonl.zst
run export "$source_name" export "$(field "$source_name" id)" --out "$file" || exit 1
run import Staging import "$(field Staging id)" --from "$file" --confirm RESTORE --no-safety-snapshot || exit 1
