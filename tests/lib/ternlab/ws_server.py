"""WebSocket helpers for the tests: the aedes broker behind a ws listener (../ws_broker, node),
and a scripted WebSocket server that answers one client as a scenario says. Standard library
only."""
import base64
import hashlib
import os
import select
import shutil
import socket
import struct
import subprocess
import threading
import time

from .harness import scaled

BROKER_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ws_broker")
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class NodeBroker:
    """aedes over ws (or wss with cert and key) on a free 127.0.0.1 port, stopped by PID."""

    def __init__(self, cert=None, key=None):
        self.args = [cert, key] if cert else []
        self.proc = None
        self.port = None

    def start(self):
        node = shutil.which("node")
        if not node or not os.path.isdir(os.path.join(BROKER_DIR, "node_modules", "aedes")):
            raise RuntimeError("node or the broker's npm packages are missing: run scripts/deps.sh")
        self.proc = subprocess.Popen([node, "broker.js", "0", *self.args], cwd=BROKER_DIR,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + scaled(30)
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            r, _, _ = select.select([self.proc.stdout], [], [], max(left, 0))
            chunk = os.read(self.proc.stdout.fileno(), 1) if r else b""
            if not chunk:
                self.stop()
                raise RuntimeError(f"the WebSocket broker did not start: {line!r}")
            line += chunk
        self.port = int(line.split()[1])
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def accept_for(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def frame(opcode, payload=b"", fin=True):
    """A server's (unmasked) frame."""
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + payload


class ClientFrames:
    """Reads the client's frames from a socket; every one must be masked."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _need(self, n, deadline):
        while len(self.buf) < n:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("client closed")
            self.buf += chunk

    def next(self, timeout=20):
        """(opcode, fin, payload) of the next frame."""
        deadline = time.monotonic() + scaled(timeout)
        self._need(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        if not b1 & 0x80:
            raise AssertionError("unmasked frame from the client")
        n, at = b1 & 0x7F, 2
        if n == 126:
            self._need(4, deadline)
            n, at = struct.unpack(">H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10, deadline)
            n, at = struct.unpack(">Q", self.buf[2:10])[0], 10
        self._need(at + 4 + n, deadline)
        mask = self.buf[at:at + 4]
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(self.buf[at + 4:at + 4 + n]))
        self.buf = self.buf[at + 4 + n:]
        return b0 & 0x0F, bool(b0 & 0x80), payload


class ScriptedWsServer:
    """Accepts one client on a free port, reads its upgrade request and runs scenario(server,
    conn, key) in a thread. What the scenario records goes in self.seen."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.seen = {}
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.sock.settimeout(scaled(30))
            conn, _ = self.sock.accept()
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                self.seen["request"] = request.decode()
                key = next(line.split(":", 1)[1].strip() for line in request.decode().split("\r\n")
                           if line.lower().startswith("sec-websocket-key:"))
                self.scenario(self, conn, key)
        except Exception as e:  # reported by join()
            self.error = e
        finally:
            self.sock.close()

    def join(self):
        self.thread.join(timeout=scaled(30))
        if self.error:
            raise self.error
        return self.seen


def upgrade_response(key, protocol="mqtt", accept=None, status="101 Switching Protocols"):
    lines = [f"HTTP/1.1 {status}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Accept: {accept or accept_for(key)}"]
    if protocol:
        lines.append(f"Sec-WebSocket-Protocol: {protocol}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
