"""tern fw push / agent against a real mosquitto: updates installed, every forgery refused with
its own reason, transfers resumed, and an install killed at random points never leaves the
device without a complete, verified image.

Each test uses its own device class, so its topics are its own."""
import hashlib
import os
import resource
import random
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from ternlab.certs import Certs
from ternlab.harness import Broker, free_port

TERN = os.environ.get("TERN_BIN", "tern")
# examples/fw_device: the device-shaped program on emulated NOR flash (set by ctest).
FW_DEVICE = os.environ.get("FW_DEVICE")


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
        run("fw", "push", *conn(tls), "--signing-key", os.path.join(WORK, key), "--version", str(version),
            "--device-class", cls or self.cls, "--manifest-out", manifest, *extra, image)
        with open(manifest, "rb") as f:
            return f.read()

    def agent_args(self, tls=False, trust=("signer",)):
        args = [TERN, "fw", "agent", *conn(tls), "--device-class", self.cls, "--install-dir", self.install, "--once",
                "-i", f"dev-{self.cls}"]
        for t in trust:
            args += ["--trust", os.path.join(WORK, t + ".pub")]
        return args

    def agent(self, expect_ok, timeout=120, preexec_fn=None, **kw):
        p = subprocess.run(self.agent_args(**kw), capture_output=True, timeout=timeout, preexec_fn=preexec_fn)
        err = self.last_err = p.stderr.decode()
        self.assertEqual(p.returncode == 0, expect_ok, err)
        self.assertLess(p.returncode, 128, "killed by a signal")
        return err.strip().splitlines()[-1]

    def publish_raw(self, topic, payload, retain=True):
        path = os.path.join(self.dir, "raw.bin")
        with open(path, "wb") as f:
            f.write(payload)
        run("pub", *conn(), "-t", topic, "-f", path, "-q", "1", *(["-r"] if retain else []))

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

    def test_installed_update_seen_again_is_up_to_date(self):
        self.push(1, self.image(3000))
        self.agent(True)
        self.assertIn("up to date with version 1", self.agent(True, timeout=60))

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
        self.agent(False)
        return self.last_err  # the stall is reported; chunks that arrive after it are ignored too

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

    # --- the security review's findings (issue 15) ---------------------------------------------

    def test_garbage_during_a_genuine_download_is_ignored(self):
        """Finding 1: 7 bytes on the manifest topic and 1 byte on a chunk topic mid-download."""
        img = self.image(1024 * 1024)
        m = self.push(1, img)
        proc = subprocess.Popen(self.agent_args(), stderr=subprocess.PIPE)
        try:
            self.wait_for_progress(proc)
            self.publish_raw(f"tern/fw/{self.cls}/manifest", b"garbage")
            self.publish_raw(self.chunk_topic(m, 1000), b"x", retain=False)
            _, err = proc.communicate(timeout=300)
            self.assertEqual(proc.returncode, 0, err.decode())
            self.assertIn("ignored: not a valid manifest (7 bytes)", err.decode())
            self.assert_installed(1, img)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def test_status_never_names_an_unverified_version(self):
        """Finding 2: a manifest from an untrusted key claims version 999999."""
        self.push(999999, self.image(1000), key="other")
        self.assertIn("untrusted key", self.agent(False))
        p = run("sub", *conn(), "-t", f"tern/fw/{self.cls}/status/#", "-C", "1", "-W", "10")
        status = p.stdout.decode()
        self.assertIn("untrusted key", status)
        self.assertNotIn("999999", status)

    def test_resume_drops_staged_bytes_beyond_the_verified_ones(self):
        """Finding 3: bytes staged after the saved progress (or by another update) never reach
        the installed image."""
        img = self.image(512 * 1024)
        self.push(1, img)
        proc = subprocess.Popen(self.agent_args(), stderr=subprocess.DEVNULL)
        self.wait_for_progress(proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with open(os.path.join(self.install, "staging.bin"), "ab") as f:
            f.write(os.urandom(600 * 1024))  # past the end of the signed image
        self.assertIn("installed version 1", self.agent(True))
        self.assert_installed(1, img)

    def test_install_dir_writable_by_others_or_of_another_user_refused(self):
        """Finding 4: a directory someone else could write to is never used."""
        self.push(1, self.image(1000))
        os.mkdir(self.install)
        os.chmod(self.install, 0o777)
        self.assertIn("writable by group or others", self.agent(False))
        os.chmod(self.install, 0o700)
        if os.geteuid() == 0:  # only root can give a directory away
            os.chown(self.install, 65534, 65534)
            self.assertIn("owned by another user", self.agent(False))
            os.chown(self.install, 0, 0)
        self.assertIn("installed version 1", self.agent(True))

    def test_planted_links_are_replaced_never_followed(self):
        """Finding 4: links planted in the install directory point at a file elsewhere."""
        img = self.image(5000)
        self.push(1, img)
        victim = os.path.join(self.dir, "victim")
        with open(victim, "wb") as f:
            f.write(b"precious")
        os.mkdir(self.install, 0o700)
        for name in ("staging.bin", "staging.state", "current.tmp", "firmware-1.bin", "staging.state.tmp"):
            os.symlink(victim, os.path.join(self.install, name))
        self.assertIn("installed version 1", self.agent(True))
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), b"precious")
        self.assertFalse(os.path.islink(os.path.join(self.install, "current")))
        self.assertFalse(os.path.islink(os.path.join(self.install, "firmware-1.bin")))
        self.assert_installed(1, img)
        os.unlink(os.path.join(self.install, "current"))
        os.symlink(victim, os.path.join(self.install, "current"))
        self.assertIn("cannot read", self.agent(False))  # a linked `current` is not read through

    def test_storage_full_is_cleaned_up_reported_and_the_next_update_installs(self):
        """Finding 5: files cannot grow past 20 kB (RLIMIT_FSIZE) while a 100 kB image arrives."""
        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
        self.push(1, self.image(100000))
        line = self.agent(False, preexec_fn=small_files)
        self.assertIn("failed version 1", line)
        self.assertIn("File too large", self.last_err)  # the cause, in one line
        self.assertEqual(sorted(os.listdir(self.install)), ["staging.bin"])  # empty, ready for the next
        self.assertEqual(os.path.getsize(os.path.join(self.install, "staging.bin")), 0)
        img = self.image(4096)
        self.push(2, img)
        self.assertIn("installed version 2", self.agent(True, preexec_fn=small_files))
        self.assert_installed(2, img)

    def test_unreadable_installed_record_is_an_error_not_version_0(self):
        """Finding 6: anti-rollback must not fail open."""
        self.push(5, self.image(1000))
        self.agent(True)
        with open(os.path.join(self.install, "current"), "w") as f:
            f.write("vers")  # torn or tampered
        self.push(3, self.image(1000))
        self.assertIn("not an installed record", self.agent(False))
        self.assertFalse(os.path.exists(os.path.join(self.install, "firmware-3.bin")))

    def test_signing_key_read_only_when_private_and_not_a_link(self):
        """A signing key is a secret file: this user's own, 0600, not reached through a link."""
        key = os.path.join(self.dir, "signer")
        shutil.copy(os.path.join(WORK, "signer"), key)
        os.chmod(key, 0o644)
        img = self.image(100)
        args = ["fw", "push", *conn(), "--version", "1", "--device-class", self.cls, img]
        p = run(*args, "--signing-key", key, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("refusing signing key", p.stderr.decode())
        os.chmod(key, 0o600)
        link = os.path.join(self.dir, "link")
        os.symlink(key, link)
        p = run(*args, "--signing-key", link, check=False)
        self.assertIn("symbolic link", p.stderr.decode())
        run(*args, "--signing-key", key)

    def test_private_keys_are_wiped_with_a_call_the_compiler_keeps(self):
        """Issue 14 item 9: memset of a dead buffer is removed at -O2; explicit_bzero is not."""
        binary = shutil.which(TERN) or TERN
        p = subprocess.run(["nm", "-D", binary], capture_output=True, text=True, check=True)
        self.assertTrue("explicit_bzero" in p.stdout, f"{binary} does not call explicit_bzero")


@unittest.skipUnless(FW_DEVICE, "FW_DEVICE names examples/fw_device (ctest sets it when examples are built)")
class Keygen(unittest.TestCase):
    """tern fw keygen writes two new files and nothing else: a file or a symbolic link planted
    at either name is never written through or over, and a refused run leaves nothing behind."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=WORK)
        self.name = os.path.join(self.dir, "k")
        self.victim = os.path.join(self.dir, "victim")
        with open(self.victim, "w") as f:
            f.write("precious\n")

    def assert_refused(self, p):
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stderr.decode().count("\n"), 1, p.stderr)
        with open(self.victim) as f:
            self.assertEqual(f.read(), "precious\n")

    def test_a_link_planted_as_the_public_key_is_not_followed(self):
        os.symlink(self.victim, self.name + ".pub")
        p = run("fw", "keygen", "--out", self.name, check=False)
        self.assert_refused(p)
        self.assertFalse(os.path.exists(self.name), "the private key of a refused run was left behind")
        self.assertTrue(os.path.islink(self.name + ".pub"))

    def test_an_existing_public_key_is_not_overwritten(self):
        shutil.copy(self.victim, self.name + ".pub")
        p = run("fw", "keygen", "--out", self.name, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        with open(self.name + ".pub") as f:
            self.assertEqual(f.read(), "precious\n")
        self.assertFalse(os.path.exists(self.name))

    def test_a_link_planted_as_the_private_key_is_not_followed(self):
        os.symlink(self.victim, self.name)
        self.assert_refused(run("fw", "keygen", "--out", self.name, check=False))
        self.assertFalse(os.path.exists(self.name + ".pub"))

    def test_a_new_pair_is_private_and_public(self):
        run("fw", "keygen", "--out", self.name)
        self.assertEqual(os.stat(self.name).st_mode & 0o777, 0o600)
        with open(self.name + ".pub") as f:
            self.assertTrue(f.read().startswith("tern-fw-pub ed25519 "))


class FwDevice(unittest.TestCase):
    """examples/fw_device: the library's agent on a storage that behaves like NOR flash, with
    A/B slots and a two-copy boot record. After anything, --check (the boot loader's test)
    must find a complete image whose hash matches its boot record."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=WORK)
        self.cls = f"d{random.getrandbits(40):x}"
        self.flash = os.path.join(self.dir, "flash.bin")
        self.v1 = self.image(20000, "v1.bin")
        p = subprocess.run([FW_DEVICE, "--flash", self.flash, "--factory", self.v1], capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertEqual(self.boots(), 1)

    image = Fw.image
    push = Fw.push
    publish_raw = Fw.publish_raw
    chunk_topic = Fw.chunk_topic
    fetch_retained = Fw.fetch_retained

    def boots(self):
        """The version the boot loader would start (fails the test when none would start)."""
        p = subprocess.run([FW_DEVICE, "--flash", self.flash, "--check"], capture_output=True, timeout=60)
        out = p.stdout.decode().strip()
        self.assertEqual(p.returncode, 0, f"no bootable image: {out}")
        return int(out.split()[2])

    def device_args(self):
        return [FW_DEVICE, "--flash", self.flash, "--class", self.cls, "--trust", os.path.join(WORK, "signer.pub"),
                "--port", str(BROKER.port), "--id", f"dev-{self.cls}", "--stall-ms", "300", "--once"]

    def device(self, expect_ok, timeout=120):
        p = subprocess.run(self.device_args(), capture_output=True, timeout=timeout)
        out = p.stdout.decode()
        self.assertEqual(p.returncode == 0, expect_ok, out + p.stderr.decode())
        return out

    def test_signed_update_installs_into_the_other_slot(self):
        img = self.image(300 * 1024)
        self.push(2, img)
        self.assertIn("event 7 version 2", self.device(True))  # TERN_FW_EVENT_INSTALLED
        self.assertEqual(self.boots(), 2)
        img3 = self.image(1000)
        self.push(3, img3)
        self.device(True)
        self.assertEqual(self.boots(), 3)  # back in slot A

    def test_forged_rolled_back_and_truncated_updates_refused(self):
        self.push(2, self.image(5000), key="other")
        self.assertIn("untrusted key", self.device(False))
        self.push(1, self.image(5000))
        self.assertIn("not newer than the installed 1", self.device(False))
        m = self.push(3, self.image(10 * 1000 + 500), chunk=1000)
        topic = self.chunk_topic(m, 10)
        self.publish_raw(topic, self.fetch_retained(topic)[:-100])
        self.assertIn("chunk 10 is short by 100 bytes (truncated image)", self.device(False))
        self.assertEqual(self.boots(), 1)

    def factory_reset(self):
        p = subprocess.run([FW_DEVICE, "--flash", self.flash, "--factory", self.v1], capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr.decode())

    def test_power_cut_at_random_points_leaves_a_bootable_image(self):
        img = self.image(600 * 1024)
        self.push(2, img)
        rng = random.Random(int(os.environ.get("TERN_FW_SEED", "11")))
        kills, budget = 0, 0.4
        while kills == 0 and budget > 0.001:  # a fast machine may finish before the first cut
            self.factory_reset()
            for _ in range(15):
                proc = subprocess.Popen(self.device_args(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(rng.uniform(0.0, budget))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    kills += 1
                proc.wait()
                version = self.boots()  # after every cut: a complete image boots
                self.assertIn(version, (1, 2))
                if version == 2:
                    break
            budget /= 2
        self.assertGreater(kills, 0)
        if self.boots() != 2:
            self.device(True)
        self.assertEqual(self.boots(), 2)

    def test_power_cut_at_every_stage_leaves_a_bootable_image(self):
        """Cuts at chosen flash operations, each one left half done (a torn write or erase):
        among them the first and last of the download and every operation of the install."""
        img = self.image(64 * 1024)
        self.push(2, img)
        out = self.device(True)
        total = int(out.strip().splitlines()[-1].split()[-1])
        rng = random.Random(int(os.environ.get("TERN_FW_SEED", "5")))
        cuts = sorted({0, 1, 2, total // 2, *range(max(0, total - 8), total), *rng.sample(range(total), 6)})
        for cut in cuts:
            with self.subTest(cut=cut, of=total):
                self.factory_reset()
                p = subprocess.run(self.device_args() + ["--cut-after", str(cut)], capture_output=True, timeout=120)
                self.assertEqual(p.returncode, -signal.SIGKILL, p.stdout.decode())
                self.assertIn(self.boots(), (1, 2))  # the cut left a bootable image
                self.device(True)  # the update completes after it (or is found installed)
                self.assertEqual(self.boots(), 2)


if __name__ == "__main__":
    unittest.main()
