#!/usr/bin/env bash
# Installs everything Lifeboat needs on a fresh Debian machine: apt packages, npm packages, tauri-driver.
# Idempotent: a warm machine skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential pkg-config libwebkit2gtk-4.1-dev libdbus-1-dev xvfb x11-utils imagemagick
  webkit2gtk-driver gnome-keyring libsecret-tools dunst jq curl dbus
  # Packaging and its test (scripts/package.sh, scripts/test-packages.sh): the .rpm is built and listed with
  # Debian's rpm; the installed desktop entry and MIME types are checked with the freedesktop tools.
  rpm desktop-file-utils xdg-utils shared-mime-info libglib2.0-bin)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --ignore-scripts: no package may run install hooks (nor try to download browsers or drivers).
# `npm install` rather than `npm ci`: the registry here lacks some of Biome's per-platform optional packages, so
# the lockfile cannot list them and `npm ci` refuses it; `npm install` still installs the locked versions.
for dir in ui tests/e2e; do
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: installing npm packages in $dir"
    (cd "$dir" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error)
  fi
done

# An independent GCS implementation, for the upload engine's interoperability test.
if ! python3 -c "import gcp_storage_emulator" >/dev/null 2>&1; then
  echo "setup: installing gcp-storage-emulator (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check gcp-storage-emulator
fi

# An independent Aura API client, for the emulator's interoperability test (tests/interop/). Pinned: the test
# relies on what this version's documentation says Aura does, and its transport was read to be sure a loopback
# base URL is the only host it contacts (see tests/interop/test_aura_sdk.py).
AURA_SDK_VERSION=0.1.5
if ! python3 -c "import sys, aura_python_sdk as a; sys.exit(a.__version__ != '$AURA_SDK_VERSION')" >/dev/null 2>&1; then
  echo "setup: installing aura-python-sdk $AURA_SDK_VERSION (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check "aura-python-sdk==$AURA_SDK_VERSION"
fi

# cargo-deny checks licences, bans and sources (the advisories check needs a git host this machine cannot reach).
if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "setup: installing cargo-deny (a few minutes, once)"
  cargo install cargo-deny --locked --version 0.20.2 --quiet
fi

if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --version 2.1.0 --quiet
fi
