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
        """Lines around tern pub's first buffer (64 KiB plus the topic and 1 KiB) and far past
        it arrive whole, one message each, as mosquitto_pub sends them (the buffer grows)."""
        lengths = [65535, 65536, 65537, 66570, 66571, 66572, 100000, 700000, 1]
        p = self.start_sub([TERN, "sub"], "burst/l", len(lengths))
        data = b"".join(b"A" * n + b"\n" for n in lengths)
        r = subprocess.run(wrapped([TERN, "pub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-t", "burst/l",
                                    "-q", "1", "-l"]), input=data, capture_output=True, timeout=scaled(60))
        out, err = p.communicate(timeout=scaled(30))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([len(l) for l in out.split(b"\n")[:-1]], lengths, err[-300:])

if __name__ == "__main__":
    unittest.main()
