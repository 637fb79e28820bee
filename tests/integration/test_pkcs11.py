"""Mutual TLS with the client's private key in a PKCS#11 token (SoftHSM2): the token is made
at test time, an EC P-256 key generated inside it (never extractable), a certificate issued
for its public key, and a mosquitto listener that requires client certificates. tern pub
signs the handshake through the token; a wrong PIN, a missing key, a missing module, a
readable PIN file and a bad URI are each refused in one line that names the cause.
tern fw push signs firmware manifests with another P-256 key made in the token, and
tern fw agent, trusting that key's public half, installs the update."""
import hashlib
import os
import random
import shutil
import subprocess
import tempfile
import unittest

from ternlab.certs import Certs
from ternlab.harness import Broker, free_port, scaled, wrapped
from test_cli import Sub

TERN = os.environ.get("TERN_BIN", "tern")
MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "4711"


def run(*argv, env=None):
    p = subprocess.run(list(argv), capture_output=True, env=env, timeout=scaled(60))
    if p.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {p.stderr.decode()}{p.stdout.decode()}")
    return p.stdout.decode()


def setUpModule():
    global WORK, CERTS, ENV, BROKER, PORT, PIN_FILE, TOKEN_CERT
    WORK = tempfile.mkdtemp(prefix="tern-pkcs11-")
    CERTS = Certs(WORK).generate()
    tokens = os.path.join(WORK, "tokens")
    os.mkdir(tokens)
    conf = os.path.join(WORK, "softhsm2.conf")
    with open(conf, "w") as f:
        f.write(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    ENV = dict(os.environ, SOFTHSM2_CONF=conf)
    run("softhsm2-util", "--init-token", "--free", "--label", "tern", "--pin", PIN, "--so-pin", "271828", env=ENV)
    p11 = ["pkcs11-tool", "--module", MODULE, "--token-label", "tern", "--login", "--pin", PIN]
    run(*p11, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "device", "--id", "01", env=ENV)
    pub_der = os.path.join(WORK, "device-pub.der")
    run(*p11, "--read-object", "--type", "pubkey", "--label", "device", "-o", pub_der, env=ENV)
    pub_pem = os.path.join(WORK, "device-pub.pem")
    run("openssl", "pkey", "-pubin", "-inform", "DER", "-in", pub_der, "-out", pub_pem)
    ext = os.path.join(WORK, "token-ext.cnf")
    with open(ext, "w") as f:
        f.write("extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n")
    # A certificate for the token's public key, signed by the test CA (the request only
    # carries the subject: its own key is replaced).
    TOKEN_CERT = os.path.join(WORK, "token.crt")
    run("openssl", "x509", "-req", "-in", CERTS.path("client.csr"), "-CA", CERTS.path("ca.crt"),
        "-CAkey", CERTS.path("ca.key"), "-force_pubkey", pub_pem, "-days", "30", "-extfile", ext,
        "-out", TOKEN_CERT)
    make_fw_signer(p11)
    PIN_FILE = os.path.join(WORK, "pin")
    fd = os.open(PIN_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (PIN + "\n").encode())
    os.close(fd)
    PORT = free_port()
    BROKER = Broker(extra=f"listener {PORT} 127.0.0.1\ncafile {CERTS.path('ca.crt')}\n"
                          f"certfile {CERTS.path('server-ec.crt')}\nkeyfile {CERTS.path('server-ec.key')}\n"
                          "require_certificate true\n", extra_ports=[PORT]).start()


def make_fw_signer(p11):
    """A firmware signing key made in the token, its public half in `tern fw keygen`'s NAME.pub
    format for the device, and a key pair whose public object is then deleted."""
    global FW_TRUST
    run(*p11, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "fw-signer", "--id", "10", env=ENV)
    der = os.path.join(WORK, "fw-signer-pub.der")
    run(*p11, "--read-object", "--type", "pubkey", "--label", "fw-signer", "-o", der, env=ENV)
    with open(der, "rb") as f:
        point = f.read()[-65:]  # SubjectPublicKeyInfo ends with the uncompressed point
    assert point[0] == 4, point.hex()
    FW_TRUST = os.path.join(WORK, "fw-signer.pub")
    with open(FW_TRUST, "w") as f:
        f.write(f"tern-fw-pub p256 {point.hex()}\n")
    run(*p11, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "no-pub", "--id", "11", env=ENV)
    run(*p11, "--delete-object", "--type", "pubkey", "--label", "no-pub", env=ENV)


def tearDownModule():
    BROKER.stop()
    shutil.rmtree(WORK, ignore_errors=True)


def key_uri(token="tern", key="object=device", module=MODULE, pin=None):
    pin = pin or f"pin-source=file:{PIN_FILE}"
    return f"pkcs11:token={token};{key}?module-path={module}&{pin}"


def wrong_pin_file():
    wrong = os.path.join(WORK, "wrong-pin")
    fd = os.open(wrong, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, b"0000\n")
    os.close(fd)
    return wrong


def tern_pub(key, *more):
    return subprocess.run(wrapped([TERN, "pub", "-h", "localhost", "-p", str(PORT), "--cafile", CERTS.path("ca.crt"),
                                   "--cert", TOKEN_CERT, "--key", key, "-t", "p11/t", *more]),
                          capture_output=True, env=ENV, timeout=scaled(60))


class TokenKey(unittest.TestCase):
    def test_the_key_was_made_in_the_token_and_cannot_leave_it(self):
        out = run("pkcs11-tool", "--module", MODULE, "--token-label", "tern", "--login", "--pin", PIN,
                  "--list-objects", "--type", "privkey", env=ENV)
        self.assertIn("never extractable", out)
        self.assertIn("local", out)

    def test_publishes_with_the_token_key(self):
        sub = Sub(PORT, "-h", "localhost", "--cafile", CERTS.path("ca.crt"), "--cert", CERTS.path("client.crt"),
                  "--key", CERTS.path("client.key"), "-t", "p11/t", "-C", "2")
        for key, version in ((key_uri(), "tlsv1.3"), (key_uri(key="id=%01"), "tlsv1.2")):
            p = tern_pub(key, "-m", version, "--tls-version", version, "-q", "1", "-d")
            self.assertEqual(p.returncode, 0, p.stderr.decode())
            self.assertIn(("TLS " + version.replace("tlsv", "TLSv")).encode(), p.stderr)
        rc, out = sub.finish()
        self.assertEqual(rc, 0, sub.trace.decode())
        self.assertEqual(out.splitlines(), ["tlsv1.3", "tlsv1.2"])

    def test_pin_value_works_with_a_warning(self):
        p = tern_pub(key_uri(pin=f"pin-value={PIN}"), "-m", "x")
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertIn(b"warning: pin-value", p.stderr)

    def refused(self, key, needle):
        p = tern_pub(key, "-m", "x")
        self.assertNotEqual(p.returncode, 0)
        err = p.stderr.decode()
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(needle, err)

    def test_wrong_pin(self):
        self.refused(key_uri(pin=f"pin-source=file:{wrong_pin_file()}"), 'PKCS#11 token "tern" refused the PIN')

    def test_missing_key(self):
        self.refused(key_uri(key="object=nokey"), 'no private key labelled "nokey" in PKCS#11 token "tern"')
        self.refused(key_uri(key="id=%02"), 'no private key with id 02')

    def test_missing_module(self):
        self.refused(key_uri(module="/usr/lib/no-such-pkcs11.so"), 'PKCS#11 module "/usr/lib/no-such-pkcs11.so"')

    def test_missing_token(self):
        self.refused(key_uri(token="elsewhere"), 'PKCS#11 token "elsewhere" not found')

    def test_pin_file_readable_by_others(self):
        loose = os.path.join(WORK, "loose-pin")
        with open(loose, "w") as f:
            f.write(PIN)
        os.chmod(loose, 0o644)
        self.refused(key_uri(pin=f"pin-source=file:{loose}"), "group or others can read or write it")

    def test_bad_uris(self):
        self.refused(f"pkcs11:token=tern;object=device?pin-value={PIN}", "module-path")
        self.refused(f"pkcs11:token=tern?module-path={MODULE}", "object=... or id=...")
        self.refused(f"pkcs11:token=tern;id=%zz?module-path={MODULE}", 'bad value for "id"')


P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def ecdsa_s(manifest):
    """s of the manifest's DER signature (SEQUENCE { INTEGER r, INTEGER s }, short lengths)."""
    sig = manifest[178:178 + int.from_bytes(manifest[176:178], "big")]
    assert sig[0] == 0x30 and sig[1] == len(sig) - 2, sig.hex()
    r_len = sig[3]
    assert sig[4 + r_len] == 0x02, sig.hex()
    return int.from_bytes(sig[6 + r_len:6 + r_len + sig[5 + r_len]], "big")


class FirmwareSignedInTheToken(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(dir=WORK)
        self.cls = f"p11-{random.getrandbits(32):x}"
        self.image = os.path.join(self.dir, "image.bin")
        with open(self.image, "wb") as f:
            f.write(os.urandom(5000))

    def push(self, version, key):
        out = os.path.join(self.dir, f"manifest-{version}.bin")
        p = subprocess.run(wrapped([TERN, "fw", "push", "-h", "127.0.0.1", "-p", str(BROKER.port), "--signing-key", key,
                                    "--version", str(version), "--device-class", self.cls,
                                    "--manifest-out", out, "--chunk-size", "1024", self.image]),
                           capture_output=True, env=ENV, timeout=scaled(120))
        return p, out

    def test_the_signing_key_was_made_in_the_token_and_cannot_leave_it(self):
        out = run("pkcs11-tool", "--module", MODULE, "--token-label", "tern", "--login", "--pin", PIN,
                  "--list-objects", "--type", "privkey", "--label", "fw-signer", env=ENV)
        self.assertIn("fw-signer", out)
        self.assertIn("never extractable", out)

    def test_pushed_update_signed_in_the_token_is_installed(self):
        # Several signatures, so that the token's high-S ones (about half) are met and must be
        # normalised: the device accepts the low S only.
        key = key_uri(key="object=fw-signer")
        for version in range(1, 5):
            p, manifest = self.push(version, key if version % 2 else key_uri(key="id=%10"))
            self.assertEqual(p.returncode, 0, p.stderr.decode())
            with open(manifest, "rb") as f:
                m = f.read()
            self.assertEqual(m[4], 2, "ECDSA P-256")
            with open(FW_TRUST) as f:
                point = bytes.fromhex(f.read().split()[2])
            self.assertEqual(m[144:176], hashlib.sha256(point).digest(), "key id of the token's key")
            self.assertLessEqual(ecdsa_s(m), P256_N // 2)
        install = os.path.join(self.dir, "device")
        p = subprocess.run(wrapped([TERN, "fw", "agent", "-h", "127.0.0.1", "-p", str(BROKER.port),
                                    "--device-class", self.cls, "--install-dir", install, "--once",
                                    "-i", f"dev-{self.cls}", "--trust", FW_TRUST]),
                           capture_output=True, timeout=scaled(120))
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertIn("installed version 4", p.stderr.decode())
        with open(os.path.join(install, "current")) as f:
            rec = dict(line.split(" ", 1) for line in f.read().split("\n") if line)
        with open(self.image, "rb") as f:
            self.assertEqual(rec["sha256"], hashlib.sha256(f.read()).hexdigest())

    def refused(self, key, needle):
        p, manifest = self.push(1, key)
        self.assertNotEqual(p.returncode, 0)
        err = p.stderr.decode()
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(needle, err)
        self.assertFalse(os.path.exists(manifest))

    def test_wrong_pin(self):
        self.refused(key_uri(key="object=fw-signer", pin="pin-source=file:" + wrong_pin_file()),
                     'PKCS#11 token "tern" refused the PIN')

    def test_missing_key(self):
        self.refused(key_uri(key="object=nokey"), 'no private key labelled "nokey" in PKCS#11 token "tern"')

    def test_key_without_its_public_half(self):
        self.refused(key_uri(key="object=no-pub"), 'no public key labelled "no-pub" in the PKCS#11 token')


if __name__ == "__main__":
    unittest.main()
