"""Reload on SIGHUP and POST /-/reload, good and bad, with the
values before and after."""

import os
import signal
import socket
import time
import unittest

import harness

RELOAD_OK = "cos_error_exporter_config_last_reload_successful"
RELOAD_TS = "cos_error_exporter_config_last_reload_success_timestamp_seconds"
RECEIVED = "cos_error_exporter_events_received_total"
GROUP = "cos_group_errors_total"
ERRORS = "cos_errors_total"

INPUTS = """
inputs:
  udp:
    - name: keep
      listen: 127.0.0.1:0
    - name: moved
      listen: 127.0.0.1:{moved_port}
"""

BEFORE = INPUTS + """
groups:
  g_auth:
    codes: [-96]
"""

# keep: unchanged; moved: a new port (the caller's); g_auth gains -97; g_net
# is new; -70001 enters the catalog.
AFTER = INPUTS + """
groups:
  g_auth:
    codes: [-96, -97]
  g_net:
    description: network trouble
    codes: [-66]
catalog:
  extra:
    - {{code: -70001, name: MY_PROXY_ERROR, category: proxy, kind: error, description: mine}}
"""


class ReloadTest(unittest.TestCase):
    def start(self, config):
        exporter = harness.Exporter(config)
        exporter.start()
        self.addCleanup(exporter.__exit__)
        exporter.wait_for(lambda: {"keep", "moved"} <= set(exporter.inputs), 10, "inputs")
        return exporter

    def write_config(self, exporter, text):
        with open(exporter.config_path, "w") as f:
            f.write(text)

    def reload_count(self, exporter, what):
        return sum(1 for line in exporter.lines
                   if harness.parse_logfmt(line).get("msg") == what)

    def wait_reloaded(self, exporter, before, what="configuration reloaded"):
        exporter.wait_for(lambda: self.reload_count(exporter, what) > before, 10, what)

    def sighup(self, exporter, what="configuration reloaded"):
        before = self.reload_count(exporter, what)
        exporter.send_signal(signal.SIGHUP)
        self.wait_reloaded(exporter, before, what)

    def post_reload(self, exporter):
        return exporter.get("/-/reload", method="POST", data=b"")

    def good_reload(self, exporter, how):
        old_moved_port = exporter.udp_address("moved")[1]
        new_moved_port = harness.free_udp_port()
        keep_address = exporter.udp_address("keep")
        m = exporter.metrics()
        self.assertEqual(m.get(RELOAD_OK), 1)
        ts_before = m.get(RELOAD_TS)
        self.assertGreater(ts_before, 1.6e9)
        listening_before = exporter.log_text().count("msg=\"input listening\" input=keep ")

        # Before: -96 in g_auth, -97 in no group, -70001 unknown.
        exporter.send_udp("-96\n-97\n-66\n-70001\n-70001", name="keep")
        m = exporter.wait_metric(RECEIVED, 5, input="keep")
        self.assertEqual(m.get(GROUP, group="g_auth"), 1)
        self.assertIsNone(m.get(GROUP, group="g_net"))
        self.assertEqual(m.get(ERRORS, category="unknown", code="-70001", name="UNKNOWN"), 2)
        self.assertEqual(m.get(ERRORS, category="proxy", code="-97",
                               name="ERROR_PROXY_AUTH_FAILED"), 1)

        # Events flow without a pause while the config is replaced.
        sender = harness.DatagramSender(socket.AF_INET, keep_address)
        sender.start()
        time.sleep(0.2)
        self.write_config(exporter, AFTER.format(moved_port=new_moved_port))
        time.sleep(0.01)  # the timestamp moves on
        if how == "SIGHUP":
            self.sighup(exporter)
        else:
            status, headers, body = self.post_reload(exporter)
            self.assertEqual(status, 200, body)
            self.assertIn(b"reloaded", body)
        time.sleep(0.2)
        sent = sender.finish()
        self.assertGreater(sent, 50)
        m = exporter.wait_metric(RECEIVED, 5 + sent, input="keep")
        self.assertEqual(m.get("cos_error_exporter_udp_kernel_drops_total", input="keep"), 0)

        # The unchanged input kept its socket: same port, not bound again.
        self.assertEqual(exporter.udp_address("keep"), keep_address)
        self.assertEqual(exporter.log_text().count("msg=\"input listening\" input=keep "),
                         listening_before)
        # The changed one listens on its new port only.
        exporter.wait_for(lambda: exporter.udp_address("moved")[1] == new_moved_port, 5,
                          "moved on its new port")
        self.assertEqual(m.get(RELOAD_OK), 1)
        self.assertGreater(m.get(RELOAD_TS), ts_before)

        # Counters survived; the new groups and catalog entry count new events.
        self.assertEqual(m.get(GROUP, group="g_auth"), 1 + sent)
        self.assertEqual(m.get(GROUP, group="g_net"), 0)
        received_moved = m.get(RECEIVED, input="moved")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"-96", ("127.0.0.1", old_moved_port))  # nobody listens there any more
        exporter.send_udp("-96\n-97\n-66\n-70001", name="moved")
        m = exporter.wait_metric(RECEIVED, received_moved + 4, input="moved")
        self.assertEqual(m.get(GROUP, group="g_auth"), 1 + sent + 2)
        self.assertEqual(m.get(GROUP, group="g_net"), 1)
        self.assertEqual(m.get(ERRORS, category="unknown", code="-70001", name="UNKNOWN"), 2)
        self.assertEqual(m.get(ERRORS, category="proxy", code="-70001", name="MY_PROXY_ERROR"), 1)
        self.assertEqual(m.get(ERRORS, category="proxy", code="-97",
                               name="ERROR_PROXY_AUTH_FAILED"), 2)
        self.assertEqual(m.get(ERRORS, category="proxy", code="-96",
                               name="ERROR_PROXY_AUTH_EXPIRED"),
                         1 + sent + 1)
        info = m.series("cos_error_code_info")
        self.assertIn((("category", "proxy"), ("code", "-70001"), ("groups", ""),
                       ("name", "MY_PROXY_ERROR")), info)
        self.assertIn((("category", "proxy"), ("code", "-97"), ("groups", "g_auth"),
                       ("name", "ERROR_PROXY_AUTH_FAILED")), info)
        time.sleep(0.1)
        self.assertEqual(exporter.metrics().get(RECEIVED, input="moved"), received_moved + 4,
                         "nothing arrives through the old port")

        # The landing page shows the groups in force.
        status, _, body = exporter.get("/")
        self.assertEqual(status, 200)
        self.assertIn(b"g_net", body)
        self.assertIn(b"network trouble", body)

    def test_reload_on_sighup(self):
        exporter = self.start(BEFORE.format(moved_port=harness.free_udp_port()))
        self.good_reload(exporter, "SIGHUP")
        self.assertIn("reloading on SIGHUP", exporter.log_text())

    def test_reload_on_post(self):
        exporter = self.start(BEFORE.format(moved_port=harness.free_udp_port()))
        self.good_reload(exporter, "POST")

    def test_changing_the_state_file_keeps_file_positions(self):
        """A reload that moves state_file re-creates the file inputs: they resume
        where the old ones stopped, so no line is counted twice or lost."""
        workdir = harness.temp_dir(self, "cos-e2e-")
        log = os.path.join(workdir, "sdk.log")
        config = ("inputs:\n  files:\n    - {name: sdk, path: '%s', start_at: beginning}\n"
                  "state_file: '%s'\n")
        with open(log, "w") as f:
            f.write("-96\n" * 10)
        exporter = harness.Exporter(config % (log, os.path.join(workdir, "one.json")),
                                    workdir=workdir)
        with exporter:
            exporter.wait_metric("cos_error_exporter_events_received_total", 10, input="sdk")
            self.write_config(exporter, config % (log, os.path.join(workdir, "two.json")))
            status, _, body = self.post_reload(exporter)
            self.assertEqual(status, 200, body)
            with open(log, "a") as f:
                f.write("-97\n" * 5)
            m = exporter.wait_metric("cos_error_exporter_events_received_total", 15, input="sdk")
            time.sleep(1.5)  # a poll of the file inputs, in case anything is read again
            m = exporter.metrics()
            self.assertEqual(m.get("cos_error_exporter_events_received_total", input="sdk"), 15)
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-96",
                                   name="ERROR_PROXY_AUTH_EXPIRED"), 10)
        self.assertTrue(os.path.exists(os.path.join(workdir, "two.json")))

    def test_get_reload_is_not_allowed(self):
        exporter = self.start(BEFORE.format(moved_port=harness.free_udp_port()))
        for method in ("GET", "HEAD", "DELETE"):
            status, headers, body = exporter.get("/-/reload", method=method)
            self.assertEqual(status, 405, method)
            self.assertEqual(headers.get("Allow"), "POST, PUT")
        self.assertNotIn("configuration reloaded", exporter.log_text())
        ts = exporter.metrics().get(RELOAD_TS)
        time.sleep(0.01)
        # PUT reloads too, as Prometheus's own /-/reload does.
        status, _, _ = exporter.get("/-/reload", method="PUT", data=b"")
        self.assertEqual(status, 200)
        self.assertGreater(exporter.metrics().get(RELOAD_TS), ts)

    def test_reload_adds_and_removes_a_unix_socket(self):
        exporter = self.start(BEFORE.format(moved_port=harness.free_udp_port()))
        sock = os.path.join(exporter.workdir, "added.sock")
        config = AFTER.format(moved_port=exporter.udp_address("moved")[1]).replace(
            "\ngroups:", "  unixgram:\n    - {name: added, path: '%s'}\ngroups:" % sock, 1)
        self.write_config(exporter, config)
        self.assertEqual(self.post_reload(exporter)[0], 200)
        exporter.wait_for(lambda: "added" in exporter.inputs, 5, "the new unixgram input")
        self.assertTrue(os.path.exists(sock))
        exporter.send_unix("-97", sock)
        m = exporter.wait_metric(RECEIVED, 1, input="added")
        self.assertEqual(m.get(GROUP, group="g_auth"), 1)
        # Taken out again: its socket file goes with it, its counter stays.
        self.write_config(exporter, BEFORE.format(moved_port=exporter.udp_address("moved")[1]))
        self.assertEqual(self.post_reload(exporter)[0], 200)
        self.assertFalse(os.path.exists(sock))
        self.assertEqual(exporter.metrics().get(RECEIVED, input="added"), 1)

    def test_bad_config_on_reload(self):
        moved_port = harness.free_udp_port()
        exporter = self.start(BEFORE.format(moved_port=moved_port))
        keep_address = exporter.udp_address("keep")
        exporter.send_udp("-96\n-97", name="keep")
        m = exporter.wait_metric(RECEIVED, 2, input="keep")
        ts = m.get(RELOAD_TS)
        self.assertEqual(m.get(GROUP, group="g_auth"), 1)

        # The new groups come with a typo further down: nothing of it applies.
        bad = AFTER.format(moved_port=harness.free_udp_port()) + "limits:\n  max_unknown_code: 5\n"
        bad_line = bad.count("\n", 0, bad.index("max_unknown_code:")) + 1
        want = '%s:%d:3: unknown key "max_unknown_code" in limits ' \
               '(known: max_unknown_codes, max_line_bytes, max_label_values, max_series)' \
               % (exporter.config_path, bad_line)
        self.write_config(exporter, bad)
        status, _, body = self.post_reload(exporter)
        self.assertEqual(status, 500)
        self.assertEqual(body.decode(),
                         "Reload failed; the running configuration stays in force: %s\n" % want)
        # The log line was written before the answer; the reader may lag behind.
        exporter.wait_for(lambda: "reload failed" in exporter.log_text(), 5, "the log line")
        failures = [harness.parse_logfmt(raw) for raw in exporter.lines
                    if "reload failed" in harness.parse_logfmt(raw).get("msg", "")]
        self.assertEqual(len(failures), 1)
        self.assertEqual(failures[0]["level"], "error")
        self.assertEqual(failures[0]["error"], want)
        m = exporter.metrics()
        self.assertEqual(m.get(RELOAD_OK), 0)
        self.assertEqual(m.get(RELOAD_TS), ts)

        # The old config keeps working: old groups, old ports, -70001 unknown.
        exporter.send_udp("-96\n-97\n-66\n-70001", name="keep")
        exporter.send_udp("-96", name="moved")
        m = exporter.wait_metric(RECEIVED, 6, input="keep")
        m = exporter.wait_metric(RECEIVED, 1, input="moved")
        self.assertEqual(exporter.udp_address("moved")[1], moved_port)
        self.assertEqual(exporter.udp_address("keep"), keep_address)
        self.assertEqual(m.get(GROUP, group="g_auth"), 3)
        self.assertIsNone(m.get(GROUP, group="g_net"))
        self.assertEqual(m.get(ERRORS, category="unknown", code="-70001", name="UNKNOWN"), 1)
        self.assertIsNone(m.get(ERRORS, category="proxy", code="-70001", name="MY_PROXY_ERROR"))

        # The same by SIGHUP, now with invalid YAML.
        self.write_config(exporter, "groups:\n  g_auth: {codes: [-96\n")
        self.sighup(exporter, "reload failed; the running configuration stays in force")
        failures = [harness.parse_logfmt(raw) for raw in exporter.lines
                    if "reload failed" in harness.parse_logfmt(raw).get("msg", "")]
        self.assertEqual(failures[-1]["error"],
                         "%s:3:1: invalid YAML: end of sequence flow not found (hint: a [ or { "
                         "above is not closed, or a line inside it is indented less than the key "
                         "it belongs to)" % exporter.config_path)
        exporter.send_udp("-96", name="keep")
        m = exporter.wait_metric(RECEIVED, 7, input="keep")
        self.assertEqual(m.get(RELOAD_OK), 0)
        self.assertEqual(m.get(GROUP, group="g_auth"), 4)

        # Fixed: the next reload succeeds and the gauge is 1 again.
        self.write_config(exporter, BEFORE.format(moved_port=moved_port))
        self.sighup(exporter)
        m = exporter.metrics()
        self.assertEqual(m.get(RELOAD_OK), 1)
        self.assertGreater(m.get(RELOAD_TS), ts)
        self.assertEqual(exporter.udp_address("keep"), keep_address)

    def test_reload_that_cannot_bind_fails_whole(self):
        moved_port = harness.free_udp_port()
        exporter = self.start(BEFORE.format(moved_port=moved_port))
        keep_address = exporter.udp_address("keep")
        ts = exporter.metrics().get(RELOAD_TS)

        # Someone else holds the port the new input wants.
        blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(blocker.close)
        blocker.bind(("127.0.0.1", 0))
        taken = blocker.getsockname()[1]
        new_moved = harness.free_udp_port()
        # The new config moves one input and adds one on the taken port.
        config = AFTER.format(moved_port=new_moved).replace(
            "groups:", "    - name: blocked\n      listen: 127.0.0.1:%d\ngroups:" % taken)
        self.write_config(exporter, config)
        status, _, body = self.post_reload(exporter)
        self.assertEqual(status, 500, body)
        self.assertIn(b"blocked", body)
        self.assertIn(("127.0.0.1:%d" % taken).encode(), body)
        self.assertIn(b"in use", body)
        exporter.wait_for(lambda: "reload failed" in exporter.log_text(), 5, "the log line")

        # Nothing of the new config applies; every old input still receives.
        exporter.send_udp("-96\n-97\n-66\n-70001", name="keep")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"-97", ("127.0.0.1", moved_port))
        m = exporter.wait_metric(RECEIVED, 4, input="keep")
        m = exporter.wait_metric(RECEIVED, 1, input="moved")
        self.assertEqual(m.get(RELOAD_OK), 0)
        self.assertEqual(m.get(RELOAD_TS), ts)
        self.assertEqual(exporter.udp_address("keep"), keep_address)
        self.assertEqual(m.get(GROUP, group="g_auth"), 1)
        self.assertIsNone(m.get(GROUP, group="g_net"))
        self.assertEqual(m.get(ERRORS, category="unknown", code="-70001", name="UNKNOWN"), 1)
        # The store keeps every series it ever made (counters survive reloads),
        # so the input that never started may show up, but only as zero.
        self.assertIn(m.get(RECEIVED, input="blocked"), (None, 0))
        self.assertEqual(exporter.get("/-/ready")[0], 200)
        blocker.settimeout(0.2)
        with self.assertRaises(socket.timeout):
            blocker.recv(100)  # the blocker's port was never shared

        # Once the port is free, the same config goes in whole.
        blocker.close()
        status, _, body = self.post_reload(exporter)
        self.assertEqual(status, 200, body)
        exporter.wait_for(lambda: "blocked" in exporter.inputs, 5, "the blocked input")
        self.assertEqual(exporter.udp_address("keep"), keep_address)
        self.assertEqual(exporter.udp_address("moved")[1], new_moved)
        self.assertEqual(exporter.metrics().get(RELOAD_OK), 1)


if __name__ == "__main__":
    unittest.main()
