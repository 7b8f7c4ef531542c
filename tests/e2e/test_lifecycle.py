"""POST /-/reload is off unless --web.enable-lifecycle turns it on, as in
Prometheus and Alertmanager; SIGHUP reloads either way."""

import signal
import unittest

import harness

CONFIG = "inputs: {udp: [{name: %s, listen: '127.0.0.1:0'}]}\n"


class LifecycleTest(unittest.TestCase):
    def reload_and_wait_for(self, exporter, name):
        exporter.wait_for(lambda: "input=%s" % name in exporter.log_text()
                          and "configuration reloaded" in exporter.log_text(), 10,
                          "input %s after the reload" % name)

    def test_reload_endpoint_is_off_by_default_and_sighup_still_reloads(self):
        exporter = harness.Exporter(CONFIG % "before", lifecycle=False)
        with exporter:
            self.assertNotIn("--web.enable-lifecycle", exporter.command())
            self.assertIn('reload_endpoint="off (SIGHUP reloads; --web.enable-lifecycle turns '
                          'POST /-/reload on)"', exporter.log_text())
            with open(exporter.config_path, "w") as f:
                f.write(CONFIG % "after")
            for method in ["POST", "PUT", "GET"]:
                status, _, body = exporter.get("/-/reload", method=method,
                                               data=None if method == "GET" else b"")
                self.assertEqual(status, 403, method)
                self.assertEqual(body, b"Lifecycle API is not enabled: start the exporter with "
                                       b"--web.enable-lifecycle to reload by HTTP, or send it "
                                       b"SIGHUP.\n")
            self.assertNotIn("configuration reloaded", exporter.log_text())
            self.assertNotIn("input=after", exporter.log_text())
            exporter.send_signal(signal.SIGHUP)
            self.reload_and_wait_for(exporter, "after")

    def test_the_flag_turns_it_on(self):
        with harness.Exporter(CONFIG % "before") as exporter:
            self.assertIn("--web.enable-lifecycle", exporter.command())
            self.assertIn('reload_endpoint="on (--web.enable-lifecycle)"', exporter.log_text())
            with open(exporter.config_path, "w") as f:
                f.write(CONFIG % "after")
            status, _, body = exporter.get("/-/reload", method="POST", data=b"")
            self.assertEqual((status, body), (200, b"Configuration reloaded.\n"))
            self.reload_and_wait_for(exporter, "after")

    def test_help_says_so(self):
        help_text = harness.run_cli("--help").stdout
        self.assertRegex(help_text, r"\n      --web.enable-lifecycle +Enable reloading the config "
                                    r"by HTTP \(POST /-/reload\)\. Off by\s+default")
        self.assertIn("SIGHUP always", help_text)


if __name__ == "__main__":
    unittest.main()
