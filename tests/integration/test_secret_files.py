"""Every flag of tern that names a file holding a secret, against every kind of file that must
not be trusted with one (probe finding N3: --key was read at mode 0644 and through a link).

For each flag x {mode 0644, symbolic link to a good file, another user's file (as root),
FIFO, directory}: tern refuses the file with one line naming the file, and never uses it.
A private 0600 file of this user is the control: the same command gets past the check.
The checks happen before any connection, so no broker is needed (the port is closed).
"""
import os
import shutil
import subprocess
import tempfile
import unittest

from ternlab.certs import Certs
from ternlab.harness import free_port

TERN = os.environ.get("TERN_BIN", "tern")


def setUpModule():
    global WORK, CERTS, PORT
    WORK = tempfile.mkdtemp(prefix="tern-secret-files-")
    CERTS = Certs(WORK)
    CERTS._ca("ca", "tern test CA")
    CERTS._issue("client", "tern-client", ext="client")
    PORT = str(free_port())  # nothing listens there


def tearDownModule():
    shutil.rmtree(WORK, ignore_errors=True)


def read(path):
    with open(path, "rb") as f:
        return f.read()


PKCS11 = "pkcs11:token=t;object=k?module-path=/nonexistent/pkcs11-module.so&pin-source=file:"


def conn():
    return ["-h", "127.0.0.1", "-p", PORT]


# flag name -> (the file's good content, argv with {F} for the file, the refusal's words)
def flags():
    key, cert, ca = (CERTS.path(n) for n in ("client.key", "client.crt", "ca.crt"))
    image = os.path.join(WORK, "image.bin")
    with open(image, "wb") as f:
        f.write(b"firmware")
    sign = os.path.join(WORK, "signing")
    if not os.path.exists(sign):
        subprocess.run([TERN, "fw", "keygen", "--out", sign], check=True, capture_output=True)
    tls = ["--cafile", ca, "--cert", cert]
    return {
        "pub --pw-file": (b"secret\n", ["pub", *conn(), "-t", "x", "-m", "y", "-u", "u", "--pw-file", "{F}"],
                          "refusing password file"),
        "pub --psk-file": (b"00112233445566778899aabbccddeeff\n",
                           ["pub", *conn(), "-t", "x", "-m", "y", "--psk-identity", "i", "--psk-file", "{F}"],
                           "refusing PSK file"),
        "pub --key": (read(key), ["pub", *conn(), "-t", "x", "-m", "y", *tls, "--key", "{F}"], "refusing TLS client key"),
        "sub --key": (read(key), ["sub", *conn(), "-t", "x", "-W", "1", *tls, "--key", "{F}"], "refusing TLS client key"),
        "fw agent --key": (read(key), ["fw", "agent", *conn(), *tls, "--key", "{F}", "--trust", sign + ".pub",
                                       "--device-class", "c", "--install-dir", WORK, "--once"], "refusing TLS client key"),
        "fw push --key": (read(key), ["fw", "push", *conn(), *tls, "--key", "{F}", "--signing-key", sign,
                                      "--version", "1", "--device-class", "c", image], "refusing TLS client key"),
        "fw push --tls-key": (read(key), ["fw", "push", *conn(), *tls, "--tls-key", "{F}", "--signing-key", sign,
                                          "--version", "1", "--device-class", "c", image], "refusing TLS client key"),
        "fw push --signing-key": (read(sign), ["fw", "push", *conn(), "--signing-key", "{F}", "--version", "1",
                                               "--device-class", "c", image], "refusing signing key"),
        "pub --tls-session": (b"", ["pub", *conn(), "-t", "x", "-m", "y", "--cafile", ca, "--tls-session", "{F}"],
                              "ignoring TLS session file"),
        # The PIN file is read before the token's module is loaded (here a module that does
        # not exist: a file that passes gets as far as that).
        "pub --key pkcs11:...pin-source": (b"1234\n", ["pub", *conn(), "-t", "x", "-m", "y", *tls, "--key",
                                                      PKCS11 + "{F}"], "refusing PKCS#11 PIN file"),
        "fw push --signing-key pkcs11:...pin-source": (b"1234\n", ["fw", "push", *conn(), "--signing-key",
                                                                   PKCS11 + "{F}", "--version", "1",
                                                                   "--device-class", "c", image],
                                                       "refusing PKCS#11 PIN file"),
    }


def make(kind, path, content):
    """A file of this kind at path; a good private file for "private"."""
    if kind == "directory":
        os.mkdir(path, 0o700)
        return
    if kind == "fifo":
        os.mkfifo(path, 0o600)
        return
    target = path + ".target" if kind == "symlink" else path
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, content)
    os.close(fd)
    if kind == "mode 0644":
        os.chmod(path, 0o644)
    elif kind == "symlink":
        os.symlink(target, path)
    elif kind == "foreign owner":
        os.chown(path, 65534, 65534)  # nobody


KINDS = ["mode 0644", "symlink", "fifo", "directory"] + (["foreign owner"] if os.geteuid() == 0 else [])


class SecretFiles(unittest.TestCase):
    def run_with(self, argv, path):
        args = [a.replace("{F}", path) for a in argv]
        return subprocess.run([TERN, *args], capture_output=True, timeout=60)

    def test_every_secret_file_flag_refuses_untrustworthy_files(self):
        for flag, (content, argv, what) in flags().items():
            for kind in KINDS:
                with self.subTest(flag=flag, kind=kind):
                    path = os.path.join(tempfile.mkdtemp(dir=WORK), "secret")
                    make(kind, path, content)
                    r = self.run_with(argv, path)
                    err = r.stderr.decode(errors="replace")
                    self.assertIn(f"{what} {path}", err, err)
                    if flag != "pub --tls-session":  # a session is only an optimisation: tern goes on without
                        self.assertNotEqual(r.returncode, 0, err)

    def test_a_private_file_of_this_user_passes(self):
        for flag, (content, argv, what) in flags().items():
            with self.subTest(flag=flag):
                path = os.path.join(tempfile.mkdtemp(dir=WORK), "secret")
                make("private", path, content)
                r = self.run_with(argv, path)
                err = r.stderr.decode(errors="replace")
                self.assertNotIn(what, err)
                went_on = "/nonexistent/pkcs11-module.so" if "pkcs11" in flag else "127.0.0.1"
                self.assertIn(went_on, err + r.stdout.decode(errors="replace"))  # past the file: to connect


if __name__ == "__main__":
    unittest.main()
