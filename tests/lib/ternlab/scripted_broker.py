"""A scripted MQTT "broker" for exact-behaviour and hostile-peer tests.

Standard library only. It listens on a free 127.0.0.1 port (in a thread), accepts one client
per script and runs the script's steps against it; several scripts run in sequence, one per
connection (for reconnect tests). Everything the client sends is recorded with a timestamp.

    b = ScriptedBroker([
        [expect(CONNECT), send(connack()), expect(PUBLISH), close()],   # first connection
        [expect(CONNECT), send(connack(sp=1)), expect(PUBLISH), ...],   # second connection
    ]).start()
    ... run the client against b.port ...
    b.join(); b.assert_ok()

Steps (plain functions returning callables):
    expect(what, timeout)       next client packet: a packet type (int), exact bytes, or a
                                predicate on Packet; fails the script otherwise
    send(data) / close()        write bytes / close the connection
    sleep(s)                    wait (reading and recording what arrives meanwhile)
    drip(data, every_s)         write data one byte every every_s seconds (stops at close)
    expect_nothing_for(s)       fail if the client sends any packet within s seconds
    expect_closed(timeout)      the client closes the connection within timeout
    call(fn)                    fn(conn) for anything else
"""
import socket
import struct
import threading
import time

# Packet types.
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = range(8, 16)
NAMES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL",
         7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK",
         12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT", 15: "AUTH"}


class ScriptError(AssertionError):
    pass


# ---------------------------------------------------------------- encoding helpers

def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s):
    b = s.encode() if isinstance(s, str) else bytes(s)
    return struct.pack(">H", len(b)) + b


def packet(ptype, flags, body):
    return bytes([(ptype << 4) | flags]) + varint(len(body)) + body


# Property identifiers and their encodings.
PROP_TYPES = {
    0x01: "byte", 0x02: "u32", 0x03: "str", 0x08: "str", 0x09: "bin", 0x0B: "varint",
    0x11: "u32", 0x12: "str", 0x13: "u16", 0x15: "str", 0x16: "bin", 0x17: "byte",
    0x18: "u32", 0x19: "byte", 0x1A: "str", 0x1C: "str", 0x1F: "str", 0x21: "u16",
    0x22: "u16", 0x23: "u16", 0x24: "byte", 0x25: "byte", 0x26: "pair", 0x27: "u32",
    0x28: "byte", 0x29: "byte", 0x2A: "byte",
}
RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, TOPIC_ALIAS = 0x21, 0x22, 0x23
SERVER_KEEP_ALIVE, REASON_STRING, MAXIMUM_PACKET_SIZE = 0x13, 0x1F, 0x27


def props(*items):
    """Encode MQTT 5 properties: props((0x21, 1), (0x1F, "why")); raw bytes items go as is."""
    body = bytearray()
    for item in items:
        if isinstance(item, (bytes, bytearray)):
            body += item
            continue
        pid, val = item
        kind = PROP_TYPES[pid]
        body += varint(pid)
        if kind == "byte":
            body.append(val)
        elif kind == "u16":
            body += struct.pack(">H", val)
        elif kind == "u32":
            body += struct.pack(">I", val)
        elif kind == "varint":
            body += varint(val)
        elif kind in ("str", "bin"):
            body += utf8(val)
        else:
            body += utf8(val[0]) + utf8(val[1])
    return varint(len(body)) + bytes(body)


def connack(rc=0, sp=0, v5=False, properties=b""):
    body = bytes([sp & 1, rc])
    if v5:
        body += properties if properties else props()
    return packet(CONNACK, 0, body)


def publish(topic, payload=b"", qos=0, pid=None, dup=0, retain=0, v5=False, properties=b""):
    if isinstance(payload, str):
        payload = payload.encode()
    body = utf8(topic)
    if qos:
        body += struct.pack(">H", pid if pid is not None else 1)
    if v5:
        body += properties if properties else props()
    return packet(PUBLISH, (dup << 3) | (qos << 1) | retain, body + payload)


def ack(ptype, pid, rc=None, v5=False, properties=b""):
    """PUBACK/PUBREC/PUBREL/PUBCOMP/UNSUBACK(3.1.1). v5 with rc adds the reason code."""
    flags = 2 if ptype == PUBREL else 0
    body = struct.pack(">H", pid)
    if v5 and (rc is not None or properties):
        body += bytes([rc or 0]) + (properties if properties else b"")
    return packet(ptype, flags, body)


def puback(pid, **kw):
    return ack(PUBACK, pid, **kw)


def pubrec(pid, **kw):
    return ack(PUBREC, pid, **kw)


def pubrel(pid, **kw):
    return ack(PUBREL, pid, **kw)


def pubcomp(pid, **kw):
    return ack(PUBCOMP, pid, **kw)


def suback(pid, codes, v5=False, properties=b""):
    body = struct.pack(">H", pid)
    if v5:
        body += properties if properties else props()
    return packet(SUBACK, 0, body + bytes(codes))


def disconnect(rc=0, v5=True, properties=b""):
    if not v5:
        return packet(DISCONNECT, 0, b"")
    return packet(DISCONNECT, 0, bytes([rc]) + (properties if properties else props()))


def pingresp():
    return packet(PINGRESP, 0, b"")


# ---------------------------------------------------------------- parsing

class Packet:
    """One packet from the client. Fields: raw, type, flags, body, t (monotonic time)."""

    def __init__(self, raw, t):
        self.raw, self.t = raw, t
        self.type, self.flags = raw[0] >> 4, raw[0] & 15
        n, mult, i = 0, 1, 1
        while True:
            b = raw[i]
            n += (b & 127) * mult
            mult *= 128
            i += 1
            if not b & 128:
                break
        self.body = raw[i:]

    @property
    def name(self):
        return NAMES.get(self.type, str(self.type))

    @property
    def dup(self):
        return (self.flags >> 3) & 1

    @property
    def qos(self):
        return (self.flags >> 1) & 3

    @property
    def packet_id(self):
        """PUBLISH (QoS > 0), acks, SUBSCRIBE, UNSUBSCRIBE."""
        if self.type == PUBLISH:
            tl = struct.unpack(">H", self.body[:2])[0]
            return struct.unpack(">H", self.body[2 + tl:4 + tl])[0] if self.qos else None
        return struct.unpack(">H", self.body[:2])[0]

    @property
    def topic(self):
        tl = struct.unpack(">H", self.body[:2])[0]
        return self.body[2:2 + tl].decode(errors="replace")

    def publish_props(self, v5=True):
        """(properties bytes, payload) of a v5 PUBLISH."""
        tl = struct.unpack(">H", self.body[:2])[0]
        i = 2 + tl + (2 if self.qos else 0)
        n, mult = 0, 1
        while True:
            b = self.body[i]
            i += 1
            n += (b & 127) * mult
            mult *= 128
            if not b & 128:
                break
        return self.body[i:i + n], self.body[i + n:]

    def payload(self, v5=False):
        if v5:
            return self.publish_props()[1]
        tl = struct.unpack(">H", self.body[:2])[0]
        return self.body[2 + tl + (2 if self.qos else 0):]

    def topic_alias(self):
        """The Topic Alias property of a v5 PUBLISH, or None."""
        p, _ = self.publish_props()
        i = 0
        while i < len(p):
            pid = p[i]
            i += 1
            kind = PROP_TYPES[pid]
            if pid == TOPIC_ALIAS:
                return struct.unpack(">H", p[i:i + 2])[0]
            i += {"byte": 1, "u16": 2, "u32": 4}.get(kind, 0)
            if kind == "varint":
                while p[i] & 128:
                    i += 1
                i += 1
            elif kind in ("str", "bin"):
                i += 2 + struct.unpack(">H", p[i:i + 2])[0]
            elif kind == "pair":
                for _ in range(2):
                    i += 2 + struct.unpack(">H", p[i:i + 2])[0]
        return None

    # CONNECT fields
    def connect_version(self):
        return self.body[6]

    def connect_flags(self):
        return self.body[7]

    def keep_alive(self):
        return struct.unpack(">H", self.body[8:10])[0]

    def __repr__(self):
        extra = ""
        if self.type == PUBLISH:
            extra = f" q{self.qos} d{self.dup} id={self.packet_id} topic={self.topic!r}"
        elif self.type in (PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE):
            extra = f" id={self.packet_id}"
        return f"<{self.name}{extra} {self.raw[:24].hex()}>"


# ---------------------------------------------------------------- the connection

class Conn:
    def __init__(self, sock, broker, index):
        self.sock, self.broker, self.index = sock, broker, index
        self.buf = b""
        self.closed_by_peer = False
        self.closed = False
        self.packets = []       # every packet received on this connection
        self.pending = []       # received but not yet consumed by expect()
        self.t0 = time.monotonic()

    def _parse(self):
        while True:
            if len(self.buf) < 2:
                return
            n, mult, i = 0, 1, 1
            while True:
                if i >= len(self.buf):
                    return
                b = self.buf[i]
                n += (b & 127) * mult
                mult *= 128
                i += 1
                if not b & 128:
                    break
                if i > 4:
                    raise ScriptError(f"client sent a malformed remaining length: {self.buf[:8].hex()}")
            if len(self.buf) < i + n:
                return
            p = Packet(self.buf[:i + n], time.monotonic())
            self.buf = self.buf[i + n:]
            self.packets.append(p)
            self.pending.append(p)
            self.broker.log.append((self.index, p))

    def pump(self, timeout, until_packet=True):
        """Read for up to timeout seconds, or (until_packet) until a packet is pending."""
        deadline = time.monotonic() + timeout
        while not (until_packet and self.pending) and not self.closed_by_peer and not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(min(left, 0.1))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                self.closed_by_peer = True
                return
            if not data:
                self.closed_by_peer = True
                return
            self.buf += data
            self._parse()

    def next_packet(self, timeout):
        self.pump(timeout)
        return self.pending.pop(0) if self.pending else None

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            self.closed_by_peer = True

    def close(self):
        if not self.closed:
            self.closed = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()


# ---------------------------------------------------------------- steps

def _describe(what):
    if isinstance(what, int):
        return NAMES.get(what, str(what))
    if isinstance(what, (bytes, bytearray)):
        return bytes(what).hex()
    return getattr(what, "__name__", repr(what))


def expect(what, timeout=10.0):
    def step(conn):
        p = conn.next_packet(timeout)
        if p is None:
            why = "closed the connection" if conn.closed_by_peer else f"sent nothing in {timeout} s"
            raise ScriptError(f"expected {_describe(what)}, but the client {why}")
        if isinstance(what, int):
            ok = p.type == what
        elif isinstance(what, (bytes, bytearray)):
            ok = p.raw == bytes(what)
        else:
            ok = bool(what(p))
        if not ok:
            raise ScriptError(f"expected {_describe(what)}, got {p!r}")
        conn.last = p
        return p
    step.desc = f"expect({_describe(what)})"
    return step


def send(data):
    def step(conn):
        conn.send(bytes(data))
    step.desc = f"send({bytes(data)[:16].hex()})"
    return step


def close():
    def step(conn):
        conn.close()
    step.desc = "close()"
    return step


def sleep(seconds):
    def step(conn):
        conn.pump(seconds, until_packet=False)  # what arrives stays pending for expect()
    step.desc = f"sleep({seconds})"
    return step


def drip(data, every_s):
    """Send data one byte at a time, every_s apart, until done or the client closes."""
    def step(conn):
        for b in bytes(data):
            if conn.closed_by_peer:
                return
            conn.send(bytes([b]))
            conn.pump(every_s, until_packet=False)
            conn.pending.clear()
    step.desc = f"drip({len(data)} bytes every {every_s} s)"
    return step


def expect_nothing_for(seconds):
    def step(conn):
        p = conn.next_packet(seconds)
        if p is not None:
            raise ScriptError(f"expected nothing for {seconds} s, got {p!r}")
    step.desc = f"expect_nothing_for({seconds})"
    return step


def expect_closed(timeout=10.0):
    def step(conn):
        deadline = time.monotonic() + timeout
        while not conn.closed_by_peer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ScriptError(f"client did not close the connection within {timeout} s")
            conn.pump(left, until_packet=False)
            conn.pending.clear()
    step.desc = f"expect_closed({timeout})"
    return step


def expect_until(ptype, timeout=10.0):
    """Consume packets until one of ptype arrives (within timeout); the others stay in the log."""
    def step(conn):
        deadline = time.monotonic() + timeout
        while True:
            p = conn.next_packet(max(0.0, deadline - time.monotonic()))
            if p is None:
                raise ScriptError(f"no {_describe(ptype)} within {timeout} s")
            if p.type == ptype:
                conn.last = p
                return p
    step.desc = f"expect_until({_describe(ptype)})"
    return step


def call(fn):
    def step(conn):
        return fn(conn)
    step.desc = f"call({getattr(fn, '__name__', 'fn')})"
    return step


# ---------------------------------------------------------------- the broker

class ScriptedBroker:
    """Runs scripts[i] on the i-th accepted connection, in a thread.

    After the last script the connection is closed (unless keep_open) and the thread ends.
    accept_timeout bounds the wait for each connection.
    """

    def __init__(self, scripts, accept_timeout=20.0, keep_open=False):
        if scripts and callable(scripts[0]):
            scripts = [scripts]
        self.scripts = scripts
        self.accept_timeout = accept_timeout
        self.keep_open = keep_open
        self.log = []          # (connection index, Packet) in arrival order
        self.conns = []
        self.error = None
        self.done_steps = []
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.t_start = None

    def start(self):
        self.t_start = time.monotonic()
        self.thread.start()
        return self

    def _run(self):
        try:
            for i, script in enumerate(self.scripts):
                self.listener.settimeout(self.accept_timeout)
                try:
                    sock, _ = self.listener.accept()
                except socket.timeout:
                    raise ScriptError(f"no connection #{i + 1} within {self.accept_timeout} s")
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn = Conn(sock, self, i)
                self.conns.append(conn)
                for step in script:
                    step(conn)
                    self.done_steps.append((i, step.desc))
                if not self.keep_open:
                    # Drain briefly so that the client's last packets are recorded, then close.
                    conn.pump(0)
                    conn.close()
        except Exception as e:  # reported by assert_ok in the test thread
            self.error = e
            for c in self.conns:
                c.close()
        finally:
            self.listener.close()

    def join(self, timeout=30.0):
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise ScriptError(f"script still running after {timeout} s; steps done: {self.done_steps}")

    def assert_ok(self):
        if self.error:
            raise ScriptError(f"{self.error} (steps done: {self.done_steps}; received: "
                              f"{[p for _, p in self.log]})")

    def stop(self):
        for c in self.conns:
            c.close()
        try:
            self.listener.close()
        except OSError:
            pass

    def packets(self, ptype=None, conn=None):
        return [p for i, p in self.log if (ptype is None or p.type == ptype) and (conn is None or i == conn)]


# ---------------------------------------------------------------- running a client

class Result:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed

    def __repr__(self):
        return f"rc={self.rc} elapsed={self.elapsed:.2f}s stdout={self.out!r} stderr={self.err!r}"


def run_client(cmd, timeout=30.0):
    """Run cmd to completion (killed after timeout: then rc is None). Returns Result."""
    import subprocess
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        rc = None
    return Result(rc, out.decode(errors="replace"), err.decode(errors="replace"), time.monotonic() - t0)
