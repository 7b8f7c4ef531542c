#!/usr/bin/env python3
# ctest-labels: slow (real servers and alerts that must fire: a minute or more)
"""The fleet kit (deploy/fleet) end to end, with real servers: four exporters in
two sites, a Prometheus in agent mode per site (deploy/fleet/agent.yml: scrape
every second, remote-write), a central Prometheus (deploy/fleet/central.yml,
`--web.enable-remote-write-receiver`) evaluating the rules `cos_error_exporter
rules` prints and deploy/fleet/fleet-rules.yml, and Alertmanager with the shipped
deploy/alertmanager/alertmanager.yml delivering to a webhook in this test.

Groups with a 10 s window and a 30 s baseline, the code alert too:
  site a  three exporters, 1 error/s of -2 each (3/s for the site, above the
          network group's `rate`): one exporter restarts and nothing fires.
          Then -4016 at 1.5/s on each: above integrity's `rate` of 2/s only
          summed over the three, so the group alert fires once, with
          `site="a"` and no `instance`; the code alert of -4016 fires once and
          the group's alert inhibits it.
  site b  one exporter, 1 error/s of -2, then -4016 at 1.5/s: its code alert
          fires and is delivered (site a's group alert does not inhibit it),
          its group alert does not (1.5/s is site b's, not the fleet's).
"""

import calendar
import os
import shutil
import socket
import subprocess
import time
import unittest
from pathlib import Path

import yaml

import harness
from test_alert_delivery import Alertmanager, Paced, Webhook, wait_until

FLEET = Path(harness.SOURCE_DIR) / "deploy/fleet"
JOB = "cos"
WINDOW_S, BASELINE_S = 10, 30
# A step of r/s passes a `rate` of t after 10 s * t / r, and stays above
# spike_factor times the baseline's rate for 30 s / spike_factor: site a's
# group alert fires from 4.4 s to 20 s, the code alerts (`for: 6s`) from
# 6.4 s (site a) and 7.3 s (site b) to 17 s, inside the group alert's life.
GROUP_ALERT = "{rate: %s, window: 10s, spike_factor: 1.5, baseline: 30s, for: 0s, severity: %s}"
CONFIG = f"""\
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:%d
groups:
  network:
    codes: [-2]
    alert: {GROUP_ALERT % (1, "warning")}
  integrity:
    codes: [-4016]
    alert: {GROUP_ALERT % (2, "critical")}
code_alert: {{rate: 0.2, window: 10s, spike_factor: 1.75, baseline: 30s, for: 6s,
              severity: warning}}
"""
SITES = {"a": 3, "b": 1}  # exporters per site
STEADY = 1  # errors/s of -2 on every exporter
SPIKE = {"a1": 1.5, "a2": 1.5, "a3": 1.5, "b1": 1.5}  # errors/s of -4016
SPIKE_ALERTS = ("CosErrorGroupSpike", "CosErrorCodeSpike")


def load(name):
    return yaml.safe_load((FLEET / name).read_text())


class Server(harness.Prometheus):
    """A server of the fleet in its own directory, its HTTP API on a free port:
    `command(directory, port)` is its command line, `ready` its readiness path."""

    def __init__(self, workdir, name, command, ready="/-/ready"):
        self.dir = Path(workdir) / name
        self.dir.mkdir()
        self.port = harness.free_port()
        self.ready = ready
        self.log = open(self.dir / "prometheus.log", "w")
        self.process = subprocess.Popen(command(self.dir, self.port), stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=60):
        harness.wait_http_ready(self.url(self.ready), self.process, self.log_text,
                                self.dir.name, timeout)


def prometheus(workdir, name, config, *args):
    """A Prometheus started on `config` (a dict) with `args` ({dir}: its directory)."""

    def command(directory, port):
        path = directory / "prometheus.yml"
        path.write_text(yaml.safe_dump(config))
        return ["prometheus", f"--config.file={path}", f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn", *[arg.format(dir=directory) for arg in args]]
    return Server(workdir, name, command)


class Sender(Paced):
    """`code=<code>` over UDP to `address` at `per_second`; a refused send is skipped."""

    def __init__(self, address, code, per_second):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        payload = f"code={code}".encode()

        def send():
            try:
                self.socket.sendto(payload, address)
            except OSError:
                pass  # the exporter is restarting
        super().__init__(send, per_second)

    def stop(self):
        super().stop()
        self.socket.close()


class FleetKitFiles(unittest.TestCase):
    def setUp(self):
        if shutil.which("promtool") is None:
            self.skipTest("promtool is missing: install scripts/test-packages.txt")

    def check(self, *args):
        result = subprocess.run(["promtool", "check", "config", *args], capture_output=True,
                                text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        return result.stdout

    def test_the_agent_config_is_an_agent_config(self):
        self.check("--agent", str(FLEET / "agent.yml"))
        agent = load("agent.yml")
        self.assertIn("site", agent["global"]["external_labels"])
        self.assertTrue(agent["remote_write"][0]["url"].endswith("/api/v1/write"))

    def test_the_central_config_loads_the_shipped_rules(self):
        output = self.check(str(FLEET / "central.yml"))
        central = load("central.yml")
        self.assertEqual([(FLEET / p).resolve() for p in central["rule_files"]],
                         [(FLEET / "../prometheus/rules.yml").resolve(), FLEET / "fleet-rules.yml"])
        for path in central["rule_files"]:
            rules = yaml.safe_load((FLEET / path).read_text())
            count = sum(len(group["rules"]) for group in rules["groups"])
            checked = os.path.normpath(FLEET / path)
            self.assertIn(f"Checking {checked}\n  SUCCESS: {count} rules found", output)
        self.assertNotIn("scrape_configs", central)

    def test_the_fleet_alert_links_its_runbook_section(self):
        runbooks = (FLEET / "../../docs/runbooks.md").read_text(encoding="utf-8")
        for group in load("fleet-rules.yml")["groups"]:
            for rule in group["rules"]:
                base, _, section = rule["annotations"]["runbook_url"].partition("#")
                self.assertEqual(base, "docs/runbooks.md")
                self.assertIn(f'<a id="{section}"></a>', runbooks)

    def test_the_fleet_rules_pass_their_unit_tests(self):
        # A silent site alerts; one down exporter of a reporting site does not.
        result = subprocess.run(["promtool", "test", "rules", "fleet-rules.test.yml"], cwd=FLEET,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


class Fleet(unittest.TestCase):
    def setUp(self):
        for tool in ("prometheus", "prometheus-alertmanager"):
            if shutil.which(tool) is None:
                self.skipTest(f"{tool} is missing: install scripts/test-packages.txt")
        self.dir = Path(harness.temp_dir(self, "cos-fleet-"))
        self.webhook = Webhook()
        self.addCleanup(self.webhook.stop)
        self.alertmanager = Alertmanager(self.dir, self.webhook)
        self.addCleanup(self.alertmanager.stop)

        # Every exporter on fixed ports, so that a restarted one is the same target.
        self.exporters, self.ports = {}, {}
        for site, count in SITES.items():
            for n in range(1, count + 1):
                name = f"{site}{n}"
                self.ports[name] = (harness.free_port(), harness.free_udp_port())
                (self.dir / name).mkdir()
                self.start_exporter(name)
                sender = Sender(("127.0.0.1", self.ports[name][1]), -2, STEADY)
                self.addCleanup(sender.stop)
        rules = self.dir / "rules.yml"
        result = subprocess.run(
            [harness.BINARY, "rules", f"--config.file={self.exporters['a1'].config_path}"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        rules.write_text(result.stdout)

        # The store before the agents, stopped after them (cleanups run last first).
        self.store, self.ruler = self.start_central(rules)
        self.agents = {}
        for site in SITES:
            agent = load("agent.yml")
            agent["global"]["scrape_interval"] = "1s"
            agent["global"]["external_labels"]["site"] = site
            (scrape,) = agent["scrape_configs"]
            scrape["job_name"] = JOB
            scrape["static_configs"] = [{"targets": [
                self.exporters[name].http_address for name in self.exporters
                if name.startswith(site)]}]
            (write,) = agent["remote_write"]
            write["url"] = self.store.url("/api/v1/write")
            write.pop("tls_config", None)
            write["queue_config"]["batch_send_deadline"] = "1s"
            self.agents[site] = prometheus(self.dir, f"agent-{site}", agent,
                                           "--enable-feature=agent",
                                           "--storage.agent.path={dir}/wal")
            self.addCleanup(self.agents[site].stop)

    def start_central(self, rules):
        """Starts the central store and what evaluates `rules` on it, sending
        alerts to Alertmanager; returns (store, ruler): here one Prometheus."""
        central = load("central.yml")
        central["global"]["evaluation_interval"] = "1s"
        central["rule_files"] = [str(path) for path in (rules, FLEET / "fleet-rules.yml")]
        central["alerting"]["alertmanagers"][0]["static_configs"] = [
            {"targets": [self.alertmanager.address]}]
        server = prometheus(self.dir, "central", central, "--web.enable-remote-write-receiver",
                            "--storage.tsdb.path={dir}/data")
        self.addCleanup(server.stop)
        return server, server

    def start_exporter(self, name):
        http_port, udp_port = self.ports[name]
        exporter = harness.Exporter(config=CONFIG % udp_port, workdir=str(self.dir / name),
                                    listen=f"127.0.0.1:{http_port}").start()
        self.addCleanup(exporter.stop)
        self.exporters[name] = exporter
        return exporter

    def details(self):
        agents = "\n".join(f"agent {site}: {agent.log_text()}"
                           for site, agent in self.agents.items())
        return (f"central alerts: {self.ruler.api('alerts')}\n"
                f"webhook: {self.webhook.alerts()}\n"
                f"store: {self.store.log_text()}\nruler: {self.ruler.log_text()}\n{agents}\n"
                f"alertmanager: {self.alertmanager.log_text()}")

    def by_site(self, expr):
        return {labels.get("site"): value for labels, value in self.store.query(expr)}

    def watch(self, seen):
        """Adds the central store's alerts to `seen` {(name, state): {label sets}};
        returns the alerts."""
        alerts = self.ruler.api("alerts")["alerts"] or []  # vmalert: null for none
        for alert in alerts:
            key = (alert["labels"]["alertname"], alert["state"])
            seen.setdefault(key, set()).add(tuple(sorted(alert["labels"].items())))
        return alerts

    def last_evaluation(self):
        """When every spike alert was last evaluated (unix seconds)."""
        (group,) = [g for g in self.ruler.api("rules")["groups"]
                    if g["name"] == "cos_error_exporter.alerts"]
        # RFC 3339 in UTC with nanoseconds: the whole seconds do.
        return min(calendar.timegm(time.strptime(rule["lastEvaluation"][:19],
                                                 "%Y-%m-%dT%H:%M:%S"))
                   for rule in group["rules"])

    def test_a_fleet_alerts_once_per_site_and_not_on_a_restart(self):
        self.alertmanager.wait_ready()
        self.store.wait_ready()
        self.ruler.wait_ready()
        for agent in self.agents.values():
            agent.wait_ready()

        # Every exporter reaches the central store with its site's external label.
        wait_until(lambda: self.by_site("count by (site) (cos_error_exporter_build_info)")
                   == {"a": 3, "b": 1}, 60, "every exporter at the central store", self.details)
        self.assertEqual(self.store.query('count({__name__=~"cos_.+", site=""})'), [])

        # One baseline of history for every site: the spike alerts can fire from now on.
        wait_until(lambda: self.by_site(
            f'count by (site) (cos_group_errors_total{{group="integrity"}} offset {BASELINE_S}s)')
            == {"a": 3, "b": 1}, BASELINE_S + 60, "one baseline of history", self.details)
        wait_until(lambda: len(self.store.query(
            f'cos:group_errors:rate{WINDOW_S}s{{group="network"}}')) == 2, 30,
            "the recorded network rates", self.details)
        # The rules sum the instances away and keep the site.
        rates = self.store.query(f'cos:group_errors:rate{WINDOW_S}s{{group="network"}}')
        self.assertEqual(sorted(labels["site"] for labels, _ in rates), ["a", "b"], rates)
        for labels, rate in rates:
            self.assertEqual(set(labels), {"__name__", "group", "job", "site"}, labels)
            self.assertGreater(rate, 1 if labels["site"] == "a" else 0.5, rates)

        # A restart of one exporter: a scrape fails, its counters start again
        # (or carry on, with a state file), and nothing fires.
        seen = {}
        restarted = self.exporters["a2"]
        instance = restarted.http_address
        restarted.stop()
        wait_until(lambda: self.watch(seen) is not None and self.store.query(
            f'up{{site="a", instance="{instance}"}} == 0'), 30,
            "the stopped exporter's failed scrape at the central store", self.details)
        self.start_exporter("a2")
        wait_until(lambda: self.watch(seen) is not None and self.store.query(
            f'up{{site="a", instance="{instance}"}} == 1'), 30,
            "the restarted exporter at the central store", self.details)
        back = time.time()
        # Until the restart has left the window of every rate the alerts read.
        wait_until(lambda: self.watch(seen) is not None
                   and self.last_evaluation() > back + WINDOW_S + 2, 60,
                   "the alerts evaluated past the restart", self.details)
        spikes = {key: labels for key, labels in seen.items() if key[0] in SPIKE_ALERTS}
        firing = {key: labels for key, labels in seen.items() if key[1] == "firing"}
        self.assertEqual((spikes, firing), ({}, {}), self.details())
        self.assertEqual(self.webhook.alerts(), [])

        # A spike spread over site a's three exporters, and site b's own.
        for name, per_second in SPIKE.items():
            sender = Sender(("127.0.0.1", self.ports[name][1]), -4016, per_second)
            self.addCleanup(sender.stop)

        def in_alertmanager():
            """{(alertname, site): inhibited} of the active spike alerts."""
            return {(a["labels"]["alertname"], a["labels"].get("site")): bool(
                        a["status"]["inhibitedBy"])
                    for a in self.alertmanager.alerts()
                    if a["labels"]["alertname"] in SPIKE_ALERTS
                    and a["status"]["state"] != "unprocessed"}

        # While site a's group alert fires, it holds back site a's code alert, not site b's.
        wait_until(lambda: self.watch(seen) is not None and in_alertmanager() == {
            ("CosErrorGroupSpike", "a"): False, ("CosErrorCodeSpike", "a"): True,
            ("CosErrorCodeSpike", "b"): False}, 90,
            "site a's group alert inhibiting site a's code alert only", self.details)

        def delivered():
            return sorted({(a["labels"]["alertname"], a["labels"].get("site"))
                           for _, a in self.webhook.alerts() if a["status"] == "firing"})
        wait_until(lambda: ("CosErrorCodeSpike", "b") in delivered(), 30,
                   "site b's code alert at the webhook", self.details)
        time.sleep(2)  # a notification the inhibition failed to hold back would arrive by now
        self.assertEqual(delivered(), [("CosErrorCodeSpike", "b"), ("CosErrorGroupSpike", "a")],
                         self.details())
        group_alert = {"alertname": "CosErrorGroupSpike", "group": "integrity", "job": JOB,
                       "severity": "critical", "site": "a"}
        (paged,) = {tuple(sorted(a["labels"].items())) for path, a in self.webhook.alerts()
                    if path == "/pager"}
        self.assertEqual(dict(paged), group_alert)

        # Over the spike's whole life: one group alert, for the whole of site a
        # and without instance; one code alert per site.
        wait_until(lambda: not [a for a in self.watch(seen)
                                if a["labels"]["alertname"] in SPIKE_ALERTS], 60,
                   "the spike's alerts to end", self.details)
        self.assertEqual(seen[("CosErrorGroupSpike", "firing")],
                         {tuple(sorted(group_alert.items()))}, self.details())
        code_alert = {"alertname": "CosErrorCodeSpike", "category": "file_plugin",
                      "code": "-4016", "group": "integrity", "job": JOB,
                      "name": "ErrNotSameSHA", "severity": "warning"}
        self.assertEqual(seen[("CosErrorCodeSpike", "firing")],
                         {tuple(sorted(dict(code_alert, site=site).items()))
                          for site in ("a", "b")}, self.details())


if __name__ == "__main__":
    unittest.main()
