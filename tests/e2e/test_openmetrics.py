"""/metrics speaks OpenMetrics to a client that asks for it (as Prometheus
does), checked by the strict parser of Debian's python3-prometheus-client, and
stays Prometheus text 0.0.4, accepted by promtool, for everyone else."""

import json
import os
import subprocess
import unittest

import harness

# Prometheus 2.42's Accept header.
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,"
                     "application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")

# Runs under Debian's interpreter, where python3-prometheus-client is
# installed, whatever interpreter runs this test. Prints every sample as
# [name, labels, value] and every family as [name, type].
PARSE = """
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
families, samples = [], []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append([family.name, family.type])
    for s in family.samples:
        samples.append([s.name, s.labels, s.value,
                        None if s.exemplar is None else [s.exemplar.labels, s.exemplar.value]])
print(json.dumps({"families": families, "samples": samples}))
"""

CONFIG = """
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:0
  files:
    - name: odd
      path: '{path}'
      start_at: beginning
limits:
  max_unknown_codes: 2
"""


def parse_openmetrics(text):
    result = subprocess.run(["/usr/bin/python3", "-c", PARSE], input=text.encode("utf-8"),
                            capture_output=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError("the OpenMetrics parser refused the page: %s\n%s"
                             % (result.stderr.decode(errors="replace"), text))
    return json.loads(result.stdout)


class OpenMetricsTest(unittest.TestCase):
    def setUp(self):
        tmp = harness.temp_dir(self, "cos-e2e-om-")
        # A file label with a quote, a backslash and a newline exercises escaping.
        self.path = os.path.join(tmp, 'we"ird\\name\nx.log')
        with open(self.path, "w") as f:
            f.write("code=-4016\n")
        config = CONFIG.format(path=os.path.join(tmp, 'we"ird*.log'))
        self.exporter = harness.Exporter(config, workdir=tmp)
        self.exporter.start()
        self.addCleanup(self.exporter.stop)
        for payload in ['{"code": -4016, "request_id": "r1"}', "-4016", "0", "-123456",
                        "-123457", "-123458"]:
            self.exporter.send_udp(payload)
        self.exporter.wait_metric("cos_events_total", 6, outcome="error")
        self.exporter.wait_metric("cos_errors_total", 3, category="file_plugin",
                                  code="-4016", name="ErrNotSameSHA")

    def test_prometheus_gets_openmetrics_that_the_python_parser_accepts(self):
        status, headers, body = self.exporter.get("/metrics", {"Accept": PROMETHEUS_ACCEPT})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"],
                         "application/openmetrics-text; version=1.0.0; charset=utf-8")
        self.assertIn("Accept", headers["Vary"])
        text = body.decode("utf-8")
        self.assertTrue(text.endswith("\n# EOF\n"), text[-200:])
        self.assertIn("# TYPE cos_errors counter\n", text)
        self.assertIn("# TYPE cos_error_exporter_build info\n", text)
        parsed = parse_openmetrics(text)
        types = dict(parsed["families"])
        self.assertEqual(types["cos_errors"], "counter")
        self.assertEqual(types["cos_events"], "counter")
        self.assertEqual(types["cos_error_code"], "info")
        self.assertEqual(types["process_open_fds"], "gauge")
        # Every sample of the text format is there, with the same value; the
        # file label keeps its quote, backslash and newline.
        om = {(name, tuple(sorted(labels.items()))): value
              for name, labels, value, _ in parsed["samples"]}
        text_page = harness.Metrics(self.exporter.get("/metrics")[2].decode("utf-8"))
        volatile = ("process_", "cos_error_exporter_config_last_reload_success_timestamp")
        for (name, labels), value in text_page.samples.items():
            if name.startswith(volatile):
                continue
            with self.subTest(name=name, labels=labels):
                self.assertEqual(om.get((name, labels)), value)
        self.assertEqual(len(om), len(text_page.samples))
        self.assertEqual(om[("cos_error_exporter_file_lines_total", (("path", self.path),))], 1)
        self.assertEqual(om[("cos_errors_total", (("category", "unknown"), ("code", "other"),
                                                  ("name", "UNKNOWN")))], 1)

    def test_an_openmetrics_0_0_1_request_gets_0_0_1(self):
        status, headers, body = self.exporter.get(
            "/metrics", {"Accept": "application/openmetrics-text;version=0.0.1,text/plain;q=0.5"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"],
                         "application/openmetrics-text; version=0.0.1; charset=utf-8")
        parse_openmetrics(body.decode("utf-8"))

    def test_the_default_stays_text_0_0_4_and_promtool_accepts_it(self):
        for accept in (None, "*/*", "text/plain", "application/openmetrics-text;version=9.9.9"):
            with self.subTest(accept=accept):
                status, headers, body = self.exporter.get(
                    "/metrics", {"Accept": accept} if accept else {})
                self.assertEqual(status, 200)
                self.assertEqual(headers["Content-Type"],
                                 "text/plain; version=0.0.4; charset=utf-8")
                self.assertNotIn(b"# EOF", body)
                self.assertIn(b"# TYPE cos_errors_total counter\n", body)
                check = subprocess.run(["promtool", "check", "metrics"], input=body,
                                       capture_output=True, timeout=60)
                self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_gzip_and_openmetrics_together(self):
        status, headers, body = self.exporter.get(
            "/metrics", {"Accept": PROMETHEUS_ACCEPT, "Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Encoding"], "gzip")
        self.assertEqual(headers["Vary"], "Accept, Accept-Encoding")
        import gzip
        parse_openmetrics(gzip.decompress(body).decode("utf-8"))


if __name__ == "__main__":
    unittest.main()
