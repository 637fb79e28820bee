"""Test certificates, generated at test time with the `openssl` command (no fixtures in git).

Certs(dir).generate() writes, under dir:
  ca.crt / ca.key                 the test CA (ECDSA P-256)
  other-ca.crt                    an unrelated CA (ECDSA P-256) that signed nothing we use
  server-ec.crt / .key            localhost + 127.0.0.1, ECDSA P-256 key, signed by the CA
  server-rsa.crt / .key           localhost + 127.0.0.1, RSA-2048 key, signed by the CA
  server-expired.crt / .key       localhost + 127.0.0.1, signed by the CA, valid 2020-2021 only
  server-selfsigned.crt / .key    localhost + 127.0.0.1, signed by itself
  server-wrongname.crt / .key     wrong.example.com only, signed by the CA
  client.crt / .key               client certificate (PEM), signed by the CA
  client.der / client-key.der     the same client certificate and key in DER

Certs(dir).generate_weak() adds weak-rsa1024 (an RSA-1024 key), weak-sha1 (signed with
ecdsa-with-SHA1) and weak-crlsign (keyUsage cRLSign only), localhost + 127.0.0.1, by the CA;
and nosign-ca.crt, a CA whose keyUsage lacks keyCertSign, with weak-ca-nosign signed by it.
Certs(dir).generate_name_checks() adds the server certificates of the host name checks
(RFC 6125), all signed by the CA and each for one case of NAME_CHECKS.
Standard library only.
"""
import os
import subprocess

SERVER_SAN = "DNS:localhost,IP:127.0.0.1"

CA_CONF = """[ca]
default_ca = tern
[tern]
database = {db}/index.txt
new_certs_dir = {db}
serial = {db}/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ca_nosign]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = {san}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server_nosan]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server_crlsign]
basicConstraints = CA:FALSE
keyUsage = critical,cRLSign
extendedKeyUsage = serverAuth
subjectAltName = {san}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


# Host name check certificates: name -> (common name, subjectAltName or None for none).
NAME_CHECKS = {
    "name-star": ("localhost", "DNS:*"),
    "name-starhost": ("localhost", "DNS:*host"),
    "name-star-com": ("example.com", "DNS:*.com"),
    "name-uri": ("localhost", "URI:localhost"),
    "name-dns-ip": ("127.0.0.1", "DNS:127.0.0.1"),
    "name-dns-wild-ip": ("127.0.0.1", "DNS:*.0.0.1"),
    "name-cn-ip": ("127.0.0.1", None),
    "name-cn-host": ("localhost", None),
    "name-wildcard": ("wildcard", "DNS:*.example.com"),
}


def _openssl(*args, cwd=None):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Certs:
    def __init__(self, directory):
        self.dir = directory

    def path(self, name):
        return os.path.join(self.dir, name)

    def _key(self, name, kind):
        if kind in ("rsa", "rsa1024"):
            bits = "1024" if kind == "rsa1024" else "2048"
            _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + bits,
                     "-out", self.path(name))
        else:
            _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-out", self.path(name))

    def _conf(self, ca, san=SERVER_SAN):
        """An `openssl ca` config (and its small database) for the CA named ca."""
        db = self.path(ca + ".db")
        os.makedirs(db, exist_ok=True)
        if not os.path.exists(os.path.join(db, "serial")):
            open(os.path.join(db, "index.txt"), "w").close()
            with open(os.path.join(db, "serial"), "w") as f:
                f.write("1000\n")
        conf = self.path(ca + ".cnf")
        with open(conf, "w") as f:
            f.write(CA_CONF.format(db=db, san=san))
        return conf

    def _ca(self, name, cn, ext="ca_ext"):
        self._key(name + ".key", "ec")
        conf = self._conf(name)
        _openssl("req", "-new", "-x509", "-key", self.path(name + ".key"), "-subj", "/CN=" + cn,
                 "-days", "3650", "-config", conf, "-extensions", ext,
                 "-out", self.path(name + ".crt"))

    def _issue(self, name, cn, kind="ec", ca="ca", ext="server", san=SERVER_SAN,
               dates=None, digest="sha256"):
        """Key name.key and certificate name.crt for cn, signed by ca."""
        self._key(name + ".key", kind)
        csr = self.path(name + ".csr")
        _openssl("req", "-new", "-key", self.path(name + ".key"), "-subj", "/CN=" + cn,
                 "-out", csr)
        conf = self._conf(ca, san)
        when = ["-startdate", dates[0], "-enddate", dates[1]] if dates else ["-days", "365"]
        _openssl("ca", "-batch", "-notext", "-config", conf, "-md", digest,
                 "-cert", self.path(ca + ".crt"),
                 "-keyfile", self.path(ca + ".key"), "-in", csr, "-extensions", ext,
                 *when, "-out", self.path(name + ".crt"))

    def _self_signed(self, name, cn):
        self._key(name + ".key", "ec")
        conf = self._conf(name)
        _openssl("req", "-new", "-x509", "-key", self.path(name + ".key"), "-subj", "/CN=" + cn,
                 "-days", "365", "-config", conf, "-extensions", "server",
                 "-out", self.path(name + ".crt"))

    def generate_name_checks(self):
        for name, (cn, san) in NAME_CHECKS.items():
            if san:
                self._issue(name, cn, san=san)
            else:
                self._issue(name, cn, ext="server_nosan")
        return self

    def generate_weak(self):
        """Server certificates that only the relaxed certificate policy accepts."""
        self._issue("weak-rsa1024", "localhost", kind="rsa1024")
        self._issue("weak-sha1", "localhost", digest="sha1")
        self._issue("weak-crlsign", "localhost", ext="server_crlsign")
        self._ca("nosign-ca", "tern CA without keyCertSign", ext="ca_nosign")
        self._issue("weak-ca-nosign", "localhost", ca="nosign-ca")
        return self

    def generate(self):
        self._ca("ca", "tern test CA")
        self._ca("other-ca", "tern unrelated CA")
        self._issue("server-ec", "localhost")
        self._issue("server-rsa", "localhost", kind="rsa")
        self._issue("server-expired", "localhost", dates=("20200101000000Z", "20210101000000Z"))
        self._issue("server-wrongname", "wrong.example.com", san="DNS:wrong.example.com")
        self._self_signed("server-selfsigned", "localhost")
        self._issue("client", "tern-client", ext="client")
        _openssl("x509", "-in", self.path("client.crt"), "-outform", "DER",
                 "-out", self.path("client.der"))
        _openssl("pkey", "-in", self.path("client.key"), "-outform", "DER",
                 "-out", self.path("client-key.der"))
        return self


if __name__ == "__main__":
    import sys
    Certs(sys.argv[1] if len(sys.argv) > 1 else ".").generate()
