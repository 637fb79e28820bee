#!/usr/bin/env python3
"""Run the tls-cost benchmark against a broker of its own.

usage: PYTHONPATH=tests/lib python3 bench/tls-cost/run.py TLS_COST [options...]

Generates a test CA with an ECDSA (P-256) and an RSA-2048 server certificate (openssl, through
tests/lib/ternlab/certs.py), starts a mosquitto on free 127.0.0.1 ports with the listeners
every mode needs (plain, TLS with the ECDSA certificate, TLS with the RSA certificate, TLS-PSK),
runs `TLS_COST ... -h 127.0.0.1 -p ... --tls-port ... --rsa-port ... --psk-port ...`,
then stops the broker by its PID and removes the files. Exits with the benchmark's status.
Standard library only; the test library (ternlab, tests/lib) comes through PYTHONPATH.
"""
import os
import shutil
import subprocess
import sys
import tempfile

from ternlab.certs import Certs
from ternlab.harness import Broker, free_port

PSK_HEX = "00112233445566778899aabbccddeeff"
PSK_ID = "tern-tls-cost"


def broker_version():
    r = subprocess.run([Broker.__init__.__globals__["MOSQUITTO"], "-h"], capture_output=True, text=True)
    first = (r.stdout or r.stderr).splitlines()[:1]
    return first[0].strip() if first else "mosquitto"


def listeners(certs, work, ports):
    lines = ["per_listener_settings false"]  # per-listener cafile/psk_file need this in mosquitto 2
    for name, cert in (("ec", "server-ec"), ("rsa", "server-rsa")):
        lines.append(f"listener {ports[name]} 127.0.0.1\n"
                     f"cafile {certs.path('ca.crt')}\n"
                     f"certfile {certs.path(cert + '.crt')}\n"
                     f"keyfile {certs.path(cert + '.key')}")
    psk_file = os.path.join(work, "psk.txt")
    with open(psk_file, "w") as f:
        f.write(f"{PSK_ID}:{PSK_HEX}\n")
    lines.append(f"listener {ports['psk']} 127.0.0.1\n"
                 f"psk_hint tern-tls-cost\npsk_file {psk_file}\nuse_identity_as_username true")
    return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    program, args = argv[1], argv[2:]
    work = tempfile.mkdtemp(prefix="tern-tls-cost-")
    broker = None
    try:
        certs = Certs(work)
        certs._ca("ca", "tern test CA")
        certs._issue("server-ec", "localhost")
        certs._issue("server-rsa", "localhost", kind="rsa")
        ports = {name: free_port() for name in ("ec", "rsa", "psk")}
        broker = Broker(extra=listeners(certs, work, ports), extra_ports=ports.values(),
                        log_type="error")
        broker.start()
        cmd = [program, *args, "-h", "127.0.0.1", "-p", str(broker.port),
               "--tls-port", str(ports["ec"]), "--rsa-port", str(ports["rsa"]),
               "--psk-port", str(ports["psk"]), "--cafile", certs.path("ca.crt"),
               "--psk", PSK_HEX, "--psk-identity", PSK_ID,
               "--broker", broker_version() + " on 127.0.0.1 (started by bench/tls-cost/run.py)"]
        return subprocess.run(cmd).returncode
    finally:
        if broker:
            broker.cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
