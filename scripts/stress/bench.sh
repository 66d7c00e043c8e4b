#!/usr/bin/env bash
# Benchmarks, measured side by side on this machine: prints the figures and writes them (with the date and the
# machine) to target/bench/results.md. Figures only: nothing here passes or fails on a time.
#
#   bash scripts/stress/bench.sh
#
#   1. CRC-32 pass (what every upload starts with) vs `dd of=/dev/null bs=1M` vs the old one-buffer loop, timed in
#      turn in one process on the same warm file (`lifeboat-bench crc-race`), best and median of 3 rounds.
#   2. Upload (the engine's GCS half, lifeboat_upload::upload_to_signed_url, 64 MiB and 8 MiB chunks) vs
#      `curl -T FILE` to the same draining loopback sink (`lifeboat-bench sink`), best of 3.
#   3. End-to-end sandbox restore of 1 GiB through `lifeboat-cli upload` (fast clock: the emulator's import timing
#      scaled 1/200; the bytes still go over loopback into the emulator's store on disk, which CRC-checks them).
#   4. Peak RSS of `lifeboat-cli upload` at 1 GiB and 8 GiB (/usr/bin/time -v "Maximum resident set size"). The
#      8 GiB run is skipped, with a message, when less than 20 GiB is free. `lifeboat-cli` is the command line
#      without the desktop app's libraries; `lifeboat upload` (the desktop binary) runs the same code on top of
#      the baseline those libraries cost, measured as the peak RSS of `lifeboat --version` (debug build: the
#      release desktop app is not built here, it takes long).
#   5. Aura API requests per minute while three jobs (restore, new instance, restore drill) are watched, in a
#      real-clock sandbox with the app's 2-second poll and shared budget (`lifeboat-bench api-rate`, 60 s).
#   6. The logical data export of Production and its import into Staging (scripts/stress/graph-bench.sh):
#      entities/s, peak RSS, and where the time went.
#
# Files are generated incompressible (a valid Neo4j 5 backup of random filler) in target/bench/work, and removed.
# Environment: BENCH_SIZE (default 1GiB), BENCH_BIG_SIZE (default 8GiB; "0" skips), BENCH_REPEAT (default 3).
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/wait.sh
root=$PWD
out_dir=$root/target/bench
work=$out_dir/work
size=${BENCH_SIZE:-1GiB}
big=${BENCH_BIG_SIZE:-8GiB}
repeat=${BENCH_REPEAT:-3}
mkdir -p "$work"
results=$out_dir/results.md

echo "building release binaries (lifeboat-cli, lifeboat-bench)…"
cargo build --release --quiet -p lifeboat-cli -p lifeboat-stress --bin lifeboat-cli --bin lifeboat-bench || exit 1
bin=$root/target/release/lifeboat-cli
bench=$root/target/release/lifeboat-bench

sink_pid=""; sandbox_pid=""
cleanup() {
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }
now() { date +%s.%N; }
# measure LABEL CMD…: runs CMD (stdout to $work/LABEL.out); sets SECS (wall) and RSS_KIB (peak RSS); returns its status.
measure() {
  local label=$1; shift
  local t0 t1 status
  t0=$(now)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$work/$label.rss" "$@" >"$work/$label.out" 2>"$work/$label.err"; status=$?
    RSS_KIB=$(tail -n 1 "$work/$label.rss")
  else
    "$bench" rss -- "$@" >"$work/$label.out" 2>"$work/$label.err"; status=$?
    RSS_KIB=$(tail -n 1 "$work/$label.err" | jq -r .maxRssKiB)
  fi
  t1=$(now)
  SECS=$(calc "$t1 - $t0" 3)
  return $status
}
# best LABEL CMD…: the fastest of $repeat runs; sets BEST (seconds) and BEST_RSS.
best() {
  local label=$1; shift
  BEST=""; BEST_RSS=0
  for r in $(seq 1 "$repeat"); do
    measure "$label-$r" "$@" || { echo "   $label failed: $(tail -n 2 "$work/$label-$r.err")"; return 1; }
    if [ -z "$BEST" ] || awk "BEGIN { exit !($SECS < $BEST) }"; then BEST=$SECS; fi
    if [ "$RSS_KIB" -gt "$BEST_RSS" ]; then BEST_RSS=$RSS_KIB; fi
  done
  return 0
}
mbps() { calc "$1 / 1000000 / $2" 0; }
mib() { calc "$1 / 1048576" 0; }

rows=()
row() { rows+=("| $1 | $2 | $3 |"); printf '   %-58s %-28s %s\n' "$1" "$2" "$3"; }

free_gib=$(df -P --block-size=1G "$work" | awk 'NR == 2 { print $4 }')
echo "machine: $(nproc) cores, $(uname -m), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, ${free_gib} GiB free in $work"

echo "── generating a $size incompressible backup"
"$bench" gen --size "$size" --out "$work/bench.backup" --nodes 123456 --relationships 654321 >"$work/gen.json" || exit 1
bytes=$(jq -r .fileSize "$work/gen.json")
file=$work/bench.backup

echo "── 1. CRC-32 pass vs dd bs=1M vs the old one-buffer loop (page cache warm, in turn, $repeat rounds)"
"$bench" crc-race "$file" --rounds "$repeat" >"$work/crc-race.json" || exit 1
race() { jq -r "$1" "$work/crc-race.json"; }
row "dd if=FILE of=/dev/null bs=1M" "$(calc "$(race .ddSecs.mbPerSec)" 0) MB/s" "best $(calc "$(race .ddSecs.best)" 3) s for $(mib "$bytes") MiB"
row "CRC-32 pass (lifeboat_archive::checksum_file, $(race .threads) threads)" "$(calc "$(race .passSecs.mbPerSec)" 0) MB/s" "best $(calc "$(race .passSecs.best)" 3) s"
row "old single 4 MiB-buffer loop" "$(calc "$(race .oldLoopSecs.mbPerSec)" 0) MB/s" "best $(calc "$(race .oldLoopSecs.best)" 3) s"
row "→ time ratio pass / dd (best; median of rounds)" "$(calc "$(race .passOverDd.best)" 2)×; $(calc "$(race .passOverDd.medianOfRounds)" 2)×" "goal ≤ 1.0×"
row "→ time ratio old loop / dd (best; median of rounds)" "$(calc "$(race .oldLoopOverDd.best)" 2)×; $(calc "$(race .oldLoopOverDd.medianOfRounds)" 2)×" ""

echo "── 2. upload vs curl -T to the same draining loopback sink (best of $repeat)"
"$bench" sink >"$work/sink.out" 2>"$work/sink.err" &
sink_pid=$!
wait_for_line "$work/sink.out" 5 "$sink_pid"
sink=$(jq -r .url "$work/sink.out")
best curl curl -sS -o /dev/null -H 'Expect:' -T "$file" "$sink/object" || exit 1
curl_s=$BEST
best up64 "$bench" signed-upload "$file" "$sink/start" --chunk-size 64MiB || exit 1
up64_s=$BEST; up64_rss=$BEST_RSS
best up8 "$bench" signed-upload "$file" "$sink/start" --chunk-size 8MiB || exit 1
up8_s=$BEST
kill "$sink_pid" 2>/dev/null; sink_pid=""
row "curl -T to the sink" "$(mbps "$bytes" "$curl_s") MB/s" "$(calc "$curl_s" 3) s"
row "lifeboat upload engine, 64 MiB chunks" "$(mbps "$bytes" "$up64_s") MB/s" "peak RSS $(calc "$up64_rss / 1024" 1) MiB"
row "lifeboat upload engine, 8 MiB chunks" "$(mbps "$bytes" "$up8_s") MB/s" ""
row "→ ratio engine (64 MiB) / curl -T (throughput)" "$(calc "$curl_s / $up64_s" 2)" ""
row "→ ratio engine (8 MiB) / curl -T (throughput)" "$(calc "$curl_s / $up8_s" 2)" ""

echo "── 3./4. end-to-end sandbox restore through lifeboat-cli upload (fast clock)"
"$bin" sandbox --json --clock fast --port 0 --data-dir "$work/sandbox" >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
wait_for_line "$work/sandbox.out" 30 "$sandbox_pid"
info=$(head -n 1 "$work/sandbox.out")
console=$(jq -r .console_url <<<"$info")
prod_id=$(jq -r '.instances[] | select(.name == "Production") | .id' <<<"$info")
NEO4J_PASSWORD=$(jq -r '.instances[] | select(.name == "Production") | .db_password' <<<"$info")
export NEO4J_PASSWORD LIFEBOAT_DATA_DIR=$work/cli LIFEBOAT_POLL_MS=100
restore() { # LABEL FILE
  measure "$1" "$bin" upload neo4j --from-path "$2" --to-uri "neo4j+s://$prod_id.databases.neo4j.io" \
    --console-url "$console" --overwrite-destination --json
}
if restore e2e "$file"; then
  up_s=$(jq -r .uploadSecs "$work/e2e.out"); imp_s=$(jq -r .importSecs "$work/e2e.out")
  row "restore $(mib "$bytes") MiB end to end (lifeboat-cli upload, wall)" "$(calc "$SECS" 1) s" \
    "upload $(calc "$up_s" 1) s ($(mbps "$bytes" "$up_s") MB/s), import $(calc "$imp_s" 1) s (fast clock)"
  row "→ ratio upload phase / curl -T (throughput)" "$(calc "$curl_s / $up_s" 2)" "emulator writes to disk, curl's sink discards"
  row "peak RSS of lifeboat-cli upload, $(mib "$bytes") MiB" "$(calc "$RSS_KIB / 1024" 1) MiB" ""
else
  row "restore end to end" "FAILED" "$(tail -n 1 "$work/e2e.err")"
fi
rm -f "$file"

to_bytes() { # 8GiB, 512MiB, 1g, 1048576 → bytes
  local s=${1,,}; s=${s%b}; s=${s%i}
  case $s in *g) echo $((${s%g} << 30)) ;; *m) echo $((${s%m} << 20)) ;; *k) echo $((${s%k} << 10)) ;; *) echo "$s" ;; esac
}
big_bytes=$(to_bytes "$big")
need_gib=20
if [ "$big_bytes" -eq 0 ]; then
  row "peak RSS of lifeboat-cli upload, big file" "skipped" "BENCH_BIG_SIZE=0"
elif [ "$free_gib" -lt "$need_gib" ]; then
  echo "   only ${free_gib} GiB free (< ${need_gib} GiB): skipping the $big run"
  row "peak RSS of lifeboat-cli upload, $big" "skipped" "only ${free_gib} GiB free, ${need_gib} GiB needed"
else
  echo "── generating a $big incompressible backup"
  "$bench" gen --size "$big" --out "$work/big.backup" >"$work/gen-big.json" || exit 1
  big_file_bytes=$(jq -r .fileSize "$work/gen-big.json")
  if restore e2e-big "$work/big.backup"; then
    up_s=$(jq -r .uploadSecs "$work/e2e-big.out")
    row "restore $(mib "$big_file_bytes") MiB end to end (lifeboat-cli upload, wall)" "$(calc "$SECS" 1) s" \
      "upload $(calc "$up_s" 1) s ($(mbps "$big_file_bytes" "$up_s") MB/s)"
    row "peak RSS of lifeboat-cli upload, $(mib "$big_file_bytes") MiB" "$(calc "$RSS_KIB / 1024" 1) MiB" ""
  else
    row "restore $big end to end" "FAILED" "$(tail -n 1 "$work/e2e-big.err")"
  fi
  rm -f "$work/big.backup"
fi
desktop=$root/target/debug/lifeboat
if [ -x "$desktop" ] && measure baseline-cli "$root/target/debug/lifeboat-cli" --version && cli_base=$RSS_KIB &&
  measure baseline-desktop "$desktop" --version; then
  row "peak RSS of \`--version\`: lifeboat-cli vs the desktop binary (debug builds)" \
    "$(calc "$cli_base / 1024" 1) vs $(calc "$RSS_KIB / 1024" 1) MiB" \
    "what \`lifeboat upload\` adds to the figures above: the desktop libraries' baseline"
fi
echo "── 5. API requests per minute while three jobs are watched (real clock, 60 s)"
if "$bench" api-rate --seconds 60 >"$work/api-rate.json" 2>"$work/api-rate.err"; then
  r=$(cat "$work/api-rate.json")
  row "Aura API requests per minute, three jobs watched" "$(calc "$(jq -r .perMinute <<<"$r")" 0)/min" \
    "limit $(jq -r .auraLimitPerMinute <<<"$r")/min, budget $(jq -r .budgetPerMinute <<<"$r")/min; $(jq -r .apiWrites <<<"$r") writes, $(jq -r .rateLimited <<<"$r") × 429; jobs: $(jq -r '.jobs | join(", ")' <<<"$r")"
else
  row "Aura API requests per minute, three jobs watched" "FAILED" "$(tail -n 1 "$work/api-rate.err")"
fi
echo "── 6. data export and import of Production (1.2 M nodes, 4.8 M relationships) against the sandbox"
if GRAPH_BENCH_DIR=$work/graph bash scripts/stress/graph-bench.sh >"$work/graph.out" 2>"$work/graph.err"; then
  sed 's/^/   /' "$work/graph.out"
  for half in export import; do
    line=$(grep -m1 "^$half:" "$work/graph.out")
    times=$(grep -A1 -m1 "^$half:" "$work/graph.out" | tail -n 1 | sed 's/^ *time: //')
    row "lifeboat-cli graph $half, Production (release)" "$(sed -nE 's/.* ([0-9.]+) entities\/s.*/\1/p' <<<"$line") entities/s" \
      "$(sed -nE 's/^[a-z]+: (.*)$/\1/p' <<<"$line"); $times"
  done
else
  row "lifeboat-cli graph export/import" "FAILED" "$(tail -n 1 "$work/graph.out" "$work/graph.err" | tail -n 1)"
fi

{
  echo "# Lifeboat benchmarks"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores ($(uname -m)), $(lscpu 2>/dev/null | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, kernel $(uname -r)"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (with local changes)'), release build"
  echo "- files: valid Neo4j 5 backups of incompressible filler ($(mib "$bytes") MiB; big: ${big}); best of $repeat where repeated"
  echo "- the machine may be shared: treat the figures as indications, the ratios (measured side by side) as the result"
  echo
  echo "| measurement | figure | notes |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "API requests per minute: the engine's job watcher (2-second poll, as in the app) on three jobs in a real-clock"
  echo "sandbox, counted in \`GET /_emulator/requests\`; the app's instance list adds one request every 10 s while visible."
} >"$results"
echo
echo "results written to $results"
