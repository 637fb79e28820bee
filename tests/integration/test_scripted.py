"""Exact behaviour of the tern CLI (and, for flows it cannot show, script_client) against a
scripted broker over real TCP: CONNACK refusals, QoS 1/2 resumption, inbound QoS 2 exactly
once, keep-alive timing, server DISCONNECT, unknown ids, Receive Maximum, topic aliases."""
import os
import signal
import subprocess
import threading
import unittest

from ternlab.scripted_broker import (
    CONNECT, DISCONNECT, PINGREQ, PUBACK, PUBCOMP, PUBLISH, PUBREC, PUBREL, SUBSCRIBE,
    RECEIVE_MAXIMUM, TOPIC_ALIAS, TOPIC_ALIAS_MAXIMUM, REASON_STRING,
    ScriptedBroker, call, close, connack, disconnect, expect, expect_closed, expect_nothing_for,
    pingresp, props, publish, puback, pubcomp, pubrec, pubrel, run_client, send, suback)

TERN = os.environ.get("TERN_BIN", "tern")
SCRIPT_CLIENT = os.environ.get("SCRIPT_CLIENT", "script_client")


class ScriptedCase(unittest.TestCase):
    def tern(self, mode, broker, *args, timeout=30):
        return run_client([TERN, mode, "-h", "127.0.0.1", "-p", str(broker.port), *args], timeout)

    def client(self, broker, version, *args, timeout=30):
        return run_client([SCRIPT_CLIENT, str(broker.port), str(version), *args], timeout)

    def finish(self, broker, timeout=15):
        broker.join(timeout)
        broker.assert_ok()

    def assert_failed(self, r, *words, max_s):
        """Exited by itself (not killed, no signal), non-zero, one line on stderr with words."""
        self.assertIsNotNone(r.rc, f"client still running after its time limit: {r}")
        self.assertGreater(r.rc, 0, f"client did not exit with a plain error status: {r}")
        self.assertLessEqual(r.elapsed, max_s, f"client took too long: {r}")
        self.assertTrue(r.err.endswith("\n") and r.err.count("\n") == 1,
                        f"stderr is not exactly one line: {r}")
        for w in words:
            self.assertIn(w.lower(), r.err.lower(), f"{w!r} not in the message: {r}")


def connect_v(version):
    """A predicate: a CONNECT of the given protocol level (4 or 5)."""
    def is_connect(p):
        return p.type == CONNECT and p.connect_version() == version
    is_connect.__name__ = f"CONNECT v{version}"
    return is_connect


class ConnackRefusals(ScriptedCase):
    V311 = {1: "unacceptable protocol version", 2: "identifier rejected", 3: "server unavailable",
            4: "bad user name or password", 5: "not authorized"}
    V5 = {0x80: "unspecified error", 0x84: "unsupported protocol version",
          0x85: "client identifier not valid", 0x86: "bad user name or password",
          0x87: "not authorized", 0x88: "server unavailable", 0x8A: "banned",
          0x8C: "bad authentication method", 0x97: "quota exceeded",
          0x9F: "connection rate exceeded"}

    def check(self, version, rc, words, mode):
        v5 = version == 5
        b = ScriptedBroker([expect(connect_v(version)), send(connack(rc, v5=v5)),
                            expect_closed(5)]).start()
        args = ("-t", "t", "-m", "x") if mode == "pub" else ("-t", "t")
        r = self.tern(mode, b, "-V", str(version), *args, timeout=20)
        self.finish(b)
        self.assert_failed(r, "refused", words, f"0x{rc:02x}", max_s=10)

    def test_311_codes_pub(self):
        for rc, words in self.V311.items():
            with self.subTest(rc=rc):
                self.check(4, rc, words, "pub")

    def test_5_codes_pub(self):
        for rc, words in self.V5.items():
            with self.subTest(rc=hex(rc)):
                self.check(5, rc, words, "pub")

    def test_sub_refused_too(self):
        # tern sub reconnects after a lost connection, but a refusal ends it.
        self.check(4, 5, "not authorized", "sub")
        self.check(5, 0x87, "not authorized", "sub")
        # ... even those a retry could fix: tern sub only reconnects once subscribed.
        self.check(5, 0x88, "server unavailable", "sub")


class Resumption(ScriptedCase):
    def test_qos1_resent_with_dup_after_drop(self):
        for v in (4, 5):
            with self.subTest(version=v):
                v5 = v == 5
                first = {}

                def remember(conn):
                    first["id"] = conn.last.packet_id

                def same_id_dup(p):
                    return p.type == PUBLISH and p.dup == 1 and p.qos == 1 and p.packet_id == first["id"]
                b = ScriptedBroker([
                    [expect(connect_v(v)), send(connack(v5=v5)),
                     expect(lambda p: p.type == PUBLISH and p.qos == 1 and p.dup == 0),
                     call(remember), close()],
                    [expect(lambda p: p.type == CONNECT and not p.connect_flags() & 2),  # clean 0
                     send(connack(sp=1, v5=v5)), expect(same_id_dup),
                     call(lambda c: c.send(puback(first["id"]))), expect(DISCONNECT)],
                ]).start()
                r = self.client(b, v, "-i", "resume1", "-c", "-r", "-q", "1", "-n", "1", "-W", "15")
                self.finish(b)
                self.assertEqual(r.rc, 0, r)
                self.assertIn(f"done id={first['id']} TERN_OK", r.out)
                self.assertEqual(r.out.count("connected session_present=1"), 1, r)
                self.assertIn("result ok", r.out)

    def test_qos2_resumed_at_pubrel(self):
        for v in (4, 5):
            with self.subTest(version=v):
                v5 = v == 5
                ids = {}

                def rec(conn):
                    ids["id"] = conn.last.packet_id
                    conn.send(pubrec(ids["id"]))

                def is_pubrel(p):
                    return p.type == PUBREL and p.flags == 2 and p.packet_id == ids["id"]
                b = ScriptedBroker([
                    [expect(connect_v(v)), send(connack(v5=v5)),
                     expect(lambda p: p.type == PUBLISH and p.qos == 2), call(rec),
                     expect(is_pubrel), close()],
                    [expect(CONNECT), send(connack(sp=1, v5=v5)),
                     expect(is_pubrel),  # the PUBREL again, not the PUBLISH
                     call(lambda c: c.send(pubcomp(ids["id"]))), expect(DISCONNECT)],
                ]).start()
                r = self.client(b, v, "-i", "resume2", "-c", "-r", "-q", "2", "-n", "1", "-W", "15")
                self.finish(b)
                self.assertEqual(r.rc, 0, r)
                self.assertIn(f"done id={ids['id']} TERN_OK", r.out)
                self.assertEqual(len(b.packets(PUBLISH)), 1, "the PUBLISH was sent again")


class InboundQos2(ScriptedCase):
    def test_dup_publish_delivered_once(self):
        for v in (4, 5):
            with self.subTest(version=v):
                v5 = v == 5
                b = ScriptedBroker([
                    expect(CONNECT), send(connack(v5=v5)), expect(SUBSCRIBE),
                    call(lambda c: c.send(suback(c.last.packet_id, [2], v5=v5))),
                    send(publish("q2/t", "once", qos=2, pid=7, v5=v5)),
                    expect(lambda p: p.type == PUBREC and p.packet_id == 7),
                    send(publish("q2/t", "once", qos=2, pid=7, dup=1, v5=v5)),
                    expect(lambda p: p.type == PUBREC and p.packet_id == 7),
                    send(pubrel(7)),
                    expect(lambda p: p.type == PUBCOMP and p.packet_id == 7),
                    send(publish("q2/t", "after", qos=0, v5=v5)),
                    expect(DISCONNECT),
                ]).start()
                r = self.tern("sub", b, "-V", str(v), "-q", "2", "-t", "q2/#", "-C", "2", "-W", "10")
                self.finish(b)
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(r.out, "once\nafter\n")


def answer_pings_until_disconnect(conn, timeout=10):
    """Answer every PINGREQ until the client sends DISCONNECT."""
    while True:
        p = conn.next_packet(timeout)
        if p is None or p.type not in (PINGREQ, DISCONNECT):
            raise AssertionError(f"expected PINGREQ or DISCONNECT, got {p!r}")
        if p.type == DISCONNECT:
            return
        conn.send(pingresp())


class KeepAlive(ScriptedCase):
    def test_pingreq_within_keepalive(self):
        times = {}

        def t_now(key):
            def mark(conn):
                times[key] = conn.last.t
            return mark
        b = ScriptedBroker([
            expect(lambda p: p.type == CONNECT and p.keep_alive() == 2), send(connack()),
            expect(SUBSCRIBE), call(lambda c: c.send(suback(c.last.packet_id, [0]))),
            call(lambda c: times.__setitem__("suback", __import__("time").monotonic())),
            expect(PINGREQ, timeout=4), call(t_now("ping1")), send(pingresp()),
            expect(PINGREQ, timeout=4), call(t_now("ping2")), send(pingresp()),
            call(answer_pings_until_disconnect),
        ]).start()
        r = self.tern("sub", b, "-k", "2", "-t", "t", "-W", "6")
        self.finish(b)
        self.assertEqual(r.rc, 27, r)  # -W passed: "Timed out", as mosquitto_sub
        first = times["ping1"] - times["suback"]
        second = times["ping2"] - times["ping1"]
        self.assertGreater(first, 1.5, "PINGREQ before the keep-alive period")
        self.assertLess(first, 2.8, "PINGREQ later than the keep-alive period")
        self.assertGreater(second, 1.5)
        self.assertLess(second, 2.8)

    def test_dead_connection_verdict(self):
        """The broker stops answering: PINGREQ at k, keep-alive timeout at 1.5 k."""
        times = {}

        def mark(conn):
            times["connack"] = __import__("time").monotonic()
        b = ScriptedBroker([
            expect(CONNECT), send(connack()), call(mark),
            expect(lambda p: p.type == PUBLISH and p.qos == 1),
            expect(PINGREQ, timeout=4), expect_closed(6),
        ]).start()
        r = self.tern("pub", b, "-k", "2", "-q", "1", "-t", "t", "-m", "x", timeout=20)
        self.finish(b)
        ping = b.packets(PINGREQ)[0].t - times["connack"]
        self.assertGreater(ping, 1.5)
        self.assertLess(ping, 2.8)
        self.assert_failed(r, "keep-alive", max_s=6)
        self.assertEqual(len(b.packets(PINGREQ)), 1)

    def test_server_keep_alive_overrides(self):
        """MQTT 5 Server Keep Alive 1 (asked for 60): PINGREQ after about 1 s."""
        b = ScriptedBroker([
            expect(CONNECT),
            send(connack(v5=True, properties=props((0x13, 1)))),
            expect(lambda p: p.type == PUBLISH and p.qos == 1),
            expect(PINGREQ, timeout=3), expect_closed(4),
        ]).start()
        r = self.tern("pub", b, "-V", "5", "-k", "60", "-q", "1", "-t", "t", "-m", "x", timeout=20)
        self.finish(b)
        self.assert_failed(r, "keep-alive", max_s=5)


class ServerDisconnect(ScriptedCase):
    def test_v5_disconnect_with_reason(self):
        for rc, words in ((0x8B, "server shutting down"), (0x98, "administrative action"),
                          (0x9C, "use another server")):
            with self.subTest(rc=hex(rc)):
                b = ScriptedBroker([
                    expect(CONNECT), send(connack(v5=True)),
                    expect(lambda p: p.type == PUBLISH and p.qos == 1),
                    send(disconnect(rc, properties=props((REASON_STRING, "bye")))),
                    expect_closed(5),
                ]).start()
                r = self.tern("pub", b, "-V", "5", "-q", "1", "-t", "t", "-m", "x")
                self.finish(b)
                self.assert_failed(r, "disconnected", words, f"0x{rc:02x}", max_s=5)


    def test_sub_says_why_the_broker_disconnected(self):
        """tern sub reconnects after a server DISCONNECT, but first says why (probe finding P6:
        a broker refusing with 0x87 left the user in a silent reconnect loop)."""
        b = ScriptedBroker([
            expect(CONNECT), send(connack(v5=True)), expect(SUBSCRIBE),
            call(lambda c: c.send(suback(c.last.packet_id, [0], v5=True))),
            send(disconnect(0x87)), expect_closed(5),
        ]).start()
        r = self.tern("sub", b, "-V", "5", "-t", "t", "-W", "2")
        self.finish(b)
        self.assertIn("the broker disconnected: not authorized (0x87); reconnecting", r.err.lower(), r)


class UnknownIds(ScriptedCase):
    def test_unknown_acks_ignored_or_answered(self):
        for v in (4, 5):
            with self.subTest(version=v):
                v5 = v == 5
                ids = {}

                def real_ack(conn):
                    ids["id"] = conn.last.packet_id
                    other = ids["id"] + 100
                    conn.send(puback(other))               # ignored
                    conn.send(pubcomp(other + 1))          # ignored
                    conn.send(pubrec(other + 2))           # answered with PUBREL
                    conn.send(pubrel(other + 3))           # answered with PUBCOMP
                    ids["other"] = other

                def pubrel_for_unknown(p):
                    return (p.type == PUBREL and p.packet_id == ids["other"] + 2 and
                            (not v5 or p.body[2:3] == b"\x92"))

                def pubcomp_for_unknown(p):
                    return (p.type == PUBCOMP and p.packet_id == ids["other"] + 3 and
                            (not v5 or p.body[2:3] == b"\x92"))
                b = ScriptedBroker([
                    expect(CONNECT), send(connack(v5=v5)),
                    expect(lambda p: p.type == PUBLISH and p.qos == 1), call(real_ack),
                    expect(pubrel_for_unknown), expect(pubcomp_for_unknown),
                    expect_nothing_for(0.5),  # still waiting for its own PUBACK
                    call(lambda c: c.send(puback(ids["id"]))),
                    expect(DISCONNECT),
                ]).start()
                r = self.tern("pub", b, "-V", str(v), "-q", "1", "-t", "t", "-m", "x")
                self.finish(b)
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(r.err, "")


class FlowControl(ScriptedCase):
    def test_receive_maximum_one(self):
        def ack_last(conn):
            conn.send(puback(conn.last.packet_id))
        steps = [expect(CONNECT), send(connack(v5=True, properties=props((RECEIVE_MAXIMUM, 1))))]
        for _ in range(3):
            steps += [expect(lambda p: p.type == PUBLISH and p.qos == 1), expect_nothing_for(0.7),
                      call(ack_last)]
        steps += [expect(DISCONNECT)]
        b = ScriptedBroker(steps).start()
        r = self.client(b, 5, "-q", "1", "-n", "3", "-W", "15")
        self.finish(b)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out.count(" TERN_OK reason=0x00"), 3, r)

    def test_without_receive_maximum_all_go_at_once(self):
        """The control case: without the property the client does not wait for acks."""
        b = ScriptedBroker([expect(CONNECT), send(connack(v5=True))] +
                           [expect(lambda p: p.type == PUBLISH and p.qos == 1, timeout=3)] * 3 +
                           [call(lambda c: [c.send(puback(p.packet_id)) for p in c.packets[1:4]]),
                            expect(DISCONNECT)]).start()
        r = self.client(b, 5, "-q", "1", "-n", "3", "-W", "15")
        self.finish(b)
        self.assertEqual(r.rc, 0, r)


class TopicAlias(ScriptedCase):
    def test_inbound_alias(self):
        b = ScriptedBroker([
            expect(lambda p: p.type == CONNECT and b"\x22\x00\x02" in p.raw),  # Topic Alias Maximum 2
            send(connack(v5=True)), expect(SUBSCRIBE),
            call(lambda c: c.send(suback(c.last.packet_id, [0], v5=True))),
            send(publish("a/b", "one", v5=True, properties=props((TOPIC_ALIAS, 1)))),
            send(publish("", "two", v5=True, properties=props((TOPIC_ALIAS, 1)))),
            send(publish("a/c", "three", v5=True, properties=props((TOPIC_ALIAS, 1)))),  # rebind
            send(publish("", "four", v5=True, properties=props((TOPIC_ALIAS, 1)))),
            expect(DISCONNECT),
        ]).start()
        r = self.client(b, 5, "-a", "2", "-s", "a/#", "-C", "4", "-W", "10")
        self.finish(b)
        self.assertEqual(r.rc, 0, r)
        got = [line for line in r.out.splitlines() if line.startswith("message")]
        self.assertEqual(got, ["message topic=a/b qos=0 dup=0 payload=one",
                               "message topic=a/b qos=0 dup=0 payload=two",
                               "message topic=a/c qos=0 dup=0 payload=three",
                               "message topic=a/c qos=0 dup=0 payload=four"])

    def test_outbound_alias(self):
        b = ScriptedBroker([
            expect(CONNECT), send(connack(v5=True, properties=props((TOPIC_ALIAS_MAXIMUM, 5)))),
            expect(lambda p: p.type == PUBLISH and p.topic == "x/y" and p.topic_alias() == 1),
            expect(lambda p: p.type == PUBLISH and p.topic == "" and p.topic_alias() == 1),
            expect(lambda p: p.type == PUBLISH and p.topic == "" and p.topic_alias() == 1),
            expect(DISCONNECT),
        ]).start()
        r = self.client(b, 5, "-a", "2", "-q", "0", "-n", "3", "-t", "x/y", "-W", "10")
        self.finish(b)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([p.payload(v5=True) for p in b.packets(PUBLISH)], [b"m0", b"m1", b"m2"])

    def test_no_outbound_alias_without_broker_maximum(self):
        b = ScriptedBroker([
            expect(CONNECT), send(connack(v5=True)),
        ] + [expect(lambda p: p.type == PUBLISH and p.topic == "x/y" and p.topic_alias() is None)] * 3 + [
            expect(DISCONNECT),
        ]).start()
        r = self.client(b, 5, "-a", "2", "-q", "0", "-n", "3", "-t", "x/y", "-W", "10")
        self.finish(b)
        self.assertEqual(r.rc, 0, r)


class StoppedPublisher(ScriptedCase):
    def test_a_signal_before_the_message_is_sent_is_a_failure(self):
        """tern pub -m stopped by SIGTERM while it waits for the CONNACK: it still ends with a
        DISCONNECT (no will), but says in one line that the message was not sent, and exits 1:
        a script must not take the stop for a delivery."""
        started, held = threading.Event(), {}

        def stop(c):
            started.wait(10)
            held["p"].send_signal(signal.SIGTERM)

        b = ScriptedBroker([expect(CONNECT), call(stop), send(connack()), expect(DISCONNECT),
                            expect_closed(5)]).start()
        held["p"] = subprocess.Popen([TERN, "pub", "-h", "127.0.0.1", "-p", str(b.port), "-t", "t", "-m", "x",
                                      "-q", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        started.set()
        _, err = held["p"].communicate(timeout=30)
        self.finish(b)
        self.assertEqual(held["p"].returncode, 1, err)
        self.assertEqual(err.decode(), "tern: publish: stopped by a signal before the message was sent\n")
        self.assertEqual(b.packets(PUBLISH), [])


if __name__ == "__main__":
    unittest.main()
