# Waits for events in shell scripts, sourced by the stress scripts. A file that merely exists or is non-empty may
# still be half-written, so each wait names the complete thing it needs.

# wait_for_line FILE [SECONDS=30] [PID]: returns 0 once FILE holds at least one complete (newline-terminated)
# line, 1 after SECONDS or as soon as PID (the process that writes FILE) has exited without writing it.
wait_for_line() {
  local file=$1 seconds=${2:-30} pid=${3:-} i
  for ((i = 0; i < seconds * 20; i++)); do
    [ -f "$file" ] && [ "$(wc -l <"$file")" -ge 1 ] && return 0
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && { [ -f "$file" ] && [ "$(wc -l <"$file")" -ge 1 ]; return; }
    sleep 0.05
  done
  return 1
}
