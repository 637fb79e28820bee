"""The hardened build (TERN_HARDEN) and its check, scripts/check_hardening.sh.

The binaries this build made (HARDENED_BINARIES, ':'-separated) must pass. So that a pass
means something, the check is also run on a tiny program built here: with every hardening
flag it passes, and without each one in turn it fails and names what is missing.
"""
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "..", "..", "scripts", "check_hardening.sh")
CC = os.environ.get("CC", "cc")

# Enough for each protection to show: a local array (stack protector) and libc calls that
# FORTIFY_SOURCE turns into their checked forms (__snprintf_chk, __memcpy_chk).
PROGRAM = r"""
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    char buf[64], copy[64];
    snprintf(buf, sizeof buf, "%s %d", argv[0], argc);
    memcpy(copy, buf, strlen(buf) % sizeof copy + (size_t)(argc > 100));
    puts(copy);
    return 0;
}
"""

HARDENED = {
    "stack protector": ["-fstack-protector-strong"],
    "FORTIFY_SOURCE": ["-U_FORTIFY_SOURCE", "-D_FORTIFY_SOURCE=2"],
    "RELRO segment": ["-Wl,-z,relro"],
    "BIND_NOW": ["-Wl,-z,now"],
    "position-independent": ["-fPIE", "-pie"],
}
UNHARDENED = {
    "stack protector": ["-fno-stack-protector"],
    "FORTIFY_SOURCE": ["-U_FORTIFY_SOURCE"],
    "RELRO segment": ["-Wl,-z,norelro"],
    "BIND_NOW": ["-Wl,-z,lazy"],
    "position-independent": ["-fno-pie", "-no-pie"],
}
MESSAGES = {
    "stack protector": "no stack protector",
    "FORTIFY_SOURCE": "no FORTIFY_SOURCE",
    "RELRO segment": "no RELRO segment",
    "BIND_NOW": "not BIND_NOW",
    "position-independent": "not position-independent",
}


def check(*files):
    return subprocess.run([CHECK, *files], capture_output=True, text=True, timeout=60)


class HardeningTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory(prefix="tern-harden-")
        cls.source = os.path.join(cls.dir.name, "tiny.c")
        with open(cls.source, "w") as f:
            f.write(PROGRAM)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def build(self, name, without=()):
        flags = ["-O2"]
        for prop in HARDENED:
            flags += UNHARDENED[prop] if prop in without else HARDENED[prop]
        out = os.path.join(self.dir.name, name)
        subprocess.run([CC, *flags, self.source, "-o", out], check=True, timeout=120)
        return out

    def test_this_build_is_hardened(self):
        binaries = [b for b in os.environ.get("HARDENED_BINARIES", "").split(":") if b]
        self.assertTrue(binaries, "HARDENED_BINARIES is empty")
        r = check(*binaries)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"{len(binaries)} binaries hardened", r.stdout)

    def test_tiny_program_with_every_flag_passes(self):
        r = check(self.build("hardened"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_each_missing_protection_is_named(self):
        for prop in HARDENED:
            with self.subTest(missing=prop):
                binary = self.build("without-" + prop.replace(" ", "-"), without=(prop,))
                r = check(binary)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                lines = r.stdout.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stdout)
                self.assertIn(MESSAGES[prop], lines[0])

    def test_unhardened_program_fails_on_everything(self):
        r = check(self.build("plain", without=tuple(HARDENED)))
        self.assertEqual(r.returncode, 1)
        for message in MESSAGES.values():
            self.assertIn(message, r.stdout)


if __name__ == "__main__":
    unittest.main()
