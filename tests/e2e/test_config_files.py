"""A config, catalog, web config or state file that is not a regular file (a
FIFO, /dev/zero) is refused at once with one line naming it: check-config does
not hang or grow without bound, and a reload that meets one fails while intake
and HTTP go on."""

import os
import resource
import signal
import subprocess
import threading
import unittest

import harness

RELOAD_OK = "cos_error_exporter_config_last_reload_successful"
RECEIVED = "cos_error_exporter_events_received_total"
FIFO = "it is a FIFO, not a regular file"
DEVICE = "it is a character device, not a regular file"


def limit_memory():
    # Without the size limit /dev/zero would be read until this stops it.
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def check_config(*args):
    return subprocess.run([harness.BINARY, "check-config", *args], capture_output=True, text=True,
                          timeout=60, preexec_fn=limit_memory)


class ConfigFilesTest(unittest.TestCase):
    def setUp(self):
        self.dir = harness.temp_dir(self, "cos-e2e-files-")
        self.fifo = os.path.join(self.dir, "catalog.fifo")
        os.mkfifo(self.fifo)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def assert_refused(self, result, line):
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertEqual(result.stderr, line + "\n")
        self.assertEqual(result.stdout, "")

    def test_check_config_refuses_a_fifo_at_once(self):
        config = self.write("fifo-catalog.yaml", "catalog:\n  file: %s\n" % self.fifo)
        self.assert_refused(check_config("--config.file=" + config),
                            '%s:2:9: catalog.file "%s" cannot be read: %s'
                            % (config, self.fifo, FIFO))
        self.assert_refused(check_config("--config.file=" + self.fifo),
                            "%s: cannot read: %s" % (self.fifo, FIFO))
        self.assert_refused(check_config("--web.config.file=" + self.fifo),
                            "%s: cannot read: %s" % (self.fifo, FIFO))

    def test_check_config_refuses_dev_zero_without_reading_it(self):
        config = self.write("zero-catalog.yaml", "catalog:\n  file: /dev/zero\n")
        self.assert_refused(check_config("--config.file=" + config),
                            '%s:2:9: catalog.file "/dev/zero" cannot be read: %s'
                            % (config, DEVICE))
        self.assert_refused(check_config("--config.file=/dev/zero"),
                            "/dev/zero: cannot read: " + DEVICE)

    def test_check_config_refuses_a_file_over_the_size_limit(self):
        big = os.path.join(self.dir, "big.yaml")
        with open(big, "wb") as f:
            f.truncate(16 * 1024 * 1024 + 1)  # sparse: no disk used
        self.assert_refused(check_config("--config.file=" + big),
                            big + ": cannot read: larger than the 16 MiB limit")

    def test_state_file_that_is_a_fifo_is_not_read(self):
        state = os.path.join(self.dir, "positions.fifo")
        os.mkfifo(state)
        config = "state_file: %s\ninputs:\n  files:\n    - {name: f, path: '%s/*.log'}\n" % (
            state, self.dir)
        with harness.Exporter(config, workdir=self.dir) as exporter:
            said = "state_file is not a regular file"
            exporter.wait_for(lambda: said in exporter.log_text(), 10, "the error")
            line = [harness.parse_logfmt(raw) for raw in exporter.lines if said in raw][0]
            self.assertEqual(line["is"], "a FIFO")
            self.assertEqual(exporter.get("/-/ready")[0], 200)

    def test_reload_with_a_fifo_catalog_fails_and_intake_goes_on(self):
        good = "inputs:\n  udp:\n    - {name: udp, listen: '127.0.0.1:0'}\n"
        exporter = harness.Exporter(good, workdir=self.dir)
        exporter.start()
        self.addCleanup(exporter.__exit__)
        exporter.send_udp("-96")
        exporter.wait_metric(RECEIVED, 1, input="udp")

        with open(exporter.config_path, "w") as f:
            f.write(good + "catalog:\n  file: %s\n" % self.fifo)
        exporter.send_signal(signal.SIGHUP)
        exporter.wait_for(lambda: "reload failed" in exporter.log_text(), 20, "the reload to fail")
        failure = [harness.parse_logfmt(raw) for raw in exporter.lines if "reload failed" in raw][0]
        self.assertEqual(failure["error"], '%s:5:9: catalog.file "%s" cannot be read: %s'
                         % (exporter.config_path, self.fifo, FIFO))
        # The loop was never held: HTTP answers and datagrams are counted.
        self.assertEqual(exporter.get("/-/healthy")[0], 200)
        exporter.send_udp("-96\n-97")
        m = exporter.wait_metric(RECEIVED, 3, input="udp")
        self.assertEqual(m.get(RELOAD_OK), 0)

        # POST /-/reload says the same.
        status, _, body = exporter.get("/-/reload", method="POST", data=b"")
        self.assertEqual(status, 500)
        self.assertIn(FIFO, body.decode())

        # Fixed: the next reload succeeds.
        with open(exporter.config_path, "w") as f:
            f.write(good)
        status, _, body = exporter.get("/-/reload", method="POST", data=b"")
        self.assertEqual(status, 200, body)
        self.assertEqual(exporter.metrics().get(RELOAD_OK), 1)

    def test_concurrent_reloads_each_finish_in_turn(self):
        good = "inputs:\n  udp:\n    - {name: udp, listen: '127.0.0.1:0'}\n"
        exporter = harness.Exporter(good, workdir=self.dir)
        exporter.start()
        self.addCleanup(exporter.__exit__)
        statuses = []

        def post():
            statuses.append(exporter.get("/-/reload", method="POST", data=b"")[0])
        threads = [threading.Thread(target=post) for _ in range(6)]
        exporter.send_signal(signal.SIGHUP)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(statuses, [200] * 6)
        exporter.wait_for(lambda: exporter.log_text().count('msg="configuration reloaded"') == 7,
                          20, "seven reloads")
        self.assertEqual(exporter.log_text().count("reload failed"), 0)
        exporter.send_udp("-96")
        m = exporter.wait_metric(RECEIVED, 1, input="udp")
        self.assertEqual(m.get(RELOAD_OK), 1)


if __name__ == "__main__":
    unittest.main()
