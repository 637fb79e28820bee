#!/bin/bash
# drive.sh BIN V QOS N K TXCAP RXCAP SLOTS
P=$(cat ${PORT_FILE:-/tmp/probe/pport}); BIN=$1; shift
timeout 80 mosquitto_sub -h 127.0.0.1 -p $P -t 'out/#' -q 2 -v -C $3 -W 70 > obs.txt 2>&1 & ob=$!
timeout 80 ./$BIN 127.0.0.1 $P "$@" > fwd.out 2> fwd.err & fw=$!
for i in $(seq 100); do grep -q subscribed fwd.out 2>/dev/null && break; sleep 0.1; done
seq 1 $3 | sed 's/^/m/' | mosquitto_pub -h 127.0.0.1 -p $P -t in/x -q $2 -l
wait $fw; echo "fwd rc=$?"; wait $ob
echo "observer got $(wc -l < obs.txt), unique $(sort -u obs.txt | wc -l), dups $(sort obs.txt | uniq -d | wc -l)"
cat fwd.out | grep -v subscribed; sort fwd.err | uniq -c | sort -rn | head -8
