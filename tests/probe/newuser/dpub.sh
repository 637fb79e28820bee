#!/bin/bash
# dpub.sh ARGS... : run mosquitto_pub ARGS and tern pub ARGS (port $P), capture what a subscriber to '#' sees, diff.
P=${P:?set P to the port of a local mosquitto}
for prog in mosquitto_pub "tern pub"; do
  n=$(echo $prog | tr -d ' ')
  mosquitto_sub -p $P -t 'd/#' -v -W 2 -V 5 -F '%t %r %q [%p] C=%C R=%R P=%P E=%E' > $n.seen 2>/dev/null & spid=$!
  sleep 0.4
  timeout 8 $prog -p $P "$@" > $n.out 2> $n.err < ${STDIN:-/dev/null}; echo $? > $n.rc
  wait $spid
done
for f in seen out err rc; do
  if ! cmp -s mosquitto_pub.$f ternpub.$f; then echo "== $f differs:"; echo "-- mosquitto:"; head -c 500 mosquitto_pub.$f | cat -v; echo "-- tern:"; head -c 500 ternpub.$f | cat -v; fi
done
echo "[done: $*]"
