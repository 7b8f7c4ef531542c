"""Bytes that are not UTF-8 (a file name, a basic-auth user name) never reach a
label value or a log line as they are: the scrape stays valid for Prometheus
(promtool check metrics) and every --log.format=json line is strict UTF-8 JSON."""

import base64
import json
import os
import subprocess
import unittest
import warnings

import harness

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

BAD_NAME = b"\xff\xfe.log"
BAD_USER = b"\xc3("  # a UTF-8 lead byte without its continuation


class NotUtf8Test(unittest.TestCase):
    def start(self, *args, web_config=None):
        """A daemon following logs/*.log, where a file named with bytes that
        are not UTF-8 holds one event; on a port chosen here, so that any log
        format works."""
        self.tmp = harness.temp_dir(self, "cos-e2e-utf8-")
        logs = os.path.join(self.tmp, "logs")
        os.mkdir(logs)
        with open(os.path.join(os.fsencode(logs), BAD_NAME), "wb") as f:
            f.write(b"code=-96\n")
        self.label = logs + "/\\xff\\xfe.log"  # the path label: \xNN, as text
        config = ("inputs:\n  files:\n    - {name: logs, path: '%s/*.log', start_at: beginning}\n"
                  % logs)
        args = list(args)
        if web_config is not None:
            path = os.path.join(self.tmp, "web.yml")
            with open(path, "w") as f:
                f.write(web_config)
            args.append("--web.config.file=" + path)
        self.port = harness.free_port()
        exporter = harness.Exporter(config, args=args, workdir=self.tmp,
                                    listen="127.0.0.1:%d" % self.port)
        exporter.start(expect_ready=False)
        self.addCleanup(exporter.stop)
        exporter.http_address = "127.0.0.1:%d" % self.port
        return exporter

    def wait_ready(self, exporter, headers=None):
        def ready():
            try:
                return exporter.get("/-/ready", headers)[0] == 200
            except OSError:
                return False
        exporter.wait_for(ready, 10, "/-/ready")

    def test_scrape_with_a_file_name_that_is_not_utf8_passes_promtool(self):
        exporter = self.start()
        self.wait_ready(exporter)
        m = exporter.wait_metric("cos_errors_total", 1, category="proxy", code="-96",
                                 name="ERROR_PROXY_AUTH_EXPIRED")
        self.assertEqual(m.get("cos_error_exporter_file_lines_total", path=self.label), 1)
        self.assertEqual(m.get("cos_error_exporter_events_received_total", input="logs"), 1)
        status, _, page = exporter.get("/metrics")
        self.assertEqual(status, 200)
        page.decode("utf-8")  # strict
        check = subprocess.run(["promtool", "check", "metrics"], input=page,
                               capture_output=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        # The landing page lists the followed file the same way.
        status, _, landing = exporter.get("/")
        self.assertEqual(status, 200)
        self.assertIn(self.label.encode(), landing.decode("utf-8").encode())

    def test_json_log_lines_stay_utf8(self):
        hashed = crypt.crypt("s3cret", "$2b$04$" + "abcdefghijklmnopqrstuv")
        exporter = self.start("--log.format=json",
                              web_config="basic_auth_users:\n  prom: '%s'\n" % hashed)
        good = {"Authorization": "Basic " + base64.b64encode(b"prom:s3cret").decode()}
        self.wait_ready(exporter, good)
        exporter.wait_for(lambda: any(b"following file" in raw for raw in exporter.raw_lines), 10,
                          "the file is followed")
        bad = base64.b64encode(BAD_USER + b":wrong").decode()
        status, _, _ = exporter.get("/metrics", {"Authorization": "Basic " + bad})
        self.assertEqual(status, 401)
        exporter.wait_for(lambda: any(b"authentication failed" in raw
                                      for raw in exporter.raw_lines),
                          10, "the failed login is logged")
        code, _ = exporter.stop()
        self.assertEqual(code, 0)
        objects = []
        for raw in exporter.raw_lines:
            obj = json.loads(raw.decode("utf-8"))  # strict: raises on bytes that are not UTF-8
            self.assertIsInstance(obj, dict, raw)
            objects.append(obj)
        followed = [o for o in objects if o["msg"] == "following file"]
        self.assertEqual([o["path"] for o in followed], [self.label])
        failed = [o for o in objects if o["msg"] == "HTTP basic authentication failed"]
        self.assertEqual([o["user"] for o in failed], ["\\xc3("])


if __name__ == "__main__":
    unittest.main()
