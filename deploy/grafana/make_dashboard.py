#!/usr/bin/env python3
"""Writes a Grafana dashboard of cos_error_exporter on stdout.

    python3 deploy/grafana/make_dashboard.py > deploy/grafana/cos-errors.json
    python3 deploy/grafana/make_dashboard.py \
        --config deploy/kubernetes/components/pod-logs/exporter.yaml \
        > deploy/grafana/cos-errors-pod-logs.json

With --config (exporter config files), each extra label they configure (the
keys of an input's `labels:`, the named groups of a file input's
`path_labels:`, the names of `event_labels:`) becomes a template variable that
filters every panel over the event series, and the "Top sources" panel groups
by them; without, it is the default dashboard and "Top sources" shows the
exporters.

The code tables show each code's description: cos_error_code_info carries no
description label (its labels are fixed: category, code, name, groups), so the
panels copy `name` into a `description` column and a value mapping, written here from
config/catalog.yaml, shows the catalog's English and Chinese text for it.
tests/e2e/test_dashboard.py (default) and test_dashboard_labels.py (a config
with extra labels, exemplars) run every panel's query against a real
Prometheus scraping a real exporter.
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

sys.dont_write_bytecode = True  # no __pycache__ beside an installed copy in /usr/share/doc
from config_labels import ConfigError, extra_labels, read_config  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job=~"$job", instance=~"$instance"'
DASHBOARD_VARIABLES = ("datasource", "job", "instance", "runbook_url")
# The docs/runbooks.md section each panel links (its anchor), for the question
# the panel raises; the variable runbook_url is where that page is published.
SPIKE, CODE = "reading-a-spike", "code-spike"
RUNBOOK_SECTIONS = {
    "Error rate by group": SPIKE, "Top error codes by name": CODE, "Error ratio": SPIKE,
    "Events by outcome": SPIKE, "Errors by category": SPIKE, "Top sources": SPIKE,
    "Error codes in the time range": CODE, "Catalogued error codes": CODE,
    "Exporters": "exporter-down", "Config reload": "exporter-reload-failed",
    "Unknown codes overflowed": "exporter-unknown-codes-overflow",
    "Lines received by input": "exporter-file-input-idle",
    "Malformed lines": "exporter-malformed-lines", "UDP kernel drops": "exporter-udp-kernel-drops",
    "File lag": "exporter-file-input-idle", "Exporter CPU": "exporter-resources",
    "Exporter memory": "exporter-resources",
}
# Alerts of the rules `cos_error_exporter rules` prints, while they fire.
FIRING_ALERTS = 'ALERTS{alertstate="firing", alertname=~"CosError.+", job=~"$job"}'
EXEMPLARS = ("With exemplars on (Prometheus --enable-feature=exemplar-storage), a diamond marks "
             "the last event of a series: hover it to see its request_id (and trace_id) to give "
             "Tencent support.")


def catalog_entries():
    source = ROOT / "config/catalog.yaml"
    if source.is_file():
        text = source.read_text(encoding="utf-8")
    else:
        # Installed as an example, away from the source tree: the catalog is built into the binary.
        binary = os.environ.get("COS_ERROR_EXPORTER", "cos_error_exporter")
        text = subprocess.run([binary, "catalog", "--format", "yaml"], capture_output=True,
                              text=True, check=True).stdout
    return yaml.safe_load(text)["entries"]


def catalog_descriptions():
    entries = catalog_entries()
    mapping = {}
    by_code = {}
    for e in entries:
        if e["kind"] != "error":
            continue
        mapping[e["name"]] = f'{e["description_en"]} ({e["description"]})'
        # An SDK dialect's own name for a code does not share the code: it replaces it.
        if "sdk" not in e:
            by_code.setdefault(e["code"], []).append(e)
    # A shared code without a message that names it: the names joined by `|`.
    for shared in (es for es in by_code.values() if len(es) > 1):
        mapping["|".join(e["name"] for e in shared)] = " | ".join(
            f'{e["description_en"]} ({e["description"]})' for e in shared)
    mapping["UNKNOWN"] = "Not in the catalog"
    return mapping


def description_override():
    options = {name: {"text": text, "index": i}
               for i, (name, text) in enumerate(sorted(catalog_descriptions().items()))}
    return {
        "matcher": {"id": "byName", "options": "description"},
        "properties": [
            {"id": "mappings", "value": [{"type": "value", "options": options}]},
            {"id": "custom.width", "value": 600},
        ],
    }


def with_description(expr):
    return f'label_replace({expr}, "description", "$1", "name", "(.*)")'


class Layout:
    def __init__(self):
        self.panels = []
        self.next_id = 1
        self.y = 0
        self.x = 0
        self.row_height = 0

    def row(self, title):
        self.newline()
        self.panels.append({"id": self.take_id(), "type": "row", "title": title,
                            "collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
                            "panels": []})
        self.y += 1

    def newline(self):
        if self.x:
            self.y += self.row_height
            self.x = 0
            self.row_height = 0

    def take_id(self):
        self.next_id += 1
        return self.next_id - 1

    def add(self, panel, w, h):
        if self.x + w > 24:
            self.newline()
        panel["id"] = self.take_id()
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        panel["datasource"] = DATASOURCE
        panel["links"] = [{"title": "Runbook", "targetBlank": True,
                           "url": "${runbook_url}#" + RUNBOOK_SECTIONS[panel["title"]]}]
        self.panels.append(panel)
        self.x += w
        self.row_height = max(self.row_height, h)


def target(expr, legend="", ref="A", instant=False, table=False, exemplar=False):
    t = {"datasource": DATASOURCE, "refId": ref, "expr": expr, "range": not instant,
         "instant": instant}
    if exemplar:
        t["exemplar"] = True
    if legend:
        t["legendFormat"] = legend
    if table:
        t["format"] = "table"
    return t


def timeseries(title, description, targets, unit, stack=False):
    return {
        "type": "timeseries", "title": title, "description": description, "targets": targets,
        "fieldConfig": {"defaults": {
            "unit": unit, "min": 0,
            "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10 if stack else 0,
                       "stacking": {"mode": "normal" if stack else "none", "group": "A"},
                       "showPoints": "never"},
        }, "overrides": []},
        "options": {"legend": {"displayMode": "table", "placement": "right",
                               "calcs": ["mean", "max", "lastNotNull"], "showLegend": True},
                    "tooltip": {"mode": "multi", "sort": "desc"}},
    }


def stat(title, description, expr, unit, thresholds=None, decimals=None):
    defaults = {"unit": unit, "thresholds": thresholds or {
        "mode": "absolute", "steps": [{"color": "green", "value": None}]}}
    if decimals is not None:
        defaults["decimals"] = decimals
    return {
        "type": "stat", "title": title, "description": description,
        "targets": [target(expr, instant=True)],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "colorMode": "value", "graphMode": "area", "textMode": "auto"},
    }


def table(title, description, expr, columns, sort_by):
    """An instant query as a table; `columns` maps label -> header, in order."""
    index = {name: i for i, name in enumerate(columns)}
    return {
        "type": "table", "title": title, "description": description,
        "targets": [target(expr, instant=True, table=True)],
        "transformations": [{"id": "organize", "options": {
            "excludeByName": {"Time": True, "job": True, "instance": True},
            "indexByName": index,
            "renameByName": columns,
        }}],
        "fieldConfig": {"defaults": {"custom": {"align": "auto", "filterable": True}},
                        "overrides": [description_override()]},
        "options": {"showHeader": True, "sortBy": [{"displayName": sort_by, "desc": True}],
                    "footer": {"show": False}},
    }


def query_variable(name, label, query, all_value=".+"):
    """A multi-value template variable over label values; All matches `all_value`."""
    return {"name": name, "label": label, "type": "query", "datasource": DATASOURCE,
            "query": {"query": query, "refId": name}, "definition": query,
            "refresh": 2, "multi": True, "includeAll": True, "allValue": all_value,
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1}


def label_variable(label):
    """The variable of an extra label. Its All also matches the empty value that an event
    without the label's field, or an input without the label, counts under."""
    return query_variable(
        label, label, f'label_values(cos_errors_total{{{SEL}}}, {label})', all_value=".*")


def runbook_url(config_paths):
    """The configs' runbook_url (the last one that sets it), else the shipped config's: the
    dashboard's links go where the alerts' do."""
    url = None
    for path in config_paths:
        url = read_config(path).get("runbook_url", url)
    if url is None:
        shipped = ROOT / "config/exporter.yaml"
        url = (yaml.safe_load(shipped.read_text(encoding="utf-8")).get("runbook_url")
               if shipped.is_file() else None) or "docs/runbooks.md"
    return url


def dashboard(labels=(), runbooks="docs/runbooks.md"):
    layout = Layout()
    rate = "[$__rate_interval]"
    # The event series carry the extra labels; the exporter's own series do not.
    events = SEL + "".join(f', {label}=~"${label}"' for label in labels)
    sources = list(labels) or ["instance"]

    layout.row("Errors")
    layout.add(timeseries(
        "Error rate by group",
        "Errors per second of each alert group (config `groups:`), all selected exporters "
        "summed. An event counts in every group it belongs to.",
        [target(f"sum by (group) (rate(cos_group_errors_total{{{events}}}{rate}))", "{{group}}")],
        "reqps"), 12, 9)
    # Each group's series links its own runbook section.
    layout.panels[-1]["fieldConfig"]["defaults"]["links"] = [{
        "title": "Runbook of group ${__field.labels.group}", "targetBlank": True,
        "url": "${runbook_url}#group-${__field.labels.group}"}]
    layout.add(timeseries(
        "Top error codes by name",
        "The 10 codes with the most errors per second. " + EXEMPLARS,
        [target(f"topk(10, sum by (code, name) (rate(cos_errors_total{{{events}}}{rate})) > 0)",
                "{{code}} {{name}}", exemplar=True)],
        "reqps"), 12, 9)
    layout.add(timeseries(
        "Error ratio",
        "Share of valid events that are errors (cos_events_total by outcome).",
        [target(f'sum(rate(cos_events_total{{outcome="error", {events}}}{rate}))\n/\n'
                f"sum(rate(cos_events_total{{{events}}}{rate}))", "error ratio")],
        "percentunit"), 8, 8)
    layout.add(timeseries(
        "Events by outcome",
        "Valid events per second, success and error.",
        [target(f"sum by (outcome) (rate(cos_events_total{{{events}}}{rate}))", "{{outcome}}")],
        "reqps", stack=True), 8, 8)
    layout.add(timeseries(
        "Errors by category",
        "Errors per second by section of the COS v4 error-code document.",
        [target(f"sum by (category) (rate(cos_errors_total{{{events}}}{rate}))", "{{category}}")],
        "reqps", stack=True), 8, 8)
    layout.add(timeseries(
        "Top sources",
        (f"The 10 sources ({', '.join(sources)}) with the most errors per second. "
         if labels else
         "The 10 exporters with the most errors per second (configure extra labels and "
         "generate the dashboard with --config to see sources by service, pod or bucket). ")
        + EXEMPLARS,
        [target(f"topk(10, sum by ({', '.join(sources)}) "
                f"(rate(cos_errors_total{{{events}}}{rate}))) > 0",
                " ".join(f"{label}={{{{{label}}}}}" for label in sources) if labels
                else "{{instance}}", exemplar=True)],
        "reqps"), 24, 9)

    counts = (f"sum by (category, code, name) (increase(cos_errors_total{{{events}}}[$__range])) "
              "> 0")
    info = f"max by (category, code, name, groups) (cos_error_code_info{{{SEL}}})"
    layout.add(table(
        "Error codes in the time range",
        "Every code with errors in the time range, with its groups and the catalog's "
        "description. Unknown codes have no groups.",
        with_description(f"({counts}) * on (category, code, name) group_left (groups) {info}\n"
                         f"or on (category, code, name)\n{counts}"),
        {"code": "code", "name": "name", "category": "category", "groups": "groups",
         "description": "description", "Value": "errors"},
        "errors"), 24, 10)

    layout.row("Catalog")
    layout.add(table(
        "Catalogued error codes",
        "Every error code the exporters know (cos_error_code_info), with its alert groups "
        "and description.",
        with_description(info),
        {"code": "code", "name": "name", "category": "category", "groups": "groups",
         "description": "description"},
        "code"), 24, 12)

    layout.row("Exporter health")
    layout.add(stat(
        "Exporters", "Exporters reporting (cos_error_exporter_build_info).",
        f"count(cos_error_exporter_build_info{{{SEL}}})", "none"), 4, 5)
    layout.add(stat(
        "Config reload", "Exporters whose last config reload failed.",
        f"count(cos_error_exporter_config_last_reload_successful{{{SEL}}} == 0) or vector(0)",
        "none", {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                               {"color": "red", "value": 1}]}), 4, 5)
    layout.add(stat(
        "Unknown codes overflowed",
        "Events of unknown codes counted under code=\"other\" because max_unknown_codes was "
        "reached, in the time range.",
        f"sum(increase(cos_error_exporter_unknown_codes_overflow_total{{{SEL}}}[$__range]))",
        "none", {"mode": "absolute", "steps": [{"color": "green", "value": None},
                                               {"color": "orange", "value": 1}]}, 0), 4, 5)
    layout.add(timeseries(
        "Lines received by input",
        "Event lines per second per exporter and input, malformed ones included.",
        [target(f"sum by (instance, input) "
                f"(rate(cos_error_exporter_events_received_total{{{SEL}}}{rate}))",
                "{{instance}} {{input}}")],
        "reqps"), 12, 5)
    layout.add(timeseries(
        "Malformed lines",
        "Lines skipped as malformed, per input and reason.",
        [target(f"sum by (input, reason) "
                f"(rate(cos_error_exporter_events_malformed_total{{{SEL}}}{rate}))",
                "{{input}} {{reason}}")],
        "reqps"), 8, 8)
    layout.add(timeseries(
        "UDP kernel drops",
        "Datagrams the kernel dropped because a socket buffer was full (raise "
        "read_buffer_bytes and net.core.rmem_max), per exporter and input.",
        [target(f"sum by (instance, input) "
                f"(rate(cos_error_exporter_udp_kernel_drops_total{{{SEL}}}{rate}))",
                "{{instance}} {{input}}")],
        "pps"), 8, 8)
    layout.add(timeseries(
        "File lag",
        "Bytes of each tailed file not read yet: size minus read position.",
        [target(f"cos_error_exporter_file_size_bytes{{{SEL}}} - "
                f"cos_error_exporter_file_offset_bytes{{{SEL}}}", "{{instance}} {{path}}")],
        "bytes"), 8, 8)
    layout.add(timeseries(
        "Exporter CPU",
        "CPU seconds per second used by each exporter.",
        [target(f"rate(process_cpu_seconds_total{{{SEL}}}{rate})", "{{instance}}")],
        "percentunit"), 12, 7)
    layout.add(timeseries(
        "Exporter memory",
        "Resident memory of each exporter.",
        [target(f"process_resident_memory_bytes{{{SEL}}}", "{{instance}}")],
        "bytes"), 12, 7)

    templating = [
        {"name": "datasource", "label": "Data source", "type": "datasource",
         "query": "prometheus", "current": {}, "hide": 0},
        query_variable("job", "Job", "label_values(cos_error_exporter_build_info, job)"),
        query_variable("instance", "Instance",
                       'label_values(cos_error_exporter_build_info{job=~"$job"}, instance)'),
    ] + [label_variable(label) for label in labels] + [
        # Last: the variables above filter, this one only makes the links.
        {"name": "runbook_url", "label": "Runbooks", "type": "textbox", "query": runbooks,
         "current": {"selected": False, "text": runbooks, "value": runbooks},
         "options": [{"selected": True, "text": runbooks, "value": runbooks}], "hide": 0,
         "description": "Where docs/runbooks.md is published (the config's runbook_url): "
                        "each panel's Runbook link opens its section there."},
    ]
    return {
        "title": "COS v4 errors" + (f" by {', '.join(labels)}" if labels else ""),
        "uid": dashboard_uid(labels),
        "description": "Tencent Cloud COS v4 error codes counted by cos_error_exporter.",
        "tags": ["cos", "cos_error_exporter"],
        "timezone": "",
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 38,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": templating},
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}, {
            "name": "Firing COS alerts", "datasource": DATASOURCE, "enable": True,
            "hide": False, "iconColor": "red", "expr": FIRING_ALERTS, "step": "30s",
            "target": {"refId": "Anno", "expr": FIRING_ALERTS},
            "titleFormat": "{{alertname}}", "textFormat": "{{severity}} {{group}}{{code}}",
            "tagKeys": "alertname,severity,group,code", "useValueForTime": False}]},
        "links": [],
        "panels": layout.panels,
    }


def dashboard_uid(labels):
    """cos-errors, or cos-errors-<labels> so that both dashboards can be imported; Grafana
    takes at most 40 characters."""
    uid = "-".join(["cos-errors", *labels])
    if len(uid) > 40:
        uid = "cos-errors-" + hashlib.sha256(uid.encode()).hexdigest()[:16]
    return uid


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", metavar="FILE", nargs="+", action="extend", default=[],
                        help="exporter config files: a variable per extra label they configure")
    args = parser.parse_args()
    try:
        labels = extra_labels(args.config)
        runbooks = runbook_url(args.config)
        clashes = [label for label in labels if label in DASHBOARD_VARIABLES]
        if clashes:
            raise ConfigError(f"extra label {clashes[0]!r} would be a second dashboard variable "
                              f"of that name: {', '.join(DASHBOARD_VARIABLES)} are taken")
    except ConfigError as e:
        sys.exit(f"make_dashboard.py: {e}")
    json.dump(dashboard(labels, runbooks), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
