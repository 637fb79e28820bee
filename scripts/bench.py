#!/usr/bin/env python3
"""tern against libmosquitto and Paho C: publish rate, instructions per message, heap.

    PYTHONPATH=tests/lib python3 scripts/bench.py [BUILD_DIR] [--quick] [--out FILE]

Starts one mosquitto (127.0.0.1, a free port, unlimited in-flight and queued messages,
TCP_NODELAY, anonymous) for the whole run, stopped by PID at the end, and runs the three
client programs of bench/ (bench_tern, bench_mosquitto, bench_paho) against it:

  msgs_per_s       median over several runs of N messages, published at QoS 0/1/2 ("qos0".."qos2")
                   and end to end through the broker back to the same client ("e2e_qos0"..);
  instr_per_msg    callgrind total instructions (Ir) of the client process at two message
                   counts, (I2 - I1) / (N2 - N1), so connection setup and teardown cancel;
  heap_allocs      memcheck's "total heap usage: X allocs" for connect + 1,000 QoS 1 + disconnect;
  heap_allocs_per_msg  the same at two counts: allocations per message once connected;
  peak_heap_bytes  massif's peak mem_heap_B for the same run;
  peak_rss_kb      VmHWM of the same run without valgrind, as the client reports it (the
                   ru_maxrss that wait4 gives counts the forking Python process too).

Writes bench/results/latest.json and prints a table with the ratios tern/libmosquitto and
tern/paho. Standard library only.
"""
import argparse
import datetime
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from ternlab.harness import Broker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LIBS = [("tern", "bench_tern"), ("libmosquitto", "bench_mosquitto"), ("paho", "bench_paho")]
RESULT_RE = re.compile(r"(\w+)=(\S+)")


def run_client(exe, port, qos, count, mode="pub", wrapper=(), timeout=600):
    """Run one benchmark client; returns (parsed result line, stderr, rusage)."""
    cmd = list(wrapper) + [exe, "--port", str(port), "--qos", str(qos), "--count", str(count),
                           "--mode", mode, "--timeout", str(timeout)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout + 60
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{stdout}{stderr[-3000:]}")
    line = next((l for l in stdout.splitlines() if l.startswith("lib=")), "")
    return dict(RESULT_RE.findall(line)), stderr, rusage


def rates(exes, port, plan, runs, log):
    """Median msgs/s for each library and case; libraries take turns to spread the noise."""
    samples = {lib: {case: [] for case, _, _, _ in plan} for lib in exes}
    for case, mode, qos, count in plan:
        for r in range(runs):
            for lib, exe in exes.items():
                res, _, _ = run_client(exe, port, qos, count, mode)
                samples[lib][case].append(float(res["msgs_per_s"]))
        log(f"  {case:9s} " + "  ".join(
            f"{lib} {statistics.median(samples[lib][case]):>10.0f}" for lib in exes))
    return ({lib: {c: statistics.median(v) for c, v in cases.items()} for lib, cases in samples.items()},
            samples)


def callgrind_ir(exe, port, qos, count):
    _, err, _ = run_client(exe, port, qos, count,
                           wrapper=["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"])
    m = re.search(r"Collected\s*:\s*(\d+)", err)
    if not m:
        raise RuntimeError(f"no 'Collected' line from callgrind:\n{err[-2000:]}")
    return int(m.group(1))


def memcheck_allocs(exe, port, qos, count):
    _, err, _ = run_client(exe, port, qos, count, wrapper=["valgrind", "--tool=memcheck",
                                                           "--leak-check=no"])
    m = re.search(r"total heap usage:\s*([\d,]+) allocs", err)
    if not m:
        raise RuntimeError(f"no 'total heap usage' line from memcheck:\n{err[-2000:]}")
    return int(m.group(1).replace(",", ""))


def massif_peak(exe, port, qos, count):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "massif.out")
        run_client(exe, port, qos, count,
                   wrapper=["valgrind", "--tool=massif", "--pages-as-heap=no",
                            f"--massif-out-file={out}"])
        peak = 0
        for path in glob.glob(out + "*"):
            with open(path) as f:
                for line in f:
                    if line.startswith("mem_heap_B="):
                        peak = max(peak, int(line.split("=", 1)[1]))
        return peak


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, digits=0):
    if v is None:
        return "-"
    if isinstance(v, float) and digits:
        return f"{v:.{digits}g}" if 0 < abs(v) < 0.01 else f"{v:.{digits}f}"
    return f"{v:,.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--quick", action="store_true", help="one short run of each, for a smoke test")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "latest.json"))
    ap.add_argument("--runs", type=int, help="rate runs per case (default 5, quick 1)")
    args = ap.parse_args()

    build = os.path.abspath(args.build)
    exes = {}
    for lib, name in LIBS:
        exe = os.path.join(build, "bench", name)
        if os.access(exe, os.X_OK):
            exes[lib] = exe
        else:
            print(f"bench: {exe} missing: {lib} left out (configure with -DTERN_BUILD_BENCH=ON)")
    if "tern" not in exes:
        sys.exit("bench: bench_tern not built")

    if args.quick:
        runs, n, n_qos2 = args.runs or 1, 2000, 1000
        ir_counts, heap_counts = (200, 1200), (200, 600)
    else:
        runs, n, n_qos2 = args.runs or 5, 20000, 10000
        ir_counts, heap_counts = (2000, 12000), (1000, 3000)
    plan = [("qos0", "pub", 0, n), ("qos1", "pub", 1, n), ("qos2", "pub", 2, n_qos2),
            ("e2e_qos0", "e2e", 0, n), ("e2e_qos1", "e2e", 1, n), ("e2e_qos2", "e2e", 2, n_qos2)]

    def log(msg):
        print(msg, flush=True)

    started = time.monotonic()
    broker = Broker(log_type="error").start()
    log(f"bench: mosquitto pid {broker.proc.pid} on 127.0.0.1:{broker.port}; "
        f"libraries: {', '.join(exes)}")
    try:
        log(f"msgs/s, median of {runs} (QoS 0/1: {n} msgs, QoS 2: {n_qos2}):")
        msgs_per_s, rate_samples = rates(exes, broker.port, plan, runs, log)

        log(f"instructions per message (callgrind, {ir_counts[1]} - {ir_counts[0]} msgs):")
        instr, instr_raw = {}, {}
        for lib, exe in exes.items():
            instr[lib], instr_raw[lib] = {}, {}
            for qos in (0, 1, 2):
                i1 = callgrind_ir(exe, broker.port, qos, ir_counts[0])
                i2 = callgrind_ir(exe, broker.port, qos, ir_counts[1])
                instr[lib][f"qos{qos}"] = (i2 - i1) / (ir_counts[1] - ir_counts[0])
                instr_raw[lib][f"qos{qos}"] = {str(ir_counts[0]): i1, str(ir_counts[1]): i2}
            log(f"  {lib:13s} " + "  ".join(f"{k} {v:,.0f}" for k, v in instr[lib].items()))

        log(f"heap (connect + {heap_counts[0]} QoS 1 + disconnect):")
        allocs, allocs_per_msg, peak_heap, peak_rss = {}, {}, {}, {}
        for lib, exe in exes.items():
            a1 = memcheck_allocs(exe, broker.port, 1, heap_counts[0])
            a2 = memcheck_allocs(exe, broker.port, 1, heap_counts[1])
            allocs[lib] = a1
            allocs_per_msg[lib] = (a2 - a1) / (heap_counts[1] - heap_counts[0])
            peak_heap[lib] = massif_peak(exe, broker.port, 1, heap_counts[0])
            res, _, _ = run_client(exe, broker.port, 1, heap_counts[0])
            peak_rss[lib] = int(res["rss_kb"])
            log(f"  {lib:13s} allocs {a1}  allocs/msg {allocs_per_msg[lib]:.3f}  "
                f"peak heap {peak_heap[lib]} B  peak RSS {peak_rss[lib]} kB")
    finally:
        broker.cleanup()

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "setup": {"payload_bytes": 64, "window": 100, "mqtt": "3.1.1", "rate_runs": runs,
                  "rate_msgs": n, "rate_msgs_qos2": n_qos2, "instr_counts": list(ir_counts),
                  "heap_counts": list(heap_counts), "broker": "mosquitto, 127.0.0.1, "
                  "max_inflight_messages 0, max_queued_messages 0, set_tcp_nodelay true"},
        "instr_per_msg": instr,
        "instr_raw": instr_raw,
        "msgs_per_s": msgs_per_s,
        "msgs_per_s_samples": rate_samples,
        "heap_allocs": allocs,
        "heap_allocs_per_msg": allocs_per_msg,
        "peak_heap_bytes": peak_heap,
        "peak_rss_kb": peak_rss,
    }
    peers = [p for p in ("libmosquitto", "paho") if p in exes]
    results["ratios"] = {
        f"tern/{p}": {
            "instr_per_msg": {k: ratio(instr["tern"][k], instr[p][k]) for k in instr["tern"]},
            "msgs_per_s": {k: ratio(msgs_per_s["tern"][k], msgs_per_s[p][k]) for k in msgs_per_s["tern"]},
            "heap_allocs": ratio(allocs["tern"], allocs[p]),
            "peak_heap_bytes": ratio(peak_heap["tern"], peak_heap[p]),
            "peak_rss_kb": ratio(peak_rss["tern"], peak_rss[p]),
        } for p in peers}

    # The project's targets.
    targets = {}
    if "libmosquitto" in exes:
        targets["instr_per_msg <= 1/4 libmosquitto"] = all(
            instr["tern"][k] <= instr["libmosquitto"][k] / 4 for k in instr["tern"])
        targets["publish msgs/s >= libmosquitto"] = all(
            msgs_per_s["tern"][k] >= msgs_per_s["libmosquitto"][k] for k in ("qos0", "qos1", "qos2"))
    targets["no heap allocation per message"] = allocs_per_msg["tern"] == 0
    results["targets_met"] = targets

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")

    # The table.
    cols = list(exes) + [f"tern/{p}" for p in peers]
    rows = []
    for k in instr["tern"]:
        rows.append((f"instr/msg {k}", [instr[l][k] for l in exes] +
                     [results["ratios"][c]["instr_per_msg"][k] for c in cols[len(exes):]]))
    for k in msgs_per_s["tern"]:
        rows.append((f"msgs/s {k}", [msgs_per_s[l][k] for l in exes] +
                     [results["ratios"][c]["msgs_per_s"][k] for c in cols[len(exes):]]))
    for name, d, key in (("heap allocs", allocs, "heap_allocs"),
                         ("peak heap B", peak_heap, "peak_heap_bytes"),
                         ("peak RSS kB", peak_rss, "peak_rss_kb")):
        rows.append((name, [d[l] for l in exes] + [results["ratios"][c][key] for c in cols[len(exes):]]))
    rows.append(("allocs/msg", [allocs_per_msg[l] for l in exes] + [None] * len(peers)))
    print()
    print(f"{'':18s}" + "".join(f"{c:>19s}" for c in cols))
    for name, vals in rows:
        cells = []
        for i, v in enumerate(vals):
            if i >= len(exes) or name == "allocs/msg":
                cells.append(fmt(v, 3))
            else:
                cells.append(fmt(v))
        print(f"{name:18s}" + "".join(f"{c:>19s}" for c in cells))
    print()
    for t, ok in targets.items():
        print(f"target {t}: {'met' if ok else 'MISSED'}")
    print(f"bench: wrote {os.path.relpath(args.out)} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
