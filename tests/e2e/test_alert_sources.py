#!/usr/bin/env python3
# ctest-labels: slow (a real Prometheus: a minute or more)
"""Alerts over extra labels, against the real exporter and a real Prometheus
(scrape and rule evaluation every second) on the rules `cos_error_exporter
rules` prints for a config with a static label per input (`service`, `env`),
path labels (`namespace`, `pod`, `container` of a Kubernetes-style log path)
and an event label (`bucket`).

Prometheus scrapes the exporter as the prometheus-operator does: with the
target labels namespace, pod, container, service and endpoint of the
exporter's own pod, and `honor_labels: true` (the ServiceMonitor's
honorLabels), so the sources' labels of the same names survive.

A spike of -4016 spread over four sources (8, 4, 2 and 0.5 errors/s) fires ONE
CosErrorGroupSpike for the group and ONE CosErrorCodeSpike for the code, and
both descriptions name the three busiest sources with their rates; a source
without a bucket shows no `bucket=`.
"""

import os
import re
import subprocess
import unittest

import harness
from test_alert_delivery import Paced, Sender, wait_until

JOB = "cos"
WINDOW, BASELINE_S = "10s", 40
ALERT = f"{{rate: 1, window: {WINDOW}, spike_factor: 2, baseline: {BASELINE_S}s, for: 0s}}"
# What the prometheus-operator gives an exporter pod's target.
TARGET = {"namespace": "monitoring", "pod": "cos-error-exporter-x7k2p", "container": "exporter",
          "service": "cos-error-exporter", "endpoint": "metrics"}
POD = {"namespace": "payments", "pod": "uploader-7d9f", "container": "sdk"}
SOURCES_LINE = re.compile(r"^Top sources: (.*)$", re.M)
SOURCE = re.compile(r"(.*?) ?\(([0-9.]+)(m?)/s\)")  # as humanize writes rates under 1000
EXPECTED = ["env=prod service=uploader bucket=b1",
            "namespace=payments pod=uploader-7d9f container=sdk bucket=b3",
            "env=prod service=downloader"]


def config(pods):
    return f"""\
inputs:
  udp:
    - name: uploader
      listen: 127.0.0.1:0
      labels: {{service: uploader, env: prod}}
    - name: downloader
      listen: 127.0.0.1:0
      labels: {{service: downloader, env: prod}}
  files:
    - name: pods
      path: {pods}/*/*/*.log
      start_at: beginning
      path_labels: '^{pods}/(?P<namespace>[^_/]+)_(?P<pod>[^_/]+)_[^/]+/(?P<container>[^/]+)/'
event_labels:
  - {{name: bucket, field: bucket}}
groups:
  integrity:
    codes: [-4016]
    alert: {ALERT}
code_alert: {ALERT}
"""


def top_sources(description):
    """[(labels text, rate)] of the description's "Top sources:" line."""
    match = SOURCES_LINE.search(description)
    if not match:
        return []
    sources = []
    for part in match.group(1).split(", "):
        source = SOURCE.fullmatch(part)
        if not source:
            raise AssertionError(f"{part!r} is not a source in: {description}")
        labels, number, milli = source.groups()
        sources.append((labels, float(number) / (1000 if milli else 1)))
    return sources


class AlertSources(unittest.TestCase):
    def setUp(self):
        self.dir = harness.temp_dir(self, "cos-alert-sources-")
        pods = os.path.join(self.dir, "pods")
        pod_dir = os.path.join(pods, "payments_uploader-7d9f_0b5e", "sdk")
        os.makedirs(pod_dir)
        self.log = open(os.path.join(pod_dir, "0.log"), "a", buffering=1)
        self.addCleanup(self.log.close)
        self.log.write("code=-4016 bucket=b3\n")
        self.exporter = harness.Exporter(config=config(pods), workdir=self.dir).start()
        self.addCleanup(self.exporter.stop)
        rules = os.path.join(self.dir, "rules.yml")
        result = subprocess.run(
            [harness.BINARY, "rules", f"--config.file={self.exporter.config_path}"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(rules, "w") as f:
            f.write(result.stdout)
        check = subprocess.run(["promtool", "check", "rules", rules], capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.prometheus = harness.Prometheus(self.dir, self.exporter.http_address, JOB, [rules],
                                             target_labels=TARGET, honor_labels=True)
        self.addCleanup(self.prometheus.stop)

    def send(self, input_name, line, per_second):
        sender = Sender(self.exporter.udp_address(input_name), line, per_second)
        self.addCleanup(sender.stop)

    def alerts(self, name):
        return [a for a in self.prometheus.api("alerts")["alerts"]
                if a["labels"]["alertname"] == name]

    def details(self):
        return (f"alerts: {self.prometheus.api('alerts')}\n"
                f"prometheus: {self.prometheus.log_text()}")

    def test_a_spread_spike_fires_once_per_group_and_code_naming_its_top_sources(self):
        self.prometheus.wait_ready()
        # One event of each source for history, then one baseline of it.
        self.exporter.send_udp('{"code":-4016,"bucket":"b1"}', name="uploader")
        self.exporter.send_udp('{"code":-4016,"bucket":"b2"}', name="uploader")
        self.exporter.send_udp('{"code":-4016}', name="downloader")
        wait_until(lambda: len(self.prometheus.query('cos_errors_total{code="-4016"} > 0')) == 4,
                   60,
                   "the four sources' series", self.details)

        # The sources' labels survive the target's labels of the same names
        # (no exported_namespace); the exporter's own metrics keep the target's.
        (pod_series,) = self.prometheus.query('cos_errors_total{bucket="b3"}')
        self.assertEqual({k: pod_series[0].get(k) for k in POD}, POD)
        self.assertEqual(self.prometheus.query('{__name__=~".+", exported_namespace!=""}'), [])
        (build,) = self.prometheus.query("cos_error_exporter_build_info")
        self.assertEqual({k: build[0].get(k) for k in TARGET}, TARGET)

        wait_until(lambda: self.prometheus.query(
            f'cos_group_errors_total{{group="integrity"}} offset {BASELINE_S}s'),
            BASELINE_S + 90, "one baseline of history", self.details)
        self.send("uploader", '{"code":-4016,"bucket":"b1"}', 8)
        writer = Paced(lambda: self.log.write("code=-4016 bucket=b3\n"), 4)
        self.addCleanup(writer.stop)
        self.send("downloader", '{"code":-4016}', 2)
        self.send("uploader", '{"code":-4016,"bucket":"b2"}', 0.5)

        most = {"CosErrorGroupSpike": 0, "CosErrorCodeSpike": 0}
        seen = {}

        def both_name_the_top_sources():
            # The first evaluations may see only the sources scraped so far.
            for name in most:
                alerts = self.alerts(name)
                most[name] = max(most[name], len(alerts))
                for alert in alerts:
                    sources = top_sources(alert["annotations"]["description"])
                    if alert["state"] == "firing" and [s for s, _ in sources] == EXPECTED:
                        seen[name] = alert
            return len(seen) == 2
        wait_until(both_name_the_top_sources, 90, "both alerts naming the top three sources",
                   self.details)
        # Over the spike's whole life (a step alerts for baseline / spike_factor at
        # most), however many sources: one alert each, never one per source.
        wait_until(lambda: both_name_the_top_sources() and not (
            self.alerts("CosErrorGroupSpike") or self.alerts("CosErrorCodeSpike")), 90,
            "the spike's alerts to end", self.details)

        self.assertEqual(most, {"CosErrorGroupSpike": 1, "CosErrorCodeSpike": 1}, self.details())
        group, code = seen["CosErrorGroupSpike"], seen["CosErrorCodeSpike"]
        self.assertEqual(group["labels"]["group"], "integrity")
        self.assertEqual(code["labels"]["code"], "-4016")
        for alert in (group, code):
            extra = set(alert["labels"]) & {"bucket", "env", "service", "namespace", "pod",
                                            "container", "instance"}
            self.assertEqual(extra, set(), alert["labels"])
            description = alert["annotations"]["description"]
            sources = top_sources(description)
            # The busiest three, busiest first, by their non-empty labels and rates.
            rates = [rate for _, rate in sources]
            self.assertEqual(rates, sorted(rates, reverse=True), description)
            self.assertGreater(rates[-1], 0, description)
            self.assertLessEqual(rates[0], 9, description)
        self.assertIn("\nTop codes: -4016 ErrNotSameSHA (", group["annotations"]["description"])
        self.assertIn("\nGroups: integrity\n", code["annotations"]["description"])


if __name__ == "__main__":
    unittest.main()
