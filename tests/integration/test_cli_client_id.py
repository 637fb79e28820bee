"""The client id given with -i reaches the broker whole, or tern refuses it: never a silently
shortened id (two devices whose long ids share a prefix would take over each other's session)."""
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Broker, scaled, wrapped  # noqa: E402

TERN = os.environ.get("TERN_BIN", "tern")


class ClientIdReachesTheBroker(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.stop()

    def connected_ids(self):
        return re.findall(r"New client connected from \S+ as (\S+) ", self.broker.log())

    def publish_with_id(self, client_id):
        return subprocess.run(wrapped([TERN, "pub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-t", "id/test",
                                       "-m", "x", "-i", client_id]), capture_output=True, timeout=scaled(30))

    def wait_for_id(self, client_id):
        deadline = time.monotonic() + scaled(10)
        while client_id not in self.connected_ids() and time.monotonic() < deadline:
            time.sleep(0.05)
        return client_id in self.connected_ids()

    def test_long_ids_arrive_whole(self):
        for length in (63, 64, 100, 400):  # mosquitto shortens log lines past ~1 kB
            client_id = "".join(chr(ord("a") + i % 26) for i in range(length))
            with self.subTest(length=length):
                r = self.publish_with_id(client_id)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertTrue(self.wait_for_id(client_id),
                                f"id of {length} bytes not seen whole; broker saw lengths "
                                f"{sorted({len(i) for i in self.connected_ids()})}")

    def test_id_beyond_mqtt_limit_is_refused(self):
        r = self.publish_with_id("x" * 70000)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual(len(r.stderr.decode().strip().splitlines()), 1, r.stderr)


if __name__ == "__main__":
    unittest.main()
