#!/usr/bin/env python3
# ctest-labels: slow (real servers and alerts that must fire: a minute or more)
"""The fleet kit with VictoriaMetrics as the central store: test_fleet.py's
sites, agents (deploy/fleet/agent.yml), exporters, Alertmanager and checks,
but the agents remote-write to a real `victoria-metrics` (Debian's package)
and a real `vmalert` evaluates the same generated rules on it, writes the
recorded series back to it and sends the alerts to Alertmanager.
"""

import shutil
import unittest

import test_fleet


class FleetVictoriaMetrics(test_fleet.Fleet):
    def setUp(self):
        for tool in ("victoria-metrics", "vmalert"):
            if shutil.which(tool) is None:
                self.skipTest(f"{tool} is missing: install scripts/test-packages.txt")
        super().setUp()

    def start_central(self, rules):
        store = test_fleet.Server(self.dir, "victoria-metrics", lambda directory, port: [
            "victoria-metrics", f"-storageDataPath={directory}/data",
            f"-httpListenAddr=127.0.0.1:{port}", "-loggerLevel=WARN",
            # Answer with what arrived 2 s ago, not 30 s (the default).
            "-search.latencyOffset=2s", "-search.disableCache"], ready="/health")
        self.addCleanup(store.stop)
        ruler = test_fleet.Server(self.dir, "vmalert", lambda directory, port: [
            "vmalert", f"-rule={rules}", f"-rule={test_fleet.FLEET / 'fleet-rules.yml'}",
            f"-datasource.url={store.url('')}",
            # The recorded series reach the store within a second, not 5 s: the
            # code alert reads a rule that reads a rule.
            f"-remoteWrite.url={store.url('')}", "-remoteWrite.flushInterval=1s",
            f"-notifier.url=http://{self.alertmanager.address}", "-evaluationInterval=1s",
            f"-httpListenAddr=127.0.0.1:{port}", "-loggerLevel=WARN",
            # Alerts labelled as Prometheus labels them (no `alertgroup`).
            "-disableAlertgroupLabel"], ready="/health")
        self.addCleanup(ruler.stop)
        return store, ruler


if __name__ == "__main__":
    unittest.main()
