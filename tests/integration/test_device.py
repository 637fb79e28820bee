"""tern on an emulated Cortex-M4 (QEMU mps2-an386, ports/mps2-an386): the firmware runs its
scenario against a real mosquitto over the emulated UART. Needs the device build
(`make device` does both); DEVICE_BUILD names its directory (default build-device)."""
import os
import unittest

from device import run_firmware

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("DEVICE_BUILD", os.path.join(ROOT, "build-device"))


class PlainMqttOnDevice(unittest.TestCase):
    def test_scenario(self):
        run = run_firmware(os.path.join(BUILD, "tern-mqtt.elf"))
        log = run.log()
        self.assertEqual(run.status, 0, log)
        self.assertIn("PASSED", log)
        for qos in (0, 1, 2):
            self.assertIn(f"received tern/device/q{qos}: qos {qos} (QoS {qos})", log)
        self.assertEqual(run.restarts, 1, log)
        # The broker saw the device's messages at each QoS.
        for qos in (0, 1, 2):
            self.assertIn(f"q{qos}, r0", run.broker_log)
        self.assertGreater(run.figures["stack_peak_bytes"], 0)


if __name__ == "__main__":
    unittest.main()
