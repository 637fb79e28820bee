#!/usr/bin/env python3
"""make device: the figures of tern on the emulated Cortex-M4 (ports/mps2-an386).

Flash and static RAM per part come from the linker maps of the two firmware images (each part
is its own archive: libtern.a, libterntls.a, libwolfssl.a, libport.a; the application is the
loose objects; the C library is newlib-nano and libgcc). Stack, heap, handshake instructions
and bytes are what the firmware measured in its run (tests/integration/test_device.py writes
them to BUILD/figures-*.json). tern's minimal and full profiles as `make size` links them
(bench/size/size_report.py) stand beside them.

    PYTHONPATH=bench/size device_report.py [BUILD]   prints the table, writes BUILD/device.json
"""
import json
import os
import re
import sys
import tempfile
from collections import Counter

import size_report  # bench/size, through PYTHONPATH (the Makefile's device target sets it)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PARTS = {"tern": "tern", "tern-minimal": "tern (minimal profile)",
         "ternfw": "tern firmware-update agent (src/fwupdate)",
         "wolfssl-lean": "wolfSSL (lean: without what tern's TLS transport adds)", "terntls": "tern TLS glue", "wolfssl": "wolfSSL (device profile)",
         "port": "port (ports/mps2-an386)", "c_nano": "C library", "gcc": "C library",
         "m": "C library", "nosys": "C library", "c": "C library"}
FLASH_SECTIONS = (".text", ".ARM.exidx")   # .rodata is inside .text (the linker script)
RAM_SECTIONS = (".data", ".bss")           # .stack is the reserved stack: measured apart
INPUT = re.compile(r"^ (\.\S+|COMMON)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


def part_of(path):
    lib = re.search(r"lib([\w-]+)\.a\(", path)
    if lib:
        return PARTS.get(lib.group(1), lib.group(1))
    return "application"


def map_sizes(map_path):
    """{part: {"flash": bytes, "ram": bytes}} from a GNU ld map file."""
    sizes = {}
    output, pending, started = None, False, False
    for line in open(map_path):
        if line.startswith("Linker script and memory map"):
            started = True
            continue
        if not started:
            continue
        out = re.match(r"^(\.\S+)", line)
        if out:
            output = out.group(1)
            continue
        m = INPUT.match(line)
        if m and (m.group(1) or pending):
            kind = "flash" if output in FLASH_SECTIONS else "ram" if output in RAM_SECTIONS else None
            if kind:
                part = sizes.setdefault(part_of(m.group(4)), {"flash": 0, "ram": 0})
                part[kind] += int(m.group(3), 16)
        pending = bool(re.match(r"^ (\.\S+|COMMON)\s*$", line))
    return sizes


def make_size_linked():
    """tern minimal and full, linked text on Cortex-M4, as `make size` measures them."""
    target = size_report.TARGETS["cortex_m4"]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("minimal", "full"):
            defs, sources, probe = size_report.PROFILES[name]
            out[name] = size_report.linked(target, defs, sources, probe, tmp)["text"]
    return out


def load(build, name):
    with open(os.path.join(build, f"figures-{name}.json")) as f:
        return json.load(f)


def report(build):
    r = {"tls_image": map_sizes(os.path.join(build, "tern-tls.map")),
         "mqtt_image": map_sizes(os.path.join(build, "tern-mqtt.map")),
         "mqtt_minimal_image": map_sizes(os.path.join(build, "tern-mqtt-minimal.map")),
         "fw_image": map_sizes(os.path.join(build, "tern-fw.map")),
         "make_size_linked_text": make_size_linked(),
         "run_tls": load(build, "tls"), "run_mqtt": load(build, "mqtt"),
         "run_mqtt_minimal": load(build, "mqtt-minimal"), "run_fw": load(build, "fw")}
    lean = os.path.join(build, "wolfssl-lean-probe.map")  # make -C ports/mps2-an386 wolfssl-lean
    if os.path.exists(lean):
        r["wolfssl_lean_flash"] = map_sizes(lean)[PARTS["wolfssl-lean"]]["flash"]
    img, run = r["tls_image"], r["run_tls"]
    stack_parts = ["tern", "tern TLS glue", "wolfSSL (device profile)", "port (ports/mps2-an386)"]
    r["stack_flash"] = sum(img[p]["flash"] for p in stack_parts)
    r["static_ram"] = sum(p["ram"] for p in img.values())
    r["ram_total"] = r["static_ram"] + run["stack_peak_bytes"] + run["heap_arena_bytes"]
    r["resumed_over_full"] = run["handshake_again_instructions"] / run["handshake_first_instructions"]
    return r


def print_table(r):
    img, run, ms = r["tls_image"], r["run_tls"], r["make_size_linked_text"]
    print("\n== tern on Cortex-M4 (QEMU mps2-an386, -icount shift=0), TLS 1.3 firmware ==")
    print(f"{'part':<28} {'flash (text+rodata)':>20} {'static RAM (data+bss)':>22}")
    for part, s in sorted(img.items(), key=lambda kv: -kv[1]["flash"]):
        print(f"{part:<28} {s['flash']:>20,} {s['ram']:>22,}")
    print(f"{'TLS client stack (no libc)':<28} {r['stack_flash']:>20,}   target 65,536: "
          f"{'met' if r['stack_flash'] <= 65536 else 'not met'}")
    if "wolfssl_lean_flash" in r:
        print(f"wolfSSL without what tern's TLS transport adds (OpenSSL-compatible layer, ALPN, "
              f"verify callback): {r['wolfssl_lean_flash']:,}")
    fw_min = r["mqtt_minimal_image"]["tern (minimal profile)"]["flash"]
    print(f"tern in the firmware: minimal {fw_min:,}, full {img['tern']['flash']:,}; make size "
          f"(linked probe): minimal {ms['minimal']:,}, full {ms['full']:,} "
          "(claims: wolfMQTT 3.6 kB; wolfSSL 20-30 kB)")
    print(f"RAM: static {r['static_ram']:,} + peak stack {run['stack_peak_bytes']:,} + heap arena "
          f"{run['heap_arena_bytes']:,} (wolfSSL peak {run['heap_peak_bytes_max']:,} requested) = "
          f"{r['ram_total']:,}   target 32,768: {'met' if r['ram_total'] <= 32768 else 'not met'}")
    fw, fw_run = r["fw_image"], r["run_fw"]
    print(f"firmware update image: agent {fw[PARTS['ternfw']]['flash']:,}, wolfCrypt "
          f"{fw[PARTS['wolfssl']]['flash']:,}, all {sum(p['flash'] for p in fw.values()):,} bytes of "
          f"flash; peak stack {fw_run['stack_peak_bytes']:,}")
    print(f"{'handshake':<16} {'instructions':>13} {'bytes sent':>11} {'bytes received':>15} "
          f"{'wolfSSL heap peak':>18}")
    for label, key in (("TLS 1.3 full", "first"), ("resumed", "again"), ("PSK (ECDHE)", "psk")):
        h = lambda what: run[f"handshake_{key}_{what}"]  # noqa: E731
        print(f"{label:<16} {h('instructions'):>13,} {h('bytes_sent'):>11,} "
              f"{h('bytes_received'):>15,} {h('heap_peak_bytes'):>18,}")
    print(f"resumed / full = {r['resumed_over_full']:.2f}   target <= 0.33: "
          f"{'met' if r['resumed_over_full'] <= 1 / 3 else 'not met'}")


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-device")
    r = report(build)
    with open(os.path.join(build, "device.json"), "w") as f:
        json.dump(r, f, indent=1, sort_keys=True)
    print_table(r)


if __name__ == "__main__":
    main()
