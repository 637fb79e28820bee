#!/usr/bin/env bash
# Install the Debian packages that building and testing tern needs, if any is missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail
packages=(cmake make gcc clang libclang-rt-14-dev pkg-config libcmocka-dev libwolfssl-dev
          mosquitto mosquitto-clients python3 valgrind gcovr openssl libmosquitto-dev libpaho-mqtt-dev
          gcc-arm-none-eabi libnewlib-arm-none-eabi)
packages+=(doxygen)  # make docs
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
