#!/usr/bin/env python3
"""Hostile-broker matrix for the tern CLI (probe; NOT registered in ctest yet).

Each case is a scripted broker: what it sends after reading the client's CONNECT (and SUBSCRIBE).
The rule checked for every case: `tern pub`/`tern sub` ends within a bound, with a non-zero exit
status (or 27 for -W), never a signal, and says why in exactly one line on stderr that names the
cause. Usage: hostile_broker_matrix.py PATH/TO/tern   (exit 1 when a case breaks the rule)
"""
import binascii
import socket
import subprocess
import sys
import threading
import time

ESC = "1b5d303b70776e6564071b5b324a"  # ESC ] 0 ; pwned BEL ESC [ 2 J
SUBACK3, SUBACK5 = "9003000100", "900400010000"
SUB3 = ["sub", "-t", "+", "-v", "-C", "1", "-k", "5"]
SUB5 = SUB3 + ["-V", "5"]
PUB1 = ["pub", "-t", "x", "-m", "a", "-q", "1", "-k", "5"]
PUB5 = PUB1 + ["-V", "5"]

# name, argv, steps (hex = send, "r" = read once, "hold" = silence until the client leaves),
# a word the one stderr line must contain
CASES = [
    ("no CONNACK", PUB1, ["r", "hold"], "timed out"),
    ("CONNACK then silence", PUB1, ["r", "20020000", "r", "hold"], "keep-alive"),
    ("CONNACK refused 5", PUB1, ["r", "20020005", "hold"], "not authorized"),
    ("wrong first packet", PUB1, ["r", "40020001", "hold"], ""),
    ("5-byte varint", SUB3, ["r", "20020000", "r", SUBACK3, "30ffffffff01", "hold"], "variable byte integer"),
    ("QoS 3 PUBLISH", SUB3, ["r", "20020000", "r", SUBACK3, "36050001780001", "hold"], "QoS"),
    ("topic longer than packet", SUB3, ["r", "20020000", "r", SUBACK3, "300300ff78", "hold"], "length"),
    ("ill-formed UTF-8 topic", SUB3, ["r", "20020000", "r", SUBACK3, "30050002c32861", "hold"], "UTF-8"),
    ("U+0000 in topic", SUB3, ["r", "20020000", "r", SUBACK3, "30050002610062", "hold"], "U+0000"),
    ("wildcard in topic", SUB3, ["r", "20020000", "r", SUBACK3, "300400012361", "hold"], "wildcard"),
    ("v5 Receive Maximum 0", PUB5, ["r", "2006000003210000", "hold"], "property"),
    ("v5 Maximum Packet Size 0", PUB5, ["r", "20080000052700000000", "hold"], "property"),
    ("v5 duplicate property", PUB5, ["r", "200d00000a11000000011100000001", "hold"], "more than once"),
    ("v5 unknown property", PUB5, ["r", "20050000027f00", "hold"], "unknown property"),
    ("v5 unknown topic alias", SUB5, ["r", "2003000000", "r", SUBACK5, "300700000323000561", "hold"], "alias"),
    ("v5 topic alias 0", SUB5, ["r", "2003000000", "r", SUBACK5, "30080001780323000061", "hold"], "property"),
    ("v5 refusal, hostile reason string", PUB5, ["r", "20140087111f000e" + ESC, "hold"], "Not authorized"),
    ("v5 server DISCONNECT 0x87", SUB5, ["r", "2003000000", "r", SUBACK5, "e01387111f000e" + ESC, "hold"], "0x87"),
]


def broker(steps, ready, port_box, log):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port_box.append(srv.getsockname()[1])
    ready.set()
    srv.settimeout(30)
    try:
        conn, _ = srv.accept()
    except OSError:
        return
    conn.settimeout(60)
    with conn:
        for step in steps:
            try:
                if step == "r":
                    conn.recv(65536)
                elif step == "hold":
                    while conn.recv(65536):
                        pass
                else:
                    conn.sendall(binascii.unhexlify(step))
            except OSError as e:
                log.append(str(e))
                break
    srv.close()


def run_case(tern, name, argv, steps, word):
    ready, port_box, log = threading.Event(), [], []
    t = threading.Thread(target=broker, args=(steps, ready, port_box, log), daemon=True)
    t.start()
    ready.wait(10)
    cmd = [tern] + argv + ["-h", "127.0.0.1", "-p", str(port_box[0])]
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=40)
    except subprocess.TimeoutExpired:
        return f"{name}: no end within 40 s"
    took = time.monotonic() - start
    lines = [l for l in p.stderr.decode(errors="replace").splitlines() if l.strip()]
    problems = []
    if p.returncode <= 0:
        problems.append(f"exit {p.returncode}")
    if len(lines) != 1:
        problems.append(f"{len(lines)} stderr lines {lines[:3]}")
    elif word and word.lower() not in lines[0].lower():
        problems.append(f"line does not name the cause ({word!r}): {lines[0]!r}")
    if "\x1b" in p.stderr.decode(errors="replace"):
        problems.append("raw ESC written to stderr")
    verdict = "ok" if not problems else "FAIL " + "; ".join(problems)
    return f"{name}: {verdict} (exit {p.returncode}, {took:.1f} s)"


def main():
    tern = sys.argv[1]
    results = [run_case(tern, *case) for case in CASES]
    print("\n".join(results))
    return 1 if any(": FAIL" in r or "no end" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
