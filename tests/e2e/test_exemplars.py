"""Each cos_errors_total series carries its last event's request_id (and
trace_id) as an OpenMetrics exemplar; a real Prometheus with exemplar storage
scrapes the exporter and answers /api/v1/query_exemplars with them."""

import shutil
import time
import unittest

import harness

JOB = "cos_error_exporter"
CONFIG = """
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:0
  unixgram: []
exemplar_fields: [request_id, trace_id]
"""


class ExemplarsInPrometheus(unittest.TestCase):
    def setUp(self):
        if shutil.which("prometheus") is None:
            self.skipTest("prometheus is missing: install scripts/test-packages.txt")
        tmp = harness.temp_dir(self, "cos-e2e-exemplars-")
        self.exporter = harness.Exporter(CONFIG, workdir=tmp).start()
        self.addCleanup(self.exporter.stop)
        self.prometheus = harness.Prometheus(tmp, self.exporter.http_address, JOB, [],
                                             args=["--enable-feature=exemplar-storage"])
        self.addCleanup(self.prometheus.stop)
        self.prometheus.wait_ready()
        self.prometheus.wait_value(f'up{{job="{JOB}"}}', 1)

    def exemplars(self, query):
        now = time.time()
        data = self.prometheus.api("query_exemplars", query=query, start=now - 600, end=now + 60)
        return [(tuple(sorted(s["seriesLabels"].items())), e["labels"], float(e["value"]))
                for s in data for e in s["exemplars"]]

    def wait_exemplar(self, query, labels, timeout=60):
        deadline = time.monotonic() + timeout
        got = None
        while time.monotonic() < deadline:
            got = self.exemplars(query)
            if any(e == labels for _, e, _ in got):
                return got
            time.sleep(0.25)
        raise AssertionError(f"no exemplar {labels} for {query}; got {got}\n"
                             f"{self.prometheus.log_text()}")

    def test_query_exemplars_returns_the_request_id_of_a_recent_4016_event(self):
        self.exporter.send_udp('{"code":-4016,"message":"ErrNotSameSHA",'
                               '"request_id":"NTk0ZGY3XzQ2ZTMwYjA5XzEyMzQ1Njc4XzE"}')
        query = 'cos_errors_total{code="-4016"}'
        got = self.wait_exemplar(query, {"request_id": "NTk0ZGY3XzQ2ZTMwYjA5XzEyMzQ1Njc4XzE"})
        series = {labels for labels, _, _ in got}
        self.assertEqual(series, {(("__name__", "cos_errors_total"), ("category", "file_plugin"),
                                   ("code", "-4016"), ("instance", self.exporter.http_address),
                                   ("job", JOB), ("name", "ErrNotSameSHA"))})
        # A later event replaces it, trace_id and count included; logfmt works too.
        self.exporter.send_udp("code=-4016 count=3 request_id=NTk-second trace_id=4bf92f3577b34da6")
        got = self.wait_exemplar(query, {"request_id": "NTk-second",
                                         "trace_id": "4bf92f3577b34da6"})
        self.assertIn(3.0, [value for _, labels, value in got
                            if labels["request_id"] == "NTk-second"])
        # A series whose events carried no request_id has no exemplar.
        self.exporter.send_udp('{"code":-96}')
        self.exporter.send_udp('{"code":-4016,"request_id":"NTk-third"}')
        self.wait_exemplar(query, {"request_id": "NTk-third"})
        self.assertEqual(self.exemplars('cos_errors_total{code="-96"}'), [])


if __name__ == "__main__":
    unittest.main()
