#!/usr/bin/env python3
"""What MQTT over WebSocket costs: bytes on the wire per PUBLISH and instructions per message,
for tern pub over plain MQTT (mosquitto), ws:// and wss:// (aedes behind a ws listener).

Bytes are counted by a forwarding proxy in front of the broker; instructions by callgrind
(valgrind). Each figure is the difference between a run of N messages and a run of one,
divided by N - 1, so the connection set-up (TCP, TLS and WebSocket handshakes, CONNECT) drops
out. Usage:
    PYTHONPATH=tests/lib scripts/ws_cost.py BUILD_DIR [--count N] [--payload BYTES] [--json FILE]
"""
import argparse
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time

from ternlab.certs import Certs
from ternlab.harness import Broker
from ternlab.ws_server import NodeBroker


class CountingProxy:
    """Forwards 127.0.0.1 connections to a port, counting the bytes each way."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.up = self.down = 0
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            threading.Thread(target=self._pump, args=(client, server, "up"), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, "down"), daemon=True).start()

    def _pump(self, src, dst, way):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with self.lock:
                    setattr(self, way, getattr(self, way) + len(data))
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def take(self):
        with self.lock:
            counts = (self.up, self.down)
            self.up = self.down = 0
        return counts


def pub(tern, args, count, payload, wrapper=()):
    lines = ("x" * payload + "\n") * count
    p = subprocess.run([*wrapper, tern, "pub", *args, "-t", "cost/t", "-l"], input=lines.encode(),
                       capture_output=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f"tern pub {args} failed: {p.stderr.decode()[-2000:]}")
    return p.stderr.decode()


def settle(proxy):
    """Wait until the proxy has forwarded everything (its counts stop changing)."""
    last = None
    for _ in range(100):
        now = (proxy.up, proxy.down)
        if now == last:
            return
        last = now
        time.sleep(0.05)


def wire_bytes(tern, proxy, args, count, payload):
    """(client to broker, broker to client) bytes of one run, and of nothing else (the
    callgrind runs go through the proxy too)."""
    settle(proxy)
    proxy.take()
    pub(tern, args, count, payload)
    settle(proxy)
    return proxy.take()


def instructions(tern, args, count, payload):
    err = pub(tern, args, count, payload,
              wrapper=["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"])
    m = re.search(r"Collected\s*:\s*(\d+)", err)
    if not m:
        raise RuntimeError(f"no 'Collected' line from callgrind:\n{err[-2000:]}")
    return int(m.group(1))


def measure(tern, name, proxy, args, qos, count, payload):
    args = [*args, "-q", str(qos)]
    up_n, down_n = wire_bytes(tern, proxy, args, count, payload)
    up_1, down_1 = wire_bytes(tern, proxy, args, 1, payload)
    ir_n = instructions(tern, args, count, payload)
    ir_1 = instructions(tern, args, 1, payload)
    per = count - 1
    return {"transport": name, "qos": qos, "payload": payload,
            "bytes_up_per_msg": round((up_n - up_1) / per, 1),
            "bytes_down_per_msg": round((down_n - down_1) / per, 1),
            "setup_bytes_up": up_1, "setup_bytes_down": down_1,
            "instructions_per_msg": round((ir_n - ir_1) / per)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--payload", type=int, default=16)
    ap.add_argument("--json")
    a = ap.parse_args()
    tern = os.path.join(a.build, "tools", "tern", "tern")
    work = tempfile.mkdtemp(prefix="tern-ws-cost-")
    certs = Certs(work).generate()
    mosquitto = Broker(log_type="error").start()
    ws = NodeBroker().start()
    wss = NodeBroker(certs.path("server-ec.crt"), certs.path("server-ec.key")).start()
    rows = []
    try:
        plans = [("mqtt", mosquitto.port, lambda p: ["-h", "127.0.0.1", "-p", str(p)]),
                 ("ws", ws.port, lambda p: ["-L", f"ws://127.0.0.1:{p}/mqtt"]),
                 ("wss", wss.port, lambda p: ["-L", f"wss://localhost:{p}/mqtt",
                                              "--cafile", certs.path("ca.crt")])]
        for name, port, args in plans:
            proxy = CountingProxy(port)
            for qos in (0, 1):
                row = measure(tern, name, proxy, args(proxy.port), qos, a.count, a.payload)
                rows.append(row)
                print(f"{name:5} QoS {qos}: {row['bytes_up_per_msg']:6} B up, "
                      f"{row['bytes_down_per_msg']:5} B down per PUBLISH; "
                      f"{row['instructions_per_msg']:7} instructions per message; "
                      f"set-up {row['setup_bytes_up']} B up, {row['setup_bytes_down']} B down")
    finally:
        mosquitto.stop()
        ws.stop()
        wss.stop()
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"count": a.count, "payload": a.payload, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
