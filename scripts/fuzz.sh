#!/usr/bin/env bash
# Run every libFuzzer target in BUILD_DIR/fuzz for SECONDS each, from the seed corpus in
# fuzz/corpus/<target> (copied, so the tree's seeds stay as they are). Fails on any finding.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/$build/fuzz-work"
mkdir -p "$work"
total=0
for bin in "$root/$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus="$work/$name"
  mkdir -p "$corpus"
  [ -d "$root/fuzz/corpus/$name" ] && cp -n "$root/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
  log="$work/$name.log"
  if ! ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="$work/$name-" "$corpus" >"$log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -40 "$log"; exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  total=$((total + runs))
  printf 'fuzz: %-22s %10s runs, no findings\n' "$name" "$runs"
done
echo "fuzz: $total executions in all, no findings"
