"""Run tern's firmware for QEMU's mps2-an386 against a real mosquitto.

QEMU's UART0 is joined to the broker by QEMU itself (`-serial` on a TCP client character
device, reconnecting every second): the device speaks MQTT (or TLS) straight to mosquitto. The
firmware logs through semihosting to QEMU's standard output; its lines "MEASURE name value"
are figures, "ACTION restart-broker" asks for the broker to close the connection (restarted
on the same port), and QEMU's exit status is the firmware's (semihosting exit).

-icount shift=0: every instruction advances QEMU's virtual clock by exactly 1 ns, so the
device's own clock counts instructions while it computes (and follows real time while it
sleeps in WFI: sleep=on, the default).
"""
import os
import queue
import shutil
import subprocess
import threading
import time

from ternlab.harness import Broker

QEMU = shutil.which("qemu-system-arm") or "/usr/bin/qemu-system-arm"
ICOUNT_SHIFT = 0


def qemu_command(elf, port):
    return [QEMU, "-M", "mps2-an386", "-display", "none", "-monitor", "none",
            "-icount", f"shift={ICOUNT_SHIFT}",
            "-semihosting-config", "enable=on,target=native",
            "-chardev", f"socket,id=modem,host=127.0.0.1,port={port},reconnect=1",
            "-serial", "chardev:modem", "-kernel", elf]


class DeviceRun:
    """One run of a firmware image: its exit status, log lines and MEASURE figures."""

    def __init__(self, elf, broker, port, timeout=110.0, actions=None):
        self.elf, self.broker, self.port, self.timeout = elf, broker, port, timeout
        self.lines, self.figures, self.status = [], {}, None
        self.restarts = 0
        # "ACTION name" lines: what the runner does for each (restart-broker always).
        self.actions = {"restart-broker": self.broker.restart, **(actions or {})}

    def _handle(self, line):
        self.lines.append(line)
        if line.startswith("MEASURE "):
            _, name, value = line.split(None, 2)
            self.figures[name] = int(value) if value.lstrip("-").isdigit() else value
        elif line.startswith("ACTION "):
            self.actions[line.split()[1]]()
            self.restarts += 1

    def run(self):
        proc = subprocess.Popen(qemu_command(self.elf, self.port), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l.rstrip("\n")) for l in proc.stdout] and None,
                         daemon=True).start()
        deadline = time.monotonic() + self.timeout
        try:
            while proc.poll() is None or not lines.empty():
                left = deadline - time.monotonic()
                if left <= 0:
                    self.lines.append(f"runner: QEMU still running after {self.timeout:.0f} s")
                    return self
                try:
                    self._handle(lines.get(timeout=min(left, 0.5)))
                except queue.Empty:
                    pass
            self.status = proc.returncode
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()
            self.status = proc.returncode if self.status is None else self.status
        return self

    def log(self):
        return "\n".join(self.lines)


def tls_listener(certs_dir, port):
    """mosquitto configuration of a TLS listener on port with the test CA's server
    certificate (ECDSA P-256, localhost)."""
    return (f"listener {port} 127.0.0.1\ncafile {certs_dir}/ca.crt\n"
            f"certfile {certs_dir}/server-ec.crt\nkeyfile {certs_dir}/server-ec.key\n")


def psk_listener(psk_file, port):
    """mosquitto configuration of a TLS-PSK listener on port (identities in psk_file)."""
    return (f"per_listener_settings false\nlistener {port} 127.0.0.1\npsk_hint tern\n"
            f"psk_file {psk_file}\nuse_identity_as_username true\n")


def run_firmware(elf, broker_extra="", port=None, timeout=110.0, actions=None):
    """Start a broker on a free port (and the listener port given in broker_extra, if any),
    run elf against it (at port, default the broker's plain listener), stop the broker; the
    DeviceRun."""
    broker = Broker(extra=broker_extra, extra_ports=[port] if port else ())
    broker.start()
    try:
        bound = {name: (lambda f=f: f(broker)) for name, f in (actions or {}).items()}
        run = DeviceRun(elf, broker, port or broker.port, timeout, bound).run()
        run.broker_log = broker.log_all()
        return run
    finally:
        broker.cleanup()
