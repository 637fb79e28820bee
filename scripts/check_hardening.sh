#!/usr/bin/env bash
# Check that ELF binaries were built hardened (TERN_HARDEN): for each file, a stack protector
# (__stack_chk_fail referenced), FORTIFY_SOURCE (some __*_chk function referenced), full RELRO
# (a GNU_RELRO segment and BIND_NOW) and position independence (ELF type DYN: PIE for an
# executable). Prints one line per missing property; exits 1 if any is missing.
#   scripts/check_hardening.sh build/tools/tern/tern build/libtern.so ...
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: $0 ELF..." >&2; exit 2; }
status=0
missing() { echo "check_hardening: $1: $2"; status=1; }
for f in "$@"; do
  if ! header=$(readelf -h "$f" 2>/dev/null); then missing "$f" "not an ELF file"; continue; fi
  symbols=$(nm -D "$f" 2>/dev/null)
  grep -q ' U __stack_chk_fail\b' <<<"$symbols" || missing "$f" "no stack protector (__stack_chk_fail; -fstack-protector-strong)"
  grep -Eq ' U __[a-z_0-9]+_chk\b' <<<"$symbols" || missing "$f" "no FORTIFY_SOURCE (no __*_chk function; -D_FORTIFY_SOURCE=2 -O2)"
  readelf -lW "$f" | grep -q 'GNU_RELRO' || missing "$f" "no RELRO segment (-Wl,-z,relro)"
  readelf -dW "$f" | grep -Eq 'BIND_NOW|FLAGS_1.*\bNOW\b' || missing "$f" "not BIND_NOW, RELRO only partial (-Wl,-z,now)"
  grep -Eq 'Type:[[:space:]]+DYN' <<<"$header" || missing "$f" "not position-independent (ELF type is not DYN; -fPIE -pie)"
done
[ $status -eq 0 ] && echo "check_hardening: $# binaries hardened: stack protector, FORTIFY_SOURCE, full RELRO, PIE"
exit $status
