"""`tern sub -c -V 5` keeps its session across runs, as `mosquitto_sub -c -V 5` does: without -x
the session expiry is "never" (an expiry of 0 would end the session with the connection)."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Broker, scaled, wrapped  # noqa: E402

TERN = os.environ.get("TERN_BIN", "tern")


class PersistentSessionV5(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def sub(self, client_id, *args):
        return subprocess.run(wrapped([TERN, "sub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-V", "5", "-c",
                                       "-i", client_id, "-q", "1", "-t", "kept/" + client_id, *args]),
                              capture_output=True, timeout=scaled(60))

    def test_messages_sent_while_away_arrive_next_run(self):
        first = self.sub("v5-kept", "-W", "1")
        self.assertEqual(first.returncode, 27, first.stderr)  # subscribed, nothing came, timed out
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-t", "kept/v5-kept",
                        "-q", "1", "-l"], input=b"a\nb\nc\n", check=True, timeout=scaled(30))
        second = self.sub("v5-kept", "-C", "3", "-W", "10")
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(second.stdout.split(), [b"a", b"b", b"c"])


if __name__ == "__main__":
    unittest.main()
