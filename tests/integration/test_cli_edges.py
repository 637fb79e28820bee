"""tern pub / tern sub at the edges the second outside probe found (tests/probe/findings-2.md
N3, N7, N8, N9, N10g): bounded message files, -E that consumes nothing, option errors at parse
time that name the flag and its range, help text that belongs to its command, and a manual page
with FILES and ENVIRONMENT."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from ternlab.harness import Broker, free_port, scaled, wrapped
from test_cli_parity import Subscriber

TERN = os.environ.get("TERN_BIN", "tern")
MOSQUITTO_PUB = shutil.which("mosquitto_pub") or "mosquitto_pub"
MOSQUITTO_SUB = shutil.which("mosquitto_sub") or "mosquitto_sub"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
MQTT_MAX = 268435455  # the largest Remaining Length of an MQTT packet

# Runs argv and prints its peak resident size in KB: a bound on what it read into memory.
PEAK_RSS = ("import resource, subprocess, sys\n"
            "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
            "sys.stderr.buffer.write(r.stderr)\n"
            "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, timeout=scaled(60), **kw)


class MessageSize(unittest.TestCase):
    """N3: -f and -s stop at the largest payload an MQTT packet carries; a regular file that
    is larger is refused from its size, before a byte is read. mosquitto_pub refuses such a
    file from its size too ("File must be less than 268435455 bytes")."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tern-cli-edges-")
        cls.port = str(free_port())  # nothing listens: every case here ends before connecting

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def pub(self, *args, **kw):
        return run(wrapped([TERN, "pub", "-h", "127.0.0.1", "-p", self.port, "-t", "edge/big", *args]), **kw)

    def sparse_file(self, size):
        path = os.path.join(self.dir, f"sparse-{size}")
        with open(path, "wb") as f:
            f.truncate(size)
        return path

    def limit(self, topic="edge/big"):
        return MQTT_MAX - 2 - len(topic)  # QoS 0, MQTT 3.1.1: topic length + topic, no packet id

    def test_a_huge_regular_file_is_refused_from_its_size_without_reading_it(self):
        path = self.sparse_file(300_000_000)
        r = run([sys.executable, "-c", PEAK_RSS,
                 *wrapped([TERN, "pub", "-p", self.port, "-t", "edge/big", "-f", path])])
        code, peak_kb = map(int, r.stdout.split())
        self.assertEqual(code, 1, r.stderr)
        self.assertEqual(r.stderr.decode().splitlines(),
                         [f"tern: message file larger than {self.limit()} bytes"])
        self.assertLess(peak_kb, 200_000, "the file was read into memory")

    def test_a_huge_file_on_standard_input_is_refused_from_its_size(self):
        with open(self.sparse_file(300_000_000), "rb") as f:
            r = self.pub("-s", stdin=f)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stderr.decode().splitlines(),
                         [f"tern: standard input larger than {self.limit()} bytes"])

    def test_standard_input_is_judged_from_where_it_is_read(self):
        """A script that read the head of a file sends the rest: only the rest must fit."""
        path = self.sparse_file(self.limit() + 10)
        with open(path, "rb") as f:
            f.seek(20)
            r = self.pub("-s", stdin=f)
        self.assertNotIn(b"larger than", r.stderr)
        self.assertIn(b"connect", r.stderr)  # to the refused connection, the message loaded

    def test_one_byte_over_the_limit_is_refused_and_the_limit_counts_the_topic(self):
        for topic, qos in (("edge/big", "0"), ("edge/a/longer/topic", "1")):
            with self.subTest(topic=topic, qos=qos):
                limit = self.limit(topic) - (2 if qos != "0" else 0)
                r = run(wrapped([TERN, "pub", "-p", self.port, "-t", topic, "-q", qos,
                                 "-f", self.sparse_file(limit + 1)]))
                self.assertEqual((r.returncode, r.stderr.decode()),
                                 (1, f"tern: message file larger than {limit} bytes\n"))

    def test_an_endless_source_ends_at_the_limit(self):
        """/dev/zero has no size: tern reads up to the limit, then refuses (it read forever)."""
        r = self.pub("-f", "/dev/zero")
        self.assertEqual((r.returncode, r.stderr.decode()),
                         (1, f"tern: message file larger than {self.limit()} bytes\n"))
        with open("/dev/zero", "rb") as zero:
            r = self.pub("-s", stdin=zero)
        self.assertEqual((r.returncode, r.stderr.decode()),
                         (1, f"tern: standard input larger than {self.limit()} bytes\n"))


class WithBroker(unittest.TestCase):
    """N7: -E exits on the SUBACK and prints nothing, as mosquitto_sub -E; with -c the session
    is made and what it holds stays queued for the next run. N9: -t wins over -L's topic."""

    @classmethod
    def setUpClass(cls):
        cls.broker = Broker().start()
        cls.port = str(cls.broker.port)

    @classmethod
    def tearDownClass(cls):
        cls.broker.cleanup()

    def cmd(self, prog, *args):
        if prog == TERN:  # tern SUBCOMMAND options
            return wrapped([TERN, args[0], "-h", "127.0.0.1", "-p", self.port, *args[1:]])
        return [prog, "-h", "127.0.0.1", "-p", self.port, *args]

    def ok(self, argv):
        r = run(argv)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def test_retained_messages_are_not_printed(self):
        self.ok(self.cmd(MOSQUITTO_PUB, "-t", "edge/e/a", "-m", "retained-msg", "-r"))
        try:
            tern = self.ok(self.cmd(TERN, "sub", "-t", "edge/e/#", "-E", "-v"))
            mosq = self.ok(self.cmd(MOSQUITTO_SUB, "-t", "edge/e/#", "-E", "-v"))
            self.assertEqual((tern.stdout, mosq.stdout), (b"", b""))
        finally:
            self.ok(self.cmd(MOSQUITTO_PUB, "-t", "edge/e/a", "-n", "-r"))

    def test_a_persistent_session_keeps_its_queued_messages(self):
        session = ["-c", "-i", f"edges-{os.getpid()}", "-q", "1", "-t", "edge/q"]
        self.ok(self.cmd(TERN, "sub", *session, "-E"))  # the session is made
        self.ok(self.cmd(MOSQUITTO_PUB, "-t", "edge/q", "-m", "queued", "-q", "1"))
        again = self.ok(self.cmd(TERN, "sub", *session, "-E"))
        self.assertEqual(again.stdout, b"")
        later = self.ok(self.cmd(TERN, "sub", *session, "-C", "1", "-W", "20"))
        self.assertEqual(later.stdout, b"queued\n")

    def test_id_prefix_is_followed_by_the_process_id(self):
        sub = subprocess.Popen(self.cmd(TERN, "sub", "-I", "edges-prefix-", "-t", "edge/i", "-C", "1", "-W", "20"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + scaled(20)
            while not (m := re.search(r"Sending SUBACK to edges-prefix-(\d+)\b", self.broker.log_all())):
                self.assertLess(time.monotonic(), deadline, self.broker.log())
                self.assertIsNone(sub.poll(), sub.stderr.read() if sub.poll() is not None else "")
                time.sleep(0.05)
            if not wrapped([]):  # a wrapper may run tern in a process of its own
                self.assertEqual(int(m.group(1)), sub.pid)
            self.ok(self.cmd(MOSQUITTO_PUB, "-t", "edge/i", "-m", "hi"))
            self.assertEqual(sub.communicate(timeout=scaled(20))[0], b"hi\n")
        finally:
            if sub.poll() is None:
                sub.kill()
            sub.wait()
        for args, why in ((["-i", "x", "-I", "p"], "exclude"), (["-c", "-I", "p"], "(-i)"),
                          (["-I", "p" * 41], "40 bytes")):
            with self.subTest(args=args):
                r = run(self.cmd(TERN, "sub", "-t", "a", *args))
                self.assertEqual(r.returncode, 2)
                self.assertIn(why.encode(), r.stderr)

    def test_the_topic_of_t_wins_over_the_one_of_the_url(self):
        url = f"mqtt://127.0.0.1:{self.port}/edge/url"
        for order in (["-L", url, "-t", "edge/other"], ["-t", "edge/other", "-L", url]):
            with self.subTest(order=order):
                sub = Subscriber(self.cmd(MOSQUITTO_SUB, "-t", "edge/other", "-C", "1", "-W", "20"), self.broker)
                self.ok(wrapped([TERN, "pub", *order, "-m", "x"]))
                self.assertEqual(sub.finish(), (0, b"x\n"))
        self.assertEqual(run(wrapped([TERN, "pub", "-t", "a", "-t", "b", "-m", "x"])).returncode, 2)


class OptionErrors(unittest.TestCase):
    """N8/N9: refused at parse time (nothing listens on the port: a connect would fail
    differently), each message naming its flag and, for numbers, the range."""

    @classmethod
    def setUpClass(cls):
        cls.port = str(free_port())

    def tern(self, *args):
        r = run(wrapped([TERN, *args[:1], "-p", self.port, *args[1:]]))
        return r.returncode, r.stderr.decode().splitlines()[0] if r.stderr else ""

    def test_an_invalid_filter_out_is_refused_as_t_and_u_refuse_it(self):
        for flag in ("-t", "-T", "-U"):
            with self.subTest(flag=flag):
                args = [flag, "x/#/y"] if flag == "-t" else ["-t", "a", flag, "x/#/y"]
                code, line = self.tern("sub", *args)
                self.assertEqual(code, 1)
                self.assertIn("invalid topic filter 'x/#/y'", line)

    def test_an_empty_client_id_with_c_is_an_option_error_naming_i(self):
        for cmd in (["pub", "-t", "a", "-m", "b"], ["sub", "-t", "a"]):
            with self.subTest(cmd=cmd[0]):
                code, line = self.tern(*cmd, "-c", "-i", "")
                self.assertEqual(code, 2)
                self.assertIn("(-i)", line)

    def test_number_errors_give_the_range_and_refuse_signs_and_spaces(self):
        cases = ((["-q", "3"], "-q/--qos", "0 to 2"), (["-p", "0"], "-p/--port", "1 to 65535"),
                 (["-p", " 5"], "-p/--port", "1 to 65535"), (["-p", "+5"], "-p/--port", "1 to 65535"),
                 (["-k", "70000"], "-k/--keepalive", "0 to 65535"), (["--repeat", "0"], "--repeat", "1 to 1000000"))
        for args, name, span in cases:
            with self.subTest(args=args):
                code, line = self.tern("pub", "-t", "a", "-m", "b", *args)
                self.assertEqual(code, 2)
                self.assertIn(f"'{args[1]}' for {name} ({span})", line)

    def test_sub_help_has_no_publisher_text(self):
        text = run([TERN, "sub", "--help"]).stdout.decode()
        for pub_only in ("publish to", "tern-pub-"):
            self.assertNotIn(pub_only, text)
        self.assertNotIn("subscribe to", run([TERN, "pub", "--help"]).stdout.decode().split("-t, --topic")[1].split("\n")[0])

    def test_capath_help_says_every_file_there_is_trusted(self):
        line = [l for l in run([TERN, "sub", "--help"]).stdout.decode().splitlines() if "--capath" in l][0]
        self.assertIn("every", line)

    def test_mosquitto_spellings_tern_takes(self):
        """--tls-alpn is --alpn; --nodelay is accepted (tern always sets TCP_NODELAY)."""
        for args in (["--tls-alpn", "mqtt", "--insecure"], ["--nodelay"]):
            with self.subTest(args=args):
                code, line = self.tern("pub", "-h", "127.0.0.1", "-t", "a", "-m", "b", *args)
                self.assertEqual(code, 1, line)  # past the options, to the refused connection

    def test_fw_keygen_help_and_type_errors(self):
        r = run([TERN, "fw", "keygen", "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        with tempfile.TemporaryDirectory() as d:
            r = run([TERN, "fw", "keygen", "--out", os.path.join(d, "k"), "--type", "rsa"])
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--type", r.stderr)
        self.assertNotIn(b"need --out", r.stderr)


class ManualPage(unittest.TestCase):
    """N10g and N9: tern(1) has FILES and ENVIRONMENT (every variable the CLI reads), and a
    NOT SUPPORTED list of mosquitto flags that tern indeed refuses."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(ROOT, "docs", "tern.1")) as f:
            cls.page = f.read().replace("\\-", "-")

    def section(self, name):
        m = re.search(r"^\.SH " + name + r"\n(.*?)(?=^\.SH )", self.page, re.S | re.M)
        self.assertTrue(m, f"no {name} section")
        return m.group(1)

    def test_environment_names_every_variable_the_cli_reads(self):
        env = self.section("ENVIRONMENT")
        read = set()
        for d in ("tools", "src"):
            for base, _, files in os.walk(os.path.join(ROOT, d)):
                for name in files:
                    with open(os.path.join(base, name), errors="replace") as f:
                        read |= set(re.findall(r'getenv\("(\w+)"\)', f.read()))
        self.assertIn("XDG_STATE_HOME", read)
        for var in read:
            with self.subTest(var=var):
                self.assertIn(var, env)

    def test_files_names_the_session_key(self):
        files = self.section("FILES")
        self.assertIn("tern/session.key", files)
        self.assertIn("--tls-session", files)

    def test_not_supported_flags_are_refused(self):
        m = re.search(r"^\.SH NOT SUPPORTED\n(.*?)(?=^\.SH )", self.page, re.S | re.M)
        self.assertTrue(m, "no NOT SUPPORTED section")
        flags = re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", m.group(1))
        self.assertGreater(len(flags), 5)
        for flag in flags:
            with self.subTest(flag=flag):
                r = run([TERN, "sub", "-t", "a", flag, "x"])
                p = run([TERN, "pub", "-t", "a", "-m", "b", flag, "x"])
                self.assertEqual((r.returncode, p.returncode), (2, 2))
                self.assertIn(b"unknown option", r.stderr + p.stderr)


if __name__ == "__main__":
    unittest.main()
