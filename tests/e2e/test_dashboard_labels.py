#!/usr/bin/env python3
"""The dashboard make_dashboard.py --config writes for a config with extra
labels, against a real Prometheus (exemplar storage on) scraping the real
exporter with that config.

The config labels a UDP input `service: uploader` and another `service:
thumbnailer`, a Kubernetes-style file input by its path (namespace, pod,
container), and every event by its `bucket`. Each variable's label_values
query returns the configured values; every panel runs with All and with one
value that narrows it; "Top sources" returns each label combination in
proportion to what was sent; the exemplar panels' expressions return the
request_ids of sent events. The checked-in dashboards are the generator's
output, also when the generator is installed away from the source tree.
"""

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

import harness
from dashboard_support import JOB, AgainstPrometheus, batch_text, panels

SOURCE = Path(harness.SOURCE_DIR)
GENERATOR = SOURCE / "deploy/grafana/make_dashboard.py"
POD_LOGS_CONFIG = SOURCE / "deploy/kubernetes/components/pod-logs/exporter.yaml"
LABELS = ["service", "namespace", "pod", "container", "bucket"]
EVENT_SERIES = ("cos_errors_total", "cos_events_total", "cos_group_errors_total")

# One batch per input: (line, times). Sent twice.
UPLOADER = [('{"code":-4016,"bucket":"photos","request_id":"NTk-uploader"}', 4),
            ('{"code":-96,"bucket":"docs"}', 2),
            ('{"code":0,"bucket":"photos"}', 3)]
THUMBNAILER = [('{"code":-2,"bucket":"photos","request_id":"NTk-thumbnailer"}', 1),
               ("code=0", 2)]
FILE_LINE, FILE_LINES = "code=-174 bucket=ledger request_id=NTk-file", 3
BATCH_EVENTS = 4 + 2 + 3 + 1 + 2 + FILE_LINES
# Errors per batch of each source: (service, namespace, pod, container, bucket).
SOURCES = {("uploader", "", "", "", "photos"): 4,
           ("uploader", "", "", "", "docs"): 2,
           ("thumbnailer", "", "", "", "photos"): 1,
           ("", "payments", "api-7d9f", "sdk", "ledger"): FILE_LINES}


def generate(*configs, env=None, generator=None):
    args = ["--config", *map(str, configs)] if configs else []
    return subprocess.run([sys.executable, str(generator or GENERATOR), *args],
                          capture_output=True,
                          text=True, check=True, env=env).stdout


class LabeledDashboardAgainstPrometheus(AgainstPrometheus):
    tmp_prefix = "cos-dashboard-labels-"
    prometheus_args = ["--enable-feature=exemplar-storage"]

    @classmethod
    def config(cls, workdir):
        pods = workdir / "pods"
        container = pods / "payments_api-7d9f_0b5e" / "sdk"
        container.mkdir(parents=True)
        cls.log_path = container / "0.log"
        cls.log_path.write_text("")
        return f"""
inputs:
  udp:
    - name: uploader
      listen: 127.0.0.1:0
      labels: {{service: uploader}}
    - name: thumbnailer
      listen: 127.0.0.1:0
      labels: {{service: thumbnailer}}
  files:
    - name: pods
      path: {pods}/*/*/*.log
      format: logfmt
      start_at: beginning
      path_labels: '^{pods}/(?P<namespace>[^_]+)_(?P<pod>[^_]+)_[^/]+/(?P<container>[^/]+)/'
event_labels:
  - {{name: bucket, field: bucket}}
exemplar_fields: [request_id]
"""

    @classmethod
    def started(cls):
        cls.dashboard = json.loads(generate(cls.exporter.config_path))
        # What Grafana puts in for a variable set to All.
        cls.all = {v["name"]: v["allValue"] for v in cls.dashboard["templating"]["list"]
                   if v["name"] in LABELS}

    @classmethod
    def fill(cls):
        # Each series' samples in the rate window are taken at the same scrapes, after the
        # first batch was complete: the rates are then exactly in proportion to the batch.
        cls.send_batch()
        cls.prometheus.wait_value("sum(cos_events_total)", BATCH_EVENTS)
        first_complete = time.time()
        cls.wait_scrape_after(first_complete)
        cls.send_batch()
        cls.prometheus.wait_value("sum(cos_events_total)", 2 * BATCH_EVENTS)
        cls.wait_scrape_after(time.time())
        cls.at = time.time()
        # From just after first_complete: the window holds the first scrape after it.
        cls.window = f"{math.floor((cls.at - first_complete) * 1000)}ms"

    @classmethod
    def send_batch(cls):
        for name, events in (("uploader", UPLOADER), ("thumbnailer", THUMBNAILER)):
            cls.exporter.send_udp(batch_text(events), name)
        with open(cls.log_path, "a") as f:
            f.write((FILE_LINE + "\n") * FILE_LINES)

    @classmethod
    def wait_scrape_after(cls, moment, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            scraped = cls.prometheus.query(f'timestamp(up{{job="{JOB}"}})')
            if scraped and scraped[0][1] > moment:
                return
            time.sleep(0.2)
        raise AssertionError(f"no scrape after {moment}")

    # --- helpers -----------------------------------------------------------------------

    def substitute(self, expr, values):
        variables = {"$job": ".+", "$instance": ".+", "$__rate_interval": self.window,
                     "$__range": self.window}
        labels = {**self.all, **values}  # All for the labels not given
        variables.update({"$" + label: value for label, value in labels.items()})
        for name, value in sorted(variables.items(), key=lambda kv: -len(kv[0])):
            expr = expr.replace(name, value)
        leftover = re.findall(r"\$(?!1\b)\w+", expr)
        self.assertFalse(leftover, f"unknown dashboard variables in {expr}")
        return expr

    def query(self, expr):
        data = self.prometheus.api("query", query=expr, time=self.at)
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        return [(s["metric"], float(s["value"][1])) for s in data["result"]]

    def panel(self, title):
        (found,) = [p for p in panels(self.dashboard) if p.get("title") == title]
        return found

    def run_panel(self, title, **values):
        """The result of the panel's one query, with `values` for the label variables (All
        for those not given)."""
        (target,) = self.panel(title)["targets"]
        return self.query(self.substitute(target["expr"], values))

    def assertProportional(self, values, weights):
        self.assertEqual(set(values), set(weights))
        unit = values[next(iter(weights))] / weights[next(iter(weights))]
        self.assertGreater(unit, 0)
        for key, weight in weights.items():
            self.assertAlmostEqual(values[key] / weight / unit, 1, delta=1e-6,
                                   msg=(values, weights))

    def by(self, result, *labels):
        return {tuple(m.get(label, "") for label in labels): v for m, v in result}

    # --- variables ---------------------------------------------------------------------

    def test_a_variable_per_configured_label_whose_values_are_the_configured_ones(self):
        variables = {v["name"]: v for v in self.dashboard["templating"]["list"]}
        self.assertEqual(list(variables), ["datasource", "job", "instance", *LABELS, "runbook_url"])
        expected = {"service": {"uploader", "thumbnailer"}, "namespace": {"payments"},
                    "pod": {"api-7d9f"}, "container": {"sdk"},
                    "bucket": {"photos", "docs", "ledger"}}
        for label in LABELS:
            variable = variables[label]
            self.assertEqual((variable["multi"], variable["includeAll"]), (True, True))
            match = re.fullmatch(r"label_values\((.*), (\w+)\)", variable["query"]["query"])
            self.assertEqual(match.group(2), label)
            self.assertEqual(match.group(1), 'cos_errors_total{job=~"$job", instance=~"$instance"}')
            # What Grafana asks Prometheus for a label_values(selector, label) variable.
            values = self.prometheus.api(f"label/{label}/values",
                                         **{"match[]": self.substitute(match.group(1), {})})
            self.assertEqual(set(values), expected[label], label)
            # All must keep the series where the label is empty (other inputs, no field).
            self.assertIsNotNone(re.fullmatch(variable["allValue"], ""), label)

    def test_every_event_series_selector_filters_by_every_label(self):
        selectors = 0
        for panel in panels(self.dashboard):
            for target in panel.get("targets", []):
                for metric, matchers in re.findall(r"(\w+)\{([^}]*)\}", target["expr"]):
                    if metric in EVENT_SERIES:
                        selectors += 1
                        for label in LABELS:
                            self.assertIn(f'{label}=~"${label}"', matchers, target["expr"])
        self.assertGreaterEqual(selectors, 8)

    def test_every_panel_runs_with_all_and_narrows_with_one_value(self):
        for panel in panels(self.dashboard):
            for target in panel.get("targets", []):
                everything = self.query(self.substitute(target["expr"], {}))
                narrowed = self.query(self.substitute(target["expr"], {"service": "thumbnailer"}))
                over_events = any(m in target["expr"] for m in EVENT_SERIES)
                with self.subTest(panel=panel["title"]):
                    self.assertTrue(everything)
                    if over_events:
                        self.assertNotEqual(narrowed, everything)
                    else:
                        self.assertEqual(narrowed, everything)

    # --- panels with exact values --------------------------------------------------------

    def test_top_sources_are_the_label_combinations_in_proportion_to_the_events(self):
        panel = self.panel("Top sources")
        self.assertEqual(panel["targets"][0]["legendFormat"],
                         " ".join(f"{label}={{{{{label}}}}}" for label in LABELS))
        self.assertProportional(self.by(self.run_panel("Top sources"), *LABELS), SOURCES)
        self.assertProportional(self.by(self.run_panel("Top sources", service="uploader"), *LABELS),
                                {k: v for k, v in SOURCES.items() if k[0] == "uploader"})
        self.assertProportional(self.by(self.run_panel("Top sources", namespace="payments"),
                                        *LABELS),
                                {k: v for k, v in SOURCES.items() if k[1] == "payments"})

    def test_event_panels_narrow_to_the_selected_values(self):
        codes = self.by(self.run_panel("Top error codes by name", bucket="photos"), "code")
        self.assertProportional(codes, {("-4016",): 4, ("-2",): 1})
        outcomes = self.by(self.run_panel("Events by outcome", service="uploader"), "outcome")
        self.assertProportional(outcomes, {("error",): 6, ("success",): 3})
        ((_, ratio),) = self.run_panel("Error ratio", service="uploader|thumbnailer")
        self.assertAlmostEqual(ratio, 7 / 12, delta=1e-6)
        ((_, ratio),) = self.run_panel("Error ratio")
        self.assertAlmostEqual(ratio, 10 / 15, delta=1e-6)
        groups = {k: v for k, v in self.by(self.run_panel("Error rate by group",
                                                          namespace="payments"), "group").items()
                  if v > 0}
        self.assertEqual(set(groups), {("integrity",)})
        rows = self.run_panel("Error codes in the time range", pod="api-7d9f")
        self.assertEqual([(m["code"], m["groups"]) for m, _ in rows], [("-174", "integrity")])

    # --- exemplars ---------------------------------------------------------------------

    def exemplar_request_ids(self, expr):
        data = self.prometheus.api("query_exemplars", query=expr, start=self.at - 600,
                                   end=time.time() + 60)
        return {e["labels"].get("request_id") for s in data for e in s["exemplars"]}

    def test_the_error_rate_panels_show_the_request_ids_as_exemplars(self):
        with_exemplars = [p for p in panels(self.dashboard)
                          if any(t.get("exemplar") for t in p.get("targets", []))]
        self.assertEqual([p["title"] for p in with_exemplars],
                         ["Top error codes by name", "Top sources"])
        for panel in with_exemplars:
            self.assertIn("request_id", panel["description"])
            (target,) = panel["targets"]
            self.assertRegex(target["expr"], r"rate\(cos_errors_total\{")
            self.assertEqual(self.exemplar_request_ids(self.substitute(target["expr"], {})),
                             {"NTk-uploader", "NTk-thumbnailer", "NTk-file"})
            narrowed = self.substitute(target["expr"], {"service": "thumbnailer"})
            self.assertEqual(self.exemplar_request_ids(narrowed), {"NTk-thumbnailer"})


class Generator(unittest.TestCase):
    def test_default_and_pod_logs_dashboards_are_the_generators_output(self):
        for configs, name in (((), "cos-errors.json"),
                              ((POD_LOGS_CONFIG,), "cos-errors-pod-logs.json")):
            checked_in = (SOURCE / "deploy/grafana" / name).read_text(encoding="utf-8")
            self.assertEqual(generate(*configs), checked_in,
                             f"deploy/grafana/{name} is stale: scripts/regenerate")

    def test_pod_logs_dashboard_has_namespace_pod_and_container(self):
        dashboard = json.loads((SOURCE / "deploy/grafana/cos-errors-pod-logs.json").read_text())
        names = [v["name"] for v in dashboard["templating"]["list"]]
        self.assertEqual(names, ["datasource", "job", "instance", "namespace", "pod", "container",
                                 "runbook_url"])
        self.assertNotEqual(dashboard["uid"], "cos-errors")
        (top,) = [p for p in panels(dashboard) if p.get("title") == "Top sources"]
        self.assertIn("sum by (namespace, pod, container)", top["targets"][0]["expr"])

    def test_installed_generator_reads_the_catalog_from_the_binary(self):
        # Installed under share/doc/.../examples there is no config/catalog.yaml beside it.
        with tempfile.TemporaryDirectory(prefix="cos-dashboard-installed-") as tmp:
            examples = Path(tmp) / "share/doc/cos-error-exporter/examples"
            examples.mkdir(parents=True)
            for part in ("make_dashboard.py", "config_labels.py"):  # as cmake --install does
                shutil.copy(GENERATOR.parent / part, examples)
            env = {**os.environ, "COS_ERROR_EXPORTER": harness.BINARY}
            self.assertEqual(generate(POD_LOGS_CONFIG, env=env,
                                      generator=examples / "make_dashboard.py"),
                             (SOURCE / "deploy/grafana/cos-errors-pod-logs.json").read_text())

    def test_labels_from_every_kind_of_source_in_config_order_once(self):
        with tempfile.TemporaryDirectory(prefix="cos-dashboard-config-") as tmp:
            first, second = Path(tmp) / "a.yaml", Path(tmp) / "b.yaml"
            first.write_text(
                "inputs:\n"
                "  unixgram:\n    - {name: u, path: /tmp/x.sock, labels: {env: prod, team: a}}\n"
                "  files:\n    - name: f\n      path: /x/*.log\n"
                r"      path_labels: '^/x/(?P<host>[^/(]+)\((?:\(?P<no>)[(?P<no2>)](?<zone>\w+)'"
                "\nevent_labels:\n  - {name: bucket, field: b}\n")
            second.write_text("inputs:\n  udp:\n    - {name: v, listen: ':1', labels: {env: x}}\n"
                              "event_labels:\n  - {name: region, field: r}\n")
            variables = [v["name"] for v in json.loads(generate(first, second))
                         ["templating"]["list"]][3:-1]
            self.assertEqual(variables, ["env", "team", "host", "zone", "bucket", "region"])

    def test_a_bad_config_is_one_line_naming_the_file_and_place(self):
        with tempfile.TemporaryDirectory(prefix="cos-dashboard-config-") as tmp:
            cases = {"syntax.yaml": ("inputs:\n  udp: [\n", r"syntax\.yaml:3:1: "),
                     "types.yaml": ("inputs: 3\n", r"types\.yaml: not an exporter config"),
                     "clash.yaml": ("inputs:\n  udp:\n    - {name: u, labels: {job: a}}\n",
                                    r"extra label 'job' would be a second dashboard variable")}
            for name, (text, error) in cases.items():
                (Path(tmp) / name).write_text(text)
                result = subprocess.run([sys.executable, str(GENERATOR), "--config",
                                         str(Path(tmp) / name)], capture_output=True, text=True)
                self.assertEqual((result.returncode, result.stdout), (1, ""), name)
                self.assertRegex(result.stderr, "^make_dashboard.py: [^\n]*" + error + "[^\n]*\n$")


if __name__ == "__main__":
    unittest.main(verbosity=2)
