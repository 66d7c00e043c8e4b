#!/usr/bin/env bash
# Installs what is missing, builds Lifeboat and opens it. With no Aura account configured
# (AURA_CLIENT_ID / AURA_CLIENT_SECRET unset) it opens in the sandbox: practice data, nothing real touched.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd ui && npm run --silent build)
cargo build --bin lifeboat
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec ./target/debug/lifeboat
fi
# No screen (a server or CI): run on a virtual display, save a screenshot, and keep running until Ctrl+C.
echo "No display found: running Lifeboat on a virtual display; a screenshot goes to target/lifeboat.png"
Xvfb :77 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
trap 'kill $xvfb $app 2>/dev/null || true' EXIT
export DISPLAY=:77
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
./target/debug/lifeboat & app=$!
sleep 6 && import -window root target/lifeboat.png && echo "screenshot: target/lifeboat.png"
wait $app
