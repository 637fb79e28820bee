"""tern pub / tern sub against mosquitto_pub / mosquitto_sub (issue 16 items 8-9, issue 14
items 6, 7, 10): the flags their users type every day give the same output and exit status;
secrets stay off the command line; topics cannot write escape sequences to a terminal."""
import os
import pty
import re
import select
import shutil
import subprocess
import tempfile
import time
import unittest

from ternlab.harness import Broker, scaled, wrapped
from ternlab.scripted_broker import (CONNECT, DISCONNECT, SUBSCRIBE, ScriptedBroker, call, connack,
                                     expect, publish, send, suback)

TERN = os.environ.get("TERN_BIN", "tern")
MOSQUITTO_PUB = shutil.which("mosquitto_pub") or "mosquitto_pub"
MOSQUITTO_SUB = shutil.which("mosquitto_sub") or "mosquitto_sub"


class Subscriber:
    """tern sub or mosquitto_sub in the background, returned once the broker has sent its
    SUBACK (read in the broker's log: mosquitto_sub's -d goes to stdout, among the messages)."""

    serial = 0

    def __init__(self, argv, broker, stdout=subprocess.PIPE):
        Subscriber.serial += 1
        cid = f"parity-{os.getpid()}-{Subscriber.serial}"
        self.proc = subprocess.Popen(argv + ["-i", cid], stdout=stdout, stderr=subprocess.PIPE)
        deadline = time.monotonic() + scaled(10)
        while f"Sending SUBACK to {cid}" not in broker.log_all():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"no SUBACK for {argv}: {broker.log()}")
            time.sleep(0.05)

    def finish(self, timeout=20):
        out, err = self.proc.communicate(timeout=scaled(timeout))
        self.trace = err
        return self.proc.returncode, out


class CliParity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()
        cls.port = str(cls.broker.port)
        cls.dir = tempfile.mkdtemp(prefix="tern-cli-parity-")

    @classmethod
    def tearDownClass(cls):
        cls.broker.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def tern(self, cmd, *args):
        return wrapped([TERN, cmd, "-h", "127.0.0.1", "-p", self.port, *args])

    def mosquitto(self, prog, *args):
        return [prog, "-h", "127.0.0.1", "-p", self.port, *args]

    def run_ok(self, argv, **kw):
        r = subprocess.run(argv, capture_output=True, timeout=scaled(30), **kw)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def both_print(self, sub_args, publish, count=1):
        """What tern sub and mosquitto_sub print for the same messages."""
        tern = Subscriber(self.tern("sub", *sub_args, "-C", str(count), "-W", "20"), self.broker)
        mosq = Subscriber(self.mosquitto(MOSQUITTO_SUB, *sub_args, "-C", str(count), "-W", "20"), self.broker)
        for args in publish:
            self.run_ok(self.mosquitto(MOSQUITTO_PUB, *args))
        return tern.finish(), mosq.finish()

    def test_empty_payload_printed_as_mosquitto_sub_prints_it(self):
        for flags in ([], ["-v"], ["-v", "-N"]):
            with self.subTest(flags=flags):
                topic = "parity/empty/" + "".join(flags)
                (trc, tout), (mrc, mout) = self.both_print(["-t", topic, *flags], [["-t", topic, "-n"]])
                self.assertEqual((trc, tout), (mrc, mout))

    def test_format(self):
        fmt = "%t|%l|%q|%r|%x|%X|%p|%%|\\t."
        (trc, tout), (mrc, mout) = self.both_print(["-t", "parity/f/#", "-F", fmt],
                                                   [["-t", "parity/f/a", "-m", "h\xe9"]])
        self.assertEqual((trc, tout), (mrc, mout))
        self.assertEqual(tout, "parity/f/a|3|0|0|68c3a9|68C3A9|h\xe9|%|\t.\n".encode())

    def test_messages_larger_than_the_receive_buffer_arrive_whole(self):
        """Probe finding P4: tern sub dropped messages over its 1 MiB receive buffer and waited on.
        Random payloads around the buffer's size and of 20 MB: tern sub prints what
        mosquitto_sub prints, byte for byte (-N; and -v, -F for one over the buffer)."""
        rx, topic = 1 << 20, "parity/big"
        head = 5 + 2 + len(topic) + 2  # fixed header, topic length and topic, packet id
        sizes = [0, 1, rx - head - 1, rx - head, rx - head + 1, rx - 1, rx, rx + 1, 20_000_000]
        cases = [(n, ["-N"]) for n in sizes] + [(rx + 1, ["-v"]), (rx + 1, ["-F", "%t %l %q %p"])]
        path = os.path.join(self.dir, "big.bin")
        for n, flags in cases:
            with self.subTest(size=n, flags=flags):
                with open(path, "wb") as f:
                    f.write(os.urandom(n))
                (trc, tout), (mrc, mout) = self.both_print(["-t", topic, "-q", "1", *flags],
                                                           [["-t", topic, "-q", "1", "-f", path]])
                self.assertEqual((trc, tout), (mrc, mout))
                if flags == ["-N"]:
                    self.assertEqual(len(tout), n)

    def test_a_message_that_cannot_be_held_ends_a_count_run(self):
        """A 20 MB message when tern sub cannot get the memory for it: -C 1 ends with status 1
        and one line, it does not wait for a message it will never print. The allocation is
        made to fail with an address-space limit, or, in a sanitizer build (which needs a huge
        address space), with the sanitizer's own allocation limit."""
        path = os.path.join(self.dir, "twenty.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(20_000_000))
        with open(TERN, "rb") as f:
            sanitized = b"__asan_init" in f.read()
        limit = (["env", "ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=16"] if sanitized
                 else ["prlimit", f"--as={24 << 20}"])
        argv = limit + self.tern("sub", "-t", "parity/nomem", "-q", "1", "-N", "-C", "1", "-W", "60")
        sub = Subscriber(argv, self.broker)
        self.run_ok(self.mosquitto(MOSQUITTO_PUB, "-t", "parity/nomem", "-q", "1", "-f", path))
        rc, out = sub.finish(timeout=60)
        self.assertEqual((rc, out), (1, b""), sub.trace)
        ours = [l for l in sub.trace.splitlines() if not l.startswith(b"==")]  # not the sanitizer's warning
        self.assertEqual(ours, [b"tern: no memory for a message of 20000000 bytes"])

    # Every format mosquitto_sub(1) documents (FORMAT), printed by both on the same messages:
    # MQTT 5 properties, no properties, empty, control characters and quotes, a NUL byte.
    FORMATS = [
        "%t|%p|%l|%q|%r|%m|%x|%X|%%|%A|%C|%D|%E|%F|%P|%R|%S",
        "%10t|%-10t|%.3t|%10.3t|%-12.3t|%5l|%-5l|%05l|%05m|%-05m|%8p|%-p|%08x|%10X|%-12x|%3x",
        "%12C|%-12C|%.2C|%5R|%.3R|%6E|%06E|%-6E|%4F|%04S|%-4S|%6A|%06A|%3P|%9D|%2q|%-3r",
        "a\\tb\\nc\\0d\\ae\\ef\\rg\\vh\\\\i|@@|@Y-@m-@d|@%|%I|%U|N<@N>|%30I|%-30I|%.4I",
        "%j",
        "%j|%j",
        "%J|%t",
    ]

    def format_messages(self):
        nul = os.path.join(self.dir, "nul.bin")
        with open(nul, "wb") as f:
            f.write(b"nul\x00after")
        v5 = ["-V", "5", "-q", "1"]
        return [v5 + ["-t", "parity/fmt/a", "-m", 'h\xe9 "q" \\', "-D", "publish", "content-type", "text/plain",
                      "-D", "publish", "user-property", "k1", "v1", "-D", "publish", "user-property", "k2", "v 2",
                      "-D", "publish", "message-expiry-interval", "3600", "-D", "publish", "payload-format-indicator",
                      "1", "-D", "publish", "response-topic", "parity/reply", "-D", "publish", "correlation-data",
                      "c0rr"],
                ["-t", "parity/fmt/b", "-m", "plain"],
                ["-t", "parity/fmt/c", "-n", "-q", "2"],
                ["-t", "parity/fmt/d", "-m", "tab\there\nnl\x01\x1f\x7f end"],
                ["-t", "parity/fmt/e", "-f", nul, "-q", "1"]]

    @staticmethod
    def without_time(out):
        """The parts of an output that depend on when it was printed, replaced by names."""
        out = re.sub(rb'"tst":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z[+-]\d{4}"', b'"tst":T', out)
        out = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", b"ISO", out)
        out = re.sub(rb"\d{10}\.\d{9}", b"UNIX", out)
        return re.sub(rb"N<\d{9}>", b"N<ns>", out)

    def test_every_documented_format_prints_as_mosquitto_sub(self):
        messages = self.format_messages()
        for fmt in self.FORMATS:
            with self.subTest(format=fmt):
                (trc, tout), (mrc, mout) = self.both_print(
                    ["-V", "5", "-q", "2", "-t", "parity/fmt/#", "-D", "subscribe", "subscription-identifier", "7",
                     "-F", fmt], messages, count=len(messages))
                self.assertEqual((trc, self.without_time(tout)), (mrc, self.without_time(mout)))
                self.assertEqual(tout.count(b"\n"), mout.count(b"\n"))
                self.assertNotEqual(self.without_time(tout), tout) if "%j" in fmt or "@N" in fmt else None

    # %J: the payload parsed and printed again as cJSON 1.7.15 does (mosquitto_sub's build).
    JSON_PAYLOADS = [
        '{"a":1}', ' { "a" : [ 1 , 2.50 , -0 , 1e3 , 1E-7 , 123456789012 , 0.1 , 1e400 , true , false , null ] } ',
        '"str\\u00e9\\ud83d\\ude00\\n\\/\\b"', '[]', '{}', '[1,]', '01', '1.2.3', 'nul', '\ufeff{"bom":1}',
        '{"k":"\\u0000cut","\\u00e9":2}', "[[[[[1]]]]]", "3.14159265358979323846", "-", '"unterminated',
        '{"a" 1}', " 42 ", "true", '"\\ud800"', '"\\udc00"', '"raw\ttab"', '"\\uZZZZx"', "[" * 1001 + "]" * 1001,
        "[" * 999 + "]" * 999, "0.30000000000000004", "-12.5e-3", '{"a":1}x', "",
    ]

    def test_json_payloads_print_as_mosquitto_sub(self):
        """%J on valid and invalid JSON payloads: the same stdout (an invalid one prints nothing
        for %J), and tern names each invalid payload in one stderr line."""
        msgs = [["-t", "parity/json", "-m", p] if p else ["-t", "parity/json", "-n"] for p in self.JSON_PAYLOADS]
        (trc, tout), (mrc, mout) = self.both_print(["-t", "parity/json", "-F", "%J|%l"], msgs, count=len(msgs))
        self.assertEqual((trc, self.without_time(tout)), (mrc, self.without_time(mout)))
        printed = [l for l in tout.split(b"\n") if l.startswith(b"{")]
        self.assertGreater(len(printed), 10)  # the valid ones, compared above
        self.assertIn(b'"payload":{"a":[1,2.5,-0,1000,1e-07,123456789012,0.1,null,true,false,null]}}', tout)

    def test_invalid_formats_are_refused_before_connecting(self):
        """Every format mosquitto_sub refuses is refused: one line naming it, status 2 (tern's
        status for bad options; mosquitto_sub's is 1), nothing printed, no connection."""
        supported = set("%ACDEFIlmPpqRSrtjJUxX")
        letters = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in supported]
        bad = ["%" + c for c in letters] + ["%", "%5", "%-", "%10.", "@", "x\\", "\\q"]
        for fmt in bad:
            with self.subTest(format=fmt):
                r = subprocess.run(wrapped([TERN, "sub", "-h", "127.0.0.1", "-p", "1", "-t", "x", "-F", fmt]),
                                   capture_output=True, timeout=scaled(20))
                m = subprocess.run([MOSQUITTO_SUB, "-h", "127.0.0.1", "-p", "1", "-t", "x", "-F", fmt],
                                   capture_output=True, timeout=scaled(20))
                self.assertEqual((r.returncode, r.stdout), (2, b""), r.stderr)
                self.assertEqual((m.returncode, m.stdout), (1, b""))  # mosquitto_sub refuses it too
                first = r.stderr.decode().splitlines()[0]
                self.assertIn("-F", first)
                self.assertIn("specifier", first)

    def test_timeout_prints_timed_out_and_exits_27(self):
        for argv in (self.tern("sub", "-t", "parity/none", "-W", "1"),
                     self.mosquitto(MOSQUITTO_SUB, "-t", "parity/none", "-W", "1")):
            r = subprocess.run(argv, capture_output=True, timeout=scaled(20))
            self.assertEqual((r.returncode, r.stderr), (27, b"Timed out\n"), argv[0])

    def test_no_retained_and_retained_only(self):
        self.run_ok(self.mosquitto(MOSQUITTO_PUB, "-t", "parity/r/old", "-m", "stale", "-r"))
        try:
            (trc, tout), (mrc, mout) = self.both_print(["-t", "parity/r/#", "-R", "-v"],
                                                       [["-t", "parity/r/new", "-m", "fresh"]])
            self.assertEqual((trc, tout), (0, b"parity/r/new fresh\n"))
            self.assertEqual((trc, tout), (mrc, mout))
            r = Subscriber(self.tern("sub", "-t", "parity/r/#", "--retained-only", "-v", "-W", "20"), self.broker)
            self.run_ok(self.mosquitto(MOSQUITTO_PUB, "-t", "parity/r/new", "-m", "live"))
            self.assertEqual(r.finish(), (0, b"parity/r/old stale\n"))
        finally:
            self.run_ok(self.mosquitto(MOSQUITTO_PUB, "-t", "parity/r/old", "-n", "-r"))

    def test_filter_out(self):
        (trc, tout), (mrc, mout) = self.both_print(
            ["-t", "parity/t/#", "-T", "parity/t/skip/#", "-v"],
            [["-t", "parity/t/skip/x", "-m", "no"], ["-t", "parity/t/keep", "-m", "yes"]])
        self.assertEqual((trc, tout), (0, b"parity/t/keep yes\n"))
        self.assertEqual((trc, tout), (mrc, mout))

    def test_exit_after_subscribe(self):
        r = subprocess.run(self.tern("sub", "-t", "parity/e", "-E", "-d"), capture_output=True, timeout=scaled(20))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"received SUBACK", r.stderr)

    def test_unsubscribe_a_persistent_session(self):
        sub = ["-i", "parity-u", "-c", "-q", "1"]
        self.run_ok(self.tern("sub", *sub, "-t", "parity/u", "-E"))
        self.run_ok(self.tern("sub", *sub, "-U", "parity/u"))
        self.run_ok(self.mosquitto(MOSQUITTO_PUB, "-t", "parity/u", "-m", "after", "-q", "1"))
        r = subprocess.run(self.tern("sub", *sub, "-t", "parity/other", "-W", "2"), capture_output=True,
                           timeout=scaled(20))
        self.assertEqual((r.returncode, r.stdout), (27, b""), r.stderr)

    def test_url(self):
        sub = Subscriber(self.mosquitto(MOSQUITTO_SUB, "-t", "parity/url/x", "-C", "1", "-W", "20"), self.broker)
        self.run_ok(wrapped([TERN, "pub", "-L", f"mqtt://127.0.0.1:{self.port}/parity/url/x", "-m", "via url"]))
        self.assertEqual(sub.finish(), (0, b"via url\n"))

    def test_properties(self):
        sub = Subscriber(self.mosquitto(MOSQUITTO_SUB, "-V", "5", "-t", "parity/d", "-C", "1", "-W", "20",
                                        "-F", "%C|%E|%P|%p"), self.broker)
        self.run_ok(self.tern("pub", "-V", "5", "-t", "parity/d", "-m", "p",
                              "-D", "publish", "content-type", "text/plain",
                              "-D", "publish", "message-expiry-interval", "60",
                              "-D", "publish", "user-property", "k", "v",
                              "-D", "connect", "session-expiry-interval", "0"))
        self.assertEqual(sub.finish(), (0, b"text/plain|60|k:v|p\n"))
        for bad in (["-D", "publish", "content-type", "x"],              # needs -V 5
                    ["-V", "5", "-D", "connect", "content-type", "x"],   # not a CONNECT property
                    ["-V", "5", "-D", "publish", "no-such", "x"],
                    # only a server sends it in PUBLISH (MQTT-3.3.4-6); mosquitto_pub refuses it too
                    ["-V", "5", "-D", "publish", "subscription-identifier", "5"]):
            r = subprocess.run(self.tern("pub", "-t", "x", "-m", "y", *bad), capture_output=True, timeout=scaled(20))
            self.assertEqual(r.returncode, 2, bad)
        self.assertIn(b"-D publish subscription-identifier: property only a server may send", r.stderr)

    def test_repeat(self):
        sub = Subscriber(self.mosquitto(MOSQUITTO_SUB, "-t", "parity/rep", "-C", "3", "-W", "20"), self.broker)
        self.run_ok(self.tern("pub", "-t", "parity/rep", "-m", "again", "--repeat", "3", "--repeat-delay", "0.05"))
        self.assertEqual(sub.finish(), (0, b"again\nagain\nagain\n"))

    def test_debug_trace_shows_topic_and_payload_size_as_mosquitto(self):
        tern = Subscriber(self.tern("sub", "-t", "parity/dbg", "-C", "1", "-W", "20", "-d"), self.broker)
        mosq = Subscriber(self.mosquitto(MOSQUITTO_SUB, "-t", "parity/dbg", "-C", "1", "-W", "20", "-d"), self.broker)
        self.run_ok(self.mosquitto(MOSQUITTO_PUB, "-t", "parity/dbg", "-m", "hi"))
        tern.finish()
        _, mosq_out = mosq.finish()  # mosquitto_sub writes its trace to stdout
        line = b"received PUBLISH (d0, q0, r0, m0, 'parity/dbg', ... (2 bytes))"
        self.assertIn(line, tern.trace)
        self.assertIn(line, mosq_out)

    def test_debug_trace_of_a_message_larger_than_the_receive_buffer(self):
        """Such a message is traced from its head (the engine has only that in its buffer):
        the same line as mosquitto_sub's, not "malformed"."""
        path = os.path.join(self.dir, "two.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(2_000_000))
        for version in ("mqttv311", "mqttv5"):
            with self.subTest(version=version):
                args = ["-V", version, "-t", "parity/dbgbig", "-q", "1", "-C", "1", "-W", "20", "-d", "-N"]
                tern = Subscriber(self.tern("sub", *args), self.broker)
                self.run_ok(self.mosquitto(MOSQUITTO_PUB, "-V", version, "-t", "parity/dbgbig", "-q", "1", "-f", path))
                tern.finish()
                line = b"received PUBLISH (d0, q1, r0, m1, 'parity/dbgbig', ... (2000000 bytes))"
                self.assertIn(line, tern.trace)

    def test_publisher_trace_reads_as_mosquitto_pubs(self):
        for version in ("mqttv311", "mqttv5"):
            for qos in "012":
                with self.subTest(version=version, qos=qos):
                    args = ["-V", version, "-q", qos, "-t", "parity/trace", "-m", "hello", "-d", "-i", "tracer"]
                    tern = self.run_ok(self.tern("pub", *args)).stderr  # tern: the trace on stderr
                    mosq = self.run_ok(self.mosquitto(MOSQUITTO_PUB, *args)).stdout  # mosquitto: stdout
                    if qos == "0":  # mosquitto numbers a QoS 0 message too; the wire has no id
                        mosq = mosq.replace(b", m1, ", b", m0, ")
                    self.assertEqual(tern.decode().splitlines(), mosq.decode().splitlines())

    def test_trace_prints_long_ids_and_topics_whole(self):
        """-d lines as mosquitto_pub's for a 200-byte client id and a 300-byte topic (the line
        head was cut at 128 bytes, losing the verb)."""
        client_id = "".join(chr(ord("a") + i % 26) for i in range(200))
        topic = "parity/long/" + "t" * 288
        args = ["-q", "1", "-t", topic, "-m", "hello", "-d", "-i", client_id]
        tern = self.run_ok(self.tern("pub", *args)).stderr
        mosq = self.run_ok(self.mosquitto(MOSQUITTO_PUB, *args)).stdout
        self.assertIn(f"Client {client_id} sending CONNECT".encode(), tern)
        self.assertEqual(tern.decode().splitlines(), mosq.decode().splitlines())

    def test_help_describes_every_flag(self):
        for cmd, flags in (("pub", "-h -p -L -t -q -m -f -s -l -n -r --repeat --repeat-delay -i -u -P --pw-file "
                                   "-k -V -c -x -D -d --quiet --will-topic --will-payload --will-qos --will-retain "
                                   "--cafile --capath --cert --key --psk --psk-file --psk-identity --tls-version "
                                   "--alpn --ciphers --insecure --tls-session --allow-control-chars"),
                           ("sub", "-h -p -L -t -T -U -q -C -W -v -N -F -R --retained-only -E -i -u -P --pw-file "
                                   "-k -V -c -x -D -d --quiet --cafile --insecure --psk-file")):
            r = self.run_ok([TERN, cmd, "--help"])
            for flag in flags.split():
                with self.subTest(cmd=cmd, flag=flag):
                    needle = f"--{flag[2:]} " if flag.startswith("--") else f"{flag},"
                    self.assertTrue(needle.encode() in r.stdout or f"{flag} ".encode() in r.stdout)
            self.assertIn(b"visible to", r.stdout)


class OneParser(unittest.TestCase):
    """Issue 16 items 8-9: tern fw parses its flags with the table parser pub and sub use, and
    every connection flag is one row of one table: the same help line, the same value checks
    and the same message in pub, sub, fw push and fw agent."""

    COMMANDS = (["pub", "-t", "x", "-m", "y"], ["sub", "-t", "x"],
                ["fw", "push", "--signing-key", "k", "--version", "1", "--device-class", "c", "image"],
                ["fw", "agent", "--trust", "k.pub", "--device-class", "c", "--install-dir", "d"])

    def help_lines(self, cmd):
        r = subprocess.run([TERN, *cmd, "--help"], capture_output=True, text=True, timeout=scaled(20))
        self.assertEqual(r.returncode, 0, r.stderr)
        return {l.split()[0].rstrip(","): l.strip() for l in r.stdout.splitlines() if l.startswith("  -")}

    def test_connection_flags_read_the_same_in_every_command(self):
        lines = [self.help_lines(c[:2] if c[0] == "fw" else c[:1]) for c in self.COMMANDS]
        shared = ("-h -p -i -u -P --pw-file -k -V -c -x -D -d --quiet --will-topic --will-payload --will-qos "
                  "--will-retain --cafile --capath --tls-use-os-certs --cert --key --tls-cert --tls-key --psk "
                  "--psk-file --psk-identity --tls-version --alpn --ciphers --insecure --tls-session "
                  "--tls-allow-weak-keys --tls-allow-sha1 --tls-ignore-key-usage").split()
        for flag in shared:
            with self.subTest(flag=flag):
                self.assertEqual({l.get(flag) for l in lines}, {lines[0][flag]})
        fw_own = {"push": "--signing-key --version --device-class --topic-prefix --chunk-size --manifest-out",
                  "agent": "--trust --device-class --topic-prefix --install-dir --device-id --once",
                  "keygen": "--out --type"}
        for sub, flags in fw_own.items():
            have = self.help_lines(["fw", sub])
            for flag in flags.split():
                with self.subTest(fw=sub, flag=flag):
                    self.assertIn(flag, have)
        self.assertNotIn("-h", self.help_lines(["fw", "keygen"]))  # no connection: no connection flags

    def test_bad_values_get_the_same_message_everywhere(self):
        bad = (["-p", "0"], ["-V", "7"], ["-k", "70000"], ["--tls-version", "ssl3"], ["-x", "soon"],
               ["--cert", "c.crt"], ["--tls-key", "k.key"], ["--psk", "00"], ["-c"], ["-P", "pw", "-V", "311"],
               ["--no-such-flag"], ["-p"])
        for args in bad:
            with self.subTest(args=args):
                said = set()
                for cmd in self.COMMANDS:
                    r = subprocess.run(wrapped([TERN, *cmd, *args]), capture_output=True, text=True,
                                       timeout=scaled(20))
                    self.assertEqual(r.returncode, 2, (cmd, r.stderr))
                    said.add(r.stderr.splitlines()[0].split(": ", 1)[1])
                self.assertEqual(len(said), 1, said)

    def test_old_push_spelling_of_the_signing_key_is_explained(self):
        r = subprocess.run([TERN, "fw", "push", "--key", "signer", "--version", "1", "--device-class", "c", "img"],
                           capture_output=True, text=True, timeout=scaled(20))
        self.assertEqual(r.returncode, 2)
        self.assertIn("--signing-key", r.stderr.splitlines()[0])


class ManualPage(unittest.TestCase):
    def test_man_page_names_every_flag_of_help(self):
        page = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "tern.1")
        with open(page) as f:
            text = f.read().replace("\\-", "-")
        for cmd in ("pub", "sub", "fw keygen", "fw push", "fw agent"):
            r = subprocess.run([TERN, *cmd.split(), "--help"], capture_output=True, text=True, check=True)
            for line in r.stdout.splitlines():
                words = line.split()
                if not line.startswith("  -") or not words:
                    continue
                for flag in (w.rstrip(",") for w in words[:2] if w.startswith("-")):
                    with self.subTest(cmd=cmd, flag=flag):
                        self.assertTrue(re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", text),
                                        f"{flag} is not in docs/tern.1")


class Secrets(unittest.TestCase):
    """-P and --psk are visible to every local user in /proc/PID/cmdline; --pw-file and
    --psk-file are not, and a malformed PSK is never printed back."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tern-secrets-")
        passwords = os.path.join(cls.dir, "passwords")
        subprocess.run(["mosquitto_passwd", "-c", "-b", passwords, "alice", "s3cret-pw"], check=True,
                       capture_output=True)
        # Anonymous clients stay allowed (harness.Broker); a password given is still checked.
        cls.broker = Broker(extra=f"password_file {passwords}\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.broker.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def secret_file(self, name, text, mode=0o600):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text + "\n")
        os.chmod(path, mode)
        return path

    def test_password_file_keeps_the_password_off_the_command_line(self):
        pw = self.secret_file("pw", "s3cret-pw")
        sub = Subscriber([TERN, "sub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-u", "alice",
                          "--pw-file", pw, "-t", "secret/x", "-W", "20"], self.broker)
        try:
            with open(f"/proc/{sub.proc.pid}/cmdline", "rb") as f:
                cmdline = f.read()
            self.assertIn(b"--pw-file", cmdline)
            self.assertNotIn(b"s3cret-pw", cmdline)
        finally:
            sub.proc.kill()
            sub.proc.wait()
        wrong = self.secret_file("wrong", "not-it")
        r = subprocess.run([TERN, "pub", "-p", str(self.broker.port), "-V", "5", "-u", "alice", "--pw-file", wrong,
                            "-t", "x", "-m", "y"], capture_output=True, timeout=scaled(20))
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"refused by the broker", r.stderr)

    def test_secret_files_others_can_read_or_links_are_refused(self):
        loose = self.secret_file("loose", "s3cret-pw", 0o644)
        link = os.path.join(self.dir, "link")
        os.symlink(self.secret_file("target", "s3cret-pw"), link)
        for path, why in ((loose, b"group or others can read or write it"), (link, b"it is a symbolic link")):
            r = subprocess.run([TERN, "pub", "-p", str(self.broker.port), "-u", "alice", "--pw-file", path,
                                "-t", "x", "-m", "y"], capture_output=True, timeout=scaled(20))
            self.assertEqual(r.returncode, 2)
            self.assertIn(why, r.stderr)
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
            self.assertNotIn(b"s3cret", r.stderr)

    def test_malformed_psk_is_never_printed(self):
        psk_file = self.secret_file("psk", "zz-not-hex-secret!")
        for args in (["--psk", "zz-not-hex-secret!"], ["--psk-file", psk_file], ["--psk", "abc-not-hex-secret"]):
            r = subprocess.run([TERN, "pub", "-p", "1", "--psk-identity", "dev", *args, "-t", "x", "-m", "y"],
                               capture_output=True, timeout=scaled(20))
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(b"PSK", r.stderr)
            self.assertNotIn(b"not-hex-secret", r.stderr + r.stdout)


class TerminalEscapes(unittest.TestCase):
    """A topic with escape sequences, from a broker that does not filter them (scripted here:
    mosquitto drops such publishers): printed escaped when stdout is a terminal, as it came
    when it is not (as mosquitto_sub does); tern pub sends one only when asked."""

    TOPIC = "esc/\x1b]0;pwned\x07/\x1b[2J/\u009b"

    def run_sub_against_hostile_broker(self, stdout):
        broker = ScriptedBroker([expect(CONNECT), send(connack()), expect(SUBSCRIBE),
                                 call(lambda c: c.send(suback(c.last.packet_id, [0]))),
                                 send(publish(self.TOPIC, "x")), expect(DISCONNECT)]).start()
        proc = subprocess.run([TERN, "sub", "-p", str(broker.port), "-t", "esc/#", "-v", "-C", "1", "-W", "20"],
                              stdout=stdout, stderr=subprocess.PIPE, timeout=scaled(30))
        broker.join()
        broker.assert_ok()
        return proc

    def test_pub_refuses_control_characters_unless_asked(self):
        r = subprocess.run([TERN, "pub", "-p", "1", "-t", self.TOPIC, "-m", "x"], capture_output=True,
                           timeout=scaled(20))
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"control characters", r.stderr)
        self.assertNotIn(b"\x1b", r.stderr)

    def test_sub_escapes_topics_on_a_terminal(self):
        master, slave = pty.openpty()
        try:
            r = self.run_sub_against_hostile_broker(slave)
            out = b""
            while select.select([master], [], [], 0.5)[0]:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: nothing more
                    break
                if not chunk:
                    break
                out += chunk
        finally:
            os.close(master)
            os.close(slave)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"esc/\\x1b]0;pwned\\x07/\\x1b[2J/\\xc2\\x9b x", out)
        self.assertNotIn(b"\x1b", out)
        self.assertNotIn(b"\x07", out)

    def test_sub_prints_topics_as_they_came_into_a_pipe(self):
        r = self.run_sub_against_hostile_broker(subprocess.PIPE)
        self.assertEqual((r.returncode, r.stdout), (0, self.TOPIC.encode() + b" x\n"), r.stderr)


if __name__ == "__main__":
    unittest.main()
