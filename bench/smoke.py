#!/usr/bin/env python3
"""Correctness smoke for the benchmark clients (a ctest test; no timings):
each program given on the command line publishes 200 messages at QoS 0, 1 and 2, and takes
200 end to end at each QoS, against one mosquitto; each run must exit 0 with a result line
that says all arrived."""
import os
import re
import subprocess
import sys

from ternlab.harness import Broker

COUNT = 200


def main():
    exes = sys.argv[1:]
    if not exes:
        sys.exit("usage: smoke.py BENCH_PROGRAM...")
    failures = 0
    with Broker(log_type="error") as broker:
        for exe in exes:
            for mode in ("pub", "e2e"):
                for qos in (0, 1, 2):
                    cmd = [exe, "--port", str(broker.port), "--qos", str(qos), "--count",
                           str(COUNT), "--mode", mode, "--timeout", "20"]
                    p = subprocess.run(cmd, capture_output=True, text=True, timeout=40)
                    got = dict(re.findall(r"(\w+)=(\S+)", p.stdout))
                    want_rx = COUNT if mode == "e2e" else 0
                    ok = (p.returncode == 0 and got.get("msgs") == str(COUNT)
                          and got.get("received") == str(want_rx))
                    print(f"{'ok  ' if ok else 'FAIL'} {os.path.basename(exe)} {mode} qos {qos}: "
                          f"{p.stdout.strip()} {p.stderr.strip()}")
                    failures += not ok
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
