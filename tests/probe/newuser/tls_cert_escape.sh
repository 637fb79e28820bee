#!/bin/bash
# Repro (finding N1): a TLS server's certificate names reach the terminal raw in tern's error line.
# Usage: tls_cert_escape.sh PATH/TO/tern   -> exit 1 (and prints the line with cat -v) while the bug is there.
set -u
TERN=${1:?usage: $0 PATH/TO/tern}
W=$(mktemp -d); trap 'kill $MPID 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$W"' EXIT
BAD=$(printf 'evil\033]0;pwned\007\033[2J')
# A self-signed certificate whose subject (and so issuer) carries an OSC title and a clear-screen.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/k.pem" \
  -out "$W/c.pem" -days 2 -subj "/CN=$BAD" -addext "subjectAltName=DNS:localhost" 2>/dev/null
chmod 755 "$W"; chmod 644 "$W/k.pem"   # mosquitto runs as user mosquitto
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\ncertfile %s/c.pem\nkeyfile %s/k.pem\n' "$PORT" "$W" "$W" > "$W/m.conf"
mosquitto -c "$W/m.conf" > "$W/m.log" 2>&1 & MPID=$!
python3 -c 'import socket,sys,time
for _ in range(300):
    try: socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close(); break
    except OSError: time.sleep(0.1)' "$PORT"
# The user trusts the system store only: the attacker needs no trusted certificate at all.
OUT=$(script -qec "$TERN pub -h localhost -p $PORT --tls-use-os-certs -t x -m y" /dev/null)
printf '%s\n' "$OUT" | cat -v
if printf '%s' "$OUT" | grep -q $'\033'; then echo "FAIL: raw ESC from the certificate reached the terminal"; exit 1; fi
echo "ok: no raw ESC"
