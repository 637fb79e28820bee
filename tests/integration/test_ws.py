"""tern pub/sub over WebSocket: against the aedes broker behind a ws listener (ws_server.py
starts it with node), over ws:// and wss://, and against a scripted WebSocket server for what
a broker should never do (each refusal must name its cause in one line)."""
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

from ternlab.certs import Certs
from ternlab.harness import scaled, wrapped
from test_cli import Sub
from ternlab.ws_server import NodeBroker, ScriptedWsServer, ClientFrames, frame, upgrade_response

TERN = os.environ.get("TERN_BIN", "tern")
CONNACK = bytes([0x20, 0x02, 0x00, 0x00])


def tern(*args, timeout=30):
    return subprocess.run(wrapped([TERN, *args]), capture_output=True, timeout=scaled(timeout))


def setUpModule():
    global WORK, CERTS, WS, WSS, WSS_WRONG_NAME
    WORK = tempfile.mkdtemp(prefix="tern-ws-")
    CERTS = Certs(WORK).generate()
    WS = NodeBroker().start()
    WSS = NodeBroker(CERTS.path("server-ec.crt"), CERTS.path("server-ec.key")).start()
    WSS_WRONG_NAME = NodeBroker(CERTS.path("server-wrongname.crt"), CERTS.path("server-wrongname.key")).start()


def tearDownModule():
    for b in (WS, WSS, WSS_WRONG_NAME):
        b.stop()
    shutil.rmtree(WORK, ignore_errors=True)


class AgainstAedes(unittest.TestCase):
    def url(self, scheme="ws", broker=None, host="127.0.0.1", path="/mqtt"):
        return f"{scheme}://{host}:{(broker or WS).port}{path}"

    def test_every_qos_over_ws(self):
        sub = Sub(WS.port, "-L", self.url(), "-t", "ws/#", "-q", "2", "-C", "3", "-v")
        for qos in "012":
            p = tern("pub", "-L", self.url(), "-t", f"ws/q{qos}", "-m", f"over ws {qos}", "-q", qos)
            self.assertEqual(p.returncode, 0, p.stderr.decode())
        rc, out = sub.finish()
        self.assertEqual(rc, 0, sub.trace.decode())
        self.assertEqual(out.splitlines(), ["ws/q0 over ws 0", "ws/q1 over ws 1", "ws/q2 over ws 2"])

    def test_a_message_larger_than_any_frame(self):
        # The publisher cuts it into frames of its 8 KiB buffer; aedes sends it in one frame
        # that the subscriber reads through many receive calls.
        payload = os.urandom(150000).hex()
        path = os.path.join(WORK, "big.txt")
        with open(path, "w") as f:
            f.write(payload)
        sub = Sub(WS.port, "-L", self.url(path="/"), "-t", "big", "-C", "1", "-q", "1")
        p = tern("pub", "-L", self.url(path="/"), "-t", "big", "-f", path, "-q", "1")
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        rc, out = sub.finish()
        self.assertEqual(rc, 0, sub.trace.decode())
        self.assertEqual(out.strip(), payload)

    def test_wss_checks_the_name_and_resumes(self):
        session = os.path.join(WORK, "wss.session")
        args = ["--cafile", CERTS.path("ca.crt"), "--tls-session", session, "-d", "-t", "wss/t"]
        sub = Sub(WSS.port, "-L", self.url("wss", WSS, "localhost"), "--cafile", CERTS.path("ca.crt"),
                  "-t", "wss/t", "-C", "2")
        first = tern("pub", "-L", self.url("wss", WSS, "localhost"), *args, "-m", "one", "-q", "1")
        self.assertEqual(first.returncode, 0, first.stderr.decode())
        self.assertIn(b"full handshake", first.stderr)
        second = tern("pub", "-L", self.url("wss", WSS, "localhost"), *args, "-m", "two", "-q", "1")
        self.assertEqual(second.returncode, 0, second.stderr.decode())
        self.assertIn(b"session resumed", second.stderr)
        rc, out = sub.finish()
        self.assertEqual(rc, 0, sub.trace.decode())
        self.assertEqual(out.splitlines(), ["one", "two"])

    def test_wss_refuses_a_certificate_for_another_name(self):
        p = tern("pub", "-L", self.url("wss", WSS_WRONG_NAME, "localhost"), "--cafile",
                 CERTS.path("ca.crt"), "-t", "t", "-m", "x")
        self.assertNotEqual(p.returncode, 0)
        err = p.stderr.decode()
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("host name mismatch", err)

    def test_bad_urls_are_refused_before_connecting(self):
        for url in ("ws://", "ws://host:0/", "ws://host:99999", "ws://[::1/", "ftp://host/"):
            p = tern("pub", "-L", url, "-t", "t", "-m", "x")
            self.assertEqual(p.returncode, 2, url)
            self.assertIn(b"-L", p.stderr)


def run_pub(server, *more):
    return tern("pub", "-L", f"ws://127.0.0.1:{server.port}/mqtt", "-t", "t", "-m", "hi", *more)


class AgainstAScriptedServer(unittest.TestCase):
    def refused(self, scenario, needle, close_code=None):
        server = ScriptedWsServer(scenario)
        p = run_pub(server)
        seen = server.join()
        self.assertNotEqual(p.returncode, 0)
        err = p.stderr.decode()
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(needle, err)
        if close_code is not None:
            self.assertEqual(seen.get("close"), close_code, seen)
        return seen

    def test_http_403(self):
        def scenario(s, conn, key):
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        seen = self.refused(scenario, '"HTTP/1.1 403 Forbidden"')
        self.assertIn("Sec-WebSocket-Protocol: mqtt\r\n", seen["request"])
        self.assertIn("GET /mqtt HTTP/1.1\r\n", seen["request"])

    def test_wrong_accept(self):
        def scenario(s, conn, key):
            conn.sendall(upgrade_response(key, accept="dGhlIHNhbXBsZSBub25jZQ=="))
        self.refused(scenario, "wrong Sec-WebSocket-Accept")

    def test_no_subprotocol(self):
        def scenario(s, conn, key):
            conn.sendall(upgrade_response(key, protocol=None))
        self.refused(scenario, "did not agree to the mqtt subprotocol")

    def after_connect(self, then):
        """A scenario: a good upgrade, the client's CONNECT, then `then`; the client's
        answer (a close frame's status) goes in seen["close"]."""
        def scenario(s, conn, key):
            conn.sendall(upgrade_response(key))
            frames = ClientFrames(conn)
            opcode, _, payload = frames.next()
            s.seen["connect"] = payload
            conn.sendall(then)
            try:
                while True:
                    opcode, _, payload = frames.next()
                    if opcode == 0x8:
                        s.seen["close"] = struct.unpack(">H", payload[:2])[0] if payload else 1005
                        return
            except EOFError:
                return
        return scenario

    def test_text_frame(self):
        seen = self.refused(self.after_connect(frame(0x1, b"hello")), "text frame", close_code=1003)
        self.assertEqual(seen["connect"][0], 0x10)  # the CONNECT went out in one binary frame

    def test_oversized_frame(self):
        huge = bytes([0x82, 127]) + struct.pack(">Q", 1 << 40)
        self.refused(self.after_connect(huge), "larger than the configured maximum", close_code=1009)

    def test_masked_server_frame(self):
        masked = bytes([0x82, 0x84, 1, 2, 3, 4]) + bytes(c ^ m for c, m in zip(CONNACK, (1, 2, 3, 4)))
        self.refused(self.after_connect(masked), "masked in the wrong direction", close_code=1002)

    def test_close_with_status(self):
        self.refused(self.after_connect(frame(0x8, struct.pack(">H", 1008) + b"policy")),
                     'status 1008 "policy"', close_code=1008)

    def test_fragments_and_a_ping_in_the_middle(self):
        # CONNACK in two fragments with a ping between them: the client must answer the ping
        # and join the fragments; then its PUBLISH and DISCONNECT come in binary frames.
        def scenario(s, conn, key):
            conn.sendall(upgrade_response(key))
            frames = ClientFrames(conn)
            frames.next()  # CONNECT
            conn.sendall(frame(0x2, CONNACK[:1], fin=False) + frame(0x9, b"are you there")
                         + frame(0x0, CONNACK[1:]))
            got = []
            try:
                while True:
                    got.append(frames.next())
            except EOFError:
                pass
            s.seen["frames"] = got
        server = ScriptedWsServer(scenario)
        p = run_pub(server)
        seen = server.join()
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        opcodes = [f[0] for f in seen["frames"]]
        self.assertIn((0xA, True, b"are you there"), seen["frames"])
        stream = b"".join(f[2] for f in seen["frames"] if f[0] == 0x2)
        self.assertEqual(stream[:1], b"\x30")            # PUBLISH
        self.assertIn(b"t" + b"hi", stream)
        self.assertIn(b"\xe0\x00", stream)                # DISCONNECT
        self.assertEqual(opcodes[-1], 0x8)                # and a close frame at the end


if __name__ == "__main__":
    unittest.main()
