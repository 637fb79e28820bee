"""An application of the most common shape -- subscribe to 20 topics, one call each, then
publish more QoS 1 messages than it has in-flight slots -- against a real mosquitto, the two
ways tern can be driven (many_topics.c):

  event loop API: the calls do not wait. The 9th subscribe from on_connect says TERN_ERR_BUSY
    (TERN_SUBS_IN_FLIGHT, 8, requests await their SUBACK); an application that goes on from
    on_suback (and publishes on from on_publish_done) gets every filter and every message;
  blocking layer: tern_client_subscribe_wait and tern_client_publish_wait in plain loops get
    every filter and every message, with no status to retry.

Both MQTT versions. Every message must come back, on every topic."""
import os
import subprocess
import unittest

from ternlab.harness import Broker, scaled, wrapped

MANY_TOPICS = os.environ.get("MANY_TOPICS", "many_topics")
TOPICS = 20
MESSAGES = 60  # 15 times the client's 4 in-flight slots
SUBS_IN_FLIGHT = 8  # TERN_SUBS_IN_FLIGHT's default (include/tern/config.h)


class ManyTopics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.cleanup()

    def run_app(self, version, mode):
        name = f"many-v{version}-{mode}-{os.getpid()}"
        argv = [MANY_TOPICS, str(self.broker.port), str(version), mode, str(TOPICS), str(MESSAGES), name]
        p = subprocess.run(wrapped(argv), capture_output=True, text=True, timeout=scaled(90))
        fields = p.stdout.split()
        stats = {k: int(v) for k, v in zip(fields[0::2], fields[1::2])}
        context = f"{p.stdout}{p.stderr[-2000:]}"
        self.assertEqual(p.returncode, 0, context)
        self.assertEqual(stats["subscribed"], TOPICS, context)
        self.assertEqual(stats["subacks"], TOPICS, context)
        self.assertEqual(stats["granted"], TOPICS, context)
        self.assertEqual(stats["published"], MESSAGES, context)
        self.assertEqual(stats["received"], MESSAGES, context)
        self.assertEqual(stats["topics_heard"], TOPICS, context)
        return stats, context

    def test_event_loop_goes_on_from_the_acks(self):
        for version in (4, 5):
            with self.subTest(version=version):
                stats, context = self.run_app(version, "event")
                # All 20 calls are made from on_connect, before any SUBACK can be read.
                self.assertEqual(stats["first_busy"], SUBS_IN_FLIGHT, context)
                self.assertGreater(stats["busy_publish"], 0, context)

    def test_blocking_layer_waits_for_room(self):
        for version in (4, 5):
            with self.subTest(version=version):
                stats, context = self.run_app(version, "blocking")
                self.assertEqual(stats["first_busy"], -1, context)
                self.assertEqual(stats["busy_publish"], 0, context)


if __name__ == "__main__":
    unittest.main(verbosity=2)
