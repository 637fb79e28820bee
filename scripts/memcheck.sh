#!/usr/bin/env bash
# Run the cmocka unit tests and the CLI integration suite (tests/integration/test_cli.py) with
# every program of ours under valgrind memcheck. Fails on any valgrind error: invalid reads or
# writes, uses of uninitialised values, bad frees, and definite or indirect leaks.
#
# usage: scripts/memcheck.sh BUILD_DIR [--restart]
#   --restart  also the broker-restart flows (tests/integration/test_restart.py, flow_check).
#              Not part of make memcheck: under valgrind these flows do not pass yet (their
#              broker restarts every 0.4 s outpace the slowed clients; no valgrind error was seen).
#
# Each valgrind process writes its own log under BUILD_DIR/memcheck; any non-empty log is a
# failure, so errors in processes whose exit status the tests do not look at (a client killed
# on purpose, a run expected to fail) are caught as well.
set -euo pipefail
build=$(realpath "$1")
restart=${2:-}
logs=$build/memcheck
rm -rf "$logs"
mkdir -p "$logs"
vg=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect)
failed=0
start=$(date +%s)

for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if "${vg[@]}" --log-file="$logs/$name.%p.log" "$t" >"$logs/$name.out" 2>&1; then
    echo "memcheck: $name ok"
  else
    echo "memcheck: $name FAILED (exit $?)"; cat "$logs/$name.out"; failed=1
  fi
done

suites=(test_cli)
[ "$restart" = "--restart" ] && suites+=(test_restart)
for s in "${suites[@]}"; do
  echo "memcheck: $s (every tern process under valgrind)"
  if (cd "$(dirname "$0")/../tests/integration" &&
      TERN_WRAPPER="${vg[*]} --log-file=$logs/$s.%p.log" \
      TERN_BIN="$build/tools/tern/tern" EXAMPLE_PUBLISH="$build/examples/publish_blocking" \
      FLOW_CHECK="$build/tests/flow_check" PYTHONPATH=../lib PYTHONDONTWRITEBYTECODE=1 \
      python3 -m unittest "$s"); then
    echo "memcheck: $s ok"
  else
    echo "memcheck: $s FAILED"; failed=1
  fi
done

for log in "$logs"/*.log; do
  [ -s "$log" ] || continue
  echo "memcheck: valgrind reported errors in $log:"; cat "$log"; failed=1
done
n=$(ls "$logs"/*.log 2>/dev/null | wc -l)
echo "memcheck: $n processes under valgrind, $(( $(date +%s) - start )) s"
if [ "$failed" -ne 0 ]; then echo "memcheck: FAILED"; exit 1; fi
echo "memcheck: no valgrind errors"
