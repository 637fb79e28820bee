"""tern --tls-session against real mosquitto TLS listeners: the session file is private and
never followed through a symbolic link, and a saved session is offered only under the trust
configuration that verified it (issue 14, items 1 to 3).

Each test has its own state directory (XDG_STATE_HOME: where the sealing key lives), so a
"device" and an "attacker" are two keys; the attacker's files are planted by copying.
"""
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import unittest

from ternlab.certs import Certs
from test_tls import TlsBroker

TERN = os.environ.get("TERN_BIN", "tern")


def setUpModule():
    global WORK, CERTS, TLS
    WORK = tempfile.mkdtemp(prefix="tern-tls-session-")
    CERTS = Certs(WORK).generate()
    TLS = TlsBroker(CERTS, WORK)
    TLS.broker.start()


def tearDownModule():
    TLS.broker.cleanup()
    shutil.rmtree(WORK, ignore_errors=True)


class SessionFileTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=WORK)
        self.session = os.path.join(self.dir, "session.bin")
        self.device = os.path.join(self.dir, "device-state")
        self.attacker = os.path.join(self.dir, "attacker-state")
        self.old_umask = os.umask(0o022)  # what a careless default would leave readable

    def tearDown(self):
        os.umask(self.old_umask)

    def pub(self, case, *extra, state=None, session=None, version="tlsv1.3"):
        env = dict(os.environ, XDG_STATE_HOME=state or self.device)
        args = [TERN, "pub", "-h", "localhost", "-p", str(TLS.ports[case]), "-t", "tls/session",
                "-m", "hello", "-q", "1", "-d", "--tls-version", version,
                "--tls-session", session or self.session, *extra]
        return subprocess.run(args, capture_output=True, text=True, timeout=60, env=env)

    def write_session(self, data):
        with open(self.session, "wb") as f:
            f.write(data)
        os.chmod(self.session, 0o600)

    def ca(self):
        return ["--cafile", CERTS.path("ca.crt")]

    def identity(self):
        return ["--cert", CERTS.path("client.crt"), "--key", CERTS.path("client.key")]

    def assert_ok(self, r, how):
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(how, r.stderr)

    def assert_refused(self, r, words):
        self.assertNotEqual(r.returncode, 0, r.stderr)
        self.assertLess(r.returncode, 128, "killed by a signal")
        self.assertIn(words, r.stderr.strip().splitlines()[-1])
        self.assertNotIn("session resumed", r.stderr)

    def saved_mtls_session(self):
        """A mutual-TLS session saved by the device, then resumed once (a working file)."""
        self.assert_ok(self.pub("mtls", *self.ca(), *self.identity()), "full handshake")
        self.assert_ok(self.pub("mtls", *self.ca(), *self.identity()), "session resumed")

    # Item 1: the file is private.

    def test_session_and_key_files_are_private(self):
        self.saved_mtls_session()
        self.assertEqual(stat.S_IMODE(os.stat(self.session).st_mode), 0o600)
        key = os.path.join(self.device, "tern", "session.key")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(key)).st_mode), 0o700)
        self.assertEqual(os.path.getsize(key), 32)
        self.assertEqual([n for n in os.listdir(self.dir) if n.endswith(".tmp")], [])

    def test_symlink_is_not_followed(self):
        self.saved_mtls_session()
        target = os.path.join(self.dir, "precious")
        shutil.copy(self.session, target)
        with open(target, "rb") as f:
            before = f.read()
        link = os.path.join(self.dir, "link.bin")
        os.symlink(target, link)
        r = self.pub("mtls", *self.ca(), *self.identity(), session=link)
        self.assert_ok(r, "full handshake")
        # Not "refusing": the path is used, for the new session (finding N10).
        self.assertIn(f"ignoring TLS session file {link}: it is a symbolic link; a new session is saved there",
                      r.stderr)
        with open(target, "rb") as f:
            self.assertEqual(f.read(), before, "written through the symbolic link")
        self.assertFalse(os.path.islink(link))  # replaced by the new session, 0600
        self.assertEqual(stat.S_IMODE(os.lstat(link).st_mode), 0o600)

    def test_file_others_can_read_or_write_is_refused(self):
        self.saved_mtls_session()
        for mode in (0o620, 0o602, 0o640, 0o644):
            with self.subTest(mode=oct(mode)):
                os.chmod(self.session, mode)
                r = self.pub("mtls", *self.ca(), *self.identity())
                self.assert_ok(r, "full handshake")
                self.assertIn("group or others can read or write it", r.stderr)
                self.assertEqual(stat.S_IMODE(os.stat(self.session).st_mode), 0o600)

    @unittest.skipUnless(os.geteuid() == 0, "making a file another user's needs root")
    def test_file_another_user_owns_is_refused(self):
        """The issue's attack the other way round: a session file of another user's (here
        `nobody`, who may have planted it) is not used, even with the right key."""
        self.saved_mtls_session()
        os.chown(self.session, pwd.getpwnam("nobody").pw_uid, -1)
        r = self.pub("mtls", *self.ca(), *self.identity())
        self.assert_ok(r, "full handshake")
        self.assertIn("is owned by uid", r.stderr)

    # Item 2: a session is offered only under the configuration that verified it.

    def test_mtls_session_is_not_a_certificate(self):
        """Resuming the device's session without --cert/--key must not pass for the device."""
        self.saved_mtls_session()
        r = self.pub("mtls", *self.ca())
        self.assertIn("another server or trust configuration", r.stderr)
        self.assert_refused(r, "client certificate")

    def test_insecure_session_not_offered_by_a_strict_run(self):
        for version in ("tlsv1.3", "tlsv1.2"):
            with self.subTest(tls=version):
                self.assert_ok(self.pub("wrongname", *self.ca(), "--insecure", version=version),
                               "full handshake")
                self.assert_ok(self.pub("wrongname", *self.ca(), "--insecure", version=version),
                               "session resumed")
                r = self.pub("wrongname", *self.ca(), version=version)
                self.assertIn("another server or trust configuration", r.stderr)
                self.assert_refused(r, "host name mismatch")

    def test_planted_session_does_not_reach_a_rogue_broker(self):
        """The attacker runs a self-signed broker, makes a session with it (trusting its own
        certificate) and plants the file where the device keeps its session."""
        for name, planter_state in (("another key", self.attacker), ("the device's key", self.device)):
            with self.subTest(planted_with=name):
                planted = os.path.join(self.dir, "planted.bin")
                r = self.pub("selfsigned", "--cafile", CERTS.path("server-selfsigned.crt"),
                             state=planter_state, session=planted)
                self.assert_ok(r, "full handshake")
                shutil.copy(planted, self.session)
                os.chmod(self.session, 0o600)
                r = self.pub("selfsigned", *self.ca())
                self.assertIn("refused", r.stderr)
                self.assert_refused(r, "not signed by a trusted CA")

    # Item 3: tampered bytes never reach wolfSSL's parser.

    def test_tampered_session_is_refused_without_a_crash(self):
        for version in ("tlsv1.3", "tlsv1.2"):
            with self.subTest(tls=version):
                self.assert_ok(self.pub("ec", *self.ca(), version=version), "TLS")
                with open(self.session, "rb") as f:
                    data = bytearray(f.read())
                original = bytes(data)
                for i in (0, 5, 20, 40 + 9, len(data) // 2, len(data) - 1):
                    data[i] ^= 0x73
                    self.write_session(data)
                    data[i] ^= 0x73
                    r = self.pub("ec", *self.ca(), version=version)
                    self.assert_ok(r, "full handshake")
                    self.assertIn("tampered with", r.stderr)
                self.write_session(original)
                self.assert_ok(self.pub("ec", *self.ca(), version=version), "TLS")


if __name__ == "__main__":
    unittest.main()
