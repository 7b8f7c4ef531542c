"""Odd values, end to end: a Python dict's own keys (not a nested dict's) and
its escapes, logfmt escapes; a path label from a directory whose name is not
UTF-8; an exemplar value with a `}` that a strict OpenMetrics parser would
refuse (left out and counted; both real parsers take the page); and the
limits.max_series overflow counter, once per event."""

import http.server
import os
import shutil
import subprocess
import threading
import time
import unittest

import harness
from test_openmetrics import PROMETHEUS_ACCEPT, parse_openmetrics

ERRORS = "cos_errors_total"
SHA = {"category": "file_plugin", "code": "-4016", "name": "ErrNotSameSHA"}
PROXY_96 = {"category": "proxy", "code": "-96", "name": "ERROR_PROXY_AUTH_EXPIRED"}
DROPPED = "cos_error_exporter_exemplar_values_dropped_total"
OVERFLOW = "cos_error_exporter_label_overflow_total"
OM_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8"


def errors_by_bucket(m, code):
    return {dict(labels).get("bucket", ""): v for labels, v in m.series(ERRORS).items()
            if ("code", code) in labels and v}


class OddValuesTest(unittest.TestCase):
    def start(self, config, tmp):
        exporter = harness.Exporter(config, workdir=tmp).start()
        self.addCleanup(exporter.stop)
        return exporter

    def test_values_read_as_their_writers_meant_them(self):
        tmp = harness.temp_dir(self, "cos-e2e-odd-")
        exporter = self.start("""
inputs:
  udp:
    - {name: udp, listen: 127.0.0.1:0}
event_labels:
  - {name: bucket, field: bucket}
""", tmp)
        exporter.send_udp("\n".join([
            "{'nested': {'code': -97}, 'code': -96, 'bucket': 'p2'}",
            r"ERROR: {'code': -96, 'bucket': 'p4\'s'}",
            r"ERROR: {u'code': -96, u'bucket': u'\x41\u00e9'}",
            r'code=-96 bucket="l2 \"esc\""',
            '{"nested": {"code": -97}, "code": -96, "bucket": "j1"}',
            "{'nested': {'code': -97}}",  # no key of its own: no event
        ]))
        exporter.wait_metric("cos_error_exporter_lines_without_event_total", 1,
                             input="udp", reason="no_event")
        exporter.wait_for(lambda: sum(errors_by_bucket(exporter.metrics(), "-96").values()) == 5,
                          10, "five -96 events")
        m = exporter.metrics()
        self.assertEqual(errors_by_bucket(m, "-96"),
                         {"p2": 1, "p4's": 1, "Aé": 1, 'l2 "esc"': 1, "j1": 1})
        self.assertEqual(errors_by_bucket(m, "-97"), {})

    def test_a_pod_directory_that_is_not_utf8_gives_xnn_path_labels(self):
        tmp = harness.temp_dir(self, "cos-e2e-odd-")
        pods = os.path.join(tmp, "pods").encode()
        pod_dir = os.path.join(pods, b"ns_\xff\xfe_uid", b"sdk")
        os.makedirs(pod_dir)
        with open(os.path.join(pod_dir, b"0.log"), "w") as f:
            f.write("code=-4016\n")
        regex = r"^{root}/(?P<namespace>[^_]+)_(?P<pod>[^_]+)_[^/]+/(?P<container>[^/]+)/"
        exporter = self.start(f"""
inputs:
  files:
    - name: pods
      path: {pods.decode()}/*/*/*.log
      start_at: beginning
      path_labels: '{regex.format(root=pods.decode())}'
""", tmp)
        m = exporter.wait_metric(ERRORS, 1, **SHA, namespace="ns", pod="\\xff\\xfe",
                                 container="sdk")
        check = subprocess.run(["promtool", "check", "metrics"], input=m.text.encode(),
                               capture_output=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_max_series_overflow_counts_each_event_once(self):
        tmp = harness.temp_dir(self, "cos-e2e-odd-")
        exporter = self.start("""
inputs:
  udp:
    - {name: udp, listen: 127.0.0.1:0}
event_labels:
  - {name: bucket, field: bucket}
limits:
  max_series: 6
""", tmp)
        # Each -4016 event adds to three series (its code's, the outcome's, the
        # integrity group's): two buckets make the six; ten more overflow, once each.
        exporter.send_udp("\n".join("code=-4016 bucket=b%02d" % i for i in range(12)))
        exporter.send_udp("code=-4016 bucket=b99 count=5")
        m = exporter.wait_metric(ERRORS, 15, **SHA, bucket="other")
        self.assertEqual(m.get(OVERFLOW, label="limits.max_series"), 15)
        self.assertEqual(m.get(ERRORS, **SHA, bucket="b00"), 1)
        self.assertEqual(m.get("cos_group_errors_total", group="integrity", bucket="other"), 15)


class ExemplarWithBraceTest(unittest.TestCase):
    """What the real parsers do with `}` in an exemplar value, and what the
    exporter does about it."""

    def serve(self, body):
        """A one-page OpenMetrics server; its address."""
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", OM_TYPE)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        return "127.0.0.1:%d" % server.server_address[1]

    def prometheus(self, tmp, target):
        if shutil.which("prometheus") is None:
            self.skipTest("prometheus is missing: install scripts/test-packages.txt")
        prometheus = harness.Prometheus(tmp, target, "job", [],
                                        args=["--enable-feature=exemplar-storage"])
        self.addCleanup(prometheus.stop)
        prometheus.wait_ready()
        return prometheus

    def exemplars(self, prometheus, query):
        now = time.time()
        data = prometheus.api("query_exemplars", query=query, start=now - 600, end=now + 60)
        return [e["labels"] for s in data for e in s["exemplars"]]

    def wait_exemplar(self, prometheus, query, labels, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.exemplars(prometheus, query)
            if labels in got:
                return got
            time.sleep(0.25)
        raise AssertionError(f"no exemplar {labels}; got {got}\n{prometheus.log_text()}")

    def test_the_parsers_prometheus_takes_a_brace_python_client_refuses_the_page(self):
        page = ('# TYPE cos_errors counter\n'
                'cos_errors_total{code="-96"} 7 # {request_id="brace}x"} 1 %.3f\n'
                '# EOF\n') % time.time()
        with self.assertRaisesRegex(AssertionError, "refused the page"):
            parse_openmetrics(page)
        tmp = harness.temp_dir(self, "cos-e2e-brace-")
        prometheus = self.prometheus(tmp, self.serve(page))
        prometheus.wait_value('up{job="job"}', 1)
        self.wait_exemplar(prometheus, 'cos_errors_total', {"request_id": "brace}x"})

    def test_an_exemplar_value_with_a_brace_is_left_out_and_counted(self):
        tmp = harness.temp_dir(self, "cos-e2e-brace-")
        exporter = harness.Exporter("""
inputs:
  udp:
    - {name: udp, listen: 127.0.0.1:0}
exemplar_fields: [request_id, trace_id]
""", workdir=tmp).start()
        self.addCleanup(exporter.stop)
        exporter.send_udp('{"code":-96,"request_id":"NTk-1"}')
        exporter.wait_metric(ERRORS, 1, **PROXY_96)
        exporter.send_udp('{"code":-96,"request_id":"brace}x","trace_id":"t}"}')
        m = exporter.wait_metric(DROPPED, 2, reason="brace")
        self.assertEqual(m.get(ERRORS, **PROXY_96), 2)
        self.assertEqual(m.get(DROPPED, reason="too_long"), 0)
        # The strict parser takes the page; the exemplar is the last one that could be kept.
        status, _, body = exporter.get("/metrics", {"Accept": PROMETHEUS_ACCEPT})
        self.assertEqual(status, 200)
        parsed = parse_openmetrics(body.decode("utf-8"))
        exemplars = [e for name, labels, _, e in parsed["samples"]
                     if name == ERRORS and labels.get("code") == "-96"]
        self.assertEqual(exemplars, [[{"request_id": "NTk-1"}, 1.0]])
        # So does Prometheus, with exemplar storage on.
        prometheus = self.prometheus(tmp, exporter.http_address)
        prometheus.wait_value('up{job="job"}', 1)
        self.wait_exemplar(prometheus, 'cos_errors_total{code="-96"}', {"request_id": "NTk-1"})


if __name__ == "__main__":
    unittest.main()
