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

from ternlab.certs import NAME_CHECKS, Certs
from ternlab.harness import Broker, free_port, wait_for_port

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

    # Certificates that OpenSSL itself would not serve at Debian's security level 2.
    WEAK = {
        "weak-rsa1024": ("weak-rsa1024", "ciphers DEFAULT:@SECLEVEL=0\n"),
        "weak-sha1": ("weak-sha1", "ciphers DEFAULT:@SECLEVEL=0\n"),
        "weak-crlsign": ("weak-crlsign", ""),
        "weak-ca-nosign": ("weak-ca-nosign", ""),
    }

    def __init__(self, certs, workdir, name_checks=False, weak=False):
        """name_checks, weak: also a listener per host name check certificate, per weak
        certificate (certs must have generate_name_checks(), generate_weak())."""
        cases = dict(self.CASES, **{name: (name, "") for name in (NAME_CHECKS if name_checks else ())})
        if weak:
            cases.update(self.WEAK)
        self.ports = {name: free_port() for name in list(cases) + ["psk"]}
        lines = []
        for name, (server, more) in cases.items():
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
    CERTS = Certs(WORK).generate().generate_name_checks().generate_weak()
    TLS = TlsBroker(CERTS, WORK, name_checks=True, weak=True)
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
        """The alert is named, also those Debian's wolfSSL has no name for (issue 13 item 7:
        TLS 1.3's certificate_required printed as "(alert (null))")."""
        for v, alert in (("tlsv1.3", "certificate_required"), ("tlsv1.2", "handshake_failure")):
            with self.subTest(tls=v):
                r = self.pub("mtls", *self.ca(), "--tls-version", v)
                self.assert_refused(r, "client certificate", f"(alert {alert})")
                self.assertNotIn("null", r.stderr)

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


class PipeRunner(unittest.TestCase):
    """Runs tests/port/tls_over_fds, which speaks TLS over two pipes, relayed here to one of
    the broker's TLS listeners."""

    def run_over_pipes(self, case, *extra, server_name="localhost", expect_ok=True):
        """Run tls_over_fds against listener `case`; returns its stdout and stderr."""
        program = os.environ.get("TLS_OVER_FDS")
        self.assertTrue(program, "TLS_OVER_FDS must name the tls_over_fds program")
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        sock = socket.create_connection(("127.0.0.1", TLS.ports[case]), timeout=60)
        sock.settimeout(None)
        proc = subprocess.Popen([program, str(to_child_r), str(from_child_w), CERTS.path("ca.crt"),
                                 server_name, "tls/pipe", *extra],
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
        if expect_ok:
            self.assertEqual(proc.returncode, 0, err)
            self.assertIn("connected TLSv1.3", out)
            self.assertIn("received tls/pipe hello over a pipe", out)
        else:
            self.assertEqual(proc.returncode, 1, out + err)
        return out, err

class TlsOverPipes(PipeRunner):
    """The TLS transport over a transport that is no socket."""

    def test_publish_and_receive_through_mosquitto(self):
        self.run_over_pipes("ec")

    def test_client_certificate_from_memory_der_and_pem(self):
        for cert, key in (("client.der", "client-key.der"), ("client.crt", "client.key")):
            with self.subTest(cert=cert):
                self.run_over_pipes("mtls", CERTS.path(cert), CERTS.path(key))

class HostNameChecks(PipeRunner):
    """RFC 6125 (issue 14 item 4): each certificate here was accepted before and is refused,
    with the names it has in the one-line reason; the controls are accepted."""

    def pub(self, case, host):
        return tern("pub", "-h", host, "-p", str(TLS.ports[case]), "--cafile", CERTS.path("ca.crt"),
                    "-t", "names/t", "-m", "x")

    def assert_mismatch(self, r, host, names):
        self.assertNotEqual(r.returncode, 0)
        self.assertLess(r.returncode, 128)
        line = r.stderr.strip().splitlines()[-1]
        self.assertIn(f'host name mismatch: expected "{host}", certificate is for {names}', line)

    def test_host_name_refused(self):
        for case, names in (("name-star", "DNS:*"), ("name-starhost", "DNS:*host"),
                            ("name-uri", "URI:localhost, CN=localhost")):
            with self.subTest(case=case):
                self.assert_mismatch(self.pub(case, "localhost"), "localhost", names)

    def test_ip_address_matches_only_ip_entries(self):
        for case, names in (("name-dns-ip", "DNS:127.0.0.1"), ("name-dns-wild-ip", "DNS:*.0.0.1"),
                            ("name-cn-ip", "CN=127.0.0.1")):
            with self.subTest(case=case):
                self.assert_mismatch(self.pub(case, "127.0.0.1"), "127.0.0.1", names)

    def test_wildcard_needs_two_labels_after_it(self):
        _, err = self.run_over_pipes("name-star-com", server_name="example.com", expect_ok=False)
        self.assertIn('host name mismatch: expected "example.com", certificate is for DNS:*.com', err)

    def test_wildcard_stands_for_one_whole_label(self):
        self.run_over_pipes("name-wildcard", server_name="mqtt.example.com")
        for host in ("example.com", "a.b.example.com"):
            with self.subTest(host=host):
                _, err = self.run_over_pipes("name-wildcard", server_name=host, expect_ok=False)
                self.assertIn("host name mismatch", err)

    def test_common_name_only_without_alternative_names(self):
        r = self.pub("name-cn-host", "localhost")
        self.assertEqual(r.returncode, 0, r.stderr)


class CertificatePolicy(unittest.TestCase):
    """Keys of at least 2048 (RSA) / 256 (ECC) bits, no SHA-1 signatures, keyUsage honoured
    (issue 14 item 5: each was accepted): refused with a one-line cause that names the flag,
    accepted with that flag and its warning."""

    def pub(self, case, version, ca, *extra):
        return tern("pub", "-h", "localhost", "-p", str(TLS.ports[case]), "--cafile", CERTS.path(ca),
                    "--tls-version", version, "-t", "policy/t", "-m", "x", *extra)

    def check(self, case, why, flag, versions=("tlsv1.3", "tlsv1.2"), ca="ca.crt",
              whose="server certificate /CN=localhost"):
        for version in versions:
            with self.subTest(case=case, tls=version):
                r = self.pub(case, version, ca)
                self.assertNotEqual(r.returncode, 0)
                self.assertLess(r.returncode, 128)
                line = r.stderr.strip().splitlines()[-1]
                self.assertIn(f"{whose} refused: {why}", line)
                self.assertIn(flag, line)
                r = self.pub(case, version, ca, flag)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn(f"tern: warning: {flag}", r.stderr)

    def test_rsa_1024_key(self):
        self.check("weak-rsa1024", "RSA key of 1024 bits, under 2048", "--tls-allow-weak-keys")

    def test_sha1_signature(self):
        self.check("weak-sha1", "signed with SHA-1", "--tls-allow-sha1")

    def test_key_usage_crl_sign_only(self):
        # TLS 1.3 only: for TLS 1.2, OpenSSL itself will not sign with such a certificate.
        self.check("weak-crlsign", "its keyUsage allows neither digitalSignature nor keyAgreement",
                   "--tls-ignore-key-usage", versions=("tlsv1.3",))

    def test_trusted_ca_without_key_cert_sign(self):
        self.check("weak-ca-nosign", "its keyUsage does not allow keyCertSign", "--tls-ignore-key-usage",
                   ca="nosign-ca.crt", whose="CA certificate /CN=tern CA without keyCertSign")


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


class OpensslPskServer:
    """`openssl s_server` with a PSK and no certificate (TLS 1.2 only unless told otherwise),
    standing in for a broker: it answers the first CONNECT with a CONNACK and keeps what the
    client sent in `received`."""

    def __init__(self, *options):
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["openssl", "s_server", "-quiet", "-nocert", "-psk", PSK_HEX, "-psk_identity", PSK_ID,
             "-psk_hint", "tern-test", "-accept", str(self.port), *options],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.received = b""
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()
        if not wait_for_port(self.port):
            self.stop()
            raise RuntimeError("openssl s_server did not start")

    def read(self):
        answered = False
        while True:
            data = os.read(self.proc.stdout.fileno(), 4096)
            if not data:
                return
            self.received += data
            if not answered and self.received.startswith(b"\x10"):  # CONNECT
                self.proc.stdin.write(bytes([0x20, 2, 0, 0]))  # CONNACK accepted
                self.proc.stdin.flush()
                answered = True

    def wait_for(self, data, timeout=30):
        """Has `data` arrived (within timeout seconds)?"""
        deadline = time.monotonic() + timeout
        while data not in self.received and time.monotonic() < deadline:
            time.sleep(0.05)
        return data in self.received

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self.reader.join(10)
        self.proc.stdin.close()
        self.proc.stdout.close()


class PskDefaults(unittest.TestCase):
    """--psk without --tls-version reaches a TLS 1.2-only PSK server (issue 13 item 8: "no TLS
    version in common"), and by default offers only forward-secret PSK suites on TLS 1.2
    (issue 14 item 8: TLS_PSK_WITH_CHACHA20_POLY1305 was offered)."""

    def pub(self, server, *extra):
        return tern("pub", "-h", "localhost", "-p", str(server.port), "--psk", PSK_HEX,
                    "--psk-identity", PSK_ID, "-t", "psk/t", "-m", "over tls 1.2", "-V", "311",
                    "-d", *extra, timeout=60)

    def test_tls12_only_server_reached_by_default(self):
        server = OpensslPskServer("-tls1_2")
        try:
            r = self.pub(server)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("TLS TLSv1.2 DHE-PSK-", r.stderr)
            self.assertTrue(server.wait_for(b"over tls 1.2"), server.received)  # the PUBLISH
            self.assertIn(b"psk/t", server.received)
        finally:
            server.stop()

    def test_wrong_key_named_as_the_cause(self):
        """Whatever versions the server speaks, a wrong key is reported as a wrong key, not as
        "no TLS version in common"."""
        wrong = ["--psk", "ffeeddccbbaa99887766554433221100"]
        for versions in (["-tls1_2"], ["-tls1_3"], []):
            with self.subTest(server=versions or "TLS 1.2 and 1.3"):
                server = OpensslPskServer(*versions)
                try:
                    r = self.pub(server, *wrong)
                finally:
                    server.stop()
                self.assertNotEqual(r.returncode, 0)
                self.assertLess(r.returncode, 128)
                line = r.stderr.strip().splitlines()[-1]
                self.assertIn(f'rejected the pre-shared key for identity "{PSK_ID}"', line)

    def test_plain_psk_only_when_asked(self):
        server = OpensslPskServer("-tls1_2", "-cipher", "PSK-CHACHA20-POLY1305")
        try:
            refused = [self.pub(server), self.pub(server, "--tls-version", "tlsv1.2")]
            asked = self.pub(server, "--ciphers", "PSK-CHACHA20-POLY1305")
        finally:
            server.stop()
        for r in refused:
            self.assertNotEqual(r.returncode, 0)
            self.assertLess(r.returncode, 128)
            line = r.stderr.strip().splitlines()[-1]
            self.assertIn("PSK cipher suite", line)
            self.assertIn("forward secrecy", line)
        self.assertEqual(asked.returncode, 0, asked.stderr)
        self.assertIn("TLS TLSv1.2 PSK-CHACHA20-POLY1305", asked.stderr)


if __name__ == "__main__":
    unittest.main()
