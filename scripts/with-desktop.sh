#!/usr/bin/env bash
# Runs a command inside a private desktop like a user's: its own Xvfb display, D-Bus session, unlocked
# Secret Service keyring (gnome-keyring), notification daemon (dunst) with every Notify call recorded, and
# tauri-driver — all on loopback, all stopped afterwards. HOME and the XDG dirs are fresh temp dirs, so tests
# never see (or touch) the developer's own keyring, app data or webview state.
#
# Usage: scripts/with-desktop.sh CMD [ARGS...]
# Inside, these are set: DISPLAY, DBUS_SESSION_BUS_ADDRESS, LIFEBOAT_NOTIFY_LOG, TAURI_DRIVER_PORT, LIFEBOAT_TEST_HOME.
set -euo pipefail

real_home=$HOME
export CARGO_HOME=${CARGO_HOME:-$real_home/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$real_home/.rustup}
export PATH="$CARGO_HOME/bin:$PATH"
sandbox=$(mktemp -d -t lifeboat-desktop.XXXXXX)
export HOME=$sandbox/home TMPDIR=$sandbox/tmp XDG_RUNTIME_DIR=$sandbox/run
mkdir -p "$HOME" "$TMPDIR" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export XDG_DATA_HOME=$HOME/.local/share XDG_CACHE_HOME=$HOME/.cache XDG_CONFIG_HOME=$HOME/.config
export NO_AT_BRIDGE=1 GTK_A11Y=none LIFEBOAT_TEST_HOME=$HOME
export LIFEBOAT_NOTIFY_LOG=$sandbox/notify.log

# Xvfb picks a display number nobody uses itself (-displayfd), and writes it once it accepts connections: no race
# between choosing a number and taking it, and no guess of how long a busy machine takes to start it.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$sandbox/display" >"$sandbox/xvfb.log" 2>&1 &
xvfb=$!
cleanup() { kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true; rm -rf "$sandbox"; }
trap cleanup EXIT
for _ in $(seq 600); do
  [ -s "$sandbox/display" ] && break
  kill -0 "$xvfb" 2>/dev/null || break
  sleep 0.1
done
display=$(head -n 1 "$sandbox/display" 2>/dev/null)
export DISPLAY=":$display"
if [ -z "$display" ] || ! xdpyinfo >/dev/null 2>&1; then
  echo "with-desktop: Xvfb did not start" >&2; cat "$sandbox/xvfb.log" >&2; exit 1
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export TAURI_DRIVER_PORT=$(free_port) TAURI_NATIVE_PORT=$(free_port)

dbus-run-session -- bash -euo pipefail -c '
  pids=()
  stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
  trap stop EXIT
  # The Secret Service, unlocked with a throwaway password (it guards nothing but this temp HOME).
  eval "$(printf %s lifeboat-test | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)"
  dunst >"$TMPDIR/dunst.log" 2>&1 & pids+=($!)
  for _ in $(seq 100); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.NameHasOwner \
      string:org.freedesktop.Notifications 2>/dev/null | grep -q "boolean true" && break
    sleep 0.1
  done
  dbus-monitor --session "interface=org.freedesktop.Notifications,member=Notify" >"$LIFEBOAT_NOTIFY_LOG" 2>&1 & pids+=($!)
  tauri-driver --port "$TAURI_DRIVER_PORT" --native-port "$TAURI_NATIVE_PORT" >"$TMPDIR/tauri-driver.log" 2>&1 & pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$TAURI_DRIVER_PORT/status" >/dev/null && break; sleep 0.1; done
  "$@"
' with-desktop "$@"
