"""What tern pub/sub tell the broker about the session, checked at the broker (probe findings):
- the client id given with -i reaches the broker whole, or tern refuses it -- never a silently
  shortened id (two devices whose long ids share a prefix would take over each other's session);
- `tern sub -c -V 5` keeps its session across runs, as `mosquitto_sub -c -V 5` does: without -x
  the session expiry is "never" (an expiry of 0 would end the session with the connection)."""
import os
import re
import signal
import subprocess
import time
import unittest

from ternlab.harness import Broker, scaled, wrapped

TERN = os.environ.get("TERN_BIN", "tern")


class WithBroker(unittest.TestCase):
    """One mosquitto for the class; tern commands against it."""

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def tern(self, *args, stdin=None):
        return subprocess.run(wrapped([TERN, *args, "-h", "127.0.0.1", "-p", str(self.broker.port)]),
                              input=stdin, capture_output=True, timeout=scaled(60))


class ClientIdReachesTheBroker(WithBroker):
    def connected_ids(self):
        return re.findall(r"New client connected from \S+ as (\S+) ", self.broker.log())

    def wait_for_id(self, client_id):
        deadline = time.monotonic() + scaled(10)
        while client_id not in self.connected_ids() and time.monotonic() < deadline:
            time.sleep(0.05)
        return client_id in self.connected_ids()

    def test_long_ids_arrive_whole(self):
        for length in (63, 64, 100, 400):  # mosquitto shortens log lines past ~1 kB
            client_id = "".join(chr(ord("a") + i % 26) for i in range(length))
            with self.subTest(length=length):
                r = self.tern("pub", "-t", "id/test", "-m", "x", "-i", client_id)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertTrue(self.wait_for_id(client_id),
                                f"id of {length} bytes not seen whole; broker saw lengths "
                                f"{sorted({len(i) for i in self.connected_ids()})}")

    def test_id_beyond_mqtt_limit_is_refused(self):
        r = self.tern("pub", "-t", "id/test", "-m", "x", "-i", "x" * 70000)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(len(r.stderr.decode().strip().splitlines()), 1, r.stderr)


class PersistentSessionV5(WithBroker):
    def sub(self, client_id, *args):
        return self.tern("sub", "-V", "5", "-c", "-i", client_id, "-q", "1", "-t", "kept/" + client_id, *args)

    def test_messages_sent_while_away_arrive_next_run(self):
        first = self.sub("v5-kept", "-W", "1")
        self.assertEqual(first.returncode, 27, first.stderr)  # subscribed, nothing came, timed out
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-t", "kept/v5-kept",
                        "-q", "1", "-l"], input=b"a\nb\nc\n", check=True, timeout=scaled(30))
        second = self.sub("v5-kept", "-C", "3", "-W", "10")
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(second.stdout.split(), [b"a", b"b", b"c"])



class StopSignal(WithBroker):
    """Ctrl-C (SIGINT) or kill (SIGTERM) ends `tern sub` with a DISCONNECT: the broker does not
    publish its will (probe finding P14: the will went out on every stop)."""

    def watch(self, *topics):
        """mosquitto_sub -v on the topics until one message on each, returned once subscribed."""
        args = [word for topic in topics for word in ("-t", topic)]
        # stdbuf: mosquitto_sub's -d lines would wait in a full pipe buffer.
        watcher = subprocess.Popen(["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.broker.port),
                                    *args, "-v", "-C", str(len(topics)), "-d"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.wait_for(watcher.stdout, b"SUBACK")
        return watcher

    def stop_then_mark(self, proc, sig, will, watcher):
        """Stop proc with sig (status 0, DISCONNECT sent), then publish a marker on the will
        topic: the messages the watcher saw. The will would come before the marker."""
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=scaled(30))
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn(b"sending DISCONNECT", err)
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-t", will, "-m", "marker"],
                       check=True, timeout=scaled(30))
        out, _ = watcher.communicate(timeout=scaled(30))
        return [l for l in out.splitlines() if not l.startswith((b"Client ", b"Subscribed "))]

    def test_a_stopped_subscriber_publishes_no_will(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(signal=sig.name):
                will = f"will/{sig.name}"
                watcher = self.watch(will)
                sub = subprocess.Popen(wrapped([TERN, "sub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-t",
                                                "quiet", "-d", "--will-topic", will, "--will-payload", "the will"]),
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                self.wait_for(sub.stderr, b"SUBACK")
                self.assertEqual(self.stop_then_mark(sub, sig, will, watcher), [will.encode() + b" marker"])

    def test_a_stopped_publisher_delivers_what_it_read_and_publishes_no_will(self):
        """tern pub -l reading a pipe (QoS 1), and tern pub --repeat (QoS 2), stopped by SIGINT
        or SIGTERM: the message already read arrives, the broker gets a DISCONNECT, no will."""
        for how in ("lines", "repeat"):
            for sig in (signal.SIGINT, signal.SIGTERM):
                with self.subTest(how=how, signal=sig.name):
                    will, data = f"pwill/{how}/{sig.name}", f"pdata/{how}/{sig.name}"
                    watcher = self.watch(will, data)
                    source = ["-l"] if how == "lines" else ["-m", "again", "--repeat", "100000",
                                                             "--repeat-delay", "0.5"]
                    qos, acked = ("1", b"received PUBACK") if how == "lines" else ("2", b"received PUBCOMP")
                    pub = subprocess.Popen(wrapped([TERN, "pub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-t",
                                                    data, "-q", qos, "-d", *source, "--will-topic", will,
                                                    "--will-payload", "the will"]),
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    if how == "lines":
                        pub.stdin.write(b"read before the signal\n")
                        pub.stdin.flush()
                    self.wait_for(pub.stderr, acked)
                    first = b"read before the signal" if how == "lines" else b"again"
                    self.assertEqual(self.stop_then_mark(pub, sig, will, watcher),
                                     [data.encode() + b" " + first, will.encode() + b" marker"])

    @staticmethod
    def wait_for(stream, needle):
        seen = b""
        while needle not in seen:
            line = stream.readline()
            if not line:
                raise AssertionError(f"{needle!r} never came: {seen!r}")
            seen += line

if __name__ == "__main__":
    unittest.main()
