#!/usr/bin/env bash
# Builds the release app and its installable Linux packages with Tauri's bundler:
#   target/release/bundle/deb/Lifeboat_<version>_amd64.deb
#   target/release/bundle/rpm/Lifeboat-<version>-1.x86_64.rpm
# Both install the app as /usr/bin/lifeboat (the same binary is the CLI), a desktop entry with its icons, and the
# MIME types of Neo4j backups and dumps (packaging/linux/). No AppImage: Tauri's AppImage bundler downloads its
# tools (linuxdeploy and its GTK plugin) from GitHub while it runs, and no package registry this project uses
# carries them (see the README). A release build from cold takes about 25 minutes on a two-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
(cd ui && npm run --silent build)
# The Tauri CLI comes from npm (@tauri-apps/cli, a devDependency of ui/). `--ci`: no prompts.
ui/node_modules/.bin/tauri build --ci --bundles deb,rpm -- --locked

shopt -s nullglob
debs=(target/release/bundle/deb/*.deb)
rpms=(target/release/bundle/rpm/*.rpm)
[ ${#debs[@]} -eq 1 ] && [ ${#rpms[@]} -eq 1 ] || {
  echo "package: expected one .deb and one .rpm under target/release/bundle/, found: ${debs[*]} ${rpms[*]}" >&2
  exit 1
}
echo "package: built"
ls -l "${debs[0]}" "${rpms[0]}"
