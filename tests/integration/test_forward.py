"""examples/forward against a real mosquitto: a 2,000-reading burst at QoS 1 and at QoS 2,
each reading forwarded as a derived value from on_message, with the forwarder's fixed memory.
Every reading arrives derived (0 lost); at QoS 2 none twice. With a receive budget too small
for what the broker sends, every reading is still accounted for: forwarded, or reported lost
by the forwarder (the hold refused, TERN_ERR_HOLD_FULL) -- never dropped silently.

mosquitto 2.0.11 does not keep its in-flight limit (max_inflight_messages, or the client's
MQTT 5 Receive Maximum) toward a client that also publishes: it sends hundreds of readings
unacknowledged. The zero-loss runs give the forwarder a budget that holds that (64 KiB)."""
import os
import subprocess
import sys
import threading
import time
import unittest

from ternlab.harness import Broker, scaled, wrapped

FORWARD = os.environ.get("FORWARD", "forward")
SENSORS = 4
READINGS = 2000  # in all, READINGS / SENSORS per sensor


class Checker:
    """mosquitto_sub on derived/#, recording every message; ready once subscribed."""

    def __init__(self, port, qos):
        # Line-buffered: its debug lines (the SUBACK) must come as they happen.
        self.proc = subprocess.Popen(["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-d",
                                      "-q", str(qos), "-t", "derived/#", "-v",
                                      "-C", str(READINGS), "-W", str(int(scaled(180)))],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.subscribed = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        if not self.subscribed.wait(scaled(10)):
            self.proc.kill()
            raise AssertionError("mosquitto_sub did not subscribe: " + "\n".join(self.lines))

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("Client ") and "SUBACK" in line:
                self.subscribed.set()
            elif line.startswith("derived/"):
                self.lines.append(line)

    def finish(self, expected):
        """What arrived, once `expected` messages have (or the time is up)."""
        deadline = time.monotonic() + scaled(60)
        while len(self.lines) < expected and self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # one more than expected, a duplicate, would show now
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(scaled(10))
        self.thread.join(scaled(10))
        return self.lines


class ForwardBurst(unittest.TestCase):
    def burst(self, version, qos, rx_bytes=65536):
        with Broker(max_inflight=20, log_type="error") as broker:
            checker = Checker(broker.port, qos)
            fwd = subprocess.Popen(wrapped([FORWARD, "127.0.0.1", str(broker.port), version, str(qos),
                                            str(READINGS), str(rx_bytes)]),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                self.assertEqual(fwd.stdout.readline().strip(), "subscribed")
                per_sensor = READINGS // SENSORS
                pubs = []
                for s in range(SENSORS):
                    p = subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker.port),
                                          "-q", str(qos), "-t", f"sensors/s{s}/temp", "-l"],
                                         stdin=subprocess.PIPE, text=True)
                    pubs.append(p)
                    p.stdin.write("".join(f"{i} {20 + i % 10}.5\n" for i in range(per_sensor)))
                    p.stdin.close()
                for p in pubs:
                    self.assertEqual(p.wait(scaled(120)), 0)
                out, err = fwd.communicate(timeout=scaled(180))
            finally:
                if fwd.poll() is None:
                    fwd.kill()
                    fwd.wait()
            forwarded = int(out.split()[3]) if out.startswith("received ") else 0
            lines = checker.finish(forwarded)
        got = []
        for line in lines:
            topic, seq, fahrenheit = line.split(" ")
            sensor = topic.split("/")[1]
            seq = int(seq)
            self.assertAlmostEqual(float(fahrenheit), (20 + seq % 10 + 0.5) * 9 / 5 + 32, places=2)
            got.append((sensor, seq))
        want = {(f"s{s}", i) for s in range(SENSORS) for i in range(READINGS // SENSORS)}
        reported = set()
        for line in err.splitlines():  # "forward: reading SEQ from sensors/SENSOR/temp lost: ..."
            if " lost: " in line:
                words = line.split()
                reported.add((words[4].split("/")[1], int(words[2])))
        self.assertEqual(want - set(got), reported, "readings missing that were not reported lost")
        self.assertEqual(set(got) & reported, set())
        self.assertIn(f"lost {len(reported)}\n", out)
        self.assertEqual(fwd.returncode, 1 if reported else 0, out + err)
        if qos == 2:
            self.assertEqual(len(got), len(set(got)), "readings duplicated at QoS 2")
        # Per sensor, in the order they were sent (one publisher, one forwarder).
        for s in range(SENSORS):
            seqs = [q for (name, q) in got if name == f"s{s}"]
            self.assertEqual(seqs, sorted(seqs))
        print(f"\n{version} QoS {qos} rx {rx_bytes}: {out.strip()}", file=sys.stderr)
        return reported

    def test_qos1_burst_311(self):
        self.assertEqual(self.burst("311", 1), set())

    def test_qos2_burst_311(self):
        self.assertEqual(self.burst("311", 2), set())

    def test_qos1_burst_5(self):
        self.assertEqual(self.burst("5", 1), set())

    def test_qos2_burst_5(self):
        self.assertEqual(self.burst("5", 2), set())

    def test_budget_exhausted_every_reading_accounted_for(self):
        self.burst("5", 1, rx_bytes=1024)


if __name__ == "__main__":
    unittest.main()
