#!/usr/bin/env python3
"""Writes rules.test.yml, the promtool unit tests of rules.yml, for a config.

    python3 deploy/prometheus/make_rule_tests.py [config/exporter.yaml] \
        > deploy/prometheus/rules.test.yml
    promtool test rules deploy/prometheus/rules.test.yml

For every group with `alert:` it writes three test groups, each evaluated once a
minute over more than the group's baseline:

  GROUP: fires on a spike          a quiet background of rate/10 for one baseline,
                                   then 10 x spike_factor x rate, split 70/30 over
                                   two of the group's codes on two instances; not
                                   firing while pending, firing after window + for,
                                   with the top codes named in the description
  GROUP: quiet on a steady high rate below the spike factor
                                   2 x rate for one baseline, then 0.6 x
                                   spike_factor times that: over `rate`, yet quiet
  GROUP: quiet on a spike under the rate threshold
                                   from nothing to 0.8 x rate
  GROUP: quiet on no traffic       every series at 0

and that a flat line at 5 x rate never pages from the first scrape (no history
yet), nor, for the first group, after an exporter restart (a counter reset) and
after a Prometheus restart (a gap in the samples);

and for `code_alert:` a spike of one code inside a noisy group (the code alert
fires, the group alert does not), a steady high code, and no traffic; plus
checks of the recording rules, and each alert on the exporter itself
(config/exporter_alerts.yaml) firing and quiet. The expectations are worked out here from the
alert settings, independently of the C++ generator that writes rules.yml.
"""

import math
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
JOB = "cos"


def duration_minutes(text):
    units = {"y": 525600, "w": 10080, "d": 1440, "h": 60, "m": 1, "s": 1 / 60, "ms": 1 / 60000}
    total = 0.0
    for number, unit in re.findall(r"(\d+)(ms|y|w|d|h|m|s)", text):
        total += int(number) * units[unit]
    if total != int(total):
        sys.exit(f"durations must be whole minutes for these tests: {text}")
    return int(total)


def minutes_text(minutes):
    out = ""
    for unit, size in (("d", 1440), ("h", 60), ("m", 1)):
        if minutes >= size:
            out += f"{minutes // size}{unit}"
            minutes %= size
    return out or "0m"


def number(value):
    text = f"{value:.10g}"
    return text


def rounded(value):
    """What PromQL's round(value, 0.001) gives, as promtool compares it."""
    return math.floor(value * 1000 + 0.5) / 1000


def humanize(value):
    """Prometheus' template function humanize."""
    if value == 0 or math.isnan(value) or math.isinf(value):
        return go_g4(value)
    prefix = ""
    if abs(value) >= 1:
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(value) < 1000:
                break
            prefix = p
            value /= 1000
        return go_g4(value) + prefix
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix = p
        value *= 1000
    return go_g4(value) + prefix


def go_g4(value):
    """Go's fmt %.4g."""
    text = f"{value:.4g}"
    mantissa, _, exponent = text.partition("e")
    if exponent:
        sign = exponent[0]
        digits = exponent[1:].lstrip("0").rjust(2, "0")
        text = f"{mantissa}e{sign}{digits}"
    return text


def counter(phases):
    """Series notation for a counter rising by `per_minute` for `minutes`, phase after phase."""
    parts = []
    value = 0.0
    first = True
    for per_minute, minutes in phases:
        if first:
            parts.append(f"{number(value)}+{number(per_minute)}x{minutes}")
            value += per_minute * minutes
            first = False
        else:
            start = value + per_minute
            parts.append(f"{number(start)}+{number(per_minute)}x{minutes - 1}")
            value += per_minute * minutes
    return " ".join(parts)


class Catalog:
    def __init__(self, path):
        entries = yaml.safe_load(path.read_text())["entries"]
        self.by_code = {}
        for entry in entries:
            self.by_code.setdefault(entry["code"], []).append(entry)

    def entry(self, code):
        found = [e for e in self.by_code.get(code, []) if e["kind"] == "error"]
        return found[0] if len(found) == 1 else None


def glob_match(pattern, name):
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, name) is not None


def groups_of(config, entry):
    out = []
    for name, group in (config.get("groups") or {}).items():
        group = group or {}
        if (
            entry["code"] in (group.get("codes") or [])
            or any(glob_match(p, entry["name"]) for p in group.get("names") or [])
            or entry["category"] in (group.get("categories") or [])
        ):
            out.append(name)
    return ",".join(sorted(out))


def alert_settings(raw):
    defaults = {"rate": 1, "window": "5m", "spike_factor": 3, "baseline": "1h", "for": "2m",
                "severity": "warning"}
    merged = {**defaults, **(raw or {})}
    return {
        "rate": float(merged["rate"]),
        "window": duration_minutes(str(merged["window"])),
        "factor": float(merged["spike_factor"]),
        "baseline": duration_minutes(str(merged["baseline"])),
        "hold": duration_minutes(str(merged["for"])),
        "severity": str(merged["severity"]),
    }


def code_series(entry, instance):
    return (f'cos_errors_total{{category="{entry["category"]}",code="{entry["code"]}",'
            f'instance="{instance}",job="{JOB}",name="{entry["name"]}"}}')


def info_series(config, entry, instance):
    return (f'cos_error_code_info{{category="{entry["category"]}",code="{entry["code"]}",'
            f'groups="{groups_of(config, entry)}",instance="{instance}",job="{JOB}",'
            f'name="{entry["name"]}"}}')


def group_series(group, instance):
    return f'cos_group_errors_total{{group="{group}",instance="{instance}",job="{JOB}"}}'


def group_codes(catalog, group):
    """Codes listed in the group that the catalog holds once, as errors."""
    out = []
    for code in group.get("codes") or []:
        entry = catalog.entry(code)
        if entry and entry not in out:
            out.append(entry)
    return out


def quiet(alertname, *times):
    """Alert rule tests: no `alertname` alert firing at any of these minutes."""
    return [{"eval_time": minutes_text(t), "alertname": alertname, "exp_alerts": []}
            for t in times]


def top_codes_text(samples):
    return ", ".join(f'{e["code"]} {e["name"]} ({humanize(v)}/s)' for e, v in samples)


def group_description(name, group, alert, value, top):
    what = " ".join(str(group.get("description") or "").split())
    text = f"COS errors of group {name}"
    if what:
        text += f" ({what})"
    text += (f" are at {humanize(value)}/s over {minutes_text(alert['window'])}, above "
             f"{number(alert['rate'])}/s and more than {number(alert['factor'])} times the rate "
             f"over the last {minutes_text(alert['baseline'])}.\nTop codes: {top_codes_text(top)}")
    return text


def runbook(config, section):
    base = config.get("runbook_url")
    return f"{base}#{section}" if base else None


def check_spike_window(label, alert, spike, background):
    """The condition must hold from the first minute of the spike to window + for after it."""
    w, b, f = alert["window"], alert["baseline"], alert["factor"]
    started = False
    for t in range(1, w + alert["hold"] + 1):
        in_window = min(t, w)
        rate_w = (in_window * spike + (w - in_window) * background) / w
        in_base = min(t, b)
        rate_b = (in_base * spike + (b - in_base) * background) / b
        holds = rate_w > alert["rate"] and rate_w > f * rate_b
        if holds:
            started = True
        elif started or t >= w:
            sys.exit(f"{label}: a spike of {spike}/s would stop alerting {t}m in; "
                     "the tests assume it keeps firing for window + for")


def group_tests(config, catalog, name, group):
    alert = alert_settings(group["alert"])
    codes = group_codes(catalog, group)
    if len(codes) < 2:
        sys.exit(f"group {name}: the tests need two catalogued error codes listed in `codes`")
    first, second = codes[:2]
    idle = codes[2] if len(codes) > 2 else None  # listed at 0: not among the top codes
    w, hold, b, r, f = (alert[k] for k in ("window", "hold", "baseline", "rate", "factor"))
    t0 = b
    end = t0 + 2 * (w + hold) + 5
    fire_at = t0 + w + hold
    labels = {"group": name, "job": JOB, "severity": alert["severity"]}
    tests = []

    def series_for(phases_total):
        """Two instances, 70% of the group's errors as `first` on a, 30% as `second` on b."""
        a = [(per_min * 0.7, m) for per_min, m in phases_total]
        bb = [(per_min * 0.3, m) for per_min, m in phases_total]
        zero = [(0, m) for _, m in phases_total]
        series = [
            {"series": group_series(name, "a:9742"), "values": counter(a)},
            {"series": group_series(name, "b:9742"), "values": counter(bb)},
            {"series": code_series(first, "a:9742"), "values": counter(a)},
            {"series": code_series(second, "b:9742"), "values": counter(bb)},
            {"series": info_series(config, first, "a:9742"), "values": f"1x{end}"},
            {"series": info_series(config, second, "a:9742"), "values": f"1x{end}"},
        ]
        if idle:
            series += [
                {"series": code_series(idle, "a:9742"), "values": counter(zero)},
                {"series": info_series(config, idle, "a:9742"), "values": f"1x{end}"},
            ]
        return series

    # Fires on a spike.
    background = r / 10
    spike = 10 * f * r
    check_spike_window(f"group {name}", alert, spike, background)
    phases = [(background * 60, t0), (spike * 60, end - t0)]
    not_yet = [{"eval_time": minutes_text(t0 + hold), "alertname": "CosErrorGroupSpike",
                "exp_alerts": []}] if hold > 0 else []
    tests.append({
        "name": f"{name}: fires on a spike",
        "interval": "1m",
        "input_series": series_for(phases),
        "alert_rule_test": [
            {"eval_time": minutes_text(t0), "alertname": "CosErrorGroupSpike", "exp_alerts": []},
            *not_yet,
            {"eval_time": minutes_text(fire_at), "alertname": "CosErrorGroupSpike",
             "exp_alerts": [{
                 "exp_labels": labels,
                 "exp_annotations": {
                     "summary": f"COS errors of group {name} are spiking: {humanize(spike)}/s",
                     "description": group_description(
                         name, group, alert, spike, [(first, spike * 0.7), (second, spike * 0.3)]),
                     "runbook_url": runbook(config, f"group-{name}"),
                 },
             }]},
        ],
        "promql_expr_test": [
            {"expr": f'round(cos:group_errors:rate{minutes_text(w)}{{group="{name}"}}, 0.001)',
             "eval_time": minutes_text(fire_at),
             "exp_samples": [{"labels": f'{{group="{name}",job="{JOB}"}}',
                              "value": rounded(spike)}]},
        ],
    })

    # Quiet on a steady high rate below the spike factor.
    steady = 2 * r
    risen = 0.6 * f * steady
    phases = [(steady * 60, t0), (risen * 60, end - t0)]
    tests.append({
        "name": f"{name}: quiet on a steady high rate below the spike factor",
        "interval": "1m",
        "input_series": series_for(phases),
        "alert_rule_test": quiet("CosErrorGroupSpike", t0, fire_at, t0 + 2 * (w + hold)),
        "promql_expr_test": [
            # Above the rate threshold on its own: only the spike factor keeps it quiet.
            {"expr": f'round(cos:group_errors:rate{minutes_text(w)}{{group="{name}"}}, 0.001)'
                     f" > {number(r)}",
             "eval_time": minutes_text(fire_at),
             "exp_samples": [{"labels": f'{{group="{name}",job="{JOB}"}}',
                              "value": rounded(risen)}]},
        ],
    })

    # Quiet on a spike from nothing that stays under `rate`: only the threshold keeps it quiet.
    tests.append({
        "name": f"{name}: quiet on a spike under the rate threshold",
        "interval": "1m",
        "input_series": series_for([(0, t0), (0.8 * r * 60, end - t0)]),
        "alert_rule_test": quiet("CosErrorGroupSpike", fire_at, t0 + 2 * (w + hold)),
    })

    # Quiet on no traffic.
    tests.append({
        "name": f"{name}: quiet on no traffic",
        "interval": "1m",
        "input_series": series_for([(0, end)]),
        "alert_rule_test": quiet("CosErrorGroupSpike", t0, fire_at),
        "promql_expr_test": [
            {"expr": f'cos:group_errors:rate{minutes_text(w)}{{group="{name}"}}',
             "eval_time": minutes_text(fire_at),
             "exp_samples": [{"labels": f'cos:group_errors:rate{minutes_text(w)}'
                                        f'{{group="{name}",job="{JOB}"}}',
                              "value": 0}]},
        ],
    })
    return tests


def flat_line_tests(config, catalog, name, group, restarts):
    """A steady rate above `rate` never pages: not from the first scrape of a new
    exporter (or a Prometheus without its history), and with `restarts` not
    after the exporter restarts (a counter reset), not after Prometheus restarts
    (a gap). The guard is the same for every group, so the restarts are tested on
    the first group only: promtool evaluates every rule at every step."""
    alert = alert_settings(group["alert"])
    first, second = group_codes(catalog, group)[:2]
    w, hold, b, r = (alert[k] for k in ("window", "hold", "baseline", "rate"))
    end = 2 * b + 2 * (w + hold) + 10
    per_minute = 5 * r * 60
    event = b + w + hold + 5  # the restart, once the history suffices

    def series(values, end=end):
        """The group on two instances (70/30, one code each); `values(per_minute)` per series."""
        return [
            {"series": group_series(name, "a:9742"), "values": values(per_minute * 0.7)},
            {"series": group_series(name, "b:9742"), "values": values(per_minute * 0.3)},
            {"series": code_series(first, "a:9742"), "values": values(per_minute * 0.7)},
            {"series": code_series(second, "b:9742"), "values": values(per_minute * 0.3)},
            {"series": info_series(config, first, "a:9742"), "values": f"1x{end}"},
            {"series": info_series(config, second, "a:9742"), "values": f"1x{end}"},
        ]

    # The cold start lasts one baseline; a little more shows the guard opening quietly.
    steady_end = b + 2 * (w + hold) + 10

    def steady(p):
        return counter([(p, steady_end)])

    def exporter_restart(p):
        # Stale for one scrape, then a new process counting from 0.
        return f"0+{number(p)}x{event - 1} stale {number(p)}+{number(p)}x{end - event - 1}"

    gap = max(10, w + 5)

    def prometheus_restart(p):
        # No samples while Prometheus was down; the exporter kept counting.
        return (f"0+{number(p)}x{event - 1} _x{gap} "
                f"{number(p * (event + gap))}+{number(p)}x{end - event - gap}")

    def times(start, stop):
        step = max(1, (stop - start) // 24)
        return sorted(set(range(start, stop + 1, step)) | {start + w + hold, stop})

    def quiet_both(eval_times):
        return (quiet("CosErrorGroupSpike", *eval_times) +
                (quiet("CosErrorCodeSpike", *eval_times) if config.get("code_alert") else []))

    tests = [
        {"name": f"{name}: quiet on a steady rate from the first scrape",
         "interval": "1m", "input_series": series(steady, steady_end),
         "alert_rule_test": quiet_both(times(1, steady_end))},
    ]
    if not restarts:
        return tests
    return tests + [
        {"name": f"{name}: quiet on a steady rate after an exporter restart",
         "interval": "1m", "input_series": series(exporter_restart),
         "alert_rule_test": quiet_both(times(event, end))},
        {"name": f"{name}: quiet on a steady rate after a Prometheus restart",
         "interval": "1m", "input_series": series(prometheus_restart),
         "alert_rule_test": quiet_both(times(event, end))},
    ]


def code_alert_tests(config, catalog):
    alert = alert_settings(config["code_alert"])
    w, hold, b, r, f = (alert[k] for k in ("window", "hold", "baseline", "rate", "factor"))
    # A noisy group: its first code runs high and steady while its second spikes.
    name, group = next((n, g) for n, g in config["groups"].items() if (g or {}).get("alert"))
    group_alert = alert_settings(group["alert"])
    noisy, spiking = group_codes(catalog, group)[:2]
    t0 = max(b, group_alert["baseline"])
    end = t0 + 2 * (w + hold) + 5
    fire_at = t0 + w + hold
    noise = 20 * max(group_alert["rate"], r)
    spike = 10 * f * r
    check_spike_window("code_alert", alert, spike, 0)
    if noise + spike > group_alert["factor"] * noise:
        sys.exit("code_alert tests: the spike would make the group spike too")
    labels = {"category": spiking["category"], "code": str(spiking["code"]), "job": JOB,
              "name": spiking["name"], "severity": alert["severity"]}
    description = (
        f'COS error code {spiking["code"]} {spiking["name"]} (category {spiking["category"]}) is '
        f"at {humanize(spike)}/s over {minutes_text(w)}, above {number(r)}/s and more than "
        f"{number(f)} times its rate over the last {minutes_text(b)}.\n"
        f"Groups: {groups_of(config, spiking)}")
    annotations = {
        "summary": f'COS error code {spiking["code"]} {spiking["name"]} is spiking: '
                   f'{humanize(spike)}/s',
        "description": description}
    # One alert for each group of the code, labelled with it and linking its runbook.
    expected = [{"exp_labels": {**labels, "group": g},
                 "exp_annotations": {**annotations, "runbook_url": runbook(config, f"group-{g}")}}
                for g in groups_of(config, spiking).split(",") if g]
    info = [{"series": info_series(config, e, "a:9742"), "values": f"1x{end}"}
            for e in (noisy, spiking)]
    tests = [{
        "name": f"code_alert: fires on one code spiking inside the noisy group {name}",
        "interval": "1m",
        "input_series": [
            {"series": group_series(name, "a:9742"),
             "values": counter([(noise * 60, t0), ((noise + spike) * 60, end - t0)])},
            {"series": code_series(noisy, "a:9742"), "values": counter([(noise * 60, end)])},
            {"series": code_series(spiking, "a:9742"),
             "values": counter([(0, t0), (spike * 60, end - t0)])},
            *info,
        ],
        "alert_rule_test": [
            {"eval_time": minutes_text(t0), "alertname": "CosErrorCodeSpike", "exp_alerts": []},
            *([{"eval_time": minutes_text(t0 + hold), "alertname": "CosErrorCodeSpike",
                "exp_alerts": []}] if hold > 0 else []),
            {"eval_time": minutes_text(fire_at), "alertname": "CosErrorCodeSpike",
             "exp_alerts": expected},
            {"eval_time": minutes_text(fire_at), "alertname": "CosErrorGroupSpike",
             "exp_alerts": []},
        ],
    }]
    steady = 2 * r
    risen = 0.6 * f * steady
    tests.append({
        "name": "code_alert: quiet on a steady high rate below the spike factor",
        "interval": "1m",
        "input_series": [
            {"series": code_series(spiking, "a:9742"),
             "values": counter([(steady * 60, t0), (risen * 60, end - t0)])},
            *info,
        ],
        "alert_rule_test": quiet("CosErrorCodeSpike", t0, fire_at, t0 + 2 * (w + hold)),
        "promql_expr_test": [
            {"expr": f'round(cos:code_errors:rate{minutes_text(w)}{{code="{spiking["code"]}"}}, '
                     f"0.001) > {number(r)}",
             "eval_time": minutes_text(fire_at),
             "exp_samples": [{"labels": f'{{category="{spiking["category"]}",'
                                        f'code="{spiking["code"]}",job="{JOB}",'
                                        f'name="{spiking["name"]}"}}',
                              "value": rounded(risen)}]},
        ],
    })
    tests.append({
        "name": "code_alert: quiet on no traffic",
        "interval": "1m",
        "input_series": [
            {"series": code_series(e, "a:9742"), "values": counter([(0, end)])}
            for e in (noisy, spiking)
        ] + info,
        "alert_rule_test": quiet("CosErrorCodeSpike", t0, fire_at),
    })
    return tests


def render(template, labels, value):
    """The few Go template forms config/exporter_alerts.yaml uses, filled in."""
    text = template.replace("{{ $value | humanize }}", humanize(value))
    text = text.replace("{{ $value | humanizePercentage }}", go_g4(value * 100) + "%")
    return re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels.get(m.group(1), ""), text)


def exporter_alert_tests(config):
    """Each alert on the exporter itself, firing and quiet; texts from its data file."""
    rules = {r["alert"]: r for r in
             yaml.safe_load((ROOT / "config/exporter_alerts.yaml").read_text())}
    instance = {"instance": "a:9742", "job": JOB}

    def expect(alertname, labels, value):
        rule = rules[alertname]
        annotations = {"summary": render(rule["summary"], labels, value),
                       "description": render(rule["description"], labels, value)}
        if runbook(config, rule["runbook"]):
            annotations["runbook_url"] = runbook(config, rule["runbook"])
        return [{"exp_labels": {**labels, "severity": rule["severity"]},
                 "exp_annotations": annotations}]

    def fires(alertname, at, labels, value):
        return {"eval_time": minutes_text(at), "alertname": alertname,
                "exp_alerts": expect(alertname, labels, value)}

    def series(name, labels, values):
        inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        return {"series": f"{name}{{{inner}}}", "values": values}

    udp = {**instance, "input": "udp"}
    files = {**instance, "input": "logs"}
    return [
        {"name": "exporter: down for 5m pages; another job's target does not",
         "interval": "1m",
         "input_series": [
             series("up", instance, "1x10 0x20"),
             series("cos_error_exporter_build_info",
                    {**instance, "revision": "r", "version": "1"}, "1x10"),
             series("up", {"instance": "b:9100", "job": "node"}, "0x30"),
         ],
         "alert_rule_test": [
             *quiet("CosErrorExporterDown", 10, 14),
             fires("CosErrorExporterDown", 16, instance, 0),
         ]},
        {"name": "exporter: none scraped for 15m warns",
         "interval": "1m",
         "input_series": [series("up", {"instance": "b:9100", "job": "node"}, "1x30")],
         "alert_rule_test": [*quiet("CosErrorExporterAbsent", 14),
                             fires("CosErrorExporterAbsent", 16, {}, 1)]},
        {"name": "exporter: a reload failed 5m ago warns until a good one",
         "interval": "1m",
         "input_series": [series("cos_error_exporter_config_last_reload_successful", instance,
                                 "1x10 0x10 1x10")],
         "alert_rule_test": [*quiet("CosErrorExporterReloadFailed", 10, 14, 23),
                             fires("CosErrorExporterReloadFailed", 16, instance, 0)]},
        {"name": "exporter: 10 % malformed lines for 15m warns, 2 % does not",
         "interval": "1m",
         "input_series": [
             series("cos_error_exporter_events_received_total", udp, "0+600x60"),
             series("cos_error_exporter_events_malformed_total", {**udp, "reason": "invalid_code"},
                    "0x20 40+40x39"),
             series("cos_error_exporter_events_malformed_total", {**udp, "reason": "too_long"},
                    "0x20 20+20x39"),
             series("cos_error_exporter_events_received_total", files, "0+600x60"),
             series("cos_error_exporter_events_malformed_total",
                    {**files, "reason": "invalid_code"},
                    "0+12x60"),
         ],
         "alert_rule_test": [*quiet("CosErrorExporterMalformedLines", 20, 30),
                             fires("CosErrorExporterMalformedLines", 45, udp, 0.1)]},
        {"name": "exporter: a log whose lines are mostly not events does not warn",
         "interval": "1m",
         "input_series": [
             # 80 % INFO lines and blank lines, 20 % events, one in a thousand of them broken.
             series("cos_error_exporter_events_received_total", files, "0+1000x60"),
             series("cos_error_exporter_events_malformed_total",
                    {**files, "reason": "invalid_json"},
                    "0+1x60"),
             series("cos_error_exporter_lines_without_event_total", {**files, "reason": "no_event"},
                    "0+3600x60"),
             series("cos_error_exporter_lines_without_event_total", {**files, "reason": "blank"},
                    "0+400x60"),
         ],
         "alert_rule_test": [*quiet("CosErrorExporterMalformedLines", 20, 40, 59)]},
        {"name": "exporter: kernel UDP drops warn for 10m after they stop",
         "interval": "1m",
         "input_series": [series("cos_error_exporter_udp_kernel_drops_total", udp,
                                 "0x10 150x20")],
         "alert_rule_test": [*quiet("CosErrorExporterUdpKernelDrops", 10, 21),
                             fires("CosErrorExporterUdpKernelDrops", 15, udp, 150)]},
        {"name": "exporter: unknown codes over the cap warn",
         "interval": "1m",
         "input_series": [series("cos_error_exporter_unknown_codes_overflow_total", instance,
                                 "0x10 30x20")],
         "alert_rule_test": [*quiet("CosErrorExporterUnknownCodesOverflow", 10, 21),
                             fires("CosErrorExporterUnknownCodesOverflow", 15, instance, 30)]},
        {"name": "exporter: a file input reading no file for 10m warns",
         "interval": "1m",
         "input_series": [series("cos_error_exporter_file_input_files", files, "2x10 0x20"),
                          series("cos_error_exporter_file_input_files", udp, "1x30")],
         "alert_rule_test": [*quiet("CosErrorExporterFileInputIdle", 10, 19),
                             fires("CosErrorExporterFileInputIdle", 21, files, 0)]},
        {"name": "exporter: a state_file not written for 2m warns",
         "interval": "1m",
         "input_series": [series("cos_error_exporter_state_last_write_successful", instance,
                                 "1x10 0x10 1x10")],
         "alert_rule_test": [*quiet("CosErrorExporterStateNotWritten", 10, 12, 25),
                             fires("CosErrorExporterStateNotWritten", 15, instance, 0)]},
    ]


def recording_tests():
    """Two exporters read as one service; the error ratio comes from cos_events_total."""
    def events(outcome, instance):
        return f'cos_events_total{{instance="{instance}",job="{JOB}",outcome="{outcome}"}}'
    return [{
        "name": "recording rules: summed across instances, error ratio",
        "interval": "1m",
        "input_series": [
            {"series": events("success", "a:9742"), "values": counter([(540, 20)])},
            {"series": events("error", "a:9742"), "values": counter([(60, 20)])},
            {"series": events("success", "b:9742"), "values": counter([(360, 20)])},
            {"series": events("error", "b:9742"), "values": counter([(240, 20)])},
            {"series": group_series("auth", "a:9742"), "values": counter([(60, 20)])},
            {"series": group_series("auth", "b:9742"), "values": counter([(120, 20)])},
        ],
        "promql_expr_test": [
            {"expr": "cos:events:rate5m", "eval_time": "10m", "exp_samples": [
                {"labels": f'cos:events:rate5m{{job="{JOB}",outcome="error"}}', "value": 5},
                {"labels": f'cos:events:rate5m{{job="{JOB}",outcome="success"}}', "value": 15},
            ]},
            {"expr": "cos:error_ratio:rate5m", "eval_time": "10m", "exp_samples": [
                {"labels": f'cos:error_ratio:rate5m{{job="{JOB}"}}', "value": 0.25},
            ]},
            {"expr": "cos:group_errors:rate5m", "eval_time": "10m", "exp_samples": [
                {"labels": f'cos:group_errors:rate5m{{group="auth",job="{JOB}"}}', "value": 3},
            ]},
        ],
    }]


def main():
    config_path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "config/exporter.yaml"
    config = yaml.safe_load(config_path.read_text())
    catalog = Catalog(ROOT / "config/catalog.yaml")
    tests = recording_tests()
    restarts = True
    for name, group in (config.get("groups") or {}).items():
        if (group or {}).get("alert"):
            tests += group_tests(config, catalog, name, group)
            tests += flat_line_tests(config, catalog, name, group, restarts)
            restarts = False
    if config.get("code_alert"):
        tests += code_alert_tests(config, catalog)
    tests += exporter_alert_tests(config)
    document = {"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": tests}
    sys.stdout.write(
        "# promtool unit tests of rules.yml, written by make_rule_tests.py from "
        "config/exporter.yaml:\n"
        "#   python3 deploy/prometheus/make_rule_tests.py > deploy/prometheus/rules.test.yml\n"
        "#   promtool test rules deploy/prometheus/rules.test.yml\n")
    sys.stdout.write(yaml.safe_dump(document, sort_keys=False, width=100000, allow_unicode=True))


if __name__ == "__main__":
    main()
