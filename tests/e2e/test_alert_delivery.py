#!/usr/bin/env python3
# ctest-labels: slow (a real Prometheus and Alertmanager: a minute or more)
"""Alerts delivered end to end: the real exporter, a real Prometheus (scrape and
rule evaluation every second) on the rules `cos_error_exporter rules` prints,
a real Alertmanager (Debian's prometheus-alertmanager) with the shipped
deploy/alertmanager/alertmanager.yml, and a webhook receiver in this test.

Groups with a 15 s window and a 1 m baseline:
  network    5 errors/s of -2, steady from before the first scrape: never pages
             (without the cold-start guard it pages within the first baseline);
  integrity  silent until Prometheus holds a baseline of history, then 20/s of
             -4016: the group alert reaches the webhook with the code, its name
             and the top codes; the code alert is inhibited by it;
  auth       no events: nothing.
"""

import http.server
import json
import shutil
import socket
import subprocess
import threading
import time
import unittest
import urllib.request
from pathlib import Path

import yaml

import harness

SOURCE = Path(harness.SOURCE_DIR)
JOB = "cos"
ALERT = "{rate: 1, window: 15s, spike_factor: 2, baseline: 1m, for: 0s, severity: %s}"
CONFIG = f"""\
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:0
groups:
  network:
    codes: [-2]
    alert: {ALERT % "warning"}
  integrity:
    description: checksum failures
    codes: [-4016, -174]
    alert: {ALERT % "critical"}
  auth:
    codes: [401]
    alert: {ALERT % "critical"}
# Later than the group alert, so that Alertmanager holds the group's alert first.
code_alert: {{rate: 1, window: 15s, spike_factor: 2, baseline: 1m, for: 5s, severity: warning}}
runbook_url: https://runbooks.example/cos.md
"""
BASELINE_S = 60


class Webhook:
    """Alertmanager's webhook receiver: keeps every notification it is sent."""

    def __init__(self):
        received = self.received = []
        lock = self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def alerts(self):
        """(receiver path, alert) of every alert of every notification so far."""
        with self.lock:
            return [(path, alert) for path, body in self.received for alert in body["alerts"]]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Alertmanager:
    """prometheus-alertmanager with the shipped config, its receivers pointed at `webhook`."""

    def __init__(self, workdir, webhook):
        self.dir = Path(workdir)
        self.port = harness.free_port()
        config = yaml.safe_load((SOURCE / "deploy/alertmanager/alertmanager.yml").read_text())
        config["route"].update(group_wait="1s", group_interval="1s")
        for receiver in config["receivers"]:
            for hook in receiver["webhook_configs"]:
                hook["url"] = f"{webhook.url}/{receiver['name']}"
        path = self.dir / "alertmanager.yml"
        path.write_text(yaml.safe_dump(config))
        self.log = open(self.dir / "alertmanager.log", "w")
        self.process = subprocess.Popen(
            ["prometheus-alertmanager", f"--config.file={path}",
             f"--storage.path={self.dir / 'am-data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
             "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def wait_ready(self, timeout=60):
        harness.wait_http_ready(f"http://{self.address}/-/ready", self.process, self.log_text,
                                "alertmanager", timeout)

    def alerts(self):
        with urllib.request.urlopen(f"http://{self.address}/api/v2/alerts", timeout=10) as r:
            return json.load(r)

    def log_text(self):
        self.log.flush()
        return (self.dir / "alertmanager.log").read_text()[-3000:]

    def stop(self):
        harness.stop_process(self.process)
        self.log.close()


class Paced:
    """Calls `action` at `per_second`, never faster: a late tick is not made up."""

    def __init__(self, action, per_second):
        self.action, self.interval = action, 1 / per_second
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        next_at = time.monotonic()
        while not self.stopped.is_set():
            self.action()
            next_at = max(next_at + self.interval, time.monotonic())
            self.stopped.wait(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self.stopped.set()
        self.thread.join()


class Sender(Paced):
    """Sends `line` (or `code=<code>` for a number) over UDP at `per_second`."""

    def __init__(self, address, line, per_second):
        payload = (f"code={line}" if isinstance(line, int) else line).encode()
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        super().__init__(lambda: self.socket.sendto(payload, address), per_second)

    def stop(self):
        super().stop()
        self.socket.close()


def wait_until(predicate, timeout, what, details=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{details()}")


class AlertDelivery(unittest.TestCase):
    def setUp(self):
        for tool in ("prometheus", "prometheus-alertmanager"):
            if shutil.which(tool) is None:
                self.skipTest(f"{tool} is missing: install scripts/test-packages.txt")
        self.dir = Path(harness.temp_dir(self, "cos-alerts-"))
        self.webhook = Webhook()
        self.addCleanup(self.webhook.stop)
        self.exporter = harness.Exporter(config=CONFIG, workdir=str(self.dir)).start()
        self.addCleanup(self.exporter.stop)
        rules = self.dir / "rules.yml"
        result = subprocess.run(
            [harness.BINARY, "rules", f"--config.file={self.exporter.config_path}"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        rules.write_text(result.stdout)
        # From before Prometheus' first scrape, as with a new exporter on a busy host.
        self.steady = Sender(self.exporter.udp_address(), -2, 5)
        self.addCleanup(self.steady.stop)
        self.alertmanager = Alertmanager(self.dir, self.webhook)
        self.addCleanup(self.alertmanager.stop)
        self.prometheus = harness.Prometheus(self.dir, self.exporter.http_address, JOB, [rules],
                                             alertmanager=self.alertmanager.address)
        self.addCleanup(self.prometheus.stop)

    def details(self):
        return (f"webhook: {json.dumps(self.webhook.alerts(), indent=1)[-4000:]}\n"
                f"prometheus: {self.prometheus.log_text()}\n"
                f"alertmanager: {self.alertmanager.log_text()}")

    def test_a_spike_is_delivered_and_a_flat_line_never(self):
        self.alertmanager.wait_ready()
        self.prometheus.wait_ready()

        # The integrity series have a baseline of history: the guard lets a spike through.
        wait_until(lambda: self.prometheus.query(
            f'cos_group_errors_total{{group="integrity"}} offset {BASELINE_S}s'),
            BASELINE_S + 90, "one baseline of history", self.details)
        spike = Sender(self.exporter.udp_address(), -4016, 20)
        self.addCleanup(spike.stop)

        def delivered():
            return [a for path, a in self.webhook.alerts()
                    if a["labels"].get("alertname") == "CosErrorGroupSpike"
                    and a["labels"].get("group") == "integrity" and a["status"] == "firing"
                    and path == "/pager"]
        alert = wait_until(delivered, 90, "the integrity spike at the webhook", self.details)[0]
        self.assertEqual(alert["labels"]["severity"], "critical")
        self.assertEqual(alert["labels"]["job"], JOB)
        description = alert["annotations"]["description"]
        self.assertIn("COS errors of group integrity (checksum failures) are at ", description)
        self.assertRegex(description, r"\nTop codes: -4016 ErrNotSameSHA \([0-9.]+/s\)$")
        self.assertEqual(alert["annotations"]["runbook_url"],
                         "https://runbooks.example/cos.md#group-integrity")
        # The dashboard's "Firing COS alerts" annotations show it.
        dashboard = json.loads((SOURCE / "deploy/grafana/cos-errors.json").read_text())
        (annotation,) = [a for a in dashboard["annotations"]["list"]
                         if a.get("name") == "Firing COS alerts"]
        shown = self.prometheus.query(annotation["expr"].replace("$job", ".+"))
        self.assertIn(("CosErrorGroupSpike", "integrity"),
                      [(labels["alertname"], labels.get("group")) for labels, _ in shown])

        # The code alert of -4016 fires too, and its group's alert inhibits it.
        def inhibited_code_alert():
            return [a for a in self.alertmanager.alerts()
                    if a["labels"].get("alertname") == "CosErrorCodeSpike"
                    and a["labels"].get("code") == "-4016"
                    and a["labels"].get("group") == "integrity"
                    and a["status"]["inhibitedBy"]]
        wait_until(inhibited_code_alert, 60, "the inhibited code alert", self.details)
        time.sleep(3)  # a notification the inhibition failed to hold back would arrive by now

        # Nothing else reached the webhook: not the steady network group (cold start
        # included), not the silent auth group, not the inhibited code alert.
        others = [(path, a["labels"]) for path, a in self.webhook.alerts()
                  if not (a["labels"].get("alertname") == "CosErrorGroupSpike"
                          and a["labels"].get("group") == "integrity")]
        self.assertEqual(others, [], self.details())
        # The steady group was counted all along, above its `rate`.
        rate = self.prometheus.query('cos:group_errors:rate15s{group="network"}')
        self.assertGreater(rate[0][1], 3, rate)


if __name__ == "__main__":
    unittest.main()
