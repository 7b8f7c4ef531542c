"""A reload that fails changes nothing that runs: under steady UDP load, many
reloads that move the input and add one whose port is taken lose no datagram
(each is received or counted as a kernel drop) and never close the socket; a
file input moved under its name, with or without a state file, is not read
again."""

import os
import signal
import socket
import unittest

import harness

RECEIVED = "cos_error_exporter_events_received_total"
PACKETS = "cos_error_exporter_udp_packets_total"
KERNEL_DROPS = "cos_error_exporter_udp_kernel_drops_total"
FAILED = "reload failed; the running configuration stays in force"


def log_count(exporter, msg, **fields):
    count = 0
    for line in exporter.lines:
        entry = harness.parse_logfmt(line)
        if entry.get("msg") == msg and all(entry.get(k) == v for k, v in fields.items()):
            count += 1
    return count


class FailedReloadTest(unittest.TestCase):
    def setUp(self):
        # Someone else's socket: an input added on this port cannot bind.
        self.blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.blocker.bind(("127.0.0.1", 0))
        self.addCleanup(self.blocker.close)
        self.taken = self.blocker.getsockname()[1]

    def failed_reload(self, exporter, config):
        with open(exporter.config_path, "w") as f:
            f.write(config)
        before = log_count(exporter, FAILED)
        exporter.send_signal(signal.SIGHUP)
        exporter.wait_for(lambda: log_count(exporter, FAILED) > before, 20, "the failed reload")
        # Failed for the taken port, not for anything else.
        error = [harness.parse_logfmt(line) for line in exporter.lines
                 if harness.parse_logfmt(line).get("msg") == FAILED][-1]["error"]
        self.assertIn("127.0.0.1:%d" % self.taken, error)

    def test_udp_load_across_failed_reloads_loses_no_datagram(self):
        port, moved = harness.free_udp_port(), harness.free_udp_port()
        udp = "inputs:\n  udp:\n    - {name: steady, listen: '127.0.0.1:%d'}\n"
        exporter = harness.Exporter(udp % port)
        exporter.start()
        self.addCleanup(exporter.__exit__)
        address = exporter.udp_address("steady")

        sender = harness.DatagramSender(socket.AF_INET, address, burst=50, pause=0.0005)
        sender.start()
        # The input moves to another port and a new one cannot bind: the
        # reload fails, and the running socket must never have closed.
        failing = (udp % moved) + "    - {name: blocked, listen: '127.0.0.1:%d'}\n" % self.taken
        for _ in range(60):
            self.failed_reload(exporter, failing)
        sent = sender.finish()
        self.assertGreater(sent, 1000)

        def accounted(m):
            packets = m.get(PACKETS, input="steady") or 0
            return packets + (m.get(KERNEL_DROPS, input="steady") or 0)

        exporter.wait_value(accounted, sent, "datagrams received or dropped by the kernel")
        m = exporter.metrics()
        self.assertEqual(m.get(RECEIVED, input="steady"), m.get(PACKETS, input="steady"))
        self.assertEqual(log_count(exporter, "input listening", input="steady",
                                   address="127.0.0.1:%d" % port), 1, "bound once only")

    def moved_file_input(self, state_file):
        workdir = harness.temp_dir(self)
        os.makedirs(os.path.join(workdir, "a"))
        log = os.path.join(workdir, "a", "app.log")
        with open(log, "w") as f:
            f.write("-96\n" * 100)
        files = ("inputs:\n  files:\n    - {name: app, path: '%s', start_at: beginning}\n"
                 % os.path.join(workdir, "%s", "*.log"))
        blocked = "  udp:\n    - {name: blocked, listen: '127.0.0.1:%d'}\n" % self.taken
        state = "state_file: '%s'\n" % os.path.join(workdir, "state.json") if state_file else ""
        exporter = harness.Exporter(files % "a" + state, workdir=workdir)
        with exporter:
            exporter.wait_metric(RECEIVED, 100, input="app")
            # The file input moves under its name and a new input cannot bind.
            for _ in range(3):
                self.failed_reload(exporter, files % "b" + blocked + state)
            with open(log, "a") as f:
                f.write("-97\n" * 10)
            # Lines are read in order: once the appended ones are counted, a
            # second reading of the first hundred would have been counted too.
            exporter.wait_value(lambda m: (m.get(RECEIVED, input="app") or 0) >= 110, True,
                                "the appended lines counted")
            self.assertEqual(exporter.metrics().get(RECEIVED, input="app"), 110)
            self.assertEqual(log_count(exporter, "file input started", input="app"), 1,
                             "the file input was never started again")

    def test_moved_file_input_is_not_read_again_without_state_file(self):
        self.moved_file_input(state_file=False)

    def test_moved_file_input_is_not_read_again_with_state_file(self):
        self.moved_file_input(state_file=True)


if __name__ == "__main__":
    unittest.main()
