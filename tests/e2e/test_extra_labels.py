"""Extra labels on the event series: static per input, from an event field,
from a Kubernetes-style file path; bounded by max_values (the 101st bucket is
"other", counted in cos_error_exporter_label_overflow_total); without extra
labels configured, the series are the ones they always were. The scrape
passes promtool and the OpenMetrics parser."""

import os
import subprocess
import unittest

import harness
from test_openmetrics import PROMETHEUS_ACCEPT, parse_openmetrics

ERRORS = "cos_errors_total"
EVENTS = "cos_events_total"
GROUPS = "cos_group_errors_total"
OVERFLOW = "cos_error_exporter_label_overflow_total"
SHA = {"category": "file_plugin", "code": "-4016", "name": "ErrNotSameSHA"}
PATH_REGEX = (r"^{root}/(?P<namespace>[^_]+)_(?P<pod>[^_]+)_[^/]+/(?P<container>[^/]+)/")


class ExtraLabelsTest(unittest.TestCase):
    def start(self, config, tmp):
        exporter = harness.Exporter(config, workdir=tmp).start()
        self.addCleanup(exporter.stop)
        return exporter

    def test_static_event_and_path_labels_and_the_101st_bucket(self):
        tmp = harness.temp_dir(self, "cos-e2e-labels-")
        pods = os.path.join(tmp, "pods")
        pod_dir = os.path.join(pods, "payments_uploader-7d9f_0b5e", "sdk")
        os.makedirs(pod_dir)
        with open(os.path.join(pod_dir, "0.log"), "w") as f:
            f.write("code=-4016 bucket=b000 request_id=NTk-file\n")
        config = f"""
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:0
      labels: {{service: uploader, env: prod}}
  files:
    - name: pods
      path: {pods}/*/*/*.log
      start_at: beginning
      path_labels: '{PATH_REGEX.format(root=pods)}'
event_labels:
  - {{name: bucket, field: bucket}}
"""
        exporter = self.start(config, tmp)
        path_series = dict(SHA, bucket="b000", namespace="payments", pod="uploader-7d9f",
                           container="sdk", env="", service="")
        exporter.wait_metric(ERRORS, 1, **path_series)
        for i in range(101):
            exporter.send_udp('{"code":-4016,"bucket":"b%03d","request_id":"NTk-%d"}' % (i, i))
        exporter.send_udp('{"code":0}')
        udp = dict(env="prod", service="uploader", namespace="", pod="", container="")
        exporter.wait_metric(OVERFLOW, 1, label="bucket")
        exporter.wait_metric(EVENTS, 1, outcome="success", bucket="", **udp)
        m = exporter.metrics()
        self.assertEqual(m.get(ERRORS, **SHA, bucket="b000", **udp), 1)
        self.assertEqual(m.get(ERRORS, **SHA, bucket="b099", **udp), 1)
        self.assertEqual(m.get(ERRORS, **SHA, bucket="other", **udp), 1)
        self.assertIsNone(m.get(ERRORS, **SHA, bucket="b100", **udp))
        self.assertEqual(m.get(GROUPS, group="integrity", bucket="other", **udp), 1)
        self.assertEqual(m.get(OVERFLOW, label="limits.max_series"), 0)
        # Totals stay exact: every event is in exactly one series.
        self.assertEqual(sum(m.series(ERRORS).values()), 102)
        self.assertEqual(sum(v for labels, v in m.series(EVENTS).items()
                             if ("outcome", "error") in labels), 102)
        self.assertEqual(m.get(ERRORS, **SHA), 0)  # the series without extra labels
        check = subprocess.run(["promtool", "check", "metrics"], input=m.text.encode(),
                               capture_output=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        status, _, body = exporter.get("/metrics", {"Accept": PROMETHEUS_ACCEPT})
        parsed = parse_openmetrics(body.decode("utf-8"))
        exemplars = [e for name, labels, _, e in parsed["samples"]
                     if name == ERRORS and labels.get("bucket") == "b042"]
        self.assertEqual(exemplars, [[{"request_id": "NTk-42"}, 1.0]])

    def test_without_extra_labels_the_series_are_the_ones_they_always_were(self):
        tmp = harness.temp_dir(self, "cos-e2e-labels-")
        exporter = self.start("inputs:\n  udp:\n    - {name: udp, listen: 127.0.0.1:0}\n", tmp)
        for line in ('{"code":-4016,"bucket":"b1","request_id":"r"}', "code=0 bucket=b2", "-9999"):
            exporter.send_udp(line)
        m = exporter.wait_metric(EVENTS, 2, outcome="error")
        label_names = {}
        for (name, labels) in m.samples:
            label_names.setdefault(name, set()).add(tuple(k for k, _ in labels))
        self.assertEqual(label_names[ERRORS], {("category", "code", "name")})
        self.assertEqual(label_names[EVENTS], {("outcome",)})
        self.assertEqual(label_names[GROUPS], {("group",)})
        self.assertNotIn(OVERFLOW, m.text)
        self.assertEqual(m.get(ERRORS, **SHA), 1)


if __name__ == "__main__":
    unittest.main()
