"""Test harness: real mosquitto brokers on free 127.0.0.1 ports, stopped by PID.

Standard library only, so it runs on any machine with python3 and mosquitto.
"""
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

# TERN_WRAPPER: a command put in front of every program of ours that the tests start (make
# memcheck sets it to valgrind). The wrapped programs run many times slower, so every time
# limit of the tests is multiplied by TERN_TIMEOUT_SCALE (default 10 with a wrapper, else 1).
WRAPPER = shlex.split(os.environ.get("TERN_WRAPPER", ""))
TIMEOUT_SCALE = float(os.environ.get("TERN_TIMEOUT_SCALE") or (10 if WRAPPER else 1))


def wrapped(argv):
    """argv with TERN_WRAPPER in front (unchanged without one)."""
    return WRAPPER + list(argv)


def scaled(seconds):
    """A time limit of the tests, stretched for a wrapper."""
    return seconds * TIMEOUT_SCALE


_handed_out = set()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now, and that this process has not
    handed out before: the kernel may offer a port again once the probe socket is closed, and a
    broker with many listeners then fails with "Address already in use"."""
    for _ in range(1000):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port
    raise RuntimeError("no free TCP port on 127.0.0.1 that was not handed out already")


def wait_for_port(port, timeout=10.0, host="127.0.0.1"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class Broker:
    """A mosquitto process with a generated config.

    extra: lines appended to the config (listeners beyond the default one, TLS settings).
    persistence: keep the session database in the broker's own directory across restarts
    (True: saved after every change; "on_shutdown": saved when the broker stops).
    log_type: what the broker logs ("all" for the tests; the benchmarks use "error" so that
    logging every packet does not slow the broker down).
    """

    def __init__(self, extra="", persistence=False, port=None, max_inflight=0, extra_ports=(),
                 log_type="all", base_dir=None):
        # base_dir: where the broker's directory (config, log, database) goes; default the
        # system's temporary directory.
        self.dir = tempfile.mkdtemp(prefix="tern-broker-", dir=base_dir)
        self.port = port or free_port()
        self.extra = extra
        self.persistence = persistence
        self.max_inflight = max_inflight  # 0: unlimited (what the benchmarks want)
        self.extra_ports = list(extra_ports)  # listeners in `extra`, waited for on start
        self.log_type = log_type
        self.proc = None
        self.log_path = os.path.join(self.dir, "mosquitto.log")

    def config(self):
        lines = [
            # As root, mosquitto would drop to user "mosquitto" and lose access to our files.
            "user root" if os.geteuid() == 0 else "",
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            f"max_inflight_messages {self.max_inflight}",
            "max_queued_messages 0",
            "set_tcp_nodelay true",
            f"log_dest file {self.log_path}",
            f"log_type {self.log_type}",
        ]
        if self.persistence:
            lines += ["persistence true", f"persistence_location {self.dir}/"]
            if self.persistence != "on_shutdown":
                # Save after every change: SIGKILL loses as little as mosquitto allows. Costly
                # with many retained messages (each save writes the whole database).
                lines += ["autosave_interval 1", "autosave_on_changes true"]
        return "\n".join(lines) + "\n" + self.extra + "\n"

    def start(self):
        conf = os.path.join(self.dir, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write(self.config())
        self.proc = subprocess.Popen([MOSQUITTO, "-c", conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for port in [self.port] + self.extra_ports:
            if not wait_for_port(port):
                self.stop()
                raise RuntimeError(f"mosquitto did not start on port {port}: {self.log()}")
        return self

    def kill(self):
        """SIGKILL: the broker dies without saving anything more."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def restart(self, kill=False):
        self.kill() if kill else self.stop()
        self.start()

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def log_all(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()
