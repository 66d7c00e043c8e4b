#!/usr/bin/env bash
# The test of a real install, as a user does it: builds the packages (scripts/package.sh), installs the .deb with
# apt on this machine, checks its desktop entry and MIME types with the freedesktop tools, starts the INSTALLED
# /usr/bin/lifeboat in a private desktop (scripts/with-desktop.sh: its own HOME, display and D-Bus) through
# tauri-driver, opens a generated .backup with `lifeboat FILE`, then uninstalls and checks that nothing the package
# owned is left. The .rpm (built from the same files) is listed with rpm and must hold the same files.
# Prints "N passed, N failed"; exit status is non-zero when anything failed.
#
#   bash scripts/test-packages.sh             build, then test
#   bash scripts/test-packages.sh --no-build  test the packages already under target/release/bundle/
#
# Run by `bash scripts/test.sh --packages`. Needs root (or sudo): it installs and removes the package.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export CARGO_TERM_COLOR=never NO_COLOR=1 DEBIAN_FRONTEND=noninteractive

results=$root/target/test-results/packages
rm -rf "$results"; mkdir -p "$results"
passed=0; failed=0; failures=()
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

record() { passed=$((passed + $2)); failed=$((failed + $3)); [ "$3" -gt 0 ] && failures+=("$1"); return 0; }
# check NAME CMD...: one test; its output goes to target/test-results/packages/NAME.log.
check() {
  local name=$1; shift
  echo "── $name"
  if "$@" >"$results/$name.log" 2>&1; then record "$name" 1 0; echo "   ok"
  else record "$name" 0 1; echo "   FAILED:"; tail -n 30 "$results/$name.log" | sed 's/^/   /'; fi
}
finish() {
  echo
  [ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]} (logs in target/test-results/packages/)"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

if [ "${1:-}" != "--no-build" ]; then
  check build-packages bash scripts/package.sh
fi
shopt -s nullglob
debs=("$root"/target/release/bundle/deb/*.deb); rpms=("$root"/target/release/bundle/rpm/*.rpm)
if [ ${#debs[@]} -ne 1 ] || [ ${#rpms[@]} -ne 1 ]; then
  echo "no single .deb and .rpm under target/release/bundle/ (found: ${debs[*]} ${rpms[*]})"; record packages-found 0 1; finish
fi
deb=${debs[0]}; rpm=${rpms[0]}
pkg=$(dpkg-deb -f "$deb" Package); version=$(dpkg-deb -f "$deb" Version)
echo "testing $pkg $version: $(basename "$deb"), $(basename "$rpm")"

# The generator the end-to-end tests use (lifeboat-archive's `inspect --generate`), built against the release
# build's dependencies so it costs seconds.
check build-generator cargo build --release --locked -p lifeboat-archive --example inspect
work=$(mktemp -d -t lifeboat-packages.XXXXXX)
trap 'rm -rf "$work"' EXIT
generate() { "$root/target/release/examples/inspect" --generate backup-zstd-v3 $((1024 * 1024)) "$1" >/dev/null; }
check generate-backups bash -c "$(declare -f generate); root='$root'; generate '$work/first export.backup' && generate '$work/second.backup' && generate '$work/renamed copy'"

# A machine that already has it (an earlier run that stopped half-way) starts clean.
dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" && $SUDO apt-get remove --purge -y -qq "$pkg" >/dev/null

check apt-install $SUDO apt-get install -y -qq "$deb"
dpkg -L "$pkg" >"$results/owned.txt" 2>/dev/null || true
desktop=$(grep -E '^/usr/share/applications/.*\.desktop$' "$results/owned.txt" | head -n 1)

check declares-runtime-dependencies bash -c "dpkg-deb -f '$deb' Depends | tee /dev/stderr | grep -q 'libwebkit2gtk-4.1-0' && dpkg-deb -f '$deb' Depends | grep -q 'libgtk-3-0'"
check package-fields-filled bash -c "for f in Maintainer Homepage Description; do v=\$(dpkg-deb -f '$deb' \$f); echo \"\$f: \$v\"; [ -n \"\$v\" ] || exit 1; done"
check installs-usr-bin-lifeboat bash -c "grep -qx /usr/bin/lifeboat '$results/owned.txt' && test -x /usr/bin/lifeboat"
check installed-cli-answers /usr/bin/lifeboat --version
check installs-icons bash -c "grep -E '^/usr/share/icons/hicolor/.*/apps/.*\.png$' '$results/owned.txt'"
check desktop-entry-valid desktop-file-validate "$desktop"
check desktop-entry-opens-files bash -c "cat '$desktop'; grep -qE '^Exec=lifeboat %F$' '$desktop' &&
  grep -E '^MimeType=' '$desktop' | grep -q 'application/x-neo4j-backup;' && grep -E '^MimeType=' '$desktop' | grep -q 'application/x-neo4j-dump;'"
# xdg-mime asks GLib's gio, which reads the shared MIME database, only when it believes it runs under GNOME; its
# fallback elsewhere, file(1), knows nothing of installed MIME types.
filetype() { XDG_CURRENT_DESKTOP=GNOME xdg-mime query filetype "$1"; }
expect_type() { local got; got=$(filetype "$1"); echo "$1: $got"; [ "$got" = "$2" ]; }
check mime-type-by-extension bash -c "$(declare -f filetype expect_type); expect_type '$work/first export.backup' application/x-neo4j-backup"
check mime-type-by-magic-bytes bash -c "$(declare -f filetype expect_type); expect_type '$work/renamed copy' application/x-neo4j-backup"
check opens-with-lifeboat-by-default bash -c "got=\$(xdg-mime query default application/x-neo4j-backup); echo \"\$got\"; [ \"\$got\" = '$(basename "$desktop")' ]"

echo "── installed app through WebDriver"
LIFEBOAT_APP=/usr/bin/lifeboat LIFEBOAT_EXPECT_VERSION="$version" \
  LIFEBOAT_OPEN_FIRST="$work/first export.backup" LIFEBOAT_OPEN_SECOND="$work/second.backup" \
  scripts/with-desktop.sh bash -c 'cd tests/e2e && node --test --test-concurrency=1 --test-reporter=spec \
    --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$0" packages/' \
  "$results/installed-app.tap" >"$results/installed-app.log" 2>&1
ws=$?
wp=$(grep -cE '^ok [0-9]+ ' "$results/installed-app.tap" 2>/dev/null) || wp=0
wf=$(grep -cE '^not ok [0-9]+ ' "$results/installed-app.tap" 2>/dev/null) || wf=0
[ "$ws" -ne 0 ] && [ "$wf" -eq 0 ] && wf=1
record installed-app "$wp" "$wf"; echo "   $wp passed, $wf failed"
[ "$wf" -gt 0 ] && tail -n 60 "$results/installed-app.log" | sed 's/^/   /'

# The .rpm holds the same files (its own list, with the file modes, so directories can be told apart).
deb_files() { while read -r p; do [ -d "$p" ] || echo "$p"; done <"$results/owned.txt" | grep -v '^/usr/share/doc/' | sort; }
rpm_files() { rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' "$rpm" | awk '$1 !~ /^d/ {print $2}' | sort; }
check rpm-holds-the-same-files bash -c "$(declare -f deb_files rpm_files); results='$results' rpm='$rpm';
  rpm -qlp \"\$rpm\"; diff <(deb_files) <(rpm_files)"

check apt-remove-purge $SUDO apt-get remove --purge -y -qq "$pkg"
# Left behind: any file the package owned, or a folder of its own (one no other package also owns).
leftovers() {
  while read -r p; do
    [ "$p" = "/." ] && continue
    if [ -d "$p" ]; then dpkg-query -S "$p" >/dev/null 2>&1 || echo "$p"
    elif [ -e "$p" ] || [ -L "$p" ]; then echo "$p"; fi
  done <"$results/owned.txt"
}
check nothing-left-after-removal bash -c "$(declare -f leftovers); results='$results'; left=\$(leftovers); [ -s '$results/owned.txt' ] && [ -z \"\$left\" ] || { echo \"left: \$left\"; exit 1; }"
check mime-type-gone-after-removal bash -c "$(declare -f filetype); got=\$(filetype '$work/first export.backup'); echo \"\$got\"; [ \"\$got\" != application/x-neo4j-backup ]"

finish
