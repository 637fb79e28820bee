#!/bin/bash
# Repro (finding N2): a broker that leaves more QoS 2 messages unreleased than the client's table holds
# (MQTT 3.1.1: legal, no Receive Maximum) gets DUP re-sends of the oldest ones delivered a second time.
# Usage: qos2_overflow.sh PATH/TO/tern  -> exit 1 while a duplicate is printed.
HERE=$(cd "$(dirname "$0")" && pwd)
export TERN=${1:?usage: $0 PATH/TO/tern}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
python3 - "$W" <<'PY'
import struct, sys
def pkt(t, body):
    n, v = len(body), b""
    while True:
        b = n % 128; n //= 128; v += bytes([b | (0x80 if n else 0)])
        if not n: return bytes([t]) + v + body
def pub(topic, payload, pid, dup=0):  # 3.1.1 QoS 2 PUBLISH
    return pkt(0x34 | (8 if dup else 0), struct.pack(">H", len(topic)) + topic.encode() + struct.pack(">H", pid) + payload.encode())
open(sys.argv[1] + "/burst.hex", "w").write(b"".join(pub("t", "m%d" % i, i) for i in range(1, 71)).hex())
open(sys.argv[1] + "/dups.hex", "w").write(b"".join(pub("t", "dup%d" % i, i, 1) for i in (1, 2, 40, 70)).hex())
PY
# CONNACK; SUBACK granting QoS 2; 70 QoS 2 PUBLISHes (ids 1..70), no PUBREL; then DUP re-sends of 1, 2, 40, 70.
OUT=$(cd "$W" && "$HERE/run.sh" "sub -t + -q 2 -C 200" r 20020000 r 9003000102 @"$W/burst.hex" w1 @"$W/dups.hex" w2)
printf '%s\n' "$OUT" | grep -v '^m[0-9]'
if printf '%s' "$OUT" | grep -q '^dup'; then echo "FAIL: a QoS 2 message was delivered twice"; exit 1; fi
echo "ok: no duplicate"
