"""The examples (examples/*.c) against a real mosquitto: built in this tree (ExamplesInTree),
and built again against an installed, moved tern, with find_package(tern) and with pkg-config
(InstalledPackage).

Environment: EXAMPLES_BIN (the directory of this tree's example programs), TERN_BUILD_DIR and
CMAKE_COMMAND (for the install), TERN_SOURCE_DIR."""
import os
import shutil
import subprocess
import tempfile
import unittest

from ternlab.harness import Broker, scaled, wrapped

MOSQUITTO_PUB = shutil.which("mosquitto_pub") or "mosquitto_pub"
MOSQUITTO_SUB = shutil.which("mosquitto_sub") or "mosquitto_sub"


def run(argv, timeout=30, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=scaled(timeout), **kw)


class ExampleRunner:
    """Runs each example against self.broker; self.bin(name) is the program's path."""

    def bin(self, name):
        raise NotImplementedError

    def mosquitto_sub(self, topic, count):
        """A mosquitto_sub that has its SUBACK (-d shows it) before this returns."""
        # stdbuf: mosquitto_sub's stdout is fully buffered on a pipe; its -d lines must come now.
        proc = subprocess.Popen(["stdbuf", "-oL", MOSQUITTO_SUB, "-h", "127.0.0.1", "-p", str(self.broker.port), "-d",
                                 "-t", topic, "-C", str(count), "-W", "20"],
                                stdout=subprocess.PIPE, bufsize=0)
        # Unbuffered, line by line: a buffered reader would wait for more than the broker sends.
        for line in iter(proc.stdout.readline, b""):
            if b"received SUBACK" in line:
                return proc
        raise AssertionError("mosquitto_sub never subscribed")

    def check_publisher(self, name):
        sub = self.mosquitto_sub("examples/" + name, 1)
        host = "127.0.0.1" if name == "custom_transport" else "localhost"  # it takes IPv4 only
        r = run(wrapped([self.bin(name), host, str(self.broker.port), "examples/" + name,
                         "hello from " + name]))
        self.assertEqual(r.returncode, 0, r.stderr)
        out, _ = sub.communicate(timeout=scaled(20))
        self.assertIn(b"hello from " + name.encode(), out)

    def test_publish_blocking(self):
        self.check_publisher("publish_blocking")

    def test_custom_transport(self):
        self.check_publisher("custom_transport")

    def test_subscriber_prints_what_mosquitto_pub_sends(self):
        proc = subprocess.Popen(wrapped([self.bin("subscribe"), "localhost", str(self.broker.port),
                                         "examples/sub/#", "2"]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        try:
            self.assertEqual(proc.stdout.readline(), "subscribed\n", proc.stderr.read() if proc.poll() else "")
            for i in (1, 2):
                run([MOSQUITTO_PUB, "-p", str(self.broker.port), "-q", "1", "-t", f"examples/sub/{i}",
                     "-m", f"message {i}"], check=True)
            out, err = proc.communicate(timeout=scaled(20))
        finally:
            if proc.poll() is None:
                proc.kill()
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(out, "examples/sub/1 message 1\nexamples/sub/2 message 2\n")

    def test_event_loop_drives_four_clients_in_one_thread(self):
        r = run(wrapped([self.bin("event_loop"), "localhost", str(self.broker.port), "4"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        for i in range(4):
            self.assertIn(f"event-loop-{(i + 1) % 4} got event-loop-{i} on loop/{(i + 1) % 4}", r.stdout)
        self.assertIn("all 4 clients got their message", r.stdout)

    def test_tls_pubsub_over_verified_tls(self):
        r = run(wrapped([self.bin("tls_pubsub"), "localhost", str(self.tls_port), self.certs.path("ca.crt")]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "hello/world: hi\n")

    def test_tls_pubsub_refuses_an_untrusted_broker(self):
        r = run(wrapped([self.bin("tls_pubsub"), "localhost", str(self.tls_port),
                         self.certs.path("other-ca.crt")]))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not signed by a trusted CA", r.stderr)

    def test_tls_forward_republishes_over_tls(self):
        fwd = subprocess.Popen(wrapped([self.bin("tls_forward"), "localhost", str(self.tls_port),
                                        self.certs.path("ca.crt")]),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        try:
            for line in iter(fwd.stdout.readline, ""):
                if line == "subscribed\n":
                    break
            sub = self.mosquitto_sub("forwarded/examples/#", 1)
            run([MOSQUITTO_PUB, "-p", str(self.broker.port), "-q", "1", "-t", "sensors/examples/tls",
                 "-m", "via tls_forward"], check=True)
            out, _ = sub.communicate(timeout=scaled(20))
        finally:
            fwd.terminate()  # SIGTERM: it waits for the last acknowledgement, then says how many
            rest, err = fwd.communicate(timeout=scaled(20))
        self.assertIn(b"via tls_forward", out)
        self.assertEqual((fwd.returncode, rest), (0, "forwarded 1, held 0 times\n"), err)

    @classmethod
    def start_brokers(cls):
        from ternlab.certs import Certs
        from ternlab.harness import free_port
        cls.workdir = tempfile.mkdtemp(prefix="tern-examples-")
        cls.certs = Certs(os.path.join(cls.workdir, "certs"))
        os.makedirs(cls.certs.path(""), exist_ok=True)
        cls.certs.generate()
        cls.tls_port = free_port()
        cls.broker = Broker(extra="per_listener_settings false\n" + cls.certs.tls_listener(cls.tls_port),
                            extra_ports=[cls.tls_port]).start()

    @classmethod
    def stop_brokers(cls):
        cls.broker.cleanup()
        shutil.rmtree(cls.workdir, ignore_errors=True)


class ExamplesInTree(ExampleRunner, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_brokers()

    @classmethod
    def tearDownClass(cls):
        cls.stop_brokers()

    def bin(self, name):
        return os.path.join(os.environ["EXAMPLES_BIN"], name)

    def test_readme_shows_the_tls_example_as_built(self):
        root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        with open(os.path.join(root, "README.md")) as f:
            readme = f.read()
        with open(os.path.join(root, "examples", "tls_pubsub.c")) as f:
            example = f.read()
        self.assertIn("```c\n" + example + "```", readme)


class InstalledPackage(ExampleRunner, unittest.TestCase):
    """cmake --install to a temporary prefix, then the prefix moved elsewhere (tern.pc and the
    CMake package must not name where they were installed); the installed examples built with
    find_package(tern) and checked to link the shared library as tern::tern; publish_blocking
    and subscribe built again with pkg-config alone."""

    @classmethod
    def setUpClass(cls):
        cls.start_brokers()
        cmake = os.environ.get("CMAKE_COMMAND", "cmake")
        first = os.path.join(cls.workdir, "installed-here")
        run([cmake, "--install", os.environ["TERN_BUILD_DIR"], "--prefix", first], check=True, timeout=120)
        cls.prefix = os.path.join(cls.workdir, "moved-there")
        os.rename(first, cls.prefix)
        examples = os.path.join(cls.prefix, "share", "doc", "tern", "examples")
        cls.cmake_bin = os.path.join(cls.workdir, "with-cmake")
        r = run([cmake, "-S", examples, "-B", cls.cmake_bin, f"-DCMAKE_PREFIX_PATH={cls.prefix}",
                 "-DCMAKE_BUILD_TYPE=Release"], timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        r = run([cmake, "--build", cls.cmake_bin, "-j2"], timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        cls.pkg_bin = os.path.join(cls.workdir, "with-pkg-config")
        os.makedirs(cls.pkg_bin)
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(cls.prefix, "lib", "pkgconfig"))
        flags = run(["pkg-config", "--cflags", "--libs", "tern"], env=env, check=True).stdout.split()
        for name in ("publish_blocking", "subscribe"):
            run(["cc", "-std=c11", "-o", os.path.join(cls.pkg_bin, name), os.path.join(examples, name + ".c"),
                 *flags, "-Wl,-rpath," + os.path.join(cls.prefix, "lib")], check=True, timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls.stop_brokers()

    def bin(self, name):
        return os.path.join(self.cmake_bin, name)

    def test_pkg_config_names_the_moved_prefix(self):
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(self.prefix, "lib", "pkgconfig"))
        cflags = run(["pkg-config", "--cflags", "tern"], env=env, check=True).stdout
        self.assertTrue(os.path.isfile(os.path.join(cflags.strip()[2:], "tern", "client.h")), cflags)

    def test_tern_tern_is_the_shared_library(self):
        dynamic = run(["readelf", "-d", self.bin("subscribe")], check=True).stdout
        self.assertIn("[libtern.so.0]", dynamic)

    def test_tern_tern_static_links_the_archive(self):
        cmake = os.environ.get("CMAKE_COMMAND", "cmake")
        out = os.path.join(self.workdir, "with-static")
        examples = os.path.join(self.prefix, "share", "doc", "tern", "examples")
        for argv in ([cmake, "-S", examples, "-B", out, f"-DCMAKE_PREFIX_PATH={self.prefix}",
                      "-DTERN_EXAMPLE_LIBRARY=tern::tern_static"],
                     [cmake, "--build", out, "--target", "tls_pubsub"]):
            r = run(argv, timeout=300)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        program = os.path.join(out, "tls_pubsub")
        dynamic = run(["readelf", "-d", program], check=True).stdout
        self.assertNotIn("libtern", dynamic)
        self.assertIn("libwolfssl", dynamic)  # the static target brings its dependency along
        r = run(wrapped([program, "localhost", str(self.tls_port), self.certs.path("ca.crt")]))
        self.assertEqual((r.returncode, r.stdout), (0, "hello/world: hi\n"), r.stderr)

    def test_man_page_and_headers_are_installed(self):
        self.assertTrue(os.path.isfile(os.path.join(self.prefix, "share", "man", "man1", "tern.1")))
        for header in ("client.h", "codec.h", "version.h", "tls.h"):
            self.assertTrue(os.path.isfile(os.path.join(self.prefix, "include", "tern", header)), header)

    def test_the_documents_the_readme_links_are_installed(self):
        docs = os.path.join(self.prefix, "share", "doc", "tern")
        for name in ("README.md", "security.md", "firmware-update.md", "porting.md", "api-changes.md"):
            self.assertTrue(os.path.isfile(os.path.join(docs, name)), name)

    def test_pkg_config_builds_work(self):
        sub = self.mosquitto_sub("examples/pkg", 1)
        r = run(wrapped([os.path.join(self.pkg_bin, "publish_blocking"), "localhost",
                         str(self.broker.port), "examples/pkg", "via pkg-config"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        out, _ = sub.communicate(timeout=scaled(20))
        self.assertIn(b"via pkg-config", out)


if __name__ == "__main__":
    unittest.main()
