#!/usr/bin/env bash
# Fetch the source of the wolfSSL that the host uses (Debian's libwolfssl-dev, same version) into
# a cache outside git, for the device build (ports/mps2-an386). Nothing is vendored: the source
# comes from Debian with `apt-get source`, which needs a deb-src entry; one is added (matching the
# machine's deb entries) when none exists. Prints the source directory. Idempotent and quiet.
#   scripts/wolfssl-device.sh [CACHE_DIR]     (default build-device/src)
set -euo pipefail
cache=${1:-build-device/src}
version=$(dpkg-query -W -f='${Version}' libwolfssl-dev)
upstream=${version%%-*}
dir="$cache/wolfssl-$upstream"
if [ -f "$dir/.tern-fetched-$version" ]; then echo "$dir"; exit 0; fi

if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
if ! grep -rqs '^[[:space:]]*\(deb-src\|Types:.*deb-src\)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  # Debian 12 describes its archives in deb822 files: copy each stanza as deb-src.
  src=/etc/apt/sources.list.d/tern-deb-src.sources
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed -n 's/^Types:.*\bdeb\b.*/Types: deb-src/p; /^\(URIs\|Suites\|Components\|Signed-By\):/p; /^$/p' "$f"
    echo
  done | $SUDO tee "$src.tmp" >/dev/null
  if [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | $SUDO tee /etc/apt/sources.list.d/tern-deb-src.list >/dev/null
  fi
  if [ -s "$src.tmp" ]; then $SUDO mv "$src.tmp" "$src"; else $SUDO rm -f "$src.tmp"; fi
  echo "wolfssl-device: added deb-src entries; apt-get update" >&2
  $SUDO apt-get update -qq >&2
fi

mkdir -p "$cache"
rm -rf "$dir"
(cd "$cache" && apt-get source -qq --only-source "wolfssl=$version" >/dev/null 2>&1) || {
  # The source index may be stale or missing: refresh it once and try again.
  $SUDO apt-get update -qq >&2
  (cd "$cache" && apt-get source -qq --only-source "wolfssl=$version" >/dev/null)
}
[ -d "$dir" ] || { echo "wolfssl-device: $dir not unpacked" >&2; exit 1; }
touch "$dir/.tern-fetched-$version"
echo "$dir"
