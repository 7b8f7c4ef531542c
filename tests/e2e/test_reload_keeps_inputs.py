"""A reload keeps every input whose socket or files are unchanged, whatever else
changes: tailed files are not read again, and datagrams sent at a steady rate
across many reloads are all counted (received, denied or dropped by the
kernel), none lost silently."""

import os
import signal
import socket
import unittest

import harness

RECEIVED = "cos_error_exporter_events_received_total"
PACKETS = "cos_error_exporter_udp_packets_total"
KERNEL_DROPS = "cos_error_exporter_udp_kernel_drops_total"
DENIED = "cos_error_exporter_udp_denied_packets_total"


class ReloadKeepsInputsTest(unittest.TestCase):
    def write_config(self, exporter, text):
        with open(exporter.config_path, "w") as f:
            f.write(text)

    def reload_count(self, exporter):
        return sum(1 for line in exporter.lines
                   if harness.parse_logfmt(line).get("msg") == "configuration reloaded")

    def reload(self, exporter, config):
        self.write_config(exporter, config)
        before = self.reload_count(exporter)
        exporter.send_signal(signal.SIGHUP)
        exporter.wait_for(lambda: self.reload_count(exporter) > before, 20, "the reload")

    def listening_count(self, exporter, name):
        return sum(1 for line in exporter.lines
                   if harness.parse_logfmt(line).get("msg") == "input listening"
                   and harness.parse_logfmt(line).get("input") == name)

    def test_file_is_not_read_again_when_limits_or_state_file_change(self):
        workdir = harness.temp_dir(self)
        log = os.path.join(workdir, "sdk.log")
        with open(log, "w") as f:
            f.write("-96\n" * 10)
        inputs = "inputs:\n  files:\n    - {name: sdk, path: '%s', start_at: beginning}\n" % log
        exporter = harness.Exporter(inputs + "limits: {max_line_bytes: 16384}\n", workdir=workdir)
        with exporter:
            exporter.wait_metric(RECEIVED, 10, input="sdk")

            # Only the limits change: the file goes on from line 11. Lines are
            # read in order, so once the appended ones are counted, a second
            # reading of the first ten would have been counted too.
            self.reload(exporter, inputs + "limits: {max_line_bytes: 8192, max_unknown_codes: 9}\n")
            with open(log, "a") as f:
                f.write("-97\n" * 5)
            exporter.wait_value(lambda m: m.get(RECEIVED, input="sdk") >= 15, True,
                                "the appended lines counted")
            self.assertEqual(exporter.metrics().get(RECEIVED, input="sdk"), 15)

            # A state file appears and the format changes: still the same file input.
            state = os.path.join(workdir, "state.json")
            self.reload(exporter, inputs.replace("start_at", "format: auto, start_at")
                        + "state_file: '%s'\n" % state)
            with open(log, "a") as f:
                f.write("-97\n" * 5)
            exporter.wait_value(lambda m: m.get(RECEIVED, input="sdk") >= 20, True,
                                "the lines appended after the second reload counted")
            m = exporter.metrics()
            self.assertEqual(m.get(RECEIVED, input="sdk"), 20)
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-96",
                                   name="ERROR_PROXY_AUTH_EXPIRED"), 10)
            started = [raw for raw in exporter.lines
                       if harness.parse_logfmt(raw).get("msg") == "file input started"]
            self.assertEqual(len(started), 1, "the input was never started again")
        self.assertTrue(os.path.exists(state))

    def check_nothing_lost(self, exporter, sender, name, udp=True):
        sent = sender.finish()
        self.assertGreater(sent, 100)

        def accounted(m):
            received = m.get(RECEIVED, input=name) or 0
            if not udp:
                return received
            return (m.get(PACKETS, input=name) or 0) + (m.get(KERNEL_DROPS, input=name) or 0)

        exporter.wait_value(accounted, sent, "datagrams accounted for")
        if udp:
            m = exporter.metrics()
            # Every datagram is one line: received as an event (or malformed
            # under json), or denied by the allow list.
            self.assertEqual(m.get(RECEIVED, input=name) + m.get(DENIED, input=name),
                             m.get(PACKETS, input=name))

    def test_steady_udp_traffic_across_reloads(self):
        port = harness.free_udp_port()
        udp = ("inputs:\n  udp:\n    - name: steady\n      listen: 127.0.0.1:%d\n%s"
               "limits: {max_line_bytes: %d}\n")
        exporter = harness.Exporter(udp % (port, "", 16384))
        exporter.start()
        self.addCleanup(exporter.__exit__)
        address = exporter.udp_address("steady")
        self.assertEqual(address, ("127.0.0.1", port))

        sender = harness.DatagramSender(socket.AF_INET, address, burst=10, pause=0.001)
        sender.start()
        # Reloads that change only the limits.
        for i in range(10):
            self.reload(exporter, udp % (port, "", 8192 if i % 2 == 0 else 16384))
        # Reloads that change the input's own settings: format, allow list
        # (one that denies the sender: counted as denied), buffer size.
        own = ["      format: logfmt\n",
               "      format: json\n      allow: [127.0.0.0/8]\n",
               "      allow: [10.0.0.0/8]\n",
               "      read_buffer_bytes: 1048576\n",
               ""]
        for settings in own * 2:
            self.reload(exporter, udp % (port, settings, 16384))
        self.check_nothing_lost(exporter, sender, "steady")
        m = exporter.metrics()
        self.assertGreater(m.get(DENIED, input="steady"), 0)
        self.assertEqual(self.listening_count(exporter, "steady"), 1, "bound once only")

    def test_steady_unixgram_traffic_across_reloads(self):
        workdir = harness.temp_dir(self)
        path = os.path.join(workdir, "events.sock")
        unix = "inputs:\n  unixgram:\n    - name: local\n      path: '%s'\n%s" % (path, "%s")
        exporter = harness.Exporter(unix % "", workdir=workdir)
        exporter.start()
        self.addCleanup(exporter.__exit__)
        exporter.wait_for(lambda: "local" in exporter.inputs, 10, "the unixgram input")

        sender = harness.DatagramSender(socket.AF_UNIX, path, burst=10, pause=0.001)
        sender.start()
        own = ["      format: logfmt\n",
               "      mode: 0600\n",
               "      read_buffer_bytes: 1048576\n",
               "limits: {max_line_bytes: 4096}\n",
               ""]
        for settings in own * 2:
            self.reload(exporter, unix % settings)
        self.check_nothing_lost(exporter, sender, "local", udp=False)
        self.assertEqual(self.listening_count(exporter, "local"), 1, "bound once only")


if __name__ == "__main__":
    unittest.main()
