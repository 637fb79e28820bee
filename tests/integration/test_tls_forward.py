"""examples/tls_forward against a real mosquitto over verified TLS.

Across a broker restart (stopped by PID with SIGTERM, so it saves its sessions; started again
on the same ports with persistence): a burst of QoS 1 readings published before the restart
and one after, every reading forwarded at least once. QoS 1 allows a message twice (a PUBLISH
whose PUBACK the restart cut is sent again, DUP set); duplicates are counted, not failed.
The forwarder must have come back with its session (session present 1), by itself.

With the wrong CA the forwarder ends with the certificate's cause, not "timed out".

Environment: TLS_FORWARD (the program)."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import unittest

from ternlab.certs import Certs
from ternlab.harness import Broker, free_port, scaled, wrapped

TLS_FORWARD = os.environ.get("TLS_FORWARD", "tls_forward")
MOSQUITTO_PUB = shutil.which("mosquitto_pub") or "mosquitto_pub"
MOSQUITTO_SUB = shutil.which("mosquitto_sub") or "mosquitto_sub"
HALF = 1000  # readings before the restart, and as many after


class Lines:
    """A process's output, line by line, in a thread; wait_for() blocks until a line matches."""

    def __init__(self, proc, stream):
        self.proc = proc
        self.lines = []
        self.ended = False
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()
        with self.changed:
            self.ended = True
            self.changed.notify_all()

    def wait_for(self, pred, timeout):
        with self.changed:
            self.changed.wait_for(lambda: pred(self.lines) or self.ended, scaled(timeout))
            return pred(self.lines)


class TlsForward(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs_dir = tempfile.mkdtemp(prefix="tern-tls-forward-")
        cls.certs = Certs(cls.certs_dir).generate()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.certs_dir, ignore_errors=True)

    def broker(self):
        self.tls_port = free_port()
        # mosquitto's default in-flight limit; the sessions and their messages saved when the
        # broker stops (SIGTERM), the restart this test makes.
        return Broker(extra="per_listener_settings false\n" + self.certs.tls_listener(self.tls_port),
                      extra_ports=[self.tls_port],
                      persistence="on_shutdown", max_inflight=20, log_type="error")

    def forwarder(self, ca="ca.crt"):
        return subprocess.Popen(wrapped([TLS_FORWARD, "localhost", str(self.tls_port), self.certs.path(ca)]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)

    def publish(self, port, first, count):
        """mosquitto_pub of readings first.. at QoS 1, started; the caller waits for it."""
        pub = subprocess.Popen([MOSQUITTO_PUB, "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-t", "sensors/a/temp",
                                "-l"], stdin=subprocess.PIPE, text=True)
        pub.stdin.write("".join(f"{i}\n" for i in range(first, first + count)))
        pub.stdin.close()
        return pub

    def test_burst_across_a_broker_restart_arrives_at_least_once(self):
        with self.broker() as broker:
            # The checker keeps a session too (-c): what is forwarded while it reconnects waits.
            checker = subprocess.Popen(["stdbuf", "-oL", MOSQUITTO_SUB, "-h", "127.0.0.1", "-p", str(broker.port),
                                        "-c", "-i", f"checker-{os.getpid()}", "-q", "1", "-t", "forwarded/#",
                                        "-v", "-d"],
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            fwd = self.forwarder()
            got, out = Lines(checker, checker.stdout), Lines(fwd, fwd.stdout)
            try:
                self.assertTrue(got.wait_for(lambda ls: any("SUBACK" in x for x in ls), 10), got.lines)
                self.assertTrue(out.wait_for(lambda ls: "subscribed" in ls, 15), out.lines)

                def readings(lines):
                    return [int(x.split()[1]) for x in lines if x.startswith("forwarded/a/temp ")]

                # The restart comes mid-burst: the forwarder is stopped (SIGSTOP) once readings
                # flow through it, so that the broker goes down with readings in flight to it and
                # from it, and kept for it; it runs on (SIGCONT) against the restarted broker.
                pub = self.publish(broker.port, 0, HALF)
                self.assertTrue(got.wait_for(lambda ls: len(readings(ls)) >= HALF // 10, 30), out.lines)
                fwd.send_signal(signal.SIGSTOP)
                self.assertEqual(pub.wait(scaled(60)), 0)
                through = len(readings(got.lines))
                broker.restart()  # SIGTERM by PID: mosquitto saves its sessions, then the same ports
                fwd.send_signal(signal.SIGCONT)
                self.assertEqual(self.publish(broker.port, HALF, HALF).wait(scaled(60)), 0)
                complete = got.wait_for(lambda ls: set(readings(ls)) >= set(range(2 * HALF)), 120)
                fwd.send_signal(signal.SIGTERM)
                fwd.wait(scaled(30))
                out.thread.join(scaled(10))
                err = fwd.stderr.read()
            finally:
                for p in (fwd, checker):
                    if p.poll() is None:
                        p.send_signal(signal.SIGCONT)
                        p.kill()
                        p.wait()
                    for stream in (p.stdout, p.stderr):
                        if stream:
                            stream.close()
        values = readings(got.lines)
        missing = set(range(2 * HALF)) - set(values)
        self.assertTrue(complete and not missing, f"{len(missing)} readings never arrived, e.g. "
                        f"{sorted(missing)[:10]}; forwarder: {out.lines} {err}")
        connects = [x for x in out.lines if x.startswith("connected")]
        self.assertEqual(connects[0], "connected, session present 0")
        self.assertIn("connected, session present 1", connects[1:], out.lines)  # came back by itself
        self.assertIn("connection lost", err)
        self.assertNotIn("lost a message", err)
        self.assertEqual(fwd.returncode, 0, err)
        print(f"\n  {2 * HALF} readings, {through} through when the broker went down, "
              f"{len(values) - len(set(values))} duplicates (QoS 1 allows them); {out.lines[-1]}",
              file=sys.stderr)

    def test_wrong_ca_ends_with_the_certificate_cause(self):
        with self.broker():
            fwd = self.forwarder(ca="other-ca.crt")
            out, err = fwd.communicate(timeout=scaled(60))
        self.assertEqual(fwd.returncode, 1, out + err)
        self.assertIn("not signed by a trusted CA", err)
        self.assertNotIn("timed out", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
