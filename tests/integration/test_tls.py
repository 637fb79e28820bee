"""tern pub/sub over TLS (wolfSSL) against real mosquitto TLS listeners.

Certificates are generated at test time (certs.py). One broker serves every listener:
ECDSA and RSA server certificates, mutual TLS, PSK, and the broken certificates that must
be refused, each with its own one-line reason.
"""
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from certs import Certs
from harness import Broker, free_port

TERN = os.environ.get("TERN_BIN", "tern")
PSK_HEX = "00112233445566778899aabbccddeeff"
PSK_ID = "tern-device"


class TlsBroker:
    """A mosquitto with one TLS listener per case; ports by name."""

    CASES = {
        "ec": ("server-ec", ""),
        "rsa": ("server-rsa", ""),
        "expired": ("server-expired", ""),
        "wrongname": ("server-wrongname", ""),
        "selfsigned": ("server-selfsigned", ""),
        "mtls": ("server-ec", "require_certificate true\n"),
        "tls13only": ("server-ec", "tls_version tlsv1.3\n"),
    }

    def __init__(self, certs, workdir):
        self.ports = {name: free_port() for name in list(self.CASES) + ["psk"]}
        lines = []
        for name, (server, more) in self.CASES.items():
            lines.append(f"listener {self.ports[name]} 127.0.0.1\n"
                         f"cafile {certs.path('ca.crt')}\n"
                         f"certfile {certs.path(server + '.crt')}\n"
                         f"keyfile {certs.path(server + '.key')}\n" + more)
        psk_file = os.path.join(workdir, "psk.txt")
        with open(psk_file, "w") as f:
            f.write(f"{PSK_ID}:{PSK_HEX}\n")
        lines.append(f"listener {self.ports['psk']} 127.0.0.1\n"
                     f"psk_hint tern-test\npsk_file {psk_file}\n"
                     f"use_identity_as_username true\n")
        # Per-listener settings (cafile, psk_file...) need this in mosquitto 2.
        self.broker = Broker(extra="per_listener_settings false\n" + "\n".join(lines),
                             extra_ports=self.ports.values())


def setUpModule():
    global WORK, CERTS, TLS
    WORK = tempfile.mkdtemp(prefix="tern-tls-")
    CERTS = Certs(WORK).generate()
    TLS = TlsBroker(CERTS, WORK)
    TLS.broker.start()


def tearDownModule():
    TLS.broker.cleanup()
    shutil.rmtree(WORK, ignore_errors=True)


def tern(*args, timeout=30):
    return subprocess.run([TERN, *args], capture_output=True, text=True, timeout=timeout)


class TlsTest(unittest.TestCase):
    def ca(self):
        return ["--cafile", CERTS.path("ca.crt")]

    def pub(self, case, *extra, host="localhost", version="5"):
        return tern("pub", "-h", host, "-p", str(TLS.ports[case]), "-t", "tls/t", "-m", "hello",
                    "-q", "1", "-V", version, "-d", *extra)

    def assert_secured(self, r, version):
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"TLS {version}", r.stderr)
        self.assertIn("full handshake", r.stderr)

    def test_tls13_and_tls12_with_ecdsa_and_rsa(self):
        for case in ("ec", "rsa"):
            for v, name in (("tlsv1.3", "TLSv1.3"), ("tlsv1.2", "TLSv1.2")):
                for mqtt in ("311", "5"):
                    with self.subTest(case=case, tls=v, mqtt=mqtt):
                        r = self.pub(case, *self.ca(), "--tls-version", v, version=mqtt)
                        self.assert_secured(r, name)

    def test_default_prefers_tls13(self):
        self.assert_secured(self.pub("ec", *self.ca()), "TLSv1.3")

    def test_mutual_tls_pem_and_der(self):
        for cert, key in (("client.crt", "client.key"), ("client.der", "client-key.der")):
            with self.subTest(cert=cert):
                r = self.pub("mtls", *self.ca(), "--cert", CERTS.path(cert), "--key", CERTS.path(key))
                self.assert_secured(r, "TLSv1.3")

    def test_psk_tls12_and_tls13(self):
        for v, name in (("tlsv1.2", "TLSv1.2"), ("tlsv1.3", "TLSv1.3")):
            with self.subTest(tls=v):
                r = self.pub("psk", "--psk", PSK_HEX, "--psk-identity", PSK_ID, "--tls-version", v)
                self.assert_secured(r, name)

    def test_psk_to_an_ip_address(self):
        """No certificate, so no address to check it against: the key authenticates the server
        (issue 13 item 4: this failed with "not connected")."""
        for v, name in (("tlsv1.3", "TLSv1.3"), ("tlsv1.2", "TLSv1.2")):
            with self.subTest(tls=v):
                r = self.pub("psk", "--psk", PSK_HEX, "--psk-identity", PSK_ID, "--tls-version", v,
                             host="127.0.0.1")
                self.assert_secured(r, name)

    def test_subscriber_receives_over_tls(self):
        port = str(TLS.ports["ec"])
        sub = subprocess.Popen([TERN, "sub", "-h", "localhost", "-p", port, *self.ca(), "-t", "tls/s",
                                "-C", "1", "-W", "20", "-q", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out = ""
            for _ in range(50):  # publish until the subscriber has subscribed and got one
                r = tern("pub", "-h", "localhost", "-p", port, *self.ca(), "-t", "tls/s",
                         "-m", "over tls", "-q", "2")
                self.assertEqual(r.returncode, 0, r.stderr)
                try:
                    out, err = sub.communicate(timeout=0.3)
                    break
                except subprocess.TimeoutExpired:
                    continue
            self.assertEqual(sub.returncode, 0, err)
            self.assertEqual(out.strip(), "over tls")
        finally:
            if sub.poll() is None:
                sub.kill()
                sub.wait()

    def assert_refused(self, r, *words, first_line=False):
        self.assertNotEqual(r.returncode, 0)
        self.assertLess(r.returncode, 128, "killed by a signal")
        line = r.stderr.strip().splitlines()[0 if first_line else -1]
        for w in words:
            self.assertIn(w, line)
        self.assertNotIn("CONNACK", r.stderr.split("TLS")[0] if "TLS" in r.stderr else "")

    def test_ca_directory(self):
        capath = os.path.join(WORK, "capath")
        os.makedirs(capath, exist_ok=True)
        shutil.copy(CERTS.path("ca.crt"), os.path.join(capath, "ca.pem"))
        self.assert_secured(self.pub("ec", "--capath", capath), "TLSv1.3")
        other = os.path.join(WORK, "capath-other")
        os.makedirs(other, exist_ok=True)
        shutil.copy(CERTS.path("other-ca.crt"), os.path.join(other, "other.pem"))
        self.assert_refused(self.pub("ec", "--capath", other), "not signed by a trusted CA")

    def test_no_common_version_refused(self):
        r = self.pub("tls13only", *self.ca(), "--tls-version", "tlsv1.2")
        self.assert_refused(r, "no TLS version in common")

    def test_wrong_ca_refused(self):
        r = self.pub("ec", "--cafile", CERTS.path("other-ca.crt"))
        self.assert_refused(r, "not signed by a trusted CA")

    def test_host_name_mismatch_refused(self):
        r = self.pub("wrongname", *self.ca())
        self.assert_refused(r, "host name mismatch", 'expected "localhost"', "wrong.example.com")

    def test_insecure_skips_only_the_host_name(self):
        r = self.pub("wrongname", *self.ca(), "--insecure")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: --insecure", r.stderr)
        r = self.pub("selfsigned", *self.ca(), "--insecure")  # the chain is still checked
        self.assert_refused(r, "not signed by a trusted CA")

    def test_expired_refused(self):
        r = self.pub("expired", *self.ca())
        self.assert_refused(r, "expired")

    def test_self_signed_refused(self):
        r = self.pub("selfsigned", *self.ca())
        self.assert_refused(r, "not signed by a trusted CA")

    def test_client_without_certificate_refused(self):
        for v in ("tlsv1.3", "tlsv1.2"):
            with self.subTest(tls=v):
                r = self.pub("mtls", *self.ca(), "--tls-version", v)
                self.assert_refused(r, "client certificate")

    def test_wrong_psk_refused(self):
        for v in ("tlsv1.3", "tlsv1.2"):
            with self.subTest(tls=v):
                r = self.pub("psk", "--psk", "ffeeddccbbaa99887766554433221100", "--psk-identity", PSK_ID,
                             "--tls-version", v)
                self.assert_refused(r, "pre-shared key", PSK_ID)

    def test_resumption_across_processes(self):
        for v, name in (("tlsv1.3", "TLSv1.3"), ("tlsv1.2", "TLSv1.2")):
            with self.subTest(tls=v):
                session = os.path.join(WORK, f"session-{v}.bin")
                first = self.pub("ec", *self.ca(), "--tls-version", v, "--tls-session", session)
                self.assert_secured(first, name)
                self.assertTrue(os.path.getsize(session) > 0)
                second = self.pub("ec", *self.ca(), "--tls-version", v, "--tls-session", session)
                self.assertEqual(second.returncode, 0, second.stderr)
                self.assertIn(f"TLS {name}", second.stderr)
                self.assertIn("session resumed", second.stderr)

    def test_reconnect_resumes_the_session(self):
        """tern sub loses its connection (a client with its id takes over) and comes back with
        an abbreviated handshake."""
        port = str(TLS.ports["ec"])
        sub = subprocess.Popen([TERN, "sub", "-h", "localhost", "-p", port, *self.ca(), "-t", "tls/r",
                                "-i", "tern-resume", "-C", "1", "-W", "30", "-d"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(1.0)
            r = tern("pub", "-h", "localhost", "-p", port, *self.ca(), "-i", "tern-resume", "-t", "x", "-m", "x")
            self.assertEqual(r.returncode, 0, r.stderr)
            out, err = "", ""
            for _ in range(60):
                r = tern("pub", "-h", "localhost", "-p", port, *self.ca(), "-t", "tls/r", "-m", "back", "-q", "1")
                try:
                    out, err = sub.communicate(timeout=0.5)
                    break
                except subprocess.TimeoutExpired:
                    continue
            self.assertEqual(sub.returncode, 0, err)
            lines = [l for l in err.splitlines() if " TLS " in l]
            self.assertGreaterEqual(len(lines), 2, err)
            self.assertIn("full handshake", lines[0])
            self.assertIn("session resumed", lines[-1])
        finally:
            if sub.poll() is None:
                sub.kill()
                sub.wait()

    def test_ip_address_is_checked(self):
        self.assert_secured(self.pub("ec", *self.ca(), host="127.0.0.1"), "TLSv1.3")
        r = self.pub("wrongname", *self.ca(), host="127.0.0.1")
        self.assert_refused(r, "host name mismatch", "127.0.0.1")

    def test_sni_and_alpn_reach_the_server(self):
        """A Python TLS server records the SNI and ALPN the client offered, then answers CONNACK."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(CERTS.path("server-ec.crt"), CERTS.path("server-ec.key"))
        ctx.set_alpn_protocols(["mqtt"])
        seen = {}
        ctx.sni_callback = lambda sock, name, c: seen.__setitem__("sni", name)
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]

        def serve():
            conn, _ = listener.accept()
            with ctx.wrap_socket(conn, server_side=True) as tls:
                seen["alpn"] = tls.selected_alpn_protocol()
                tls.recv(1024)                      # CONNECT
                tls.sendall(bytes([0x20, 2, 0, 0]))  # CONNACK accepted
                tls.recv(1024)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        r = tern("pub", "-h", "localhost", "-p", str(port), *self.ca(), "--alpn", "mqtt", "-t", "t", "-m", "x", "-d")
        thread.join(10)
        listener.close()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(seen.get("sni"), "localhost")
        self.assertEqual(seen.get("alpn"), "mqtt")
        self.assertIn("ALPN mqtt", r.stderr)

    def test_bad_tls_options_fail_before_connecting(self):
        r = tern("pub", "-t", "t", "-m", "x", "--cafile", os.path.join(WORK, "missing.crt"))
        self.assert_refused(r, "cannot load CA file")
        r = tern("pub", "-t", "t", "-m", "x", "--psk", "zz", "--psk-identity", "i")
        self.assert_refused(r, "not hex")
        r = tern("pub", "-t", "t", "-m", "x", "--tls-version", "tlsv1.1")
        self.assert_refused(r, "invalid value", first_line=True)

    def test_plain_client_on_tls_port_fails_cleanly(self):
        r = tern("pub", "-h", "127.0.0.1", "-p", str(TLS.ports["ec"]), "-t", "t", "-m", "x", timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertLess(r.returncode, 128)


def relay(read_fd, write_fd, sock):
    """Carry bytes between a child's pipes and a TCP socket until both sides end.
    Returns the two pump threads (already started)."""
    def child_to_broker():
        while True:
            data = os.read(read_fd, 65536)
            if not data:
                break
            sock.sendall(data)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def broker_to_child():
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                os.write(write_fd, data)
        except OSError:
            pass  # the child is gone: its pipe broke
        os.close(write_fd)

    pumps = [threading.Thread(target=f, daemon=True) for f in (child_to_broker, broker_to_child)]
    for t in pumps:
        t.start()
    return pumps


class TlsOverPipes(unittest.TestCase):
    """The TLS transport over a transport that is no socket: tests/port/tls_over_fds speaks
    TLS over two pipes, relayed here to the broker's TLS listener."""

    def run_over_pipes(self, case, *extra):
        program = os.environ.get("TLS_OVER_FDS")
        self.assertTrue(program, "TLS_OVER_FDS must name the tls_over_fds program")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        sock = socket.create_connection(("127.0.0.1", TLS.ports[case]), timeout=60)
        sock.settimeout(None)
        proc = subprocess.Popen([program, str(to_child_r), str(from_child_w), CERTS.path("ca.crt"),
                                 "localhost", "tls/pipe", *extra],
                                pass_fds=(to_child_r, from_child_w),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        os.close(to_child_r)
        os.close(from_child_w)
        pumps = relay(from_child_r, to_child_w, sock)
        try:
            out, err = proc.communicate(timeout=90)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for t in pumps:
                t.join(30)
            sock.close()
            os.close(from_child_r)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("connected TLSv1.3", out)
        self.assertIn("received tls/pipe hello over a pipe", out)

    def test_publish_and_receive_through_mosquitto(self):
        self.run_over_pipes("ec")

    def test_client_certificate_from_memory_der_and_pem(self):
        for cert, key in (("client.der", "client-key.der"), ("client.crt", "client.key")):
            with self.subTest(cert=cert):
                self.run_over_pipes("mtls", CERTS.path(cert), CERTS.path(key))

class ServerCloses(unittest.TestCase):
    """A server that ends the connection cleanly, with close_notify or a TCP close, is
    "connection closed by the server" (TERN_ERR_CLOSED), as over plain TCP (issue 13 item 5:
    it was a TLS failure, "unknown error number")."""

    def close_check(self, port):
        program = os.environ.get("TLS_CLOSE_CHECK")
        self.assertTrue(program, "TLS_CLOSE_CHECK must name the tls_close_check program")
        return subprocess.Popen([program, "localhost", str(port), CERTS.path("ca.crt")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def assert_closed_cleanly(self, proc):
        out, err = proc.communicate(timeout=90)
        self.assertEqual(proc.returncode, 0, err)
        self.assertIn("connected", out)
        self.assertIn("disconnected TERN_ERR_CLOSED: connection closed by the server", out)

    def test_mosquitto_stopped(self):
        port = free_port()
        broker = Broker(extra=f"listener {port} 127.0.0.1\ncafile {CERTS.path('ca.crt')}\n"
                              f"certfile {CERTS.path('server-ec.crt')}\n"
                              f"keyfile {CERTS.path('server-ec.key')}\n",
                        extra_ports=[port]).start()
        try:
            proc = self.close_check(port)
            self.assertEqual(proc.stdout.readline().strip(), "connected")
            broker.stop()  # SIGTERM: mosquitto closes its connections and exits
            self.assert_closed_cleanly(proc)
        finally:
            broker.cleanup()

    def serve_once(self, end):
        """A TLS server that answers CONNECT with CONNACK, waits for the client's first
        PUBLISH and then calls end(tls)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(CERTS.path("server-ec.crt"), CERTS.path("server-ec.key"))
        listener = socket.create_server(("127.0.0.1", 0))

        def serve():
            conn, _ = listener.accept()
            conn.settimeout(60)
            tls = ctx.wrap_socket(conn, server_side=True)
            tls.recv(1024)                      # CONNECT
            tls.sendall(bytes([0x20, 2, 0, 0]))  # CONNACK accepted
            try:
                tls.recv(1024)                  # PUBLISH "ready"
                end(tls)
            except (OSError, ssl.SSLError):
                pass  # the client may close first
            tls.close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        return listener, thread

    def check_server_end(self, end):
        listener, thread = self.serve_once(end)
        try:
            self.assert_closed_cleanly(self.close_check(listener.getsockname()[1]))
        finally:
            thread.join(30)
            listener.close()

    def test_close_notify(self):
        self.check_server_end(lambda tls: tls.unwrap())

    def test_tcp_close_without_close_notify(self):
        self.check_server_end(lambda tls: None)  # tls.close() sends no close_notify


if __name__ == "__main__":
    unittest.main()
