"""tern on an emulated Cortex-M4 (QEMU mps2-an386, ports/mps2-an386): the firmware runs its
scenario against a real mosquitto over the emulated UART, in plain MQTT and over TLS 1.3.
Needs the device build (`make device` does both); DEVICE_BUILD names its directory (default
build-device, where the device build also keeps the test broker's certificates)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from device import psk_listener, run_firmware, tls_listener
from ternlab.harness import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("DEVICE_BUILD", os.path.join(ROOT, "build-device"))
# The host's tern command, which publishes the firmware updates (tern fw push).
TERN = os.environ.get("TERN_BIN", os.path.join(ROOT, "build", "tools", "tern", "tern"))
# The firmware's test identity and key (ports/mps2-an386/main_tls.c).
PSK_LINE = "tern-device:00112233445566778899aabbccddeeff\n"


def keep_figures(name, run):
    """Leave the run's figures for scripts/device_report.py (make device prints them)."""
    with open(os.path.join(BUILD, f"figures-{name}.json"), "w") as f:
        json.dump(run.figures, f, indent=1, sort_keys=True)


class PlainMqttOnDevice(unittest.TestCase):
    def check_scenario(self, image, name):
        run = run_firmware(os.path.join(BUILD, image))
        log = run.log()
        self.assertEqual(run.status, 0, log)
        keep_figures(name, run)
        self.assertIn("PASSED", log)
        for qos in (0, 1, 2):
            self.assertIn(f"received tern/device/q{qos}: qos {qos} (QoS {qos})", log)
        self.assertEqual(run.restarts, 1, log)
        # The broker saw the device's messages at each QoS.
        for qos in (0, 1, 2):
            self.assertIn(f"q{qos}, r0", run.broker_log)
        self.assertGreater(run.figures["stack_peak_bytes"], 0)
        return run

    def test_full_profile_mqtt5(self):
        run = self.check_scenario("tern-mqtt.elf", "mqtt")
        self.assertIn("(p5, c1, k2)", run.broker_log)

    def test_minimal_profile_mqtt311(self):
        run = self.check_scenario("tern-mqtt-minimal.elf", "mqtt-minimal")
        self.assertIn("(p2, c1, k2)", run.broker_log)  # mosquitto spells 3.1.1 "p2"


class TlsOnDevice(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tern-device-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def test_scenario(self):
        psk_file = os.path.join(self.dir, "psk.txt")
        with open(psk_file, "w") as f:
            f.write(PSK_LINE)
        port = free_port()

        def to_psk_broker(broker):
            broker.extra = psk_listener(psk_file, port)
            broker.restart()

        run = run_firmware(os.path.join(BUILD, "tern-tls.elf"),
                           tls_listener(os.path.join(BUILD, "certs"), port), port,
                           actions={"psk-broker": to_psk_broker})
        log, f = run.log(), run.figures
        self.assertEqual(run.status, 0, log)
        keep_figures("tls", run)
        self.assertIn("PASSED", log)
        # Asked for another name, the device refused the broker's certificate first.
        self.assertRegex(log, r'host name mismatch: expected "broker.example.com", '
                              r'certificate is for .*localhost')
        self.assertIn("TLS handshake (first): TLSv1.3", log)
        # First contact: a full handshake; the reconnect resumes, with far fewer bytes from
        # the broker (no certificate); a new broker process cannot resume: full again.
        self.assertEqual(f["handshake_first_resumed"], 0, log)
        self.assertEqual(f["handshake_again_resumed"], 1, log)
        self.assertLess(2 * f["handshake_again_bytes_received"], f["handshake_first_bytes_received"])
        self.assertEqual(f["handshake_after_broker_close_resumed"], 0, log)
        # TLS-PSK: the broker (PSK listener) has no certificate to send.
        self.assertIn("TLS handshake (psk): TLSv1.3", log)
        self.assertIn("u'tern-device'", run.broker_log)
        # Four more connections later, wolfSSL holds what it held after the first: nothing leaks.
        self.assertEqual(f["heap_at_end"], f["heap_after_first_connection"], log)
        for name in ("first", "again", "psk"):
            self.assertGreater(f[f"handshake_{name}_instructions"], 0)


class FirmwareUpdateOnDevice(unittest.TestCase):
    """tern's update agent on the device: an update signed with the key the firmware was
    provisioned with (build-device/fwkeys/signer) is installed; one signed with another key is
    refused and changes nothing."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tern-device-fw-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def push(self, key, version):
        image = os.path.join(self.dir, "image.bin")
        if not os.path.exists(image):
            with open(image, "wb") as f:
                f.write(os.urandom(12000))

        def action(broker):
            out = subprocess.run([TERN, "fw", "push", "-h", "127.0.0.1", "-p", str(broker.port),
                                  "--signing-key", key, "--version", str(version), "--device-class",
                                  "mps2-an386", "--chunk-size", "512", image],
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
        return action

    def test_signed_update_installed_forgery_refused(self):
        forger = os.path.join(self.dir, "forger")
        subprocess.run([TERN, "fw", "keygen", "--out", forger], check=True, capture_output=True)
        signer = os.path.join(BUILD, "fwkeys", "signer")
        run = run_firmware(os.path.join(BUILD, "tern-fw.elf"),
                           actions={"push-update": self.push(signer, 2),
                                    "push-forged": self.push(forger, 3)})
        log = run.log()
        self.assertEqual(run.status, 0, log)
        keep_figures("fw", run)
        self.assertIn("installed version 2 (12000 bytes)", log)
        self.assertIn("manifest signed by an untrusted key", log)
        self.assertEqual(run.figures["fw_installed_version"], 2, log)
        self.assertIn("PASSED", log)


if __name__ == "__main__":
    unittest.main()
