#!/usr/bin/env bash
# make demo: a local mosquitto on free 127.0.0.1 ports (plain and TLS, certificates made for
# this run), then tern at work: pub/sub over MQTT 3.1.1 and 5 at every QoS, TLS verified and
# resumed, a broker it cannot trust refused, and a signed firmware update installed while an
# attacker's update and a rollback are refused. Each step prints its outcome on its own line;
# a table sums up at the end. The broker is stopped by its PID on exit and the files removed.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
tern="$root/$build/tools/tern/tern"
dir=$(mktemp -d /tmp/tern-demo.XXXXXX)
broker=
bg_pid=
cleanup() {
  [ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null || true
  [ -n "$broker" ] && kill "$broker" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Wait (up to 15 s) until file $1 holds a line matching $2.
wait_for() {
  for _ in $(seq 300); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  return 1
}
n=0
summary=()
step() { n=$((n + 1)); printf '%3d. %-60s ' "$n" "$1"; }
# outcome KIND TEXT [EVIDENCE]: print the step's outcome and keep a row for the table.
outcome() {
  echo "$1: $2"
  summary+=("$1|${3:-$2}|$current")
}
show() { sed 's/^/       /'; }

port=$(free_port); tls_port=$(free_port); bad_port=$(free_port)
PYTHONPATH="$root/tests/lib" python3 - "$dir" <<'PY'
import sys
from ternlab.certs import Certs
c = Certs(sys.argv[1])
c._ca("ca", "tern demo CA")
c._issue("server-ec", "localhost")
c._issue("server-wrongname", "wrong.example.com", san="DNS:wrong.example.com")
PY
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
for _ in $(seq 100); do
  python3 -c "import socket; [socket.create_connection(('127.0.0.1',p),0.2) for p in ($port,$tls_port,$bad_port)]" 2>/dev/null && break
  sleep 0.05
done
echo "tern demo: $(/usr/sbin/mosquitto -h 2>&1 | head -1 | awk '{print $1, $3}') on 127.0.0.1 (plain :$port, TLS :$tls_port), certificates made for this run"
echo

# --- publish and subscribe
for v in 311 5; do
  current="MQTT $v pub/sub, QoS 0/1/2"
  step "MQTT $v: tern pub at QoS 0, 1, 2 -> tern sub -v"
  "$tern" sub -h 127.0.0.1 -p "$port" -V "$v" -t 'demo/#' -q 2 -v -C 3 -W 15 -d >"$dir/sub.out" 2>"$dir/sub.trace" &
  bg_pid=$!
  wait_for "$dir/sub.trace" "received SUBACK"
  for q in 0 1 2; do
    "$tern" pub -h 127.0.0.1 -p "$port" -V "$v" -q "$q" -t "demo/qos$q" -m "hello at QoS $q over MQTT $v"
  done
  wait "$bg_pid" && got=$(wc -l <"$dir/sub.out") || got=0
  bg_pid=
  if [ "$got" -eq 3 ]; then outcome shown "3 of 3 messages received" "3 of 3 received"; else outcome FAILED "$got of 3 received"; fi
  show <"$dir/sub.out"
done

current="QoS 2 exchange, packet by packet"
step "QoS 2 packet trace (tern pub -d)"
if "$tern" pub -h 127.0.0.1 -p "$port" -V 5 -q 2 -t demo/trace -m traced -d 2>"$dir/trace" &&
   grep -q "received PUBCOMP" "$dir/trace"; then
  outcome shown "PUBLISH, PUBREC, PUBREL, PUBCOMP" "PUBREC/PUBREL/PUBCOMP traced"
else outcome FAILED "no PUBCOMP in the trace"; fi
show <"$dir/trace"

# --- TLS
tls=(-h localhost -p "$tls_port" --cafile "$dir/ca.crt")
for run in "first:full handshake" "second:session resumed"; do
  current="TLS, ${run%%:*} connection, verified"
  step "TLS: tern pub --cafile, ${run%%:*} connection"
  if "$tern" pub "${tls[@]}" --tls-session "$dir/tls.session" -V 5 -q 1 -t demo/tls -m x -d 2>"$dir/tls.trace" &&
     line=$(grep -m1 " TLS .*${run#*:}" "$dir/tls.trace"); then
    outcome shown "${line#* TLS }"
  else outcome FAILED "no ${run#*:}: $(tail -1 "$dir/tls.trace")"; fi
done

current="broker certificate for another host"
step "TLS: a broker whose certificate names another host"
if "$tern" pub -h localhost -p "$bad_port" --cafile "$dir/ca.crt" -t x -m y 2>"$dir/bad.err"; then
  outcome FAILED "accepted"
else outcome refused "$(sed 's/^tern: connect: TLS: //' "$dir/bad.err")"; fi

# --- signed firmware update
"$tern" fw keygen --out "$dir/vendor" 2>/dev/null
"$tern" fw keygen --out "$dir/attacker" 2>/dev/null
head -c 200000 /dev/urandom >"$dir/firmware-v2.bin"
head -c 50000 /dev/urandom >"$dir/firmware-evil.bin"
"$tern" fw agent "${tls[@]}" -i demo-device --trust "$dir/vendor.pub" --device-class demo-sensor \
  --install-dir "$dir/device" 2>"$dir/agent.log" &
bg_pid=$!
wait_for "$dir/agent.log" "waiting on" || true
# push KEY VERSION IMAGE: the vendor (or the attacker) publishes; the device decides.
push() { "$tern" fw push "${tls[@]}" --signing-key "$dir/$1" --version "$2" --device-class demo-sensor "$3" >/dev/null 2>"$dir/push.err"; }
device_says() { wait_for "$dir/agent.log" "$1" && grep -m1 -- "$1" "$dir/agent.log" | sed 's/^tern fw agent: //'; }

current="firmware v2 signed by the vendor"
step "firmware v2, signed with the vendor's key, pushed"
if push vendor 2 "$dir/firmware-v2.bin" && device_says "installed version 2" >/dev/null; then
  pushed=$(sha256sum <"$dir/firmware-v2.bin" | cut -d' ' -f1)
  installed=$(sha256sum <"$dir/device/firmware-2.bin" | cut -d' ' -f1)
  recorded=$(sed -n 's/^sha256 //p' "$dir/device/current")
  if [ "$pushed" = "$installed" ] && [ "$pushed" = "$recorded" ]; then
    outcome shown "installed; sha256 of the image on the device = pushed (${pushed:0:16}...)" "installed, sha256 matches"
  else outcome FAILED "installed image differs from the pushed one"; fi
else outcome FAILED "not installed: $(tail -1 "$dir/agent.log")"; fi

current="firmware v3 signed by an attacker"
step "firmware v3, signed with an attacker's key, pushed"
push attacker 3 "$dir/firmware-evil.bin" || true
# An unverified manifest's version is not believed, so the refusal names the key, not v3.
if why=$(device_says "untrusted key"); then outcome refused "by the device: ${why#*: }"
else outcome FAILED "the device did not refuse it: $(tail -1 "$dir/agent.log")"; fi

current="firmware v1 (rollback) signed by the vendor"
step "firmware v1 (a rollback), signed with the vendor's key"
push vendor 1 "$dir/firmware-evil.bin" || true
if why=$(device_says "not newer than"); then outcome refused "by the device: ${why#*: }"
else outcome FAILED "the device did not refuse it: $(tail -1 "$dir/agent.log")"; fi
still=$(sed -n 's/^version //p' "$dir/device/current")
echo "       the device still runs version $still"
kill "$bg_pid" 2>/dev/null; wait "$bg_pid" 2>/dev/null || true
bg_pid=

current="unreachable broker"
step "a broker that is not there (port 1)"
if "$tern" pub -h 127.0.0.1 -p 1 -t x -m y 2>"$dir/down.err"; then outcome FAILED "no error"
else outcome refused "$(sed 's/^tern: //' "$dir/down.err")"; fi

echo
printf '%-44s %-8s %s\n' "what" "outcome" "evidence"
printf '%-44s %-8s %s\n' "----" "-------" "--------"
failed=0
for row in "${summary[@]}"; do
  IFS='|' read -r kind evidence what <<<"$row"
  printf '%-44s %-8s %s\n' "$what" "$kind" "$evidence"
  [ "$kind" = FAILED ] && failed=1
done
echo
if [ "$failed" -eq 0 ]; then echo "demo: every step did what it should"; else echo "demo: a step FAILED (above)"; fi
exit "$failed"
