"""What the dashboard tests share: one exporter and one real Prometheus
scraping it every second, started once for a test class, and the panels of a
dashboard."""

import shutil
import tempfile
import unittest
from pathlib import Path

import harness

JOB = "cos_error_exporter"


def panels(dashboard):
    """Every panel, those inside rows included."""
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def batch_text(events):
    """(line, times) pairs as one datagram's text."""
    return "\n".join(line for line, times in events for _ in range(times)) + "\n"


class AgainstPrometheus(unittest.TestCase):
    """A test class whose exporter runs `config(workdir)` and is scraped by a
    Prometheus with `rule_files` and `prometheus_args`. `started()` runs once
    the exporter is up, `fill()` once Prometheus scrapes it (up == 1); a
    failure in either stops both."""

    tmp_prefix = "cos-dashboard-"
    rule_files = []
    prometheus_args = []

    @classmethod
    def config(cls, workdir):
        raise NotImplementedError

    @classmethod
    def started(cls):
        pass

    @classmethod
    def fill(cls):
        pass

    @classmethod
    def setUpClass(cls):
        if shutil.which("prometheus") is None:
            raise unittest.SkipTest("prometheus is missing: install scripts/test-packages.txt")
        cls.tmp = tempfile.TemporaryDirectory(prefix=cls.tmp_prefix)
        cls.exporter = cls.prometheus = None
        try:
            config = cls.config(Path(cls.tmp.name))
            cls.exporter = harness.Exporter(config=config, workdir=cls.tmp.name).start()
            cls.started()
            cls.prometheus = harness.Prometheus(cls.tmp.name, cls.exporter.http_address, JOB,
                                                cls.rule_files, args=cls.prometheus_args)
            cls.prometheus.wait_ready()
            cls.prometheus.wait_value(f'up{{job="{JOB}"}}', 1)
            cls.fill()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.prometheus is not None:
            cls.prometheus.stop()
        if cls.exporter is not None:
            cls.exporter.stop()
        cls.tmp.cleanup()
