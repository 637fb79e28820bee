#!/bin/bash
# dsub.sh "PUBCMDS" ARGS... : run mosquitto_sub ARGS and tern sub ARGS, publish with PUBCMDS (a shell snippet, $P=port), diff.
PUBS="$1"; shift
P=${P:?set P to the port of a local mosquitto}
for prog in mosquitto_sub "tern sub"; do
  n=$(echo $prog | tr -d ' ')
  timeout 8 $prog -p $P "$@" > $n.out 2> $n.err & pid=$!
  sleep 0.4
  P=$P bash -c "$PUBS" 
  wait $pid; echo $? > $n.rc
done
for f in out err rc; do
  if ! cmp -s mosquitto_sub.$f ternsub.$f; then echo "== $f differs:"; echo "-- mosquitto:"; head -c 600 mosquitto_sub.$f | cat -v; echo "-- tern:"; head -c 600 ternsub.$f | cat -v; fi
done
echo "[done: $*]"
