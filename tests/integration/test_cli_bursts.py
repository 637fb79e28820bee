"""The CLI's framing under bursts (the outside probe's findings P11, P12): `tern sub -C 7` prints
and acknowledges exactly 7 of a 50-message burst, and `tern pub -l` never splits a long line
into two messages (it sends it whole, or refuses it in one line). Both failed before their fixes."""
import subprocess
import unittest

from ternlab.harness import scaled, wrapped
from test_cli_sessions import TERN, WithBroker


class Bursts(WithBroker):
    def start_sub(self, cmd, topic, count):
        p = subprocess.Popen(wrapped([*cmd, "-h", "127.0.0.1", "-p", str(self.broker.port), "-t", topic, "-q", "1",
                                      "-C", str(count), "-W", "20", "-d"]),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seen = b""
        while b"SUBACK" not in seen and b"Subscribed" not in seen:
            line = p.stderr.readline()
            if not line:
                break
            seen += line
        return p

    def publish_lines(self, topic, data):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-t", topic, "-q", "1", "-l"],
                       input=data, check=True, timeout=scaled(30))

    def test_count_stops_at_n_in_a_burst(self):
        p = self.start_sub([TERN, "sub"], "burst/c", 7)
        self.publish_lines("burst/c", b"".join(b"m%d\n" % i for i in range(50)))
        out, _ = p.communicate(timeout=scaled(30))
        self.assertEqual(len(out.splitlines()), 7, out[:200])

    def test_a_long_line_is_one_message(self):
        p = self.start_sub([TERN, "sub"], "burst/l", 2)
        data = b"A" * 100000 + b"\nb\n"
        r = subprocess.run(wrapped([TERN, "pub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-t", "burst/l", "-l"]),
                           input=data, capture_output=True, timeout=scaled(30))
        out, _ = p.communicate(timeout=scaled(30))
        if r.returncode != 0:  # refusing the long line, in one stderr line, is acceptable too
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            return
        self.assertEqual([len(l) for l in out.splitlines()], [100000, 1])


if __name__ == "__main__":
    unittest.main()
