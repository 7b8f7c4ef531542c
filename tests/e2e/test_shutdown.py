"""SIGTERM/SIGINT stop the daemon within 5 s with exit code 0
and remove the unix socket file; a stale socket file is replaced at start-up,
a live one makes the start fail."""

import os
import shutil
import signal
import socket
import tempfile
import time
import unittest

import harness

CONFIG = """
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:0
  unixgram:
    - name: ux
      path: {sock}
"""


class ShutdownTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cos-e2e-stop-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.sock = os.path.join(self.dir, "events.sock")

    def exporter(self):
        exporter = harness.Exporter(CONFIG.format(sock=self.sock), workdir=self.dir)
        self.addCleanup(exporter.stop, signal.SIGKILL)
        return exporter

    def busy_daemon(self):
        """A daemon with traffic and open HTTP connections, as in production."""
        exporter = self.exporter().start()
        exporter.wait_for(lambda: {"udp", "ux"} <= set(exporter.inputs), 10, "inputs")
        self.assertEqual(exporter.get("/-/ready")[0], 200)
        self.assertEqual(exporter.get("/-/healthy")[0], 200)
        exporter.send_unix("-96\n-97", self.sock)
        exporter.send_udp("-96")
        exporter.wait_metric("cos_error_exporter_events_received_total", 2, input="ux")
        exporter.wait_metric("cos_error_exporter_events_received_total", 1, input="udp")
        host, port = exporter.http_address.rsplit(":", 1)
        # An idle keep-alive connection after a full exchange, and a request
        # that never finishes: neither may hold the shutdown up.
        idle = socket.create_connection((host, int(port)))
        self.addCleanup(idle.close)
        idle.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertIn(b"200", idle.recv(4096))
        partial = socket.create_connection((host, int(port)))
        self.addCleanup(partial.close)
        partial.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.1)
        return exporter

    def check_stops(self, sig, name):
        exporter = self.busy_daemon()
        self.assertTrue(os.path.exists(self.sock))
        code, seconds = exporter.stop(sig)
        self.assertEqual(code, 0, exporter.log_text())
        self.assertLess(seconds, 5.0)
        self.assertFalse(os.path.exists(self.sock), "the unix socket file is removed")
        fields = [harness.parse_logfmt(raw) for raw in exporter.lines]
        self.assertIn({"msg": "stopping", "signal": name},
                      [{k: f[k] for k in ("msg", "signal") if k in f} for f in fields])
        self.assertEqual(fields[-1].get("msg"), "stopped", exporter.log_text())
        return seconds

    def test_sigterm(self):
        self.check_stops(signal.SIGTERM, "SIGTERM")

    def test_sigint(self):
        self.check_stops(signal.SIGINT, "SIGINT")

    def test_stale_socket_file_is_replaced(self):
        # A socket file left by a process that died: nobody receives on it.
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        stale.bind(self.sock)
        stale.close()
        self.assertTrue(os.path.exists(self.sock))
        exporter = self.exporter().start()
        exporter.wait_for(lambda: "ux" in exporter.inputs, 10, "the unixgram input")
        self.assertIn("replaced a stale socket file", exporter.log_text())
        exporter.send_unix("-96", self.sock)
        exporter.wait_metric("cos_error_exporter_events_received_total", 1, input="ux")
        code, seconds = exporter.stop()
        self.assertEqual(code, 0)
        self.assertFalse(os.path.exists(self.sock))

    def test_live_socket_file_makes_start_fail(self):
        owner = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(owner.close)
        owner.bind(self.sock)
        exporter = self.exporter()
        exporter.start(expect_ready=False)
        self.assertEqual(exporter.wait_exit(), 1, exporter.log_text())
        errors = [harness.parse_logfmt(raw) for raw in exporter.lines if "level=error" in raw]
        self.assertEqual(len(errors), 1, exporter.log_text())
        self.assertEqual(errors[0]["msg"], "cannot start")
        self.assertEqual(errors[0]["error"], "input ux: cannot listen on unix socket %s: another "
                         "process is listening on it" % self.sock)
        self.assertIsNone(exporter.http_address, "nothing was served")
        # The other process keeps its socket.
        self.assertTrue(os.path.exists(self.sock))
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(b"still mine", self.sock)
        owner.settimeout(2)
        self.assertEqual(owner.recv(100), b"still mine")

    def test_path_that_is_not_a_socket_makes_start_fail(self):
        with open(self.sock, "w") as f:
            f.write("precious data\n")
        exporter = self.exporter()
        exporter.start(expect_ready=False)
        self.assertEqual(exporter.wait_exit(), 1, exporter.log_text())
        self.assertIn("input ux: cannot listen on unix socket %s: the path exists and is not a "
                      "socket" % self.sock, exporter.log_text())
        with open(self.sock) as f:
            self.assertEqual(f.read(), "precious data\n")

    def test_udp_port_in_use_makes_start_fail(self):
        blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(blocker.close)
        blocker.bind(("127.0.0.1", 0))
        port = blocker.getsockname()[1]
        exporter = harness.Exporter(
            "inputs: {udp: [{name: taken, listen: '127.0.0.1:%d'}],"
            " unixgram: [{name: ux, path: '%s'}]}"
            % (port, self.sock), workdir=self.dir)
        self.addCleanup(exporter.stop, signal.SIGKILL)
        exporter.start(expect_ready=False)
        self.assertEqual(exporter.wait_exit(), 1, exporter.log_text())
        error = [harness.parse_logfmt(raw) for raw in exporter.lines if "level=error" in raw][0]
        self.assertEqual(error["msg"], "cannot start")
        self.assertIn("taken", error["error"])
        self.assertIn("127.0.0.1:%d" % port, error["error"])
        self.assertIn("in use", error["error"])

    def test_http_port_in_use_makes_start_fail_and_leaves_no_socket_file(self):
        blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(blocker.close)
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        exporter = harness.Exporter(CONFIG.format(sock=self.sock), workdir=self.dir,
                                    listen="127.0.0.1:%d" % port)
        self.addCleanup(exporter.stop, signal.SIGKILL)
        exporter.start(expect_ready=False)
        self.assertEqual(exporter.wait_exit(), 1, exporter.log_text())
        error = [harness.parse_logfmt(raw) for raw in exporter.lines if "level=error" in raw][0]
        self.assertEqual(error["msg"], "cannot start")
        self.assertIn("127.0.0.1:%d" % port, error["error"])
        # The inputs bound before the failure let go of their socket file.
        self.assertFalse(os.path.exists(self.sock))


if __name__ == "__main__":
    unittest.main()
