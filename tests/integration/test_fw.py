"""tern fw push / agent against a real mosquitto: updates installed, every forgery refused with
its own reason, transfers resumed, and an install killed at random points never leaves the
device without a complete, verified image.

Each test uses its own device class, so its topics are its own."""
import hashlib
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from certs import Certs
from harness import Broker, free_port

TERN = os.environ.get("TERN_BIN", "tern")


def setUpModule():
    global WORK, BROKER, CERTS, TLS_PORT
    WORK = tempfile.mkdtemp(prefix="tern-fw-")
    CERTS = Certs(WORK).generate()
    TLS_PORT = free_port()
    BROKER = Broker(persistence="on_shutdown", extra_ports=[TLS_PORT], extra=(
        f"listener {TLS_PORT} 127.0.0.1\ncafile {CERTS.path('ca.crt')}\n"
        f"certfile {CERTS.path('server-ec.crt')}\nkeyfile {CERTS.path('server-ec.key')}\n")).start()
    for name in ("signer", "other"):
        run("fw", "keygen", "--out", os.path.join(WORK, name))
    run("fw", "keygen", "--out", os.path.join(WORK, "ecdsa"), "--type", "p256")


def tearDownModule():
    BROKER.cleanup()
    shutil.rmtree(WORK, ignore_errors=True)


def run(*args, timeout=120, check=True):
    p = subprocess.run([TERN, *args], capture_output=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"tern {' '.join(args)} failed: {p.stderr.decode()}")
    return p


def conn(tls=False):
    if tls:
        return ["-h", "localhost", "-p", str(TLS_PORT), "--cafile", CERTS.path("ca.crt")]
    return ["-h", "127.0.0.1", "-p", str(BROKER.port)]


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def current(install_dir):
    """The installed record: {'version':..., 'image':..., 'sha256':...}; {} when none."""
    try:
        with open(os.path.join(install_dir, "current")) as f:
            return dict(line.split(" ", 1) for line in f.read().split("\n") if line)
    except FileNotFoundError:
        return {}


class Fw(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=WORK)
        self.cls = f"c{random.getrandbits(40):x}"
        self.install = os.path.join(self.dir, "device")

    def image(self, size, name=None):
        path = os.path.join(self.dir, name or f"img-{size}.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(size))
        return path

    def push(self, version, image, key="signer", cls=None, chunk=None, tls=False):
        manifest = os.path.join(self.dir, f"manifest-{version}-{random.getrandbits(32):x}.bin")
        extra = ["--chunk-size", str(chunk)] if chunk else []
        run("fw", "push", *conn(tls), "--key", os.path.join(WORK, key), "--version", str(version),
            "--device-class", cls or self.cls, "--manifest-out", manifest, *extra, image)
        with open(manifest, "rb") as f:
            return f.read()

    def agent_args(self, tls=False, trust=("signer",)):
        args = [TERN, "fw", "agent", *conn(tls), "--device-class", self.cls, "--install-dir", self.install, "--once",
                "-i", f"dev-{self.cls}"]
        for t in trust:
            args += ["--trust", os.path.join(WORK, t + ".pub")]
        return args

    def agent(self, expect_ok, timeout=120, **kw):
        p = subprocess.run(self.agent_args(**kw), capture_output=True, timeout=timeout)
        err = p.stderr.decode()
        self.assertEqual(p.returncode == 0, expect_ok, err)
        self.assertLess(p.returncode, 128, "killed by a signal")
        return err.strip().splitlines()[-1]

    def publish_raw(self, topic, payload):
        path = os.path.join(self.dir, "raw.bin")
        with open(path, "wb") as f:
            f.write(payload)
        run("pub", *conn(), "-t", topic, "-f", path, "-q", "1", "-r")

    def chunk_topic(self, manifest, index):
        return f"tern/fw/{self.cls}/{manifest[128:144].hex()}/{index}"

    def fetch_retained(self, topic):
        p = run("sub", *conn(), "-t", topic, "-C", "1", "-W", "10", "-N")
        return p.stdout

    def assert_installed(self, version, image):
        rec = current(self.install)
        self.assertEqual(rec.get("version"), str(version))
        self.assertEqual(sha(os.path.join(self.install, rec["image"])), sha(image))
        self.assertEqual(rec["sha256"], sha(image))

    # --- installed -------------------------------------------------------------------------

    def test_small_and_large_images_installed(self):
        small = self.image(100)
        self.push(1, small)
        self.assertIn("installed version 1", self.agent(True))
        self.assert_installed(1, small)
        large = self.image(1024 * 1024 + 17)  # 256 times the agent's 4 KiB receive buffer
        self.push(2, large)
        self.assertIn("installed version 2", self.agent(True))
        self.assert_installed(2, large)
        self.assertEqual(sorted(os.listdir(self.install)), ["current", "firmware-2.bin"])

    def test_over_tls_with_an_ecdsa_key(self):
        img = self.image(50000)
        self.push(3, img, key="ecdsa", tls=True)
        self.assertIn("installed version 3", self.agent(True, tls=True, trust=("signer", "ecdsa")))
        self.assert_installed(3, img)

    def test_status_reported_on_its_topic(self):
        self.push(1, self.image(10))
        self.agent(True)
        p = run("sub", *conn(), "-t", f"tern/fw/{self.cls}/status/#", "-C", "1", "-W", "10", "-v")
        self.assertEqual(p.stdout.decode().strip(), f"tern/fw/{self.cls}/status/dev-{self.cls} installed version 1")

    # --- refused ---------------------------------------------------------------------------

    def test_chunks_larger_than_the_device_buffer(self):
        self.push(1, self.image(20000), chunk=8192)
        self.assertIn("chunks of 8192 bytes do not fit the 4096-byte receive buffer", self.agent(False))

    def test_wrong_signing_key(self):
        self.push(1, self.image(1000), key="other")
        self.assertIn("untrusted key", self.agent(False))
        self.assertEqual(current(self.install), {})

    def test_no_signature(self):
        m = bytearray(self.push(1, self.image(1000)))
        self.publish_raw(f"tern/fw/{self.cls}/manifest", bytes(m[:176]) + b"\x00\x00")
        self.assertIn("manifest is not signed", self.agent(False))

    def test_tampered_manifest(self):
        m = bytearray(self.push(1, self.image(1000)))
        m[47] ^= 0x40  # the version's low byte: a "newer" release nobody signed
        self.publish_raw(f"tern/fw/{self.cls}/manifest", bytes(m))
        self.assertIn("does not verify", self.agent(False))

    def tamper_chunk(self, index, change):
        img = self.image(10 * 1000 + 500)
        m = self.push(1, img, chunk=1000)
        topic = self.chunk_topic(m, index)
        payload = self.fetch_retained(topic)
        self.assertEqual(payload[:4], b"TFWC")
        self.publish_raw(topic, change(bytearray(payload)))
        return self.agent(False)

    def test_tampered_chunk(self):
        def flip(p):
            p[100] ^= 1
            return bytes(p)
        self.assertIn("stalled version 1: chunk 3: chunk 3 does not match the signed image (tampered)",
                      self.tamper_chunk(3, flip))
        self.assertEqual(current(self.install), {})
        # Unverifiable bytes never end a verified download: the verified part stays, to resume.
        self.assertTrue(os.path.exists(os.path.join(self.install, "staging.bin")))

    def test_truncated_image(self):
        self.assertIn("chunk 10 is short by 100 bytes (truncated image)",
                      self.tamper_chunk(10, lambda p: bytes(p[:-100])))

    def test_extra_bytes(self):
        self.assertIn("chunk 0 has 7 bytes more than announced (extra bytes)",
                      self.tamper_chunk(0, lambda p: bytes(p) + b"1234567"))

    def test_wrong_device_class(self):
        m = self.push(1, self.image(1000), cls=self.cls + "x")
        self.publish_raw(f"tern/fw/{self.cls}/manifest", m)  # another class's (valid) manifest
        self.assertIn(f'update is for device class "{self.cls}x"', self.agent(False))

    def test_older_or_equal_version(self):
        self.push(5, self.image(1000))
        self.agent(True)
        for v in (5, 4):
            with self.subTest(version=v):
                self.push(v, self.image(1000))
                self.assertIn(f"version {v} is not newer than the installed 5", self.agent(False))

    def test_manifest_replayed_from_an_earlier_update(self):
        old = self.push(1, self.image(2000))
        self.agent(True)
        self.push(2, self.image(2000))
        self.agent(True)
        self.publish_raw(f"tern/fw/{self.cls}/manifest", old)  # a genuine, signed, old manifest
        self.assertIn("version 1 is not newer than the installed 2 (rollback or replayed manifest)",
                      self.agent(False))
        self.assertEqual(current(self.install)["version"], "2")

    # --- interrupted --------------------------------------------------------------------------

    def wait_for_progress(self, proc, timeout=60):
        state = os.path.join(self.install, "staging.state")
        deadline = time.monotonic() + timeout
        while not os.path.exists(state):
            self.assertIsNone(proc.poll(), "the agent ended before it saved progress")
            self.assertLess(time.monotonic(), deadline, "no progress saved")
            time.sleep(0.005)

    def test_agent_killed_resumes_where_it_stopped(self):
        img = self.image(1024 * 1024)
        self.push(1, img)
        proc = subprocess.Popen(self.agent_args(), stderr=subprocess.PIPE)
        self.wait_for_progress(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        p = subprocess.run(self.agent_args(), capture_output=True, timeout=300)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 0, err)
        self.assertRegex(err, r"resuming version 1 at chunk [1-9]\d* of 1024")
        self.assert_installed(1, img)

    def test_broker_restarted_mid_transfer(self):
        img = self.image(1024 * 1024)
        self.push(1, img)
        proc = subprocess.Popen(self.agent_args(), stderr=subprocess.PIPE)
        try:
            self.wait_for_progress(proc)
            BROKER.restart()  # persistence on: the retained update survives; the agent reconnects
            _, err = proc.communicate(timeout=300)
            self.assertEqual(proc.returncode, 0, err.decode())
            self.assert_installed(1, img)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def test_power_loss_never_leaves_a_broken_install(self):
        """Kill the agent at random moments while it receives and installs version 2: after every
        kill, `current` names a complete image whose hash it records (version 1 or 2)."""
        v1, v2 = self.image(20000, "v1.bin"), self.image(512 * 1024, "v2.bin")
        self.push(1, v1)
        self.agent(True)
        self.push(2, v2)
        rng = random.Random(int(os.environ.get("TERN_FW_SEED", "7")))
        kills = 0
        for _ in range(12):
            proc = subprocess.Popen(self.agent_args(), stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.0, 0.6))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
            rec = current(self.install)
            self.assertIn(rec.get("version"), ("1", "2"))
            self.assertEqual(sha(os.path.join(self.install, rec["image"])), rec["sha256"])
            self.assertIn(rec["sha256"], (sha(v1), sha(v2)))
            if rec["version"] == "2":
                break
        self.assertGreater(kills, 0)
        if current(self.install)["version"] != "2":
            self.assertIn("installed version 2", self.agent(True))
        self.assert_installed(2, v2)


if __name__ == "__main__":
    unittest.main()
