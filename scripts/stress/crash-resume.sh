#!/usr/bin/env bash
# Crash-resume runs: N times, `kill -9` a `lifeboat upload` at a random point, then run the very same command
# again; it must resume from its journal and finish.
#
#   bash scripts/stress/crash-resume.sh [N=20]        # N=3 is the short variant of the test command
#
# One fast sandbox (`lifeboat sandbox --json --clock fast --data-dir D`) serves every run. Each run uploads a new
# 16 MiB generated backup (its own node/relationship counts) to "Staging" in 256 KiB chunks, with every chunk
# delayed 50 ms by a fault rule so the upload takes about 3 s, kills the CLI after a random 0.2–4 s, and re-runs the
# command without the delay. A kill after upload-complete leaves a journal that says so, and the second run only
# watches the import. Checks per run: exit 0 and outcome "running"; `resumedFrom` > 0 when the journal showed
# an acknowledged chunk at the kill (and not below it); `bytesResent` ≤ one chunk; `restartedFromZero` false; the
# instance has the file's counts; no journal left; the file's SHA-256, size, mtime and mode unchanged.
# Environment: LIFEBOAT_BIN (default target/debug/lifeboat, built here), CRASH_SEED (default: random; printed).
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib/wait.sh
root=$PWD
runs=${1:-20}
seed=${CRASH_SEED:-$((RANDOM * 32768 + RANDOM))}
RANDOM=$seed
chunk=262144

echo "building lifeboat and lifeboat-bench…"
cargo build --quiet -p lifeboat -p lifeboat-stress --bin lifeboat --bin lifeboat-bench || exit 1
bin=${LIFEBOAT_BIN:-$root/target/debug/lifeboat}
bench=$root/target/debug/lifeboat-bench

work=$(mktemp -d "${TMPDIR:-/tmp}/lifeboat-crash-XXXXXX")
sandbox_pid=""
upload_pid=""
cleanup() {
  [ -n "$upload_pid" ] && kill -9 "$upload_pid" 2>/dev/null
  [ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" sandbox --json --clock fast --port 0 --data-dir "$work/sandbox" >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
wait_for_line "$work/sandbox.out" 30 "$sandbox_pid"
info=$(head -n 1 "$work/sandbox.out")
[ -n "$info" ] || { echo "the sandbox did not start"; cat "$work/sandbox.err"; exit 1; }
console=$(jq -r .console_url <<<"$info")
base=${console%/console}
id=$(jq -r '.instances[] | select(.name == "Staging") | .id' <<<"$info")
password=$(jq -r '.instances[] | select(.name == "Staging") | .db_password' <<<"$info")
uri="neo4j+s://$id.databases.neo4j.io"
export NEO4J_PASSWORD=$password LIFEBOAT_DATA_DIR=$work/cli LIFEBOAT_POLL_MS=50
journal_dir=$work/cli/uploads

control() { curl -sf -o /dev/null -X "$1" -H 'content-type: application/json' ${3:+-d "$3"} "$base$2"; }
acknowledged() { # the journal's acknowledged bytes, or "none" without a journal
  local f best=none
  for f in "$journal_dir"/upload-*.json; do
    [ -e "$f" ] || continue
    local a; a=$(jq -r '.acknowledged' "$f" 2>/dev/null) || continue
    if [ "$best" = none ] || [ "$a" -gt "$best" ]; then best=$a; fi
  done
  echo "$best"
}
importing() { # whether a journal says the whole file had reached Aura (only the import was left)
  local f
  for f in "$journal_dir"/upload-*.json; do
    [ -e "$f" ] && [ "$(jq -r '.completedAt // empty' "$f" 2>/dev/null)" != "" ] && return 0
  done
  return 1
}
stamp() { stat -c '%s %y %a' "$1"; }
# `exec`, so that a backgrounded call's $! is the lifeboat process itself (kill -9 must hit it, not a subshell).
upload() {
  exec "$bin" upload neo4j --from-path "$1" --to-uri "$uri" --console-url "$console" --chunk-size 256KiB \
    --overwrite-destination --json
}

printf '\ncrash-resume: %d runs, seed %d (CRASH_SEED=%d to reproduce), sandbox %s\n\n' "$runs" "$seed" "$seed" "$base"
printf '%-4s %8s  %-26s %12s %12s %12s %9s  %s\n' run "kill at" "state at the kill" "acked" resumedFrom bytesResent "restart" result
fails=0; resumed_runs=0; total_resent=0; max_resent=0
for i in $(seq 1 "$runs"); do
  file="$work/upload-$i.backup"
  nodes=$((3000 + i)); rels=$((9000 + 7 * i))
  "$bench" gen --size 16MiB --nodes "$nodes" --relationships "$rels" --seed "$((seed + i))" --out "$file" >/dev/null ||
    { echo "cannot generate $file"; exit 1; }
  sha_before=$(sha256sum "$file" | cut -d' ' -f1); stat_before=$(stamp "$file")

  control POST /_emulator/faults '{"route":"PUT /objects/gcs/{session}","count":100000,"delay_ms":50}' ||
    { echo "cannot arm the delay"; exit 1; }
  kill_ms=$((200 + RANDOM % 3800))
  upload "$file" >"$work/first-$i.json" 2>"$work/first-$i.err" &
  upload_pid=$!
  [ "$(cat /proc/$upload_pid/comm 2>/dev/null)" = lifeboat ] || sleep 0.05
  sleep "$(printf '%d.%03d' $((kill_ms / 1000)) $((kill_ms % 1000)))"
  if kill -0 "$upload_pid" 2>/dev/null; then
    kill -9 "$upload_pid" 2>/dev/null; wait "$upload_pid" 2>/dev/null
    acked=$(acknowledged)
    if [ "$acked" = none ]; then state="killed before the journal"
    elif [ "$acked" -eq 0 ]; then state="killed, nothing acked"
    elif importing; then state="killed during the import"
    else state="killed mid-upload"; fi
  else
    wait "$upload_pid" 2>/dev/null; acked=$(acknowledged); state="finished before the kill"
  fi
  upload_pid=""
  control DELETE /_emulator/faults

  problems=()
  out=$( (upload "$file") 2>"$work/second-$i.err"); status=$?
  resumed=$(jq -r '.resumedFrom // empty' <<<"$out" 2>/dev/null)
  resent=$(jq -r '.bytesResent // empty' <<<"$out" 2>/dev/null)
  restarted=$(jq -r 'if has("restartedFromZero") then .restartedFromZero else empty end' <<<"$out" 2>/dev/null)
  [ "$status" -eq 0 ] || problems+=("exit $status: $(tail -n 1 "$work/second-$i.err")")
  [ "$(jq -r '.outcome // empty' <<<"$out" 2>/dev/null)" = running ] || problems+=("outcome is not running: $out")
  if [ "$state" = "killed mid-upload" ] || [ "$state" = "killed during the import" ]; then
    if [ -z "$resumed" ] || [ "$resumed" -eq 0 ]; then problems+=("resumedFrom is ${resumed:-missing} after $acked bytes were acknowledged");
    elif [ "$resumed" -lt "$acked" ]; then problems+=("resumedFrom $resumed is below the $acked bytes acknowledged"); fi
    resumed_runs=$((resumed_runs + 1))
  fi
  if [ -n "$resent" ]; then
    [ "$resent" -le "$chunk" ] || problems+=("bytesResent $resent > one chunk ($chunk)")
    total_resent=$((total_resent + resent)); [ "$resent" -gt "$max_resent" ] && max_resent=$resent
  fi
  [ "$restarted" = false ] || problems+=("restartedFromZero is ${restarted:-missing}")
  counts=$(curl -sf "$base/_emulator/state" | jq -r --arg id "$id" '.data.live[] | select(.id == $id) | "\(.status) \(.counts.nodes) \(.counts.relationships)"')
  [ "$counts" = "running $nodes $rels" ] || problems+=("instance is \"$counts\", expected \"running $nodes $rels\"")
  [ "$(acknowledged)" = none ] || problems+=("a journal was left behind")
  [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$sha_before" ] || problems+=("the file's content changed")
  [ "$(stamp "$file")" = "$stat_before" ] || problems+=("the file's size, mtime or mode changed")
  grep -q panicked "$work/first-$i.err" "$work/second-$i.err" && problems+=("a panic")

  if [ ${#problems[@]} -eq 0 ]; then result=ok; else
    result=FAILED; fails=$((fails + 1))
    mkdir -p "$root/target/stress"
    curl -sf "$base/_emulator/requests" >"$root/target/stress/crash-resume-run-$i-requests.json"
    cp "$work/first-$i.err" "$root/target/stress/crash-resume-run-$i-first.err" 2>/dev/null
    problems+=("request log and the first run's stderr kept in target/stress/crash-resume-run-$i-*")
  fi
  printf '%-4s %6d ms  %-26s %12s %12s %12s %9s  %s\n' "$i" "$kill_ms" "$state" "$acked" "${resumed:--}" \
    "${resent:--}" "${restarted:--}" "$result"
  for p in "${problems[@]}"; do echo "       $p"; done
  rm -f "$file"
done

echo
echo "summary: $runs runs, $resumed_runs killed mid-upload and resumed, $fails failed;" \
  "bytes re-sent on resume: $total_resent in all, at most $max_resent per run (limit $chunk); seed $seed"
[ "$fails" -eq 0 ]
