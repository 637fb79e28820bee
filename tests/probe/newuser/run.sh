#!/bin/bash
# run.sh "TERN ARGS" STEP... : start the scripted broker hb.py on a free port, run $TERN ARGS -h 127.0.0.1
# -p PORT under a pty (so tty-only escaping is exercised) and show its output with cat -v.
# Put the literal PORT in ARGS instead (e.g. -L ws://127.0.0.1:PORT/mqtt) to place the port yourself.
# STEP: hex bytes to send, "r" read once, "wN" read for N seconds, "hold"/"rall" read until the client
# closes, "@FILE" send the hex in FILE. What the client sent is logged in hb.log (with timestamps).
# Packets: HEX=$(python3 mk.py 'connack(0, p_u32(0x27, 20))'). TERN defaults to tern on PATH.
HERE=$(cd "$(dirname "$0")" && pwd)
TERN=${TERN:-tern}
ARGS="$1"; shift
W=$(mktemp -d)
python3 "$HERE/hb.py" "$W/port" "$@" 2> hb.log & hb=$!
while [ ! -s "$W/port" ]; do sleep 0.05; done
P=$(cat "$W/port")
case "$ARGS" in *PORT*) ARGS=${ARGS//PORT/$P};; *) ARGS="$ARGS -h 127.0.0.1 -p $P";; esac
timeout 30 script -qec "$TERN $ARGS; echo rc=\$?" /dev/null | cat -v
kill $hb 2>/dev/null; wait $hb 2>/dev/null; rm -rf "$W"
