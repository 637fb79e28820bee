#!/usr/bin/env bash
# make demo: start a local mosquitto on free 127.0.0.1 ports (plain and TLS, with certificates
# generated now), then show tern pub/sub at work over MQTT 3.1.1 and 5.0 at every QoS, over
# TLS 1.3 with session resumption, refusing a broker it cannot trust, and a signed firmware
# update installed over TLS while a forged one and a rollback are refused. The broker is
# stopped by its PID on exit.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
tern="$root/$build/tools/tern/tern"
dir=$(mktemp -d /tmp/tern-demo.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
tls_port=$(free_port)
bad_port=$(free_port)
python3 -c "import sys; sys.path.insert(0, '$root/tests/integration'); from certs import Certs; Certs('$dir').generate()"
cat >"$dir/mosquitto.conf" <<CONF
user root
per_listener_settings false
allow_anonymous true
log_dest file $dir/mosquitto.log
listener $port 127.0.0.1
listener $tls_port 127.0.0.1
cafile $dir/ca.crt
certfile $dir/server-ec.crt
keyfile $dir/server-ec.key
listener $bad_port 127.0.0.1
cafile $dir/ca.crt
certfile $dir/server-wrongname.crt
keyfile $dir/server-wrongname.key
CONF
/usr/sbin/mosquitto -c "$dir/mosquitto.conf" >/dev/null 2>&1 &
broker=$!
sub_pid=
agent_pid=
cleanup() {
  [ -n "$sub_pid" ] && kill "$sub_pid" 2>/dev/null || true
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null || true
  kill "$broker" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 50); do
  python3 -c "import socket; [socket.create_connection(('127.0.0.1',p),0.2) for p in ($port,$tls_port,$bad_port)]" 2>/dev/null && break
  sleep 0.1
done
echo "== mosquitto $(/usr/sbin/mosquitto -h 2>&1 | head -1 | awk '{print $3}') on 127.0.0.1:$port, TLS on :$tls_port (pid $broker)"

for v in 311 5; do
  echo
  echo "== MQTT $v: tern sub -t 'demo/#' -v -C 3, then tern pub at QoS 0, 1, 2"
  "$tern" sub -h 127.0.0.1 -p "$port" -V "$v" -t 'demo/#' -q 2 -v -C 3 -W 10 >"$dir/sub.out" &
  sub_pid=$!
  sleep 0.5
  for q in 0 1 2; do
    "$tern" pub -h 127.0.0.1 -p "$port" -V "$v" -q "$q" -t "demo/qos$q" -m "hello at QoS $q over MQTT $v"
  done
  wait "$sub_pid"
  sub_pid=
  sed 's/^/   received: /' "$dir/sub.out"
done

echo
echo "== packet trace of one QoS 2 publish (tern pub -d)"
"$tern" pub -h 127.0.0.1 -p "$port" -V 5 -q 2 -t demo/trace -m traced -d 2>&1 | sed 's/^/   /'

echo
echo "== over TLS (wolfSSL): certificate and host name verified; the second run resumes the session"
for run in first second; do
  "$tern" pub -h localhost -p "$tls_port" --cafile "$dir/ca.crt" --tls-session "$dir/tls.session" \
    -V 5 -q 1 -t demo/tls -m "secured ($run run)" -d 2>&1 | grep -E ' TLS |PUBACK' | sed 's/^/   /'
done

echo
echo "== a broker whose certificate names another host is refused"
"$tern" pub -h localhost -p "$bad_port" --cafile "$dir/ca.crt" -t x -m y 2>&1 | sed 's/^/   /' || true

echo
echo "== signed firmware update over TLS: tern fw agent (the device) and tern fw push (the vendor)"
"$tern" fw keygen --out "$dir/vendor" 2>/dev/null
"$tern" fw keygen --out "$dir/attacker" 2>/dev/null
head -c 200000 /dev/urandom >"$dir/firmware-v2.bin"
head -c 50000 /dev/urandom >"$dir/firmware-other.bin"
tls=(-h localhost -p "$tls_port" --cafile "$dir/ca.crt")
"$tern" fw agent "${tls[@]}" -i demo-device --trust "$dir/vendor.pub" --device-class demo-sensor \
  --install-dir "$dir/device" 2>"$dir/agent.log" &
agent_pid=$!
wait_for() { # wait until the agent has logged $1
  for _ in $(seq 300); do grep -q "$1" "$dir/agent.log" && return 0; sleep 0.05; done
  echo "   (the agent did not log '$1')"; return 1
}
fw_push() { # key version image
  "$tern" fw push "${tls[@]}" --key "$dir/$1" --version "$2" --device-class demo-sensor "$3" 2>&1 | sed 's/^/   push: /'
}
wait_for "waiting on"
fw_push vendor 2 "$dir/firmware-v2.bin";      wait_for "installed version 2"
fw_push attacker 3 "$dir/firmware-other.bin"; wait_for "rejected version 3"
fw_push vendor 1 "$dir/firmware-other.bin";   wait_for "rejected version 1"
kill "$agent_pid" 2>/dev/null; wait "$agent_pid" 2>/dev/null || true
sed 's/^/   /' "$dir/agent.log"
echo "   installed on the device ($dir/device/current):"
sed 's/^/     /' "$dir/device/current"
echo "   sha256 of what was pushed: $(sha256sum <"$dir/firmware-v2.bin" | cut -d' ' -f1)"

echo
echo "== a failure says why in one line: nothing listens on port 1"
"$tern" pub -h 127.0.0.1 -p 1 -t x -m y 2>&1 | sed 's/^/   /' || true
echo
echo "demo: done"
