#!/usr/bin/env python3
"""Write the seed corpora in fuzz/corpus/<target>/: small valid packets of both versions.

Each seed starts with the version byte the fuzz target reads (0 = MQTT 3.1.1, 1 = MQTT 5.0).
Run again after changing a seed; the files are committed.
"""
import os

V3, V5 = b"\x00", b"\x01"


def s(text):
    b = text.encode()
    return len(b).to_bytes(2, "big") + b


def pkt(first, body):
    n, enc = len(body), b""
    while True:
        byte = n % 128
        n //= 128
        enc += bytes([byte | (0x80 if n else 0)])
        if not n:
            break
    return bytes([first]) + enc + body


def props(*items):
    body = b"".join(items)
    return bytes([len(body)]) + body


SEEDS = {
    "connect": [
        V3 + pkt(0x10, s("MQTT") + b"\x04\x02\x00\x3c" + s("client")),
        V3 + pkt(0x10, s("MQTT") + b"\x04\xce\x00\x0a" + s("c") + s("will/t") + s("bye") + s("user") + s("pw")),
        V5 + pkt(0x10, s("MQTT") + b"\x05\x02\x00\x3c" + props(b"\x11\x00\x00\x00\x0a") + s("client")),
        V5 + pkt(0x10, s("MQTT") + b"\x05\x2e\x00\x0a" + props(b"\x21\x00\x10") + s("c")
                 + props(b"\x18\x00\x00\x00\x05", b"\x01\x01") + s("will/t") + s("bye")),
    ],
    "connack": [V3 + pkt(0x20, b"\x00\x00"), V3 + pkt(0x20, b"\x01\x00"), V3 + pkt(0x20, b"\x00\x05"),
                V5 + pkt(0x20, b"\x00\x00" + props(b"\x21\x00\x0a", b"\x22\x00\x05", b"\x24\x01")),
                V5 + pkt(0x20, b"\x00\x87" + props(b"\x1f" + s("no")))],
    "publish": [V3 + pkt(0x30, s("a/b") + b"hello"), V3 + pkt(0x32, s("a/b") + b"\x00\x01" + b"x"),
                V3 + pkt(0x3d, s("a") + b"\x00\x02"),
                V5 + pkt(0x30, s("a/b") + props() + b"hi"),
                V5 + pkt(0x34, s("") + b"\x00\x05" + props(b"\x23\x00\x01", b"\x08" + s("r/t"),
                                                          b"\x09\x00\x02id", b"\x26" + s("k") + s("v"),
                                                          b"\x0b\x05") + b"data")],
    "ack": [V3 + pkt(0x40, b"\x00\x01"), V3 + pkt(0x50, b"\x00\x02"), V3 + pkt(0x62, b"\x00\x03"),
            V3 + pkt(0x70, b"\x00\x04"), V5 + pkt(0x40, b"\x00\x01\x10"),
            V5 + pkt(0x50, b"\x00\x01\x80" + props(b"\x1f" + s("bad"))), V5 + pkt(0x62, b"\x00\x01\x92\x00")],
    "subscribe": [V3 + pkt(0x82, b"\x00\x01" + s("a/+") + b"\x01" + s("#") + b"\x02"),
                  V5 + pkt(0x82, b"\x00\x01" + props(b"\x0b\x07") + s("a/#") + b"\x2e")],
    "unsubscribe": [V3 + pkt(0xa2, b"\x00\x01" + s("a/+") + s("b")),
                    V5 + pkt(0xa2, b"\x00\x01" + props(b"\x26" + s("k") + s("v")) + s("a/#"))],
    "suback": [V3 + pkt(0x90, b"\x00\x01\x00\x01\x02\x80"), V5 + pkt(0x90, b"\x00\x01" + props() + b"\x00\x97")],
    "unsuback": [V3 + pkt(0xb0, b"\x00\x01"), V5 + pkt(0xb0, b"\x00\x01" + props() + b"\x00\x11")],
    "ping": [V3 + b"\xc0\x00", V3 + b"\xd0\x00"],
    "disconnect": [V3 + b"\xe0\x00", V5 + pkt(0xe0, b"\x8b" + props(b"\x1f" + s("bye"))), V5 + pkt(0xe0, b"\x04")],
    "auth": [V5 + pkt(0xf0, b""), V5 + pkt(0xf0, b"\x18" + props(b"\x15" + s("SCRAM"), b"\x16\x00\x02ab"))],
    "props": [V5 + b"\x01" + props(b"\x11\x00\x00\x00\x0a", b"\x21\x00\x10", b"\x26" + s("k") + s("v")),
              V5 + b"\x03" + props(b"\x01\x01", b"\x02\x00\x00\x00\x10", b"\x03" + s("text/plain"))],
    "topic": [V3 + b"a/+/c\xffa/b/c", V3 + b"#\xff$SYS/x", V3 + b"$share/g/a/#\xffa/b"],
    "header": [V3 + b"\x30\xff\xff\xff\x7f", V3 + b"\x20\x02\x00\x00", V3 + b"\x80\x80\x80\x80\x01"],
}

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
for target, seeds in SEEDS.items():
    d = os.path.join(root, "fuzz_" + target)
    os.makedirs(d, exist_ok=True)
    for i, seed in enumerate(seeds):
        with open(os.path.join(d, f"seed-{i:02d}"), "wb") as f:
            f.write(seed)
print("seeds written to", root)
