#!/usr/bin/env bash
# Install the Debian packages that building and testing tern needs, if any is missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail
packages=(cmake make gcc clang libclang-rt-14-dev pkg-config libcmocka-dev libwolfssl-dev
          mosquitto mosquitto-clients python3 valgrind gcovr openssl libmosquitto-dev libpaho-mqtt-dev
          gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
          dpkg-dev)
packages+=(doxygen)  # make docs
packages+=(softhsm2 opensc)  # PKCS#11 tests
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The WebSocket tests' broker (aedes, npm) needs node and npm; a node from elsewhere will do.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The broker's npm packages, pinned by its package-lock.json, in its git-ignored node_modules.
ws_broker="$(cd "$(dirname "$0")/.." && pwd)/tests/lib/ws_broker"
if [ ! -f "$ws_broker/node_modules/.package-lock.json" ] ||
   [ "$ws_broker/package-lock.json" -nt "$ws_broker/node_modules/.package-lock.json" ]; then
  echo "deps: npm packages of the WebSocket test broker"
  (cd "$ws_broker" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
