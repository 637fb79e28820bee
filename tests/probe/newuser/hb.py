#!/usr/bin/env python3
"""One-shot scripted broker: hb.py PORTFILE STEP... ; STEP = hex to send, 'r' read once, 'hold' wait for close,
'rall' read and log everything until close. Accepts up to 3 connections, replaying the script each time."""
import socket, sys, binascii
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(4)
open(sys.argv[1], "w").write(str(srv.getsockname()[1]))
srv.settimeout(20)
for n in range(3):
    try: conn, _ = srv.accept()
    except OSError: break
    conn.settimeout(15)
    with conn:
        for s in sys.argv[2:]:
            try:
                if s == "r": d = conn.recv(65536); sys.stderr.write("%.2f got %s\n" % (__import__("time").time() % 100, d.hex()))
                elif s in ("hold", "rall"):
                    while True:
                        d = conn.recv(65536)
                        if not d: break
                        sys.stderr.write("%.2f got %s\n" % (__import__("time").time() % 100, d.hex()))
                elif s.startswith("w"):
                    import time; end = time.time() + float(s[1:])
                    while time.time() < end:
                        conn.settimeout(max(0.05, end - time.time()))
                        try: d = conn.recv(65536)
                        except socket.timeout: break
                        if not d: break
                        sys.stderr.write("%.2f got %s\n" % (__import__("time").time() % 100, d.hex()))
                    conn.settimeout(15)
                elif s.startswith("@"): conn.sendall(binascii.unhexlify(open(s[1:]).read().strip()))
                else: conn.sendall(binascii.unhexlify(s))
            except OSError as e: sys.stderr.write("err %s\n" % e); break
