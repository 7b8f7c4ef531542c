"""TLS, mutual TLS and basic auth on the real binary, with
certificates made by openssl in the test."""

import base64
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest
import warnings

import harness

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(directory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "1", "-subj", "/CN=test-ca", cwd=directory)
    for name, san in (("server", "IP:127.0.0.1,DNS:localhost"), ("client", "DNS:prometheus")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                name + ".csr",
                "-subj", "/CN=" + name, cwd=directory)
        with open(os.path.join(directory, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\n" % san)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".crt", "-days", "1", "-extfile", name + ".ext",
                cwd=directory)


def bcrypt(password):
    return crypt.crypt(password, "$2b$04$" + "abcdefghijklmnopqrstuv")


class WebConfigTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="cos-e2e-tls-")
        make_pki(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def start(self, web_config):
        path = os.path.join(self.tmp, "web.yml")
        with open(path, "w") as f:
            f.write(web_config)
        exporter = harness.Exporter("inputs: {udp: [{name: udp, listen: '127.0.0.1:0'}]}",
                                    args=["--web.config.file=" + path])
        exporter.scheme = "https"
        exporter.start()
        self.addCleanup(exporter.__exit__, None, None, None)
        return exporter

    def client_context(self, with_certificate=False):
        context = ssl.create_default_context(cafile=os.path.join(self.tmp, "ca.crt"))
        if with_certificate:
            context.load_cert_chain(os.path.join(self.tmp, "client.crt"),
                                    os.path.join(self.tmp, "client.key"))
        return context

    def test_tls_and_basic_auth(self):
        hashed = bcrypt("s3cret")
        self.assertTrue(hashed.startswith("$2b$04$"), "libcrypt must support bcrypt")
        exporter = self.start("tls_server_config:\n  cert_file: server.crt\n"
                              "  key_file: server.key\n"
                              "basic_auth_users:\n  prom: '%s'\n" % hashed)
        self.assertIn("tls=true", exporter.log_text())
        context = self.client_context()

        status, headers, _ = exporter.get("/metrics", context=context)
        self.assertEqual(status, 401)
        self.assertEqual(headers.get("WWW-Authenticate"), 'Basic realm="cos_error_exporter"')

        def auth(user, password):
            token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
            return {"Authorization": "Basic " + token}

        self.assertEqual(exporter.get("/metrics", auth("prom", "wrong"), context=context)[0], 401)
        self.assertEqual(exporter.get("/metrics", auth("nobody", "s3cret"), context=context)[0],
                         401)
        self.assertEqual(exporter.get("/-/healthy", context=context)[0], 401)
        for _ in range(2):  # the second time from the cache of verified passwords
            status, _, body = exporter.get("/metrics", auth("prom", "s3cret"), context=context)
            self.assertEqual(status, 200)
            self.assertIn(b"cos_errors_total", body)
        self.assertEqual(exporter.get("/-/ready", auth("prom", "s3cret"), context=context)[0], 200)

        # Plain HTTP to the TLS port is refused: at most a 400 saying so (as Go's
        # servers answer), never the metrics.
        host, port = exporter.http_address.rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        answered, body = None, b""
        try:
            connection.request("GET", "/metrics")
            response = connection.getresponse()
            answered, body = response.status, response.read()
        except (ConnectionError, http.client.HTTPException, socket.timeout, OSError):
            pass
        self.assertIn(answered, (None, 400))
        self.assertNotIn(b"cos_errors_total", body)

    def test_mutual_tls(self):
        exporter = self.start("tls_server_config:\n  cert_file: server.crt\n"
                              "  key_file: server.key\n"
                              "  client_auth_type: RequireAndVerifyClientCert\n"
                              "  client_ca_file: ca.crt\n")
        status, _, body = exporter.get("/metrics", context=self.client_context(True))
        self.assertEqual(status, 200)
        self.assertIn(b"cos_events_total", body)
        with self.assertRaises(Exception):
            exporter.get("/metrics", context=self.client_context(False))
        # A certificate from another CA is refused too.
        other = os.path.join(self.tmp, "other")
        os.makedirs(other, exist_ok=True)
        make_pki(other)
        context = self.client_context()
        context.load_cert_chain(os.path.join(other, "client.crt"),
                                os.path.join(other, "client.key"))
        with self.assertRaises(Exception):
            exporter.get("/metrics", context=context)

    def test_reload_rotates_certificate_and_passwords(self):
        rotated = os.path.join(self.tmp, "rotated")
        os.makedirs(rotated, exist_ok=True)
        make_pki(rotated)
        exporter = self.start("tls_server_config:\n  cert_file: server.crt\n"
                              "  key_file: server.key\n"
                              "basic_auth_users:\n  prom: '%s'\n" % bcrypt("first"))
        old_ca, new_ca = self.client_context(), ssl.create_default_context(
            cafile=os.path.join(rotated, "ca.crt"))

        def auth(password):
            token = base64.b64encode(("prom:%s" % password).encode()).decode()
            return {"Authorization": "Basic " + token}

        self.assertEqual(exporter.get("/-/ready", auth("first"), context=old_ca)[0], 200)
        web = os.path.join(self.tmp, "web.yml")
        with open(web, "w") as f:
            f.write("tls_server_config:\n  cert_file: rotated/server.crt\n"
                    "  key_file: rotated/server.key\nbasic_auth_users:\n  prom: '%s'\n"
                    % bcrypt("second"))
        status, _, body = exporter.get("/-/reload", auth("first"), method="POST", data=b"",
                                       context=old_ca)
        self.assertEqual(status, 200, body)
        # New connections: the new certificate and the new password.
        with self.assertRaises(Exception):
            exporter.get("/-/ready", auth("second"), context=old_ca)
        self.assertEqual(exporter.get("/-/ready", auth("second"), context=new_ca)[0], 200)
        self.assertEqual(exporter.get("/-/ready", auth("first"), context=new_ca)[0], 401)

        # A web config that cannot be used fails the reload whole.
        with open(web, "w") as f:
            f.write("tls_server_config:\n  cert_file: rotated/server.crt\n"
                    "  key_file: missing.key\n")
        status, _, body = exporter.get("/-/reload", auth("second"), method="POST", data=b"",
                                       context=new_ca)
        self.assertEqual(status, 500)
        self.assertIn(b"web.yml:3:13", body)
        self.assertEqual(exporter.get("/-/ready", auth("second"), context=new_ca)[0], 200)
        m = exporter.get("/metrics", auth("second"), context=new_ca)[2].decode()
        self.assertIn("cos_error_exporter_config_last_reload_successful 0", m)

    def test_bad_web_config_is_refused_with_its_position(self):
        path = os.path.join(self.tmp, "bad.yml")
        with open(path, "w") as f:
            f.write("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                    "  min_version: TLS99\n")
        r = harness.run_cli("check-config", "--web.config.file=" + path)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith(path + ":4:16: "), r.stderr)
        exporter = harness.Exporter(None, args=["--web.config.file=" + path])
        exporter.start(expect_ready=False)
        self.assertEqual(exporter.process.wait(10), 1)
        exporter.wait_for(lambda: (path + ":4:16: ") in exporter.log_text())
        with open(path, "w") as f:
            f.write("basic_auth_users:\n  prom: plaintext\n")
        r = harness.run_cli("check-config", "--web.config.file=" + path)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.startswith(path + ":2:9: "), r.stderr)


if __name__ == "__main__":
    unittest.main()
