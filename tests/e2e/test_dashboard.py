#!/usr/bin/env python3
"""Every panel of deploy/grafana/cos-errors.json against a real
Prometheus scraping the real exporter.

The exporter listens on free ports with a UDP input and a tailed file;
Prometheus (Debian's package) scrapes it every second and evaluates
deploy/prometheus/rules.yml. The test sends the same batch of events twice (a
series that first appears with a value has no rate until its next sample),
then runs each panel's PromQL through /api/v1/query and checks the series the
events must produce: which label sets, which are non-zero, and their
proportions. It also runs the recording rules, and checks that the dashboard
is what make_dashboard.py writes and describes every code the exporter knows.
"""

import json
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import harness
from dashboard_support import JOB, AgainstPrometheus, batch_text, panels

SOURCE = Path(harness.SOURCE_DIR)
DASHBOARD = SOURCE / "deploy/grafana/cos-errors.json"
RULES = SOURCE / "deploy/prometheus/rules.yml"

# One batch: (line, how many times). Sent twice over UDP.
UDP_EVENTS = [
    ('{"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","request_id":"NTk"}', 5),  # auth
    ("code=401", 3),             # auth
    ("-2", 4),                   # network
    ('{"code":-4016}', 2),       # integrity
    ('{"code":0}', 6),           # success
    ("code=-200", 4),            # success
    ("-123456", 1),              # unknown code: an error in no group
    ('{"code":', 1),             # malformed: invalid_json
    ("code=abc", 1),             # malformed: invalid_code
]
FILE_LINE, FILE_LINES = "code=-174", 3  # integrity, appended to the tailed file per batch

BATCH_ERRORS = 5 + 3 + 4 + 2 + 1 + FILE_LINES
BATCH_SUCCESSES = 6 + 4
BATCH_GROUPS = {"auth": 5 + 3, "network": 4, "integrity": 2 + FILE_LINES}
BATCH_CODES = {  # (code, name): (category, groups label or None, errors per batch)
    ("-96", "ERROR_PROXY_AUTH_EXPIRED"): ("proxy", "auth", 5),
    ("401", "HTTP_UNAUTHORIZED"): ("http", "auth", 3),
    ("-2", "SDK_NETWORK_REQUEST_FAILED"): ("sdk", "network", 4),
    ("-4016", "ErrNotSameSHA"): ("file_plugin", "integrity", 2),
    ("-174", "ERROR_CMD_COS_SHA_NOT_EQU"): ("cmd", "integrity", FILE_LINES),
    ("-123456", "UNKNOWN"): ("unknown", None, 1),
}
MALFORMED_REASONS = {"invalid_json", "invalid_code"}

VARIABLES = {"$job": ".+", "$instance": ".+", "$__rate_interval": "1m", "$__range": "10m"}


def substitute(expr):
    for name, value in sorted(VARIABLES.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(name, value)
    leftover = re.findall(r"\$(?!1\b)\w+", expr)
    assert not leftover, f"unknown dashboard variables {leftover} in {expr}"
    return expr


class DashboardAgainstPrometheus(AgainstPrometheus):
    rule_files = [RULES]

    @classmethod
    def config(cls, workdir):
        logs = workdir / "logs"
        logs.mkdir()
        cls.log_path = logs / "cos.log"
        cls.log_path.write_text("")
        return ("inputs:\n"
                "  udp:\n    - name: udp\n      listen: 127.0.0.1:0\n"
                "  files:\n    - name: file\n"
                f"      path: {logs}/*.log\n      format: logfmt\n      start_at: beginning\n")

    @classmethod
    def started(cls):
        cls.exporter.udp_address()

    @classmethod
    def fill(cls):
        for batch in (1, 2):
            cls.send_batch()
            cls.prometheus.wait_value(
                "sum(cos_events_total)", batch * (BATCH_ERRORS + BATCH_SUCCESSES))
        # The recording rules have run on a scrape of the second batch: only then has
        # the unknown code, new in the first, a rate.
        cls.prometheus.wait_value('count(cos:code_errors:rate5m{code="-123456"} > 0)', 1)

    @classmethod
    def send_batch(cls):
        cls.exporter.send_udp(batch_text(UDP_EVENTS))
        with open(cls.log_path, "a") as f:
            f.write((FILE_LINE + "\n") * FILE_LINES)

    # --- helpers -----------------------------------------------------------------------

    def run_panel(self, title):
        found = [p for p in panels(json.loads(DASHBOARD.read_text())) if p.get("title") == title]
        self.assertEqual(len(found), 1, title)
        results = []
        for t in found[0]["targets"]:
            results.append(self.prometheus.query(substitute(t["expr"])))
        return results[0] if len(results) == 1 else results

    def assertProportional(self, values, weights):
        """values[k] / weights[k] is the same for every k, within 2%."""
        self.assertEqual(set(values), set(weights))
        unit = [values[k] / weights[k] for k in weights]
        for u in unit:
            self.assertGreater(u, 0)
            self.assertAlmostEqual(u / unit[0], 1, delta=0.02, msg=(values, weights))

    def by(self, result, *labels):
        return {tuple(m.get(label) for label in labels) if len(labels) > 1 else m.get(labels[0]): v
                for m, v in result}

    # --- panels ------------------------------------------------------------------------

    def test_every_panel_is_checked(self):
        dashboard = json.loads(DASHBOARD.read_text())
        titles = [p["title"] for p in panels(dashboard) if p["type"] != "row"]
        checked = {name[len("test_panel_"):] for name in dir(self)
                   if name.startswith("test_panel_")}
        for title in titles:
            self.assertIn(re.sub(r"\W+", "_", title.lower()).strip("_"), checked, title)
            for t in next(p for p in panels(dashboard) if p.get("title") == title)["targets"]:
                self.assertEqual(t["datasource"]["uid"], "${datasource}")

    def test_panel_error_rate_by_group(self):
        rates = self.by(self.run_panel("Error rate by group"), "group")
        groups = {"auth", "network", "integrity", "throttling", "not_found", "server", "client",
                  "upload"}
        self.assertEqual(set(rates), groups)  # every group, at 0 without errors
        self.assertProportional({g: v for g, v in rates.items() if v > 0}, BATCH_GROUPS)

    def test_panel_top_error_codes_by_name(self):
        rates = self.by(self.run_panel("Top error codes by name"), "code", "name")
        self.assertEqual(set(rates), set(BATCH_CODES))
        self.assertProportional({k: v for k, v in rates.items() if k[1] != "UNKNOWN"},
                                {k: c[2] for k, c in BATCH_CODES.items() if k[1] != "UNKNOWN"})

    def test_panel_error_ratio(self):
        ((labels, ratio),) = self.run_panel("Error ratio")
        self.assertEqual(labels, {})
        self.assertAlmostEqual(ratio, BATCH_ERRORS / (BATCH_ERRORS + BATCH_SUCCESSES), delta=0.01)

    def test_panel_events_by_outcome(self):
        rates = self.by(self.run_panel("Events by outcome"), "outcome")
        self.assertProportional(rates, {"error": BATCH_ERRORS, "success": BATCH_SUCCESSES})

    def test_panel_errors_by_category(self):
        rates = self.by(self.run_panel("Errors by category"), "category")
        positive = {c: v for c, v in rates.items() if v > 0}
        self.assertEqual(set(positive), {c[0] for c in BATCH_CODES.values()})
        self.assertTrue({"oss", "cgi", "download", "business"} <= set(rates))  # at 0

    def test_panel_top_sources(self):
        # Without extra labels configured, the sources are the exporters.
        ((labels, rate),) = self.run_panel("Top sources")
        self.assertEqual(labels, {"instance": self.exporter.http_address})
        self.assertGreater(rate, 0)

    def test_panel_error_codes_in_the_time_range(self):
        rows = self.run_panel("Error codes in the time range")
        self.assertEqual({(m["code"], m["name"]) for m, _ in rows}, set(BATCH_CODES))
        for labels, value in rows:
            category, groups, _ = BATCH_CODES[(labels["code"], labels["name"])]
            self.assertEqual(labels["category"], category)
            self.assertEqual(labels.get("groups"), groups, labels)
            self.assertEqual(labels["description"], labels["name"])  # mapped to the text
            self.assertGreater(value, 0)
        counts = {(m["code"], m["name"]): v for m, v in rows if m["name"] != "UNKNOWN"}
        self.assertProportional(counts, {k: c[2] for k, c in BATCH_CODES.items()
                                         if k[1] != "UNKNOWN"})

    def test_panel_catalogued_error_codes(self):
        rows = self.run_panel("Catalogued error codes")
        exported = self.exporter.metrics().series("cos_error_code_info")
        self.assertEqual(len(rows), len(exported))
        self.assertGreaterEqual(len(rows), 198)  # every catalogued error code
        by_code = {(m["code"], m["name"]): m for m, _ in rows}
        self.assertEqual(by_code[("-96", "ERROR_PROXY_AUTH_EXPIRED")]["groups"], "auth")
        self.assertEqual(by_code[("-291", "ERROR_PROCESS_ENCODE_SESSION")]["groups"],
                         "server,upload")
        for labels, value in rows:
            self.assertEqual(value, 1)
            self.assertEqual(labels["description"], labels["name"])

    def test_panel_exporters(self):
        self.assertEqual(self.run_panel("Exporters"), [({}, 1)])

    def test_panel_config_reload(self):
        self.assertEqual(self.run_panel("Config reload"), [({}, 0)])  # none failed

    def test_panel_unknown_codes_overflowed(self):
        self.assertEqual(self.run_panel("Unknown codes overflowed"), [({}, 0)])

    def test_panel_lines_received_by_input(self):
        rates = self.by(self.run_panel("Lines received by input"), "input")
        udp_lines = sum(times for _, times in UDP_EVENTS)
        self.assertProportional(rates, {"udp": udp_lines, "file": FILE_LINES})
        for labels, _ in self.run_panel("Lines received by input"):
            self.assertEqual(labels["instance"], self.exporter.http_address)

    def test_panel_malformed_lines(self):
        rates = self.by(self.run_panel("Malformed lines"), "input", "reason")
        positive = {k for k, v in rates.items() if v > 0}
        self.assertEqual(positive, {("udp", r) for r in MALFORMED_REASONS})
        self.assertIn(("file", "invalid_json"), rates)  # every reason at 0 per input

    def test_panel_udp_kernel_drops(self):
        rows = self.run_panel("UDP kernel drops")
        self.assertEqual([(m["input"], v) for m, v in rows], [("udp", 0)])

    def test_panel_file_lag(self):
        rows = self.run_panel("File lag")
        self.assertEqual([(m["path"], v) for m, v in rows], [(str(self.log_path), 0)])
        self.assertEqual(rows[0][0]["job"], JOB)

    def test_panel_exporter_cpu(self):
        ((labels, value),) = self.run_panel("Exporter CPU")
        self.assertEqual(labels["instance"], self.exporter.http_address)
        self.assertGreaterEqual(value, 0)

    def test_panel_exporter_memory(self):
        ((labels, value),) = self.run_panel("Exporter memory")
        self.assertEqual(labels["instance"], self.exporter.http_address)
        self.assertGreater(value, 1 << 20)

    # --- runbook links and alert annotations ---------------------------------------------

    def test_each_panel_links_its_runbook_section(self):
        dashboard = json.loads(DASHBOARD.read_text())
        anchors = set(re.findall(r'^<a id="([^"]+)"></a>$',
                                 (SOURCE / "docs/runbooks.md").read_text(), re.M))
        for panel in panels(dashboard):
            if panel["type"] == "row":
                continue
            (link,) = panel["links"]
            base, anchor = link["url"].split("#")
            self.assertEqual(base, "${runbook_url}", panel["title"])
            self.assertIn(anchor, anchors, panel["title"])
        # The groups' series link their own sections.
        by_group = next(p for p in panels(dashboard) if p.get("title") == "Error rate by group")
        (link,) = by_group["fieldConfig"]["defaults"]["links"]
        self.assertEqual(link["url"], "${runbook_url}#group-${__field.labels.group}")
        for group in BATCH_GROUPS:
            self.assertIn("group-" + group, anchors)
        # The link goes where the alerts' runbook_url goes: the config's.
        (variable,) = [v for v in dashboard["templating"]["list"] if v["name"] == "runbook_url"]
        self.assertEqual((variable["type"], variable["query"]), ("textbox", "docs/runbooks.md"))
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "exporter.yaml"
            config.write_text("runbook_url: https://wiki.example.com/cos/runbooks.md\n")
            generated = json.loads(subprocess.run(
                [sys.executable, SOURCE / "deploy/grafana/make_dashboard.py", "--config", config],
                capture_output=True, text=True, check=True).stdout)
        (variable,) = [v for v in generated["templating"]["list"] if v["name"] == "runbook_url"]
        self.assertEqual(variable["current"]["value"], "https://wiki.example.com/cos/runbooks.md")

    def test_firing_alerts_are_annotations(self):
        dashboard = json.loads(DASHBOARD.read_text())
        (annotation,) = [a for a in dashboard["annotations"]["list"]
                         if a.get("name") == "Firing COS alerts"]
        self.assertTrue(annotation["enable"])
        self.assertEqual(annotation["datasource"]["uid"], "${datasource}")
        self.assertEqual(annotation["target"]["expr"], annotation["expr"])
        # A query Prometheus takes; nothing fires here (test_alert_delivery.py sees
        # it show a firing alert).
        self.assertEqual(self.prometheus.query(substitute(annotation["expr"])), [])

    # --- the rules and the dashboard file ----------------------------------------------

    def test_recording_rules_in_prometheus(self):
        groups = self.by(self.prometheus.query("cos:group_errors:rate5m > 0"), "group")
        self.assertProportional(groups, BATCH_GROUPS)
        ((labels, ratio),) = self.prometheus.query("cos:error_ratio:rate5m")
        self.assertEqual(labels, {"__name__": "cos:error_ratio:rate5m", "job": JOB})  # no instance
        self.assertAlmostEqual(ratio, BATCH_ERRORS / (BATCH_ERRORS + BATCH_SUCCESSES), delta=0.01)
        codes = self.by(self.prometheus.query("cos:code_errors:rate5m > 0"), "code", "name")
        self.assertEqual(set(codes), set(BATCH_CODES))
        # The alerts load and stay quiet: a few events are no spike above rate.
        self.assertEqual(self.prometheus.query('ALERTS{alertstate="firing"}'), [])

    def test_dashboard_is_generated_and_describes_every_code(self):
        generated = subprocess.run(
            [sys.executable, SOURCE / "deploy/grafana/make_dashboard.py"],
            capture_output=True, text=True, check=True).stdout
        self.assertEqual(generated, DASHBOARD.read_text(encoding="utf-8"),
                         "stale: scripts/regenerate")
        dashboard = json.loads(generated)
        for title in ("Error codes in the time range", "Catalogued error codes"):
            panel = next(p for p in panels(dashboard) if p.get("title") == title)
            (override,) = [o for o in panel["fieldConfig"]["overrides"]
                           if o["matcher"]["options"] == "description"]
            mapping = override["properties"][0]["value"][0]["options"]
            for labels in self.exporter.metrics().series("cos_error_code_info"):
                name = dict(labels)["name"]
                self.assertIn(name, mapping)
                self.assertNotEqual(mapping[name]["text"], name)
            self.assertIn("UNKNOWN", mapping)


if __name__ == "__main__":
    unittest.main(verbosity=2)
