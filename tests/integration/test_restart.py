"""The broker (persistence on) restarts under a publisher and a persistent-session subscriber:
every QoS 1 message arrives at least once, every QoS 2 message exactly once."""
import os
import re
import subprocess
import sys
import time
import unittest

from ternlab.harness import Broker, scaled, wrapped

FLOW_CHECK = os.environ.get("FLOW_CHECK", "flow_check")
COUNT = 3000
RESTARTS = 3


class BrokerRestartMidStream(unittest.TestCase):
    def run_flow(self, version, qos):
        # MQTT 3.1.1 has no flow control: like any deployed broker, this one caps what it
        # sends unacknowledged (mosquitto's default, 20), within the client's QoS 2 table (64).
        broker = Broker(persistence=True, max_inflight=20).start()
        try:
            name = f"restart-v{version}-q{qos}-{os.getpid()}"
            limit = str(int(scaled(60)))
            proc = subprocess.Popen(wrapped([FLOW_CHECK, str(broker.port), str(qos), str(COUNT), str(version), name,
                                             limit]),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            restarts = 0
            while proc.poll() is None and restarts < RESTARTS:
                time.sleep(0.4)
                broker.restart()  # SIGTERM: mosquitto saves its sessions on the way down
                restarts += 1
            out, err = proc.communicate(timeout=scaled(120))
            report = out.decode().strip()
            self.assertEqual(proc.returncode, 0, f"{report} {err.decode()}")
            fields = report.split()
            stats = dict(zip(fields[0::2], fields[1::2]))
            self.assertEqual(stats["missing"], "0", report)
            if qos == 2:
                self.check_duplicates_are_the_brokers(err.decode(), broker.log_all(), f"{name}-sub")
            # The flow must really have crossed restarts, or the test proved nothing.
            if restarts == RESTARTS:
                self.assertGreater(int(stats["pub_connects"]), 1, report)
            return report
        finally:
            broker.cleanup()

    def check_duplicates_are_the_brokers(self, err, log, sub_id):
        """Exactly once at QoS 2 holds unless the broker itself goes back on its word.

        mosquitto 2.0 restores an outgoing QoS 2 message from its database in the PUBLISH
        state even when it had already received the client's PUBREC (and so must send PUBREL,
        [MQTT-4.3.3]); the client has by then completed that id and must treat the re-sent
        PUBLISH as new. So every duplicate must be (a) a re-send (DUP set) of (b) an id the
        broker had already moved past PUBLISH for: it logged our PUBREC more than once, or it
        logged sending the PUBREL (a broker stopped again right after re-sending may not get to
        log the second PUBREC). Anything else is the client's fault."""
        dups = re.findall(r"duplicate message (\d+) packet-id (\d+) dup (\d)", err)
        for msg, pid, dup in dups:
            self.assertEqual(dup, "1", f"message {msg} delivered twice without a broker re-send")
            pubrecs = log.count(f"Received PUBREC from {sub_id} (Mid: {pid})")
            pubrels = log.count(f"Sending PUBREL to {sub_id} (m{pid})")
            self.assertTrue(pubrecs >= 2 or pubrels >= 1,
                            f"message {msg} (id {pid}) duplicated but the broker logged only "
                            f"{pubrecs} PUBREC and {pubrels} PUBREL for it")
        if dups:
            print(f"  {len(dups)} duplicates, each a re-send by the broker after it had our PUBREC",
                  file=sys.stderr)

    def test_qos1_and_qos2_both_versions(self):
        for version in (4, 5):
            for qos in (1, 2):
                with self.subTest(version=version, qos=qos):
                    print(f"v{version} q{qos}: {self.run_flow(version, qos)}", file=sys.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
