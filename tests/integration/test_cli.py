"""tern pub / tern sub against a real mosquitto, and interop with mosquitto_pub / mosquitto_sub."""
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from ternlab.harness import Broker, scaled, wrapped

TERN = os.environ.get("TERN_BIN", "tern")
VERSIONS = ("311", "5")
# TERN_CLI_TLS=1: the same suite over TLS (the broker's listener and every client, tern and
# mosquitto_pub/sub alike, with certificates generated for the run).
TLS = os.environ.get("TERN_CLI_TLS") == "1"
TLS_ARGS = []
TLS_DIRS = []


def start_main_broker():
    if not TLS:
        return Broker().start()
    from ternlab.certs import Certs
    workdir = tempfile.mkdtemp(prefix="tern-cli-tls-")
    TLS_DIRS.append(workdir)
    certs = Certs(workdir).generate()
    TLS_ARGS[:] = ["--cafile", certs.path("ca.crt")]
    # Listener options apply to the listener above them: the broker's only one.
    return Broker(extra=f"cafile {certs.path('ca.crt')}\ncertfile {certs.path('server-ec.crt')}\n"
                        f"keyfile {certs.path('server-ec.key')}\n").start()


class Sub:
    """A `tern sub -d` in the background; returns once the broker has acknowledged the
    subscription, so that nothing published afterwards can be missed."""

    def __init__(self, port, *args, wait_suback=True):
        self.proc = subprocess.Popen(wrapped([TERN, "sub", "-h", "127.0.0.1", "-p", str(port), *TLS_ARGS, "-d", *args]),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.trace = b""
        if wait_suback:
            self.wait_for(b"received SUBACK")

    def wait_for(self, needle, timeout=10):
        deadline = time.monotonic() + scaled(timeout)
        while needle not in self.trace:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not self._read(0):
                raise AssertionError(f"no {needle!r} in trace: {self.trace.decode(errors='replace')}")
            self._read(min(left, 0.2))

    def _read(self, timeout):
        r, _, _ = select.select([self.proc.stderr], [], [], timeout)
        if not r:
            return False
        chunk = os.read(self.proc.stderr.fileno(), 4096)
        self.trace += chunk
        return bool(chunk)

    def finish(self, timeout=15):
        out, err = self.proc.communicate(timeout=scaled(timeout))
        self.trace += err
        return self.proc.returncode, out.decode()


def tern_pub(port, *args, check=True):
    p = subprocess.run(wrapped([TERN, "pub", "-h", "127.0.0.1", "-p", str(port), *TLS_ARGS, *args]),
                       capture_output=True, timeout=scaled(20))
    if check and p.returncode != 0:
        raise AssertionError(f"tern pub {args} failed ({p.returncode}): {p.stderr.decode()}")
    return p


class CliAgainstMosquitto(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = start_main_broker()
        cls.port = cls.broker.port

    @classmethod
    def tearDownClass(cls):
        cls.broker.cleanup()
        for d in TLS_DIRS:
            shutil.rmtree(d, ignore_errors=True)

    def test_every_qos_both_versions(self):
        for v in VERSIONS:
            for q in ("0", "1", "2"):
                with self.subTest(version=v, qos=q):
                    sub = Sub(self.port, "-V", v, "-q", q, "-t", f"cli/{v}/{q}", "-C", "1", "-W", "10", "-v")
                    tern_pub(self.port, "-V", v, "-q", q, "-t", f"cli/{v}/{q}", "-m", f"payload {v} {q}")
                    rc, out = sub.finish()
                    self.assertEqual(rc, 0, sub.trace.decode())
                    self.assertEqual(out, f"cli/{v}/{q} payload {v} {q}\n")

    def test_tern_pub_to_mosquitto_sub(self):
        for v, mv in (("311", "mqttv311"), ("5", "mqttv5")):
            with self.subTest(version=v):
                # stdbuf: mosquitto_sub's -d lines must not wait in a pipe buffer.
                sub = subprocess.Popen(["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.port), *TLS_ARGS, "-V", mv,
                                        "-t", "interop/a", "-q", "2", "-C", "1", "-W", "10", "-d"],
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                buf = b""
                while b"SUBACK" not in buf:
                    line = sub.stdout.readline()
                    self.assertTrue(line, buf)
                    buf += line
                tern_pub(self.port, "-V", v, "-q", "2", "-t", "interop/a", "-m", "from tern")
                out, _ = sub.communicate(timeout=scaled(15))
                self.assertEqual(sub.returncode, 0)
                self.assertIn(b"from tern", out)

    def test_mosquitto_pub_to_tern_sub(self):
        for v, mv in (("311", "mqttv311"), ("5", "mqttv5")):
            with self.subTest(version=v):
                sub = Sub(self.port, "-V", v, "-q", "2", "-t", "interop/b", "-C", "1", "-W", "10")
                subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.port), *TLS_ARGS, "-V", mv,
                                "-t", "interop/b", "-q", "2", "-m", "from mosquitto"], check=True,
                               timeout=scaled(10))
                rc, out = sub.finish()
                self.assertEqual((rc, out), (0, "from mosquitto\n"))

    def test_binary_file_and_empty_payloads(self):
        path = os.path.join(self.broker.dir, "blob.bin")
        blob = bytes(range(256)) * 40
        with open(path, "wb") as f:
            f.write(blob)
        sub = Sub(self.port, "-t", "bin/#", "-q", "1", "-C", "2", "-W", "10", "-N")
        tern_pub(self.port, "-q", "1", "-t", "bin/file", "-f", path)
        tern_pub(self.port, "-q", "1", "-t", "bin/null", "-n")
        out = sub.proc.communicate(timeout=scaled(15))[0]
        self.assertEqual((sub.proc.returncode, out), (0, blob))

    def test_retained_message(self):
        for v in VERSIONS:
            with self.subTest(version=v):
                tern_pub(self.port, "-V", v, "-q", "1", "-r", "-t", f"retained/{v}", "-m", "kept")
                sub = Sub(self.port, "-V", v, "-t", f"retained/{v}", "-C", "1", "-W", "10", wait_suback=False)
                rc, out = sub.finish()
                self.assertEqual((rc, out), (0, "kept\n"))

    def test_lines_from_stdin(self):
        sub = Sub(self.port, "-t", "lines", "-q", "1", "-C", "3", "-W", "10")
        p = subprocess.run(wrapped([TERN, "pub", "-h", "127.0.0.1", "-p", str(self.port), *TLS_ARGS, "-t", "lines", "-q", "1", "-l"]),
                           input=b"one\ntwo\nthree\n", capture_output=True, timeout=scaled(20))
        self.assertEqual(p.returncode, 0, p.stderr)
        rc, out = sub.finish()
        self.assertEqual((rc, out), (0, "one\ntwo\nthree\n"))

    def test_will_delivered_on_abnormal_disconnect(self):
        for v in VERSIONS:
            with self.subTest(version=v):
                watcher = Sub(self.port, "-V", v, "-t", f"will/{v}", "-C", "1", "-W", "10")
                victim = Sub(self.port, "-V", v, "-t", "nothing", "-k", "5", "--will-topic", f"will/{v}",
                             "--will-payload", "gone", "--will-qos", "1")
                victim.proc.send_signal(signal.SIGKILL)
                victim.proc.wait()
                rc, out = watcher.finish()
                self.assertEqual((rc, out), (0, "gone\n"))

    def test_persistent_session_receives_what_was_queued(self):
        for v in VERSIONS:
            with self.subTest(version=v):
                cid = f"persist-{v}"
                extra = ["-x", "300"] if v == "5" else []
                first = Sub(self.port, "-V", v, "-c", "-i", cid, *extra, "-q", "1", "-t", f"queued/{v}", "-W", "1")
                first.finish()
                tern_pub(self.port, "-V", v, "-q", "1", "-t", f"queued/{v}", "-m", "while away")
                second = Sub(self.port, "-V", v, "-c", "-i", cid, *extra, "-q", "1", "-t", f"queued/{v}",
                             "-C", "1", "-W", "10", wait_suback=False)
                rc, out = second.finish()
                self.assertEqual((rc, out), (0, "while away\n"))

    def test_keepalive_pings(self):
        sub = Sub(self.port, "-t", "ka", "-k", "1", "-W", "3")
        rc, _ = sub.finish()
        self.assertEqual(rc, 27)  # -W passed: "Timed out", as mosquitto_sub
        self.assertGreaterEqual(sub.trace.count(b"sending PINGREQ"), 2, sub.trace.decode())
        self.assertGreaterEqual(sub.trace.count(b"received PINGRESP"), 2, sub.trace.decode())

    @unittest.skipUnless(os.environ.get("EXAMPLE_PUBLISH") and not TLS,
                         "the example program speaks plain TCP; it runs in the plain suite")
    def test_example_program_publishes(self):
        sub = Sub(self.port, "-V", "5", "-q", "1", "-t", "example/t", "-C", "1", "-W", "10")
        p = subprocess.run(wrapped([os.environ["EXAMPLE_PUBLISH"], "127.0.0.1", str(self.port), "example/t",
                                    "from example"]), capture_output=True, timeout=scaled(20))
        self.assertEqual((p.returncode, p.stdout), (0, b"published and acknowledged\n"), p.stderr)
        self.assertEqual(sub.finish(), (0, "from example\n"))

    def test_failures_say_why_in_one_line(self):
        p = tern_pub(1, "-t", "x", "-m", "y", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(len(p.stderr.decode().strip().splitlines()), 1, p.stderr)
        self.assertIn("refused", p.stderr.decode())
        p = tern_pub(self.port, "-t", "bad/#", "-m", "y", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("wildcard", p.stderr.decode())


class CliRefusedByBroker(unittest.TestCase):
    def test_connack_refusal_is_named(self):
        b = Broker()
        pwfile = os.path.join(b.dir, "passwd")
        subprocess.run(["mosquitto_passwd", "-b", "-c", pwfile, "alice", "secret"], check=True,
                       capture_output=True)
        b.config = lambda: ("user root\n" if os.geteuid() == 0 else "") + (f"listener {b.port} 127.0.0.1\nallow_anonymous false\npassword_file {pwfile}\n")
        b.start()
        try:
            for v, needle in (("311", "not authori"), ("5", "Not authorized")):
                with self.subTest(version=v):
                    p = tern_pub(b.port, "-V", v, "-t", "x", "-m", "y", "-u", "alice", "-P", "wrong", check=False)
                    self.assertNotEqual(p.returncode, 0)
                    err = p.stderr.decode()
                    self.assertEqual(len(err.strip().splitlines()), 1, err)
                    self.assertIn(needle.lower(), err.lower())
            p = tern_pub(b.port, "-t", "x", "-m", "y", "-u", "alice", "-P", "secret")
            self.assertEqual(p.returncode, 0)
        finally:
            b.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
