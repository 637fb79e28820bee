#!/usr/bin/env python3
"""mk.py EXPR: print the hex of an MQTT 5 packet built by the helpers below (for run.sh steps)."""
import sys, struct
def vbi(n):
    out = b""
    while True:
        b = n % 128; n //= 128
        out += bytes([b | (0x80 if n else 0)])
        if not n: return out
def s(x): x = x.encode() if isinstance(x, str) else x; return struct.pack(">H", len(x)) + x
def pkt(t, body): return bytes([t]) + vbi(len(body)) + body
def props(*ps): b = b"".join(ps); return vbi(len(b)) + b
def p_str(i, x): return bytes([i]) + s(x)
def p_u16(i, v): return bytes([i]) + struct.pack(">H", v)
def p_u32(i, v): return bytes([i]) + struct.pack(">I", v)
def p_u8(i, v): return bytes([i, v])
def p_user(k, v): return b"\x26" + s(k) + s(v)
def connack(rc=0, *ps, sp=0): return pkt(0x20, bytes([sp, rc]) + props(*ps))
def suback(pid=1, *codes): return pkt(0x90, struct.pack(">H", pid) + props() + bytes(codes or [0]))
def publish(topic, payload=b"x", *ps, qos=0, pid=1, retain=0):
    payload = payload.encode() if isinstance(payload, str) else payload
    body = s(topic) + (struct.pack(">H", pid) if qos else b"") + props(*ps) + payload
    return pkt(0x30 | (qos << 1) | retain, body)
def disconnect(rc, *ps): return pkt(0xE0, bytes([rc]) + props(*ps))
def puback(pid, rc=0): return pkt(0x40, struct.pack(">HB", pid, rc) + props())
ESC = "\x1b]0;pwned\x07\x1b[2J"
print(eval(sys.argv[1]).hex())
