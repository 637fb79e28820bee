"""Nothing a peer controls reaches the user's terminal unescaped (probe finding N1).

A server, or anyone who answers the TCP connection, chooses its certificate's names, its HTTP
status line and its MQTT reason strings and server references. For each layer a hostile peer
puts terminal commands there (an OSC title, a clear-screen, a CSI as the UTF-8 C1 control,
DEL, a lone C1 byte where the layer allows one), and the invariant is the same: tern's stderr
holds no byte below 0x20 but the line ends, no DEL, no C1 control (lone or UTF-8).
"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from ternlab.harness import Broker, free_port
from ternlab.scripted_broker import (
    CONNECT, SUBSCRIBE, ScriptedBroker, call, close, connack, disconnect, expect, expect_closed, props, publish,
    send, suback)
from ternlab.ws_server import ScriptedWsServer

TERN = os.environ.get("TERN_BIN", "tern")
BAD = "evil\x1b]0;pwned\x07\x1b[2J\u009b1m\x7f"
ESCAPED = "evil\\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9b1m\\x7f"  # BAD as tern prints it
SERVER_REFERENCE, REASON_STRING = 0x1C, 0x1F
# Control bytes: C0 but the newline, DEL, C1 as UTF-8 (C2 80..9F) or as a lone byte.
CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|(?<![\xc2-\xf4])[\x80-\x9f]")


def tern(*args, timeout=60):
    return subprocess.run([TERN, *args], capture_output=True, timeout=timeout)


class PeerText(unittest.TestCase):
    def assert_clean(self, r, *words):
        """Failed, and every byte of stderr printable; the escaped evidence is there."""
        self.assertNotEqual(r.returncode, 0, r)
        err = r.stderr
        found = CONTROL.search(err)
        self.assertIsNone(found, f"raw control byte {found and found.group()!r} on stderr: {err!r}")
        for w in words:
            self.assertIn(w.encode(), err)


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class X509Names(PeerText):
    """mosquitto serving self-signed certificates whose subject and issuer are BAD."""

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="tern-peer-text-")
        listeners, cls.ports = [], {}
        for name, san in (("evil-local", "DNS:localhost"), ("evil-wrong", "DNS:wrong.example.com")):
            key, crt = (os.path.join(cls.work, name + ext) for ext in (".key", ".crt"))
            openssl("req", "-x509", "-utf8", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", crt, "-days", "30", "-subj", f"/CN={BAD}/O={BAD}",
                    "-addext", "subjectAltName=" + san)
            cls.ports[name] = free_port()
            listeners.append(f"listener {cls.ports[name]} 127.0.0.1\ncertfile {crt}\nkeyfile {key}\n")
        cls.broker = Broker(extra="\n".join(listeners), extra_ports=cls.ports.values()).start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.cleanup()
        shutil.rmtree(cls.work, ignore_errors=True)

    def pub(self, name, *trust):
        return tern("pub", "-h", "localhost", "-p", str(self.ports[name]), "-t", "x", "-m", "y", *trust)

    def test_untrusted_issuer(self):
        for trust in (["--tls-use-os-certs"], ["--cafile", os.path.join(self.work, "evil-wrong.crt")]):
            self.assert_clean(self.pub("evil-local", *trust), "not signed by a trusted CA", "evil\\x1b]0;pwned")

    def test_host_name_mismatch(self):
        r = self.pub("evil-wrong", "--cafile", os.path.join(self.work, "evil-wrong.crt"))
        self.assert_clean(r, "host name mismatch", "DNS:wrong.example.com",
                          "CN=evil\\x1b]0;pwned\\x07\\x1b[2J\\xc2\\x9b1m\\x7f")


class HttpLines(PeerText):
    """A WebSocket server that refuses the upgrade with BAD in its status line and headers."""

    def test_refused_upgrade(self):
        bad = BAD.encode() + b"\x9b"
        refusal = b"HTTP/1.1 403 Forbidden " + bad + b"\r\nServer: " + bad + b"\r\n\r\n"
        server = ScriptedWsServer(lambda server, conn, key: conn.sendall(refusal))
        r = tern("pub", "-L", f"ws://127.0.0.1:{server.port}/mqtt", "-t", "x", "-m", "y")
        server.join()
        self.assert_clean(r, "403 Forbidden evil\\x1b]0;pwned\\x07")


class MqttStrings(PeerText):
    """A scripted MQTT 5 broker that refuses or redirects with BAD in its reason string and
    server reference."""

    def run_script(self, steps, *args):
        b = ScriptedBroker(steps).start()
        r = tern("pub", "-h", "127.0.0.1", "-p", str(b.port), "-V", "5", "-t", "x", "-m", "y", *args)
        b.join(15)
        return r

    def test_connack_refusal_and_redirect(self):
        for rc in (0x87, 0x9C, 0x9D):
            p = props((REASON_STRING, BAD), (SERVER_REFERENCE, BAD + ":1883"))
            r = self.run_script([expect(CONNECT), send(connack(rc=rc, v5=True, properties=p)), close()])
            self.assert_clean(r, f"0x{rc:02x}", "it points to (not followed): " + ESCAPED + ":1883")

    def test_disconnect_with_reason_and_reference(self):
        for rc in (0x9C, 0x9D, 0x89):
            p = props((REASON_STRING, BAD), (SERVER_REFERENCE, BAD))
            r = self.run_script([expect(CONNECT), send(connack(v5=True)),
                                 send(disconnect(rc, properties=p)), expect_closed(10)], "-q", "1")
            self.assert_clean(r, f"0x{rc:02x}", "it points to (not followed): " + ESCAPED + "\n")


    def test_subscriber_told_where_the_broker_points(self):
        """tern sub reconnects after a DISCONNECT (to the same broker: the reference is never
        followed), and says where the broker pointed."""
        p = props((REASON_STRING, BAD), (SERVER_REFERENCE, BAD))
        first = [expect(CONNECT), send(connack(v5=True)), expect(SUBSCRIBE),
                 call(lambda c: c.send(suback(c.last.packet_id, [0], v5=True))),
                 send(disconnect(0x9C, properties=p)), expect_closed(10)]
        b = ScriptedBroker([first, [expect(CONNECT), close()]]).start()
        r = tern("sub", "-h", "127.0.0.1", "-p", str(b.port), "-V", "5", "-t", "x", "-C", "1", "-W", "3")
        b.join(15)
        found = CONTROL.search(r.stderr)
        self.assertIsNone(found, r.stderr)
        self.assertIn(b"(0x9c); it points to (not followed): " + ESCAPED.encode() + b"; reconnecting", r.stderr)


    def test_debug_trace_of_a_topic(self):
        """-d traces the broker's PUBLISH topic to stderr (a pipe here, a log file often)."""
        first = [expect(CONNECT), send(connack(v5=True)), expect(SUBSCRIBE),
                 call(lambda c: c.send(suback(c.last.packet_id, [0], v5=True))),
                 send(publish("x/" + BAD, b"m", v5=True)), expect_closed(10)]
        b = ScriptedBroker([first]).start()
        r = tern("sub", "-h", "127.0.0.1", "-p", str(b.port), "-V", "5", "-t", "x/#", "-C", "1", "-W", "10", "-d")
        b.join(15)
        self.assertEqual(r.returncode, 0, r.stderr)
        found = CONTROL.search(r.stderr)
        self.assertIsNone(found, r.stderr)
        self.assertIn(b"'x/" + ESCAPED.encode() + b"'", r.stderr)


if __name__ == "__main__":
    unittest.main()
