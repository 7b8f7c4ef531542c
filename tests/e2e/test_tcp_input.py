"""The tcp input with real senders: Python's SysLogHandler over TCP and
rsyslog forwarding with both RFC 6587 framings, then hostile peers (a frame
that never ends, a connection reset mid-frame, max_connections, a 1 GiB
frame, a paused exporter) and TLS. Every value is exact."""

import logging
import logging.handlers
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
import unittest

import harness

RECEIVED = "cos_error_exporter_events_received_total"
ERRORS = "cos_errors_total"
MALFORMED = "cos_error_exporter_events_malformed_total"
OPEN = "cos_error_exporter_tcp_connections"
ACCEPTED = "cos_error_exporter_tcp_connections_accepted_total"
REFUSED = "cos_error_exporter_tcp_connections_refused_total"
CLOSED = "cos_error_exporter_tcp_connections_closed_total"
FRAMING = "cos_error_exporter_tcp_framing_errors_total"

CONFIG = """
inputs:
  tcp:
    - name: tcp
      listen: 127.0.0.1:0
    - name: octets
      listen: 127.0.0.1:0
      framing: octet_counting
    - name: lines
      listen: 127.0.0.1:0
      framing: newline
    - name: small
      listen: 127.0.0.1:0
      max_connections: 3
      idle_timeout: 1s
limits:
  max_line_bytes: 1024
"""

EVENT = '{"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED"}'


def address(exporter, name):
    exporter.wait_for(lambda: name in exporter.inputs, 10, "input %s" % name)
    host, port = exporter.inputs[name].rsplit(":", 1)
    return host, int(port)


def connect(exporter, name):
    return socket.create_connection(address(exporter, name), timeout=10)


def errors(metrics, input_name):
    """Events of the input (every test event is one -96 event; cos_errors_total
    has no input label, so it is checked against the sum where it matters)."""
    return metrics.get(RECEIVED, input=input_name) or 0


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class TcpInputTest(unittest.TestCase):
    def setUp(self):
        self.exporter = harness.Exporter(CONFIG).start()
        self.addCleanup(self.exporter.stop)

    def wait_errors(self, name, count, timeout=30):
        self.exporter.wait_value(lambda m: errors(m, name), count,
                                 "cos_errors_total{input=%s}" % name, timeout=timeout)

    def test_python_sysloghandler_over_tcp(self):
        # NUL-terminated frames with no newline, detected by auto framing.
        host, port = address(self.exporter, "tcp")
        handler = logging.handlers.SysLogHandler(address=(host, port),
                                                 socktype=socket.SOCK_STREAM)
        logger = logging.getLogger("cos-tcp-test")
        logger.propagate = False
        logger.addHandler(handler)
        for _ in range(250):
            logger.error(EVENT)
        handler.close()
        self.wait_errors("tcp", 250)
        m = self.exporter.wait_metric(ERRORS, 250, category="proxy", code="-96",
                                      name="ERROR_PROXY_AUTH_EXPIRED")
        self.assertEqual(m.get(MALFORMED, input="tcp", reason="too_long"), 0)
        self.exporter.wait_metric(CLOSED, 1, input="tcp", reason="eof")
        self.assertEqual(self.exporter.metrics().get(FRAMING, input="tcp", reason="truncated"), 0)

    def test_both_framings_and_crlf_split_anywhere(self):
        frames = [EVENT.encode()] * 20
        octets = b"".join(b"%d %s" % (len(f), f) for f in frames)
        lines = b"".join(f + b"\r\n" for f in frames)
        for name, stream in (("octets", octets), ("lines", lines), ("tcp", octets + lines)):
            with connect(self.exporter, name) as s:
                for i in range(0, len(stream), 7):  # frames split across writes
                    s.sendall(stream[i:i + 7])
        self.wait_errors("octets", 20)
        self.wait_errors("lines", 20)
        self.wait_errors("tcp", 40)

    def test_too_long_frame_skipped_and_connection_carries_on(self):
        with connect(self.exporter, "octets") as s:
            s.sendall(b"2000 " + b"x" * 2000 + b"%d %s" % (len(EVENT), EVENT.encode()))
        with connect(self.exporter, "lines") as s:
            s.sendall(b"y" * 5000 + b"\n" + EVENT.encode() + b"\n")
        # Received counts the too long frame (as malformed) and the event after it.
        self.wait_errors("octets", 2)
        self.wait_errors("lines", 2)
        m = self.exporter.metrics()
        self.assertEqual(m.get(MALFORMED, input="octets", reason="too_long"), 1)
        self.assertEqual(m.get(MALFORMED, input="lines", reason="too_long"), 1)

    def test_bad_length_closes_the_connection(self):
        with connect(self.exporter, "octets") as s:
            s.sendall(b"%d %s99999999999 x" % (len(EVENT), EVENT.encode()))
            s.settimeout(10)
            self.assertEqual(s.recv(1), b"")  # closed by the exporter
        m = self.exporter.wait_metric(CLOSED, 1, input="octets", reason="framing_error")
        self.assertEqual(m.get(FRAMING, input="octets", reason="bad_length"), 1)
        self.assertEqual(errors(m, "octets"), 1)

    def test_slow_sender_and_reset_mid_frame(self):
        # A frame that never ends holds its connection, not the exporter.
        slow = connect(self.exporter, "lines")
        slow.sendall(EVENT.encode() + b"\n" + b'{"code":-96,"mess')
        with connect(self.exporter, "lines") as other:
            other.sendall((EVENT + "\n").encode() * 3)
        self.wait_errors("lines", 4)
        # Reset mid-frame: the complete frames count once, the cut one not.
        s = connect(self.exporter, "octets")
        s.sendall(b"%d %s" % (len(EVENT), EVENT.encode()) * 5 + b"100 partial")
        self.wait_errors("octets", 5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # RST
        m = self.exporter.wait_metric(CLOSED, 1, input="octets", reason="reset")
        self.assertEqual(m.get(FRAMING, input="octets", reason="truncated"), 1)
        self.assertEqual(errors(m, "octets"), 5)
        self.assertEqual(m.get(OPEN, input="lines"), 1)
        slow.close()
        m = self.exporter.wait_metric(FRAMING, 1, input="lines", reason="truncated")
        self.assertEqual(errors(m, "lines"), 4)

    def test_max_connections_and_idle_timeout(self):
        held = [connect(self.exporter, "small") for _ in range(3)]
        self.exporter.wait_metric(OPEN, 3, input="small")
        with connect(self.exporter, "small") as extra:
            extra.settimeout(10)
            try:
                self.assertEqual(extra.recv(1), b"")
            except ConnectionResetError:
                pass
        m = self.exporter.wait_metric(REFUSED, 1, input="small", reason="too_many")
        # idle_timeout: 1s closes the idle ones.
        m = self.exporter.wait_metric(CLOSED, 3, input="small", reason="idle_timeout")
        self.assertEqual(m.get(OPEN, input="small"), 0)
        self.assertEqual(m.get(ACCEPTED, input="small"), 3)
        for s in held:
            s.close()

    def test_one_gib_frame_is_streamed(self):
        pid = self.exporter.process.pid
        before = rss_kib(pid)
        chunk = b"z" * (1 << 20)
        with connect(self.exporter, "octets") as s:
            s.sendall(b"%d " % (1 << 30))
            for _ in range(1024):
                s.sendall(chunk)
            s.sendall(b"%d %s" % (len(EVENT), EVENT.encode()))
        # Received counts both frames: the skipped one (counted too_long as soon as
        # its length is read) and the event after it.
        self.wait_errors("octets", 2, timeout=120)
        m = self.exporter.metrics()
        self.assertEqual(m.get(MALFORMED, input="octets", reason="too_long"), 1)
        grown = rss_kib(pid) - before
        self.assertLess(grown, 32 * 1024, "RSS grew by %d KiB for a 1 GiB frame" % grown)

    def test_backpressure_while_paused(self):
        # The exporter stopped: the kernel's buffers fill and send() blocks;
        # nothing is dropped, and after SIGCONT every frame is counted.
        frame = b"%d %s" % (len(EVENT), EVENT.encode())
        total = 200000
        sent = [0]
        s = connect(self.exporter, "octets")
        s.settimeout(None)
        self.exporter.send_signal(signal.SIGSTOP)
        stalled = threading.Event()

        def blast():
            batch = frame * 100
            for _ in range(total // 100):
                s.sendall(batch)
                sent[0] += 100
            s.close()

        sender = threading.Thread(target=blast, daemon=True)
        sender.start()
        # The sender stalls: the count stops moving while the exporter is stopped.
        last = -1
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if sent[0] == last:
                stalled.set()
                break
            last = sent[0]
        self.assertTrue(stalled.is_set(), "send() never blocked")
        self.assertLess(sent[0], total)
        self.exporter.send_signal(signal.SIGCONT)
        sender.join(120)
        self.assertFalse(sender.is_alive())
        self.wait_errors("octets", total, timeout=120)


class TcpReloadTest(unittest.TestCase):
    """A reload keeps the listener and its open connections; removing the
    input reads what its connections received before closing them."""

    def reload(self, exporter, config):
        with open(exporter.config_path, "w") as f:
            f.write(config)

        def count():
            return sum(1 for line in exporter.lines
                       if harness.parse_logfmt(line).get("msg") == "configuration reloaded")

        before = count()
        exporter.send_signal(signal.SIGHUP)
        exporter.wait_for(lambda: count() > before, 20, "the reload")

    def test_reload_keeps_connections_and_removal_drains(self):
        config = ("inputs:\n  tcp:\n    - {name: kept, listen: '127.0.0.1:%d', idle_timeout: 1h}\n"
                  % harness.free_port())
        exporter = harness.Exporter(config).start()
        self.addCleanup(exporter.stop)
        frame = b"%d %s" % (len(EVENT), EVENT.encode())
        s = connect(exporter, "kept")
        s.sendall(frame * 3)
        exporter.wait_metric(RECEIVED, 3, input="kept")
        # Other settings, same listen address: same listener, same connection.
        self.reload(exporter, config.replace("idle_timeout: 1h", "idle_timeout: 2h, sdk: java"))
        s.sendall(frame * 4)
        m = exporter.wait_metric(RECEIVED, 7, input="kept")
        self.assertEqual(m.get(ACCEPTED, input="kept"), 1)
        self.assertEqual(m.get(OPEN, input="kept"), 1)
        self.assertEqual(sum(m.get(CLOSED, input="kept", reason=r) for r in
                             ("eof", "reset", "error", "idle_timeout", "shutdown")), 0)
        self.assertEqual(sum(1 for line in exporter.lines
                             if harness.parse_logfmt(line).get("msg") == "input listening"), 1)
        # Removed: what the connection sent before is counted, then it closes.
        s.sendall(frame * 5)
        self.reload(exporter, "inputs:\n  udp:\n    - {name: other, listen: '127.0.0.1:0'}\n")
        m = exporter.wait_metric(CLOSED, 1, input="kept", reason="shutdown")
        self.assertEqual(m.get(RECEIVED, input="kept"), 12)
        s.close()


class TcpStopTest(unittest.TestCase):
    """SIGTERM reads what each connection received before closing it, and the
    state file carries the count to the next run."""

    def config_with_state(self):
        """One tcp input, and a state file in a directory of this test's own."""
        work = tempfile.TemporaryDirectory(prefix="cos-tcp-stop-")
        self.addCleanup(work.cleanup)
        return """
state_file: {d}/state.json
inputs:
  tcp:
    - name: tcp
      listen: 127.0.0.1:0
""".format(d=work.name)

    def test_sigterm_counts_what_was_received(self):
        config = self.config_with_state()
        first = harness.Exporter(config).start()
        self.addCleanup(first.stop)
        with connect(first, "tcp") as s:
            s.sendall(EVENT.encode() + b"\n")
            first.wait_value(lambda m: errors(m, "tcp"), 1, "the first event")
            # Paused, the exporter reads nothing: these wait in its socket buffer.
            first.send_signal(signal.SIGSTOP)
            for _ in range(499):
                s.sendall(EVENT.encode() + b"\n")
            first.send_signal(signal.SIGTERM)
            first.send_signal(signal.SIGCONT)
            self.assertEqual(first.wait_exit(30), 0)
        second = harness.Exporter(config).start()
        self.addCleanup(second.stop)
        second.wait_value(lambda m: errors(m, "tcp"), 500, "the count restored from the state file")

    def test_sigkill_loses_at_most_the_last_snapshot_and_never_counts_twice(self):
        config = self.config_with_state()
        first = harness.Exporter(config).start()
        self.addCleanup(first.stop)
        with connect(first, "tcp") as s:
            s.sendall((EVENT + "\n").encode() * 300)
            first.wait_value(lambda m: errors(m, "tcp"), 300, "the first events")
            time.sleep(6)  # the state file is written at least every 5 s
            s.sendall((EVENT + "\n").encode() * 200)
            first.wait_value(lambda m: errors(m, "tcp"), 500, "the later events")
            first.process.kill()
            first.stop()
        second = harness.Exporter(config).start()
        self.addCleanup(second.stop)
        restored = errors(second.metrics(), "tcp")
        self.assertGreaterEqual(restored, 300, "the last snapshot is restored")
        self.assertLessEqual(restored, 500, "nothing counted twice")
        with connect(second, "tcp") as s:
            s.sendall((EVENT + "\n").encode() * 100)
            second.wait_value(lambda m: errors(m, "tcp"), restored + 100, "the new events")
        time.sleep(1)
        self.assertEqual(errors(second.metrics(), "tcp"), restored + 100)


class RsyslogTest(unittest.TestCase):
    """rsyslog (imfile -> omfwd over TCP) with octet-counted and traditional framing."""

    def test_rsyslog_forwards_with_both_framings(self):
        if shutil.which("rsyslogd") is None:
            self.skipTest("rsyslogd is not installed")
        exporter = harness.Exporter(CONFIG).start()
        self.addCleanup(exporter.stop)
        work = tempfile.TemporaryDirectory(prefix="cos-rsyslog-")
        self.addCleanup(work.cleanup)
        log = os.path.join(work.name, "app.log")
        with open(log, "w") as f:
            for i in range(300):
                f.write(EVENT + "\n")
        _, octets_port = address(exporter, "octets")
        _, lines_port = address(exporter, "lines")
        conf = os.path.join(work.name, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(RSYSLOG_CONF.format(work=work.name, log=log, octets=octets_port,
                                        lines=lines_port))
        rsyslog = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i",
                                    os.path.join(work.name, "rsyslog.pid")],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: (rsyslog.terminate(), rsyslog.wait(10)))
        for name in ("octets", "lines"):
            exporter.wait_value(lambda m: errors(m, name), 300, "rsyslog -> " + name,
                                timeout=60)
            m = exporter.metrics()
            self.assertEqual(m.get(RECEIVED, input=name), 300)
            self.assertEqual(m.get(FRAMING, input=name, reason="bad_length"), 0)


RSYSLOG_CONF = """
global(workDirectory="{work}")
module(load="imfile")
input(type="imfile" File="{log}" Tag="app:" ruleset="forward")
ruleset(name="forward") {{
  action(type="omfwd" target="127.0.0.1" port="{octets}" protocol="tcp"
         TCP_Framing="octet-counted")
  action(type="omfwd" target="127.0.0.1" port="{lines}" protocol="tcp")
}}
"""


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(directory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "1", "-subj", "/CN=test-ca", cwd=directory)
    for name, san in (("server", "IP:127.0.0.1,DNS:localhost"), ("client", "DNS:sender")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                name + ".csr", "-subj", "/CN=" + name, cwd=directory)
        with open(os.path.join(directory, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\n" % san)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", name + ".crt", "-days", "1", "-extfile", name + ".ext",
                cwd=directory)


class RsyslogTlsTest(unittest.TestCase):
    """rsyslog's gtls driver (rsyslog-gnutls) forwarding over TLS with its client
    certificate, to a tcp input that requires one."""

    def test_rsyslog_forwards_over_tls(self):
        if shutil.which("rsyslogd") is None:
            self.skipTest("rsyslogd is not installed")
        work = tempfile.TemporaryDirectory(prefix="cos-rsyslog-tls-")
        self.addCleanup(work.cleanup)
        d = work.name
        make_pki(d)
        exporter = harness.Exporter("""
inputs:
  tcp:
    - name: tls
      listen: 127.0.0.1:0
      tls: {{cert_file: {d}/server.crt, key_file: {d}/server.key, client_ca_file: {d}/ca.crt}}
""".format(d=d)).start()
        self.addCleanup(exporter.stop)
        log = os.path.join(d, "app.log")
        with open(log, "w") as f:
            for i in range(200):
                f.write(EVENT + "\n")
        _, port = address(exporter, "tls")
        conf = os.path.join(d, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write(RSYSLOG_TLS_CONF.format(work=d, log=log, port=port))
        rsyslog = subprocess.Popen(["rsyslogd", "-n", "-f", conf, "-i",
                                    os.path.join(d, "rsyslog.pid")],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: (rsyslog.terminate(), rsyslog.wait(10)))
        exporter.wait_value(lambda m: errors(m, "tls"), 200, "rsyslog over TLS", timeout=60)
        m = exporter.metrics()
        self.assertEqual(m.get(FRAMING, input="tls", reason="bad_length"), 0)
        self.assertEqual(m.get(CLOSED, input="tls", reason="tls_handshake") or 0, 0)


RSYSLOG_TLS_CONF = """
global(workDirectory="{work}"
       DefaultNetstreamDriverCAFile="{work}/ca.crt"
       DefaultNetstreamDriverCertFile="{work}/client.crt"
       DefaultNetstreamDriverKeyFile="{work}/client.key")
module(load="imfile")
input(type="imfile" File="{log}" Tag="app:" ruleset="forward")
ruleset(name="forward") {{
  action(type="omfwd" target="127.0.0.1" port="{port}" protocol="tcp"
         TCP_Framing="octet-counted" StreamDriver="gtls" StreamDriverMode="1"
         StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost")
}}
"""


class IdleConnectionsTest(unittest.TestCase):
    """10,000 connections that connect and send nothing: all accepted and
    held, scrapes answered, another sender counted exactly, memory bounded."""

    COUNT = 10000

    def test_ten_thousand_idle_connections(self):
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard < self.COUNT + 200:
            self.skipTest("the hard limit of open files (%d) is below %d" % (hard, self.COUNT))
        wanted = self.COUNT + 200 if hard == resource.RLIM_INFINITY else hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        exporter = harness.Exporter("""
inputs:
  tcp:
    - name: idle
      listen: 127.0.0.1:0
      max_connections: 20000
""").start()
        self.addCleanup(exporter.stop)
        host, port = address(exporter, "idle")
        before = rss_kib(exporter.process.pid)
        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        for _ in range(self.COUNT):
            held.append(socket.create_connection((host, port), timeout=30))
        m = exporter.wait_metric(OPEN, self.COUNT, input="idle", timeout=120)
        self.assertEqual(m.get(ACCEPTED, input="idle"), self.COUNT)
        self.assertEqual(m.get(REFUSED, input="idle", reason="too_many") or 0, 0)
        grown = rss_kib(exporter.process.pid) - before
        self.assertLess(grown, 128 * 1024,
                        "RSS grew by %d KiB for %d idle connections" % (grown, self.COUNT))
        # Another sender is served while they are held.
        with socket.create_connection((host, port), timeout=30) as s:
            for _ in range(100):
                s.sendall(EVENT.encode() + b"\n")
            exporter.wait_value(lambda m: errors(m, "idle"), 100, "events beside idle connections")
        for s in held:
            s.close()
        held.clear()
        m = exporter.wait_metric(OPEN, 0, input="idle", timeout=120)
        self.assertEqual(m.get(CLOSED, input="idle", reason="eof"), self.COUNT + 1)


class TlsTest(unittest.TestCase):
    def test_tls_with_client_certificates(self):
        work = tempfile.TemporaryDirectory(prefix="cos-tcp-tls-")
        self.addCleanup(work.cleanup)
        d = work.name
        make_pki(d)
        config = """
inputs:
  tcp:
    - name: tls
      listen: 127.0.0.1:0
      tls: {{cert_file: {d}/server.crt, key_file: {d}/server.key, client_ca_file: {d}/ca.crt}}
""".format(d=d)
        exporter = harness.Exporter(config).start()
        self.addCleanup(exporter.stop)
        host, port = address(exporter, "tls")
        context = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
        context.load_cert_chain(os.path.join(d, "client.crt"), os.path.join(d, "client.key"))
        with socket.create_connection((host, port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                for _ in range(50):
                    s.sendall(b"%d %s" % (len(EVENT), EVENT.encode()))
                # Closed only once counted: closing a socket with unread data (the
                # server's TLS 1.3 session tickets) sends a reset, and the peer's
                # kernel drops what it had received but not yet handed over.
                exporter.wait_value(lambda m: errors(m, "tls"), 50, "events over tls")
        # Without a client certificate: the handshake fails, counted, nothing read.
        bare = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
        try:
            with socket.create_connection((host, port), timeout=10) as raw:
                with bare.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                    s.sendall(b"%d %s" % (len(EVENT), EVENT.encode()))
                    s.recv(1)
        except (ssl.SSLError, ConnectionResetError, OSError):
            pass
        exporter.wait_metric(CLOSED, 1, input="tls", reason="tls_handshake")
        self.assertEqual(errors(exporter.metrics(), "tls"), 50)


if __name__ == "__main__":
    unittest.main()
