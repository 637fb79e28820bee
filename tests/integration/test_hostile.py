"""Hostile broker battery: malformed and forbidden packets, slow and flooding brokers, against
the tern CLI over real TCP. For each: the client ends within a bounded time, with a non-zero
status (not a signal) and one line on stderr naming the reason; MQTT 5 clients tell the broker
why with a DISCONNECT first. The flood case: the client stays up and keeps delivering."""
import time
import unittest

from ternlab.scripted_broker import (
    AUTH, CONNECT, DISCONNECT, PINGREQ, PUBACK, PUBLISH, SUBSCRIBE, UNSUBSCRIBE,
    ScriptedBroker, call, close, connack, disconnect, drip, expect, expect_closed, expect_until, packet,
    props, publish, send, suback, utf8)
from test_scripted import ScriptedCase

MALFORMED, PROTOCOL_ERROR = 0x81, 0x82


def raw_publish(topic_bytes, payload=b"x", flags=0, v5=False, prop_bytes=None):
    body = utf8(topic_bytes)
    if (flags >> 1) & 3:
        body += b"\x00\x01"
    if v5:
        body += prop_bytes if prop_bytes is not None else b"\x00"
    return packet(PUBLISH, flags, body + payload)


class Hostile(ScriptedCase):
    def hostile(self, bad, *words, version=4, mode="pub", then_close=False, reason=None, max_s=5,
                before_connack=False):
        """Send bad once the client is connected (pub: after its QoS 1 PUBLISH; sub: after the
        SUBACK), or instead of the CONNACK. Assert the client ends as the class says."""
        v5 = version == 5
        steps = [expect(CONNECT)]
        if before_connack:
            steps += [send(bad)]
        elif mode == "pub":
            steps += [send(connack(v5=v5)), expect(lambda p: p.type == PUBLISH and p.qos == 1), send(bad)]
        else:
            steps += [send(connack(v5=v5)), expect(SUBSCRIBE),
                      call(lambda c: c.send(suback(c.last.packet_id, [1], v5=v5))), send(bad)]
        if then_close:
            steps += [close()]
        else:
            if v5 and reason is not None:
                steps += [expect(lambda p: p.type == DISCONNECT and p.body[:1] == bytes([reason]), timeout=max_s)]
            steps += [expect_closed(max_s)]
        b = ScriptedBroker(steps).start()
        args = ("-q", "1", "-t", "t", "-m", "x") if mode == "pub" else ("-q", "1", "-t", "t")
        r = self.tern(mode, b, "-V", str(version), *args, timeout=max_s + 15)
        self.finish(b, timeout=max_s + 15)
        self.assert_failed(r, *words, max_s=max_s)
        return r

    # ------------------------------------------------------------ wire format

    def test_remaining_length_five_bytes(self):
        for v in (4, 5):
            for mode in ("pub", "sub"):
                with self.subTest(version=v, mode=mode):
                    self.hostile(b"\x30\xff\xff\xff\xff\x01", "malformed variable byte integer",
                                 version=v, mode=mode, reason=MALFORMED)

    def test_remaining_length_past_the_end_then_close(self):
        for v in (4, 5):
            with self.subTest(version=v):
                self.hostile(b"\x30\x40\x00\x01tabc", "closed", version=v, then_close=True)

    def test_truncated_packets_then_close(self):
        for bad in (b"\x40\x02\x00", b"\x40", b"\x30\x0a\x00\x05ab"):
            with self.subTest(bad=bad.hex()):
                self.hostile(bad, "closed", then_close=True)
        with self.subTest("truncated CONNACK"):
            r = self.hostile(b"\x20\x02\x00", "connect", "closed", then_close=True, before_connack=True)
            self.assertNotIn("publish", r.err)

    def test_remaining_length_wrong_for_fixed_size_packets(self):
        for bad in (b"\x40\x03\x00\x01\x00", b"\xd0\x01\x00", b"\x40\x01\x00"):
            with self.subTest(bad=bad.hex()):
                self.hostile(bad, "remaining length")

    def test_invalid_utf8_topic(self):
        cases = ((b"\xff\xfe", "ill-formed utf-8"), (b"a\xc0\xaf", "overlong"),
                 (b"\xed\xa0\x80", "surrogate"), (b"a\x00b", "u+0000"))
        for v in (4, 5):
            for topic, words in cases:
                with self.subTest(version=v, topic=topic.hex()):
                    self.hostile(raw_publish(topic, v5=v == 5), words, version=v, reason=MALFORMED)

    def test_wildcards_in_publish_topic(self):
        for topic in (b"a/+", b"a/#", b"#"):
            for v in (4, 5):
                with self.subTest(topic=topic, version=v):
                    self.hostile(raw_publish(topic, v5=v == 5), "wildcard", version=v, mode="sub",
                                 reason=MALFORMED)

    def test_empty_topic_without_alias(self):
        self.hostile(raw_publish(b""), "empty")

    def test_qos3(self):
        for v in (4, 5):
            with self.subTest(version=v):
                self.hostile(raw_publish(b"t", flags=6, v5=v == 5), "qos", version=v, reason=MALFORMED)

    def test_reserved_flag_bits(self):
        for bad in (b"\x41\x02\x00\x01",      # PUBACK with flags 1
                    b"\x60\x02\x00\x01",      # PUBREL without its 0010
                    b"\x52\x02\x00\x01",      # PUBREC with flags 2
                    b"\xd1\x00",              # PINGRESP with flags 1
                    b"\x98\x03\x00\x01\x00"):  # SUBACK with flags 8
            with self.subTest(bad=bad.hex()):
                self.hostile(bad, "reserved fixed header flag bits")

    # ------------------------------------------------------------ MQTT 5 properties

    def test_unknown_property(self):
        self.hostile(raw_publish(b"t", v5=True, prop_bytes=b"\x02\x7f\x00"), "unknown property",
                     version=5, reason=MALFORMED)

    def test_duplicated_property(self):
        dup = props((0x01, 1), (0x01, 1))  # Payload Format Indicator twice
        self.hostile(raw_publish(b"t", v5=True, prop_bytes=dup), "more than once", version=5,
                     reason=PROTOCOL_ERROR)  # [MQTT-2.2.2]: "a Protocol Error"

    def test_property_length_past_packet(self):
        self.hostile(raw_publish(b"t", payload=b"", v5=True, prop_bytes=b"\x09\x01\x01"),
                     "property length", version=5, reason=MALFORMED)

    def test_property_in_wrong_packet(self):
        with self.subTest("Receive Maximum in PUBLISH"):
            self.hostile(raw_publish(b"t", v5=True, prop_bytes=props((0x21, 5))), "not allowed",
                         version=5, reason=MALFORMED)
        with self.subTest("Topic Alias in CONNACK"):
            self.hostile(connack(v5=True, properties=props((0x23, 1))), "connect", "not allowed",
                         version=5, before_connack=True)
        with self.subTest("Session Expiry in PUBACK"):
            self.hostile(b"\x40\x09\x00\x01\x00" + props((0x11, 5)), "not allowed", version=5,
                         reason=MALFORMED)

    def test_alias_not_advertised(self):
        # tern advertises no Topic Alias Maximum: any alias from the broker is invalid.
        self.hostile(raw_publish(b"t", v5=True, prop_bytes=props((0x23, 1))), "topic alias",
                     version=5, mode="sub", reason=0x94)

    # ------------------------------------------------------------ protocol

    def test_packet_larger_than_our_maximum(self):
        """Probe finding N10: the broker's oversized CONNACK read as if ours were too big. MQTT 5
        says 0x95 Packet too large; the line names the broker and our maximum."""
        words = "the broker sent a packet larger than our Maximum Packet Size (4096 bytes)"
        self.hostile(connack(v5=True, properties=props((0x26, ("k", "v" * 5000)))), words, version=5,
                     before_connack=True, reason=0x95)
        self.hostile(packet(PUBACK, 0, b"\x00\x01" + bytes(5000)), words, version=4)

    def test_second_connack(self):
        for v in (4, 5):
            with self.subTest(version=v):
                self.hostile(connack(v5=v == 5), "must not receive", version=v, reason=PROTOCOL_ERROR)

    def test_suback_with_wrong_number_of_codes(self):
        for v in (4, 5):
            v5 = v == 5
            for codes in ([1, 1], [1, 1, 0x80]):
                with self.subTest(version=v, codes=codes):
                    b = ScriptedBroker([
                        expect(CONNECT), send(connack(v5=v5)), expect(SUBSCRIBE),
                        call(lambda c: c.send(suback(c.last.packet_id, codes, v5=v5))),
                        expect_closed(5)]).start()
                    r = self.tern("sub", b, "-V", str(v), "-t", "t", timeout=20)
                    self.finish(b)
                    self.assert_failed(r, "suback", max_s=5)
            with self.subTest(version=v, codes=[]):
                b = ScriptedBroker([
                    expect(CONNECT), send(connack(v5=v5)), expect(SUBSCRIBE),
                    call(lambda c: c.send(suback(c.last.packet_id, [], v5=v5))),
                    expect_closed(5)]).start()
                r = self.tern("sub", b, "-V", str(v), "-t", "t", timeout=20)
                self.finish(b)
                self.assert_failed(r, "no entries", max_s=5)

    def test_packets_a_client_never_receives(self):
        never = {
            "CONNECT": packet(CONNECT, 0, utf8("MQTT") + b"\x04\x02\x00\x3c" + utf8("x")),
            "SUBSCRIBE": packet(SUBSCRIBE, 2, b"\x00\x01" + utf8("t") + b"\x00"),
            "UNSUBSCRIBE": packet(UNSUBSCRIBE, 2, b"\x00\x01" + utf8("t")),
            "PINGREQ": packet(PINGREQ, 0, b""),
            "reserved 0": b"\x00\x00",
            "reserved/AUTH 15": packet(AUTH, 0, b""),
        }
        for name, bad in never.items():
            for v in (4, 5):
                for mode in ("pub", "sub"):
                    with self.subTest(packet=name, version=v, mode=mode):
                        self.hostile(bad, "must not receive" if name != "reserved 0" else "packet type",
                                     version=v, mode=mode)
        with self.subTest("DISCONNECT in 3.1.1"):
            self.hostile(disconnect(v5=False), "must not receive", version=4, mode="sub")

    def test_publish_before_connack(self):
        self.hostile(publish("t", "early"), "connect", "must not receive", before_connack=True)

    def test_connack_with_bad_flags(self):
        self.hostile(b"\x20\x02\x02\x00", "connect", "acknowledge flags", before_connack=True)
        # session present set together with a refusal
        self.hostile(b"\x20\x02\x01\x05", "connect", before_connack=True)

    # ------------------------------------------------------------ slow and big

    def test_slowloris_before_connack(self):
        """CONNACK a byte every 4 s: the connect timeout (10 s) ends it."""
        b = ScriptedBroker([expect(CONNECT), drip(connack(), 4.0)]).start()
        r = self.tern("pub", b, "-t", "t", "-m", "x", timeout=40)
        self.finish(b, 30)
        self.assert_failed(r, "connect", "timed out", max_s=14)
        self.assertGreater(r.elapsed, 9)

    def test_slowloris_after_connect(self):
        """Connected, keep-alive 2 s; the broker never answers the PINGREQ but sends a PUBLISH
        a byte per second: the keep-alive verdict must still come (1.5 k after the last
        complete packet, plus slack). tern pub exits; tern sub drops the connection and
        reconnects (like mosquitto_sub), and is then refused for good."""
        big = publish("t", "y" * 100)
        with self.subTest(mode="pub"):
            b = ScriptedBroker([expect(CONNECT), send(connack()),
                                expect(lambda p: p.type == PUBLISH and p.qos == 1),
                                drip(big, 1.0)]).start()
            r = self.tern("pub", b, "-k", "2", "-q", "1", "-t", "t", "-m", "x", timeout=30)
            self.finish(b, 30)
            self.assert_failed(r, "keep-alive", max_s=8)
        with self.subTest(mode="sub"):
            times = {}
            b = ScriptedBroker([
                [expect(CONNECT), send(connack()), expect(SUBSCRIBE),
                 call(lambda c: c.send(suback(c.last.packet_id, [1]))),
                 call(lambda c: times.__setitem__("suback", time.monotonic())),
                 drip(big, 1.0), call(lambda c: times.__setitem__("closed", time.monotonic()))],
                [expect(CONNECT), send(connack(rc=5)), expect_closed(5)]]).start()
            r = self.tern("sub", b, "-k", "2", "-q", "1", "-t", "t", timeout=30)
            self.finish(b, 30)
            self.assertLess(times["closed"] - times["suback"], 6.5, "slowloris kept the connection")
            self.assert_failed(r, "refused", "not authorized", max_s=12)

    def test_connection_lost_inside_a_large_message(self):
        """A message larger than tern sub's receive buffer arrives in pieces; the connection
        ends inside it. The warning names the cause in words, not the status's C name (probe
        finding N10), and tern sub reconnects."""
        whole = publish("f/big", b"B" * (2 << 20), qos=0)
        steps = [expect(CONNECT), send(connack()), expect(SUBSCRIBE),
                 call(lambda c: c.send(suback(c.last.packet_id, [0]))), send(whole[:(1 << 20) + 4096]), close()]
        b = ScriptedBroker([steps, [expect(CONNECT), close()]]).start()
        r = self.tern("sub", b, "-t", "f/#", "-C", "1", "-W", "3", timeout=30)
        self.finish(b, 30)
        self.assertIn("tern: warning: connection ended in the middle of a message delivered in pieces", r.err)
        self.assertNotIn("TERN_ERR", r.err)

    def test_flood_of_oversized_publishes(self):
        """tern sub's receive buffer is 1 MiB: larger messages arrive in pieces and are printed
        whole (as mosquitto_sub prints them), the small ones between them too, in order; every
        QoS 1 one is acknowledged, and nothing is reported."""
        big = b"B" * ((1 << 20) + 100)
        for v in (4, 5):
            v5 = v == 5
            with self.subTest(version=v):
                steps = [expect(CONNECT), send(connack(v5=v5)), expect(SUBSCRIBE),
                         call(lambda c: c.send(suback(c.last.packet_id, [1], v5=v5)))]
                for i in range(4):
                    steps += [send(publish("f/big", big, qos=1, pid=100 + i, v5=v5)),
                              send(publish("f/big", big, qos=0, v5=v5)),
                              send(publish("f/small", f"s{i}", qos=1, pid=200 + i, v5=v5))]
                steps += [expect_until(DISCONNECT, timeout=20)]
                b = ScriptedBroker(steps).start()
                r = self.tern("sub", b, "-V", str(v), "-q", "1", "-t", "f/#", "-C", "12", "-W", "30",
                              timeout=40)
                self.finish(b, 40)
                self.assertEqual(r.rc, 0, r.err)
                self.assertEqual(r.out, "".join(f"{big.decode()}\n{big.decode()}\ns{i}\n" for i in range(4)))
                acked = sorted(p.packet_id for p in b.packets(PUBACK))
                self.assertEqual(acked, [100, 101, 102, 103, 200, 201, 202, 203])
                self.assertEqual(r.err, "")

if __name__ == "__main__":
    unittest.main()
