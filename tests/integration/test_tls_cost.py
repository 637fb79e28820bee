"""bench/tls-cost --quick against the mosquitto bench/tls-cost/run.py starts: every mode runs,
and the numbers say what TLS is known to cost (so a broken counter or mode shows up).

Environment: TLS_COST_BIN (the program), TLS_COST_RUN (run.py)."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

TLS_COST = os.environ.get("TLS_COST_BIN", "tls-cost")
RUN = os.environ.get("TLS_COST_RUN", "run.py")
MODES = ["plain", "tls12-full", "tls12-resumed", "tls13-full-x25519", "tls13-full-p256",
         "tls13-resumed", "tls12-psk", "tls13-psk-dhe", "tls12-full-rsa", "tls13-full-rsa"]


class TlsCostSmoke(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="tern-tls-cost-test-")
        out, svg = os.path.join(cls.dir, "out.json"), os.path.join(cls.dir, "out.svg")
        # run.py imports ternlab (tests/lib) through the PYTHONPATH this test inherits.
        r = subprocess.run([sys.executable, RUN, TLS_COST, "--quick", "--delay-ms", "5", "--json", out,
                            "--svg", svg], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError(f"tls-cost failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        cls.table = r.stdout
        with open(out) as f:
            cls.data = json.load(f)
        with open(svg) as f:
            cls.svg = f.read()
        cls.m = {mode["id"]: mode for mode in cls.data["modes"]}

    def total(self, mode):
        return self.m[mode]["bytes_sent"] + self.m[mode]["bytes_received"]

    def test_every_mode_ran(self):
        self.assertEqual(sorted(self.m), sorted(MODES))
        for mode in MODES:
            self.assertIn(self.m[mode]["label"], self.table)
            self.assertIn(self.m[mode]["label"], self.svg)

    def test_versions_and_certificates(self):
        for mode in MODES[1:]:
            want = "TLSv1.2" if mode.startswith("tls12") else "TLSv1.3"
            self.assertEqual(self.m[mode]["tls_version"], want, mode)
        self.assertEqual(self.m["tls13-full-x25519"]["group"], "X25519")
        self.assertEqual(self.m["tls13-full-p256"]["group"], "SECP256R1")
        self.assertEqual(self.m["tls12-full"]["cert"], "ECDSA")
        self.assertEqual(self.m["tls13-full-rsa"]["cert"], "RSA")
        self.assertTrue(self.m["tls12-resumed"]["resumed"])
        self.assertTrue(self.m["tls13-resumed"]["resumed"])
        self.assertFalse(self.m["tls13-full-x25519"]["resumed"])

    def test_bytes(self):
        plain = self.total("plain")
        self.assertGreater(plain, 10)
        for mode in MODES[1:]:
            self.assertGreater(self.total(mode), plain + 100, mode)
        self.assertLess(self.total("tls12-resumed"), self.total("tls12-full"))
        self.assertLess(self.total("tls13-resumed"), self.total("tls13-full-x25519"))
        # An RSA certificate chain is larger than an ECDSA one.
        self.assertGreater(self.m["tls13-full-rsa"]["bytes_received"],
                           self.m["tls13-full-x25519"]["bytes_received"])

    def test_round_trips(self):
        self.assertEqual(self.m["plain"]["round_trips"], 1)
        self.assertLess(self.m["tls13-full-x25519"]["round_trips"], self.m["tls12-full"]["round_trips"])
        self.assertLess(self.m["tls12-resumed"]["round_trips"], self.m["tls12-full"]["round_trips"])

    def test_delay_shows_round_trips(self):
        for mode in MODES:
            m = self.m[mode]
            # Each round trip through the proxy costs at least 2 x 5 ms.
            self.assertGreaterEqual(m["ms_to_connack_delayed"], 10 * m["round_trips"] * 0.9, mode)

    def test_record_overhead(self):
        self.assertAlmostEqual(self.m["plain"]["record_overhead_per_publish"], 0, places=3)
        # AES-GCM: TLS 1.3 header 5 + content type 1 + tag 16; TLS 1.2 adds an 8-byte nonce.
        self.assertAlmostEqual(self.m["tls13-full-x25519"]["record_overhead_per_publish"], 22, places=3)
        self.assertAlmostEqual(self.m["tls12-full"]["record_overhead_per_publish"], 29, places=3)

    def test_heap_and_cpu(self):
        self.assertEqual(self.m["plain"]["heap_peak_bytes"], 0)
        for mode in MODES[1:]:
            self.assertGreater(self.m[mode]["heap_peak_bytes"], 10000, mode)
            self.assertGreater(self.m[mode]["cpu_ms"], 0, mode)
        self.assertLess(self.m["tls13-resumed"]["cpu_ms"], self.m["tls13-full-x25519"]["cpu_ms"])


if __name__ == "__main__":
    unittest.main()
