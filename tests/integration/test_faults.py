"""Faults with a real mosquitto: SIGKILL under a publisher and a persistent-session subscriber.

flow_check (one process, two tern clients on the non-blocking core with auto-reconnect)
publishes COUNT sequence-numbered messages at QoS 1 or 2 while this test, mid-stream, kills
the broker (persistence on, saved after every change it counts) with SIGKILL and restarts it
KILLS times, and between the kills cuts both clients' connections CUTS times at a TCP proxy
that sits between them and the broker (the broker itself stays up). Every case runs over TCP
and over TLS (wolfSSL, TLS 1.3), with MQTT 3.1.1 and 5.

SIGKILL gives the broker no chance to save: mosquitto acknowledges a message (PUBACK, PUBREC,
PUBCOMP) before the next save of its database, so a kill can lose messages the broker had
already accepted, or make it forget that it already finished one. That is the broker's loss,
not the client's; this test counts it separately and asserts what the client guarantees:

  For every case
  - every message was acknowledged to the publisher exactly once (on_publish_done TERN_OK, no
    message dropped, none acknowledged twice) and the run did not time out: nothing the
    client owed the broker was lost, however often the connection died;
  - the subscriber never acknowledged a PUBLISH it had not delivered (or, QoS 2, was holding);
  - every message the subscriber did not receive is traced to the broker: the publisher got
    its acknowledgement, the broker's log shows it received the PUBLISH (its packet id is
    unique in the run), and the message never arrived on the subscriber's connection -- or it
    arrived with a packet id the subscriber still held for another message awaiting PUBREL (the
    broker, having forgotten its state, reused an id: the client must treat it as a re-send).
    A message that reached the subscriber's socket and was not delivered otherwise fails;
  QoS 2 (exactly once)
  - every duplicate is traced to the broker: the broker had sent PUBREL for the earlier
    delivery (shown by the client's trace and by the broker's log), i.e. it had declared the
    message finished and then sent it again as a new PUBLISH after a restart from an older
    save. A duplicate while the client still held the id fails;
  TLS
  - every connection of a client to a broker instance it had already connected to resumed its
    TLS session (cuts at the proxy lead to such reconnects: at least one per case is required).
    The first connection to a restarted broker may not resume: mosquitto (OpenSSL) makes new
    session ticket keys at start; the figures are printed.

The figures (messages, kills, cuts, reconnects, resumed connections, duplicates and messages
lost by the broker) are printed for each case."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from ternlab.certs import Certs
from ternlab.harness import Broker, free_port, scaled, wrapped
from ternlab.proxy import CuttableProxy

FLOW_CHECK = os.environ.get("FLOW_CHECK", "flow_check")
COUNT = int(os.environ.get("FAULT_COUNT", "10000"))
KILLS = 3
CUTS = 3
GAP = 0.6  # seconds between faults
RATE = 1500  # messages a second at most: the flow lasts ~7 s, across every fault
# The broker saves its database after every change it counts; on a disk each save's fsync
# makes a 10,000-message run take minutes. SIGKILL ends the process, not the machine: what the
# broker wrote survives in the page cache either way, so a RAM file system loses nothing that
# a disk would keep here, and the database lives there when there is one.
DB_DIR = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
WITH_TLS = os.environ.get("FAULT_TLS", "1") == "1"


def setUpModule():
    global WORK, CERTS
    WORK = tempfile.mkdtemp(prefix="tern-faults-")
    CERTS = Certs(WORK)
    CERTS._ca("ca", "tern test CA")
    CERTS._issue("server-ec", "localhost")


def tearDownModule():
    shutil.rmtree(WORK, ignore_errors=True)


class Run:
    """What one flow_check run printed, parsed."""

    def __init__(self, out, err):
        self.report = out.strip()
        fields = self.report.split()
        self.stats = {k: v for k, v in zip(fields[0::2], fields[1::2])}
        self.timeout = "TIMEOUT" in fields
        self.err = err
        self.connects = [(role, int(n), int(at), int(res), int(sp)) for role, n, at, res, sp in re.findall(
            r"^connect (\w+) (\d+) at (\d+) resumed (\d) session-present (\d)", err, re.M)]
        self.missing = [tuple(map(int, m)) for m in re.findall(
            r"^missing message (\d+) acked (\d+) pub-id (\d+) on-wire (\d+)", err, re.M)]
        self.dupinfo = [tuple(map(int, m)) for m in re.findall(
            r"^dupinfo message (\d+) packet-id (\d+) prev-id (\d+) released (\d+)", err, re.M)]
        self.idreuse = {int(m): (int(p), int(h)) for m, p, h in re.findall(
            r"^idreuse message (\d+) packet-id (\d+) held-for (\d+)", err, re.M)}

    def n(self, key):
        return int(self.stats[key])


class BrokerKilledMidStream(unittest.TestCase):
    def run_case(self, version, qos, tls):
        tls_port = free_port() if tls else None
        extra = ""
        if tls:
            extra = (f"listener {tls_port} 127.0.0.1\n"
                     f"cafile {CERTS.path('ca.crt')}\ncertfile {CERTS.path('server-ec.crt')}\n"
                     f"keyfile {CERTS.path('server-ec.key')}\n")
        # 3.1.1 has no flow control: the broker caps what it sends unacknowledged (20), within
        # the client's QoS 2 table (64), as in test_restart.
        broker = Broker(persistence=True, max_inflight=20, extra=extra,
                        extra_ports=[tls_port] if tls else [], base_dir=DB_DIR).start()
        proxy = CuttableProxy(tls_port if tls else broker.port).start()
        name = f"faults-v{version}-q{qos}-{'tls' if tls else 'tcp'}-{os.getpid()}"
        argv = [FLOW_CHECK, str(proxy.port), str(qos), str(COUNT), str(version), name,
                str(int(scaled(90))), "--settle", "3000", "--rate", str(RATE)]
        if tls:
            argv += ["--cafile", CERTS.path("ca.crt"), "--host", "127.0.0.1"]
        launches = [time.monotonic()]  # when each broker instance was started (the first approx.)
        kills = cuts = 0
        try:
            proc = subprocess.Popen(wrapped(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            faults = ["cut", "kill"] * max(KILLS, CUTS)
            faults = [f for i, f in enumerate(faults) if (f == "kill" and i // 2 < KILLS) or
                      (f == "cut" and i // 2 < CUTS)]
            for fault in faults:
                time.sleep(GAP)
                if proc.poll() is not None:
                    break
                if fault == "kill":
                    broker.kill()
                    kills += 1
                    time.sleep(0.1)
                    launches.append(time.monotonic())
                    broker.start()
                else:
                    proxy.cut()
                    cuts += 1
            out, err = proc.communicate(timeout=scaled(180))
            run = Run(out.decode(), err.decode())
            log = broker.log_all()
            keep = os.environ.get("FAULT_KEEP")  # a directory: keep each run's evidence there
            if keep:
                for suffix, text in (("out", out.decode()), ("err", err.decode()), ("log", log),
                                     ("events", repr(launches))):
                    with open(os.path.join(keep, f"{name}.{suffix}"), "w") as f:
                        f.write(text)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proxy.close()
            broker.cleanup()
        self.check(run, log, name, qos, tls, launches, kills, cuts)

    def check(self, run, log, name, qos, tls, launches, kills, cuts):
        r = run.report
        context = f"{r}\n{run.err[-3000:]}"
        self.assertFalse(run.timeout, context)
        # The faults must really have hit the flow, or the test proved nothing.
        self.assertEqual(kills, KILLS, f"the flow ended before every kill: {r}")
        self.assertEqual(cuts, CUTS, f"the flow ended before every cut: {r}")
        self.assertGreater(run.n("pub_connects"), KILLS, r)
        self.assertGreater(run.n("sub_connects"), KILLS, r)
        # Publisher: everything acknowledged, exactly once, nothing dropped.
        self.assertEqual(run.n("published"), COUNT, r)
        self.assertEqual(run.n("acked"), COUNT, r)
        self.assertEqual(run.n("dropped"), 0, r)
        self.assertEqual(run.n("double_acks"), 0, r)
        # Subscriber: acknowledged only what it delivered (or held).
        self.assertEqual(run.n("acks_without_delivery"), 0, r)
        self.assertLess(COUNT, 65535, "publisher packet ids must be unique to trace messages")

        # Every missing message: the broker's loss, with evidence from both sides.
        lost_in_broker = lost_to_id_reuse = 0
        for msg, acked, pid, on_wire in run.missing:
            self.assertEqual(acked, 1, f"message {msg} missing and never acknowledged to the publisher")
            if on_wire == 0:
                received = re.search(rf"Received PUBLISH from {name}-pub \(d\d, q{qos}, r\d, m{pid},", log)
                self.assertIsNotNone(received, f"message {msg} (publisher id {pid}) missing, but the "
                                               "broker never logged receiving it")
                lost_in_broker += 1
            else:
                self.assertIn(msg, run.idreuse, f"message {msg} reached the subscriber {on_wire} "
                                                "time(s) and was not delivered")
                lost_to_id_reuse += 1
        self.assertEqual(len(run.missing), run.n("missing"), r)

        # QoS 2: every duplicate is a re-send by a broker that had already sent PUBREL for it.
        dups_after_pubrel = 0
        if qos == 2:
            for msg, pid, prev, released in run.dupinfo:
                self.assertEqual(released, 1, f"message {msg} delivered twice (ids {prev}, {pid}) "
                                              "without the broker having released the first\n"
                                              + "\n".join(f"connect {c}" for c in run.connects)
                                              + f"\n{context}")
                self.assertIn(f"Sending PUBREL to {name}-sub (m{prev})", log,
                              f"message {msg}: the broker's log does not show its PUBREL")
                dups_after_pubrel += 1
            self.assertEqual(dups_after_pubrel, run.n("duplicates"), r)

        # TLS: a client's reconnect to a broker instance it already knows resumes its session.
        must_resume = resumed_must = resumed_first = firsts = 0
        if tls:
            for role in ("pub", "sub"):
                seen_instances = set()
                for _, n, at, resumed, _ in [c for c in run.connects if c[0] == role]:
                    instance = sum(1 for t in launches[1:] if t * 1000 < at)
                    if instance in seen_instances:
                        must_resume += 1
                        resumed_must += resumed
                        self.assertEqual(resumed, 1, f"{role} connection {n} (broker instance {instance}) "
                                                     f"did not resume its TLS session\n{context}")
                    else:
                        firsts += 1
                        resumed_first += resumed
                        seen_instances.add(instance)
            self.assertGreater(must_resume, 0, f"no reconnect to a known broker instance: {r}")

        print(f"  {COUNT} messages, {kills} kills, {cuts} cuts; connections pub {run.n('pub_connects')} "
              f"sub {run.n('sub_connects')}"
              + (f"; TLS resumed {resumed_must}/{must_resume} reconnects to the same broker, "
                 f"{resumed_first}/{firsts} first connections to a (re)started one" if tls else "")
              + f"; duplicates {run.n('duplicates')}"
              + (f" (all after the broker's PUBREL)" if qos == 2 else "")
              + f"; lost by the broker {lost_in_broker} (acked, never sent on)"
              + f", {lost_to_id_reuse} (sent with an id still held)"
              + f"; QoS 2 ids forgotten for a full table {run.n('qos2_evictions')}",
              file=sys.stderr)

    def cases(self, tls):
        for version in (4, 5):
            for qos in (1, 2):
                with self.subTest(version=version, qos=qos, tls=tls):
                    print(f"v{version} q{qos} {'tls' if tls else 'tcp'}:", file=sys.stderr)
                    self.run_case(version, qos, tls)

    def test_tcp(self):
        self.cases(False)

    @unittest.skipUnless(WITH_TLS, "FAULT_TLS=0")
    def test_tls(self):
        self.cases(True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
