#!/usr/bin/env python3
"""make size: the footprint of tern's core (codec + client, no transport) on Cortex-M4 and
x86-64, per object and linked into a program that connects, subscribes, publishes, runs and
disconnects. Writes bench/size/results/latest.json; with --check, fails when a figure exceeds
bench/size/budget.json (so that growth is a conscious decision: raise the budget in the same commit).

Profiles (switches of include/tern/config.h), both without strings (TERN_CFG_STATUS_STRINGS=0:
no status, packet or reason-code names), as a device build would be:
  minimal = MQTT 3.1.1 only (TERN_CFG_MQTT5=0): CONNECT/CONNACK, PUBLISH at QoS 0/1/2 both
            ways, SUBSCRIBE/UNSUBSCRIBE, keep-alive, reconnect with backoff and re-send of
            unacknowledged messages, DISCONNECT; without delivery in pieces of messages larger
            than the receive buffer (TERN_CFG_CHUNKS=0: they are skipped and acknowledged),
            without on_store/tern_client_restore (TERN_CFG_PERSISTENCE=0) and without the
            broker's side of the codec (TERN_CFG_SERVER_SIDE=0).
  full    = 3.1.1 + 5.0 with every feature.
  codec_minimal = the packet layer of minimal alone (src/codec, no session engine), linked
            into bench/size/codec_probe.c: what a packet library such as Paho's embedded MQTTPacket
            is measured as, for an application that runs its own session.
tls_glue = the TLS transport alone.
fw_agent = the firmware update agent and receiver (src/fwupdate), objects only: wolfCrypt
            (SHA-256, Ed25519, ECDSA P-256) is the device's own build and is not counted. On
            Cortex-M4 the wolfSSL headers are read with a device configuration
            (bench/size/wolfssl_m4/wolfssl/options.h: no threads, no file system). Its RAM is
            sizeof(tern_fw_agent) plus the client's buffers (docs/firmware-update.md).
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CODEC = sorted(glob.glob(os.path.join(ROOT, "src/codec/*.c")))
CORE = CODEC + sorted(glob.glob(os.path.join(ROOT, "src/client/*.c")))
TLS_GLUE = sorted(glob.glob(os.path.join(ROOT, "src/transport/tls_*.c")))
FW_AGENT = sorted(glob.glob(os.path.join(ROOT, "src/fwupdate/*.c")))
FW_HEADERS = {"cortex_m4": ["-I" + os.path.join(ROOT, "bench/size/wolfssl_m4"), "-idirafter", "/usr/include"],
              "x86_64": []}
MINIMAL = ["-DTERN_CFG_MQTT5=0", "-DTERN_CFG_STATUS_STRINGS=0", "-DTERN_CFG_CHUNKS=0",
           "-DTERN_CFG_PERSISTENCE=0", "-DTERN_CFG_SERVER_SIDE=0"]
SESSION_PROBE = os.path.join(ROOT, "bench/size/size_probe.c")
PROFILES = {  # name: (switches, sources, the program linked to measure what it carries)
    "minimal": (MINIMAL, CORE, SESSION_PROBE),
    "full": (["-DTERN_CFG_STATUS_STRINGS=0"], CORE, SESSION_PROBE),
    "codec_minimal": (MINIMAL, CODEC, os.path.join(ROOT, "bench/size/codec_probe.c")),
}
TARGETS = {
    "cortex_m4": {"cc": "arm-none-eabi-gcc", "size": "arm-none-eabi-size",
                  "flags": ["-mcpu=cortex-m4", "-mthumb"],
                  "link": ["--specs=nano.specs", "--specs=nosys.specs"]},
    # No unwind tables: they would count as text and a device build leaves them out too.
    "x86_64": {"cc": "gcc", "size": "size", "flags": ["-fno-asynchronous-unwind-tables"], "link": []},
}
COMMON = ["-Os", "-std=c11", "-ffunction-sections", "-fdata-sections", "-I" + os.path.join(ROOT, "include")]


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def sizes(tool, path):
    line = run([tool, path]).splitlines()[1].split()
    return {"text": int(line[0]), "data": int(line[1]), "bss": int(line[2])}


def objects(t, defs, sources, tmp):
    per, total = {}, {"text": 0, "data": 0, "bss": 0}
    for src in sources:
        obj = os.path.join(tmp, os.path.basename(src) + ".o")
        run([t["cc"], *t["flags"], *COMMON, *defs, "-c", src, "-o", obj])
        s = sizes(t["size"], obj)
        per[os.path.relpath(src, ROOT)] = s
        for k in total:
            total[k] += s[k]
    return per, total


def linked(t, defs, sources, probe, tmp):
    """Size of the probe program minus an empty program with the same C library."""
    out = {}
    for name, srcs in (("probe", sources + [probe]),
                       ("base", [os.path.join(ROOT, "bench/size/baseline.c")])):
        elf = os.path.join(tmp, name + ".elf")
        run([t["cc"], *t["flags"], *COMMON, *defs, *srcs, "-Wl,--gc-sections", *t["link"], "-o", elf])
        out[name] = sizes(t["size"], elf)
    return {k: out["probe"][k] - out["base"][k] for k in out["probe"]}


def struct_size(t, tmp, header="tern/client.h", type_name="tern_client", extra=()):
    src = os.path.join(tmp, "sz.c")
    with open(src, "w") as f:
        f.write(f'#include "{header}"\nchar probe_size[sizeof({type_name})];\n')
    obj = os.path.join(tmp, "sz.o")
    run([t["cc"], *t["flags"], *COMMON, *extra, "-c", src, "-o", obj])
    nm = t["size"].replace("size", "nm")
    for line in run([nm, "-S", obj]).splitlines():
        parts = line.split()
        if parts[-1] == "probe_size":
            return int(parts[1], 16)
    raise RuntimeError(f"sizeof({type_name}) not found")


def measure():
    result = {"client_struct_bytes": {}, "fw_agent_struct_bytes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for tname, t in TARGETS.items():
            result[tname] = {}
            for pname, (defs, sources, probe) in PROFILES.items():
                per, total = objects(t, defs, sources, tmp)
                result[tname][pname] = dict(total, linked=linked(t, defs, sources, probe, tmp), objects=per)
            # The TLS glue sits on the POSIX TCP transport and the host's wolfSSL build: it is
            # measured where those exist (x86-64). A Cortex-M port needs a wolfSSL built for the
            # device and its network stack; until then there is no honest figure to give.
            if TLS_GLUE and tname == "x86_64":
                result[tname]["tls_glue"] = objects(t, [], TLS_GLUE, tmp)[1]
            else:
                result[tname]["tls_glue"] = None
            result["client_struct_bytes"][tname] = struct_size(t, tmp)
            if FW_AGENT:
                result[tname]["fw_agent"] = objects(t, FW_HEADERS[tname], FW_AGENT, tmp)[1]
                result["fw_agent_struct_bytes"][tname] = struct_size(t, tmp, "tern/fwagent.h", "tern_fw_agent",
                                                                     FW_HEADERS[tname])
    return result


def print_table(r):
    print(f"{'target':<10} {'profile':<13} {'text':>7} {'data':>5} {'bss':>5} {'linked text':>12}")
    for tname in TARGETS:
        for pname in PROFILES:
            p = r[tname][pname]
            print(f"{tname:<10} {pname:<13} {p['text']:>7} {p['data']:>5} {p['bss']:>5} {p['linked']['text']:>12}")
        glue = r[tname]["tls_glue"]
        print(f"{tname:<10} {'tls_glue':<13} {glue['text'] if glue else '-':>7}")
        fw = r[tname].get("fw_agent")
        if fw:
            print(f"{tname:<10} {'fw_agent':<13} {fw['text']:>7} {fw['data']:>5} {fw['bss']:>5} {'-':>12}")
    print("sizeof(tern_client):", ", ".join(f"{k} {v} bytes" for k, v in r["client_struct_bytes"].items()))
    if r["fw_agent_struct_bytes"]:
        print("sizeof(tern_fw_agent):", ", ".join(f"{k} {v} bytes" for k, v in r["fw_agent_struct_bytes"].items()))


def check(r, budget_path):
    with open(budget_path) as f:
        budget = json.load(f)
    over = []
    for tname, profiles in budget.items():
        if tname in ("client_struct_bytes", "fw_agent_struct_bytes"):
            for t, limit in profiles.items():
                if r[tname][t] > limit:
                    over.append(f"{tname} on {t}: {r[tname][t]} > {limit}")
            continue
        for pname, limits in profiles.items():
            for key, limit in limits.items():
                got = r[tname][pname]["linked"]["text"] if key == "linked_text" else r[tname][pname][key]
                if got > limit:
                    over.append(f"{tname} {pname} {key}: {got} > budget {limit}")
    for line in over:
        print("size budget exceeded:", line, file=sys.stderr)
    return not over


def main():
    r = measure()
    os.makedirs(os.path.join(ROOT, "bench/size/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/size/results/latest.json"), "w") as f:
        json.dump(r, f, indent=1, sort_keys=True)
    print_table(r)
    if "--check" in sys.argv:
        ok = check(r, os.path.join(ROOT, "bench/size/budget.json"))
        print("size: within budget" if ok else "size: over budget (bench/size/budget.json)")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
