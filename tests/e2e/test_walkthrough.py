#!/usr/bin/env python3
# ctest-labels: slow (real servers and alerts that must fire: a minute or more)
"""docs/walkthrough.md works as written: its sh blocks run in one bash, in
order, from the repository's root, with the real exporter, logrotate,
promtool, Prometheus, the shipped Alertmanager config and amtool; only the
ports (9742, 9090, 9093), the scratch directory and the binary's path are
swapped for this run's."""

import json
import os
import re
import shutil
import subprocess
import unittest
from pathlib import Path

import yaml

import harness

SOURCE = Path(harness.SOURCE_DIR)
WALKTHROUGH = (SOURCE / "docs/walkthrough.md").read_text()


def sh_blocks(text):
    return re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M)


class WalkthroughTest(unittest.TestCase):
    def test_it_covers_the_first_hour(self):
        for needed in ["file", "logrotate", "delaycompress", "rules --config.file",
                       "promtool check rules", "alerting:", "deploy/alertmanager/alertmanager.yml",
                       "deploy/grafana/cos-errors.json", "runbook_url: https://",
                       "--web.enable-lifecycle"]:
            self.assertIn(needed, WALKTHROUGH)
        # The shipped Prometheus config sends alerts to an Alertmanager too, as
        # the walkthrough's copy of it does.
        shipped = yaml.safe_load((SOURCE / "deploy/prometheus/prometheus.yml").read_text())
        targets = shipped["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
        self.assertTrue(all(t.endswith(":9093") for t in targets), targets)

    def test_its_commands_run_as_written(self):
        for tool in ["prometheus", "prometheus-alertmanager", "amtool", "promtool", "logrotate",
                     "curl"]:
            self.assertIsNotNone(shutil.which(tool),
                                 "%s is missing: install scripts/test-packages.txt" % tool)
        walk = harness.temp_dir(self, "cos-walkthrough-")
        script = "\n".join(sh_blocks(WALKTHROUGH))
        self.assertIn("export WALK=/tmp/cos-walkthrough\n", script)
        script = script.replace("export WALK=/tmp/cos-walkthrough\n", "export WALK=%s\n" % walk)
        for port in ["9742", "9090", "9093"]:
            self.assertIn("localhost:" + port, script)
            script = script.replace("localhost:" + port, "localhost:%d" % harness.free_port())
        self.assertIn("build/cos_error_exporter", script)
        script = script.replace("build/cos_error_exporter", harness.BINARY)
        # Whatever fails, nothing started here outlives the test.
        script = "set -e\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + script
        try:
            r = subprocess.run(["bash", "-c", script], cwd=SOURCE, capture_output=True, text=True,
                               timeout=420)
        except subprocess.TimeoutExpired as e:
            self.fail("the walkthrough did not finish in 7 minutes:\n%s\n%s"
                      % (e.stdout, e.stderr))
        output = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, output[-6000:])
        self.assertIn("config OK: %s/exporter.yaml" % walk, r.stdout)
        self.assertIn("SUCCESS", r.stdout)  # promtool's checks
        self.assertIn('runbook_url="https://wiki.example.com/cos/runbooks.md#group-integrity"',
                      r.stdout, output[-6000:])
        self.assertRegex(r.stdout, r"Top codes: -4016 ErrNotSameSHA")
        # The exporter followed the rotation and counted every line once.
        self.assertTrue(os.path.exists(os.path.join(walk, "log", "app.log.1")))
        self.assertTrue(os.path.exists(os.path.join(walk, "positions.json")))
        # The dashboard generated from the config links its absolute runbook_url.
        with open(os.path.join(walk, "cos-errors.json")) as f:
            dashboard = json.load(f)
        (variable,) = [v for v in dashboard["templating"]["list"] if v["name"] == "runbook_url"]
        self.assertEqual(variable["query"], "https://wiki.example.com/cos/runbooks.md")


if __name__ == "__main__":
    unittest.main()
