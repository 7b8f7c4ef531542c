"""The real daemon counts a mixed batch over UDP (IPv4 and IPv6) and a
unix datagram socket, with exact values for every affected series."""

import os
import random
import signal
import shutil
import subprocess
import socket
import tempfile
import threading
import unittest

import harness

CONFIG = """
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:0
    - name: udp6
      listen: "[::1]:0"
    - name: noise
      listen: 127.0.0.1:0
    - name: walled
      listen: 127.0.0.1:0
      allow: [10.0.0.0/8]
  unixgram:
    - name: unixgram
      path: {sock}
    - name: tagged
      path: {tagged}
      format: regex
      regex: 'err=(?P<code>-?\\d+)( msg=(?P<message>\\S+))?'
limits:
  max_unknown_codes: 3
  max_line_bytes: 100
groups:
  g_auth:
    codes: [-96, -97]
    names: ["ERROR_PROXY_SIGN_*"]
  g_unknown:
    categories: [unknown]
  g_plugin:
    categories: [file_plugin]
  g_code7001:
    codes: [7001]
"""

# One datagram per list; each line is one event or one malformed line.
VALID = [
    '{"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","request_id":"NTk"}',
    '{"code":"-4016","count":3}',
    'code=-97 message="not a name" count=2',
    '-66',
    '{"code":-61,"message":"ERROR_PROXY_SIGN_BUCKET_NOTMATCH"}',
    'code=-61 message=ERROR_PROXY_INVALID_CMD_REQ',
    '-61',
    'code=-61 message=SOMETHING_ELSE',
    '7001', '7002', '7003', '7004', '7005', '7001',
    '0', '{"code":-200}', 'code=-206',
]
MALFORMED = {
    "too_long": ["code=-96 " + "x" * 120],
    # A number beyond 64 bits is a JSON error to simdjson: the line is not usable JSON.
    "invalid_json": ['{"code":', '{"code":-96,}', '{"code":-96,"x":1e999999}'],
    "invalid_logfmt": ['code="abc'],
    "invalid_code": ['{"code":1.5}', '{"code":"99999999999999999999"}', "code=abc",
                     '{"code":null}'],
    "invalid_count": ["code=-96 count=0", '{"code":-96,"count":-1}'],
}
# Lines that hold no event: not malformed, counted apart.
WITHOUT_EVENT = {
    "blank": ["   "],
    "no_event": ["hello world", '{"message":"x"}', "message=x", '{"nested":{"code":-96}}'],
}


class UdpAndUnixgramTest(unittest.TestCase):
    def test_mixed_batch(self):
        tmp = harness.temp_dir(self, "cos-e2e-")
        sock = os.path.join(tmp, "events.sock")
        tagged = os.path.join(tmp, "tagged.sock")
        exporter = harness.Exporter(CONFIG.format(sock=sock, tagged=tagged), workdir=tmp)
        with exporter:
            exporter.wait_for(lambda: {"udp", "udp6", "noise", "walled", "unixgram",
                                       "tagged"} <= set(exporter.inputs))

            # UDP: valid events in one datagram (trailing newline), malformed in another.
            exporter.send_udp("\n".join(VALID) + "\n")
            bad_lines = [line for lines in MALFORMED.values() for line in lines]
            bad_lines += [line for lines in WITHOUT_EVENT.values() for line in lines]
            # An empty line between two others, and invalid UTF-8 as raw bytes
            # (in a line that looks like an event; without one, it holds no event).
            exporter.send_udp(("\n".join(bad_lines) + "\n\n-1").encode() +
                              b"\ncode=\xff\xfe\x00bad\n\xff\xfe\x00bad")
            # unixgram: the same events again, no trailing newline.
            exporter.send_unix("\n".join(VALID), sock)
            # IPv6
            exporter.send_udp('{"code":-4016}', name="udp6")
            # Not in the allow list: dropped and counted, not parsed.
            exporter.send_udp("-96", name="walled")
            # Regex input: a match with a message, a match without, and a line that does not match.
            exporter.send_unix("ts=1 err=-61 msg=ERROR_PROXY_INVALID_CMD_REQ\n"
                               "err=-4016\nnothing here", tagged)
            # Binary noise of every kind is counted and never crashes the daemon.
            exporter.send_udp(bytes(range(256)) * 4, name="noise")
            exporter.send_udp(random.Random(7).randbytes(60000), name="noise")

            m = exporter.wait_metric("cos_error_exporter_events_received_total", len(VALID),
                                     input="unixgram")
            m = exporter.wait_metric("cos_error_exporter_events_received_total", 2, input="tagged")
            m = exporter.wait_metric("cos_error_exporter_lines_without_event_total", 1,
                                     input="tagged", reason="no_event")
            m = exporter.wait_metric("cos_error_exporter_udp_packets_total", 2, input="udp")
            m = exporter.wait_metric("cos_error_exporter_udp_denied_packets_total", 1,
                                     input="walled")
            m = exporter.wait_metric("cos_error_exporter_events_received_total", 1, input="udp6")
            m = exporter.wait_metric("cos_error_exporter_udp_packets_total", 2, input="noise")
            noise_malformed = sum(v for labels, v
                                  in m.series("cos_error_exporter_events_malformed_total").items()
                                  if ("input", "noise") in labels)
            noise_without = sum(v for labels, v
                                in m.series("cos_error_exporter_lines_without_event_total").items()
                                if ("input", "noise") in labels)
            self.assertGreaterEqual(noise_malformed + noise_without, 5)
            self.assertEqual(noise_malformed, m.get("cos_error_exporter_events_received_total",
                                                    input="noise"))

            def errors(category, code, name):
                return m.get("cos_errors_total", category=category, code=code, name=name)

            # Catalogued codes: counted twice (UDP + unixgram), counts honoured.
            self.assertEqual(errors("proxy", "-96", "ERROR_PROXY_AUTH_EXPIRED"), 2)
            self.assertEqual(errors("file_plugin", "-4016", "ErrNotSameSHA"), 3 * 2 + 1 + 1)
            self.assertEqual(errors("proxy", "-97", "ERROR_PROXY_AUTH_FAILED"), 4)
            self.assertEqual(errors("proxy", "-66", "ERROR_PROXY_NETWORK"), 2)
            self.assertEqual(errors("sdk", "-1", "SDK_UPLOAD_FILE_NOT_FOUND"), 1)
            # Shared -61: a message naming one entry selects it; anything else is both names.
            self.assertEqual(errors("proxy", "-61", "ERROR_PROXY_SIGN_BUCKET_NOTMATCH"), 2)
            self.assertEqual(errors("proxy", "-61", "ERROR_PROXY_INVALID_CMD_REQ"), 2 + 1)
            self.assertEqual(
                errors("proxy", "-61",
                       "ERROR_PROXY_SIGN_BUCKET_NOTMATCH|ERROR_PROXY_INVALID_CMD_REQ"), 4)
            # Unknown codes: three get their own series, the rest go to "other".
            self.assertEqual(errors("unknown", "7001", "UNKNOWN"), 4)
            self.assertEqual(errors("unknown", "7002", "UNKNOWN"), 2)
            self.assertEqual(errors("unknown", "7003", "UNKNOWN"), 2)
            self.assertIsNone(errors("unknown", "7004", "UNKNOWN"))
            self.assertEqual(errors("unknown", "other", "UNKNOWN"), 4)
            self.assertEqual(m.get("cos_error_exporter_unknown_codes_overflow_total"), 4)
            # Success codes are events, not errors.
            self.assertEqual(m.get("cos_events_total", outcome="success"), 6)
            self.assertIsNone(errors("business", "0", "_SUCCESS"))
            self.assertIsNone(errors("download", "-200", "DOWNLOAD_OK"))
            error_events = 2 + 8 + 4 + 2 + 1 + 2 + 3 + 4 + 4 + 2 + 2 + 4  # the asserts above
            self.assertEqual(m.get("cos_events_total", outcome="error"), error_events)

            # Groups: by code, by name glob, by category; 7001 by its code. An
            # ambiguous -61 (both names) is in the groups of either name.
            self.assertEqual(m.get("cos_group_errors_total", group="g_auth"), 2 + 4 + 2 + 4)
            self.assertEqual(m.get("cos_group_errors_total", group="g_unknown"), 4 + 2 + 2 + 4)
            self.assertEqual(m.get("cos_group_errors_total", group="g_plugin"), 8)
            self.assertEqual(m.get("cos_group_errors_total", group="g_code7001"), 4)

            # Malformed, per input and reason.
            for reason, lines in MALFORMED.items():
                self.assertEqual(m.get("cos_error_exporter_events_malformed_total", input="udp",
                                       reason=reason),
                                 len(lines), reason)
            for reason, lines in WITHOUT_EVENT.items():
                # and "", "\xff\xfe\x00bad"
                want = len(lines) + (1 if reason in ("blank", "no_event") else 0)
                self.assertEqual(m.get("cos_error_exporter_lines_without_event_total", input="udp",
                                       reason=reason),
                                 want, reason)
            self.assertEqual(m.get("cos_error_exporter_events_malformed_total", input="udp",
                                   reason="invalid_utf8"), 1)
            self.assertEqual(m.get("cos_error_exporter_lines_without_event_total", input="tagged",
                                   reason="no_event"), 1)
            self.assertEqual(m.get("cos_error_exporter_lines_without_event_total", input="unixgram",
                                   reason="blank"), 0)
            for gone in ("empty", "unrecognized", "missing_code", "no_match"):
                self.assertIsNone(m.get("cos_error_exporter_events_malformed_total", input="udp",
                                        reason=gone))
            self.assertEqual(m.get("cos_error_exporter_events_received_total", input="walled"), 0)
            self.assertEqual(m.get("cos_error_exporter_udp_kernel_drops_total", input="udp"), 0)
            # Every event line of the two UDP datagrams: the valid ones, the
            # malformed ones, -1, and the invalid UTF-8 one; not those without an event.
            malformed_lines = sum(len(lines) for lines in MALFORMED.values())
            self.assertEqual(m.get("cos_error_exporter_events_received_total", input="udp"),
                             len(VALID) + malformed_lines + 1 + 1)

            # Every catalogued error class exists from start-up (198 error entries + the -61 pair,
            # and the SDK dialects' 13 names for -1..-4).
            catalogued = [labels for labels in m.series("cos_errors_total")
                          if dict(labels)["category"] != "unknown"]
            self.assertEqual(len(catalogued), 199 + 13)
            self.assertEqual(errors("oss", "-6991", "ERROR_OSS_READ_FILE"), 0)
            info = m.series("cos_error_code_info")
            self.assertEqual(len(info), 199 + 13)
            self.assertIn((("category", "proxy"), ("code", "-96"), ("groups", "g_auth"),
                           ("name", "ERROR_PROXY_AUTH_EXPIRED")), info)
            revision = dict(list(m.series("cos_error_exporter_build_info"))[0])["revision"]
            self.assertEqual(m.get("cos_error_exporter_build_info", version="0.1.0",
                                   revision=revision), 1)
            for name in ["process_cpu_seconds_total", "process_resident_memory_bytes",
                         "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                         "process_start_time_seconds"]:
                self.assertIsNotNone(m.get(name), name)

            # The exposition is valid for promtool.
            promtool = shutil.which("promtool")
            self.assertIsNotNone(promtool, "promtool is missing (scripts/test installs prometheus)")
            check = subprocess.run([promtool, "check", "metrics"], input=m.text, text=True,
                                   capture_output=True)
            self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

            # Still serving after all of that.
            self.assertEqual(exporter.get("/-/healthy")[0], 200)
            self.assertEqual(exporter.get("/-/ready")[0], 200)
        self.assertFalse(os.path.exists(sock), "the socket file is removed on shutdown")

    def test_received_equals_lines(self):
        """Every line is an event, malformed, or without an event: nothing disappears."""
        with harness.Exporter("inputs: {udp: [{name: udp, listen: '127.0.0.1:0'}]}") as exporter:
            for i in range(50):
                exporter.send_udp("\n".join(["-96", "junk", "", "{"] * 5))
            m = exporter.wait_metric("cos_error_exporter_events_received_total", 50 * 10,
                                     input="udp")
            m = exporter.wait_metric("cos_error_exporter_lines_without_event_total", 50 * 5,
                                     input="udp", reason="blank")
            malformed = sum(v for labels, v
                            in m.series("cos_error_exporter_events_malformed_total").items())
            without = sum(v for labels, v
                          in m.series("cos_error_exporter_lines_without_event_total").items())
            events = (m.get("cos_events_total", outcome="error")
                      + m.get("cos_events_total", outcome="success"))
            self.assertEqual(malformed + events + without, 50 * 20)
            self.assertEqual(events, 50 * 5)
            self.assertEqual(malformed, 50 * 5)  # "{": an object cut short
            self.assertEqual(m.get("cos_error_exporter_lines_without_event_total", input="udp",
                                   reason="no_event"), 50 * 5)  # "junk"


class KernelLimitsTest(unittest.TestCase):
    def test_kernel_drops_are_counted(self):
        """Datagrams the kernel drops while the daemon cannot read are counted exactly."""
        config = "inputs: {udp: [{name: udp, listen: '127.0.0.1:0', read_buffer_bytes: 4096}]}"
        with harness.Exporter(config) as exporter:
            exporter.udp_address()
            exporter.send_signal(signal.SIGSTOP)
            try:
                for i in range(300):
                    exporter.send_udp("-96\n" * 20)
            finally:
                exporter.send_signal(signal.SIGCONT)
            # Everything queued is read; what did not fit was dropped by the kernel,
            # and a scrape reads the kernel's count (SO_MEMINFO) without waiting
            # for another datagram.

            def settled():
                m = exporter.metrics()
                packets = m.get("cos_error_exporter_udp_packets_total", input="udp")
                drops = m.get("cos_error_exporter_udp_kernel_drops_total", input="udp")
                return packets > 0 and packets + drops == 300
            exporter.wait_for(settled, 10, "packets + kernel drops == datagrams sent")
            m = exporter.metrics()
            packets = m.get("cos_error_exporter_udp_packets_total", input="udp")
            self.assertGreater(m.get("cos_error_exporter_udp_kernel_drops_total", input="udp"), 0)
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-96",
                                   name="ERROR_PROXY_AUTH_EXPIRED"), packets * 20)

    def test_unix_senders_get_back_pressure_not_loss(self):
        """A unix datagram sender blocks while the daemon cannot read: nothing is lost."""
        tmp = harness.temp_dir(self, "cos-e2e-")
        sock = os.path.join(tmp, "events.sock")
        config = "inputs: {udp: [], unixgram: [{name: local, path: '%s'}]}" % sock
        with harness.Exporter(config, workdir=tmp) as exporter:
            exporter.wait_for(lambda: "local" in exporter.inputs)
            total = 3000
            sent = []
            blocked = threading.Event()

            def send():
                with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
                    s.connect(sock)
                    for i in range(total):
                        s.settimeout(0)
                        try:
                            s.send(b"-96\n-97")
                        except BlockingIOError:
                            blocked.set()  # the queue is full: wait, as a blocking sender does
                            s.settimeout(None)
                            s.send(b"-96\n-97")
                        sent.append(i)

            exporter.send_signal(signal.SIGSTOP)
            sender = threading.Thread(target=send)
            try:
                sender.start()
                self.assertTrue(blocked.wait(10), "the sender never had to wait")
                self.assertLess(len(sent), total)
            finally:
                exporter.send_signal(signal.SIGCONT)
            sender.join(30)
            self.assertEqual(len(sent), total)
            m = exporter.wait_metric("cos_error_exporter_udp_packets_total", total, input="local")
            self.assertEqual(m.get("cos_error_exporter_udp_kernel_drops_total", input="local"), 0)
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-96",
                                   name="ERROR_PROXY_AUTH_EXPIRED"), total)
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-97",
                                   name="ERROR_PROXY_AUTH_FAILED"), total)

    def test_capped_receive_buffer_is_logged(self):
        setpriv = shutil.which("setpriv")
        self.assertIsNotNone(setpriv, "setpriv (util-linux) is needed to run unprivileged")
        with open("/proc/sys/net/core/rmem_max") as f:
            rmem_max = int(f.read())
        want = rmem_max * 4
        config = "inputs: {udp: [{name: udp, listen: '127.0.0.1:0', read_buffer_bytes: %d}]}" % want
        # Unprivileged, so SO_RCVBUFFORCE is refused and net.core.rmem_max applies.
        wrapper = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
        tmp = tempfile.mkdtemp(prefix="cos-e2e-")
        os.chmod(tmp, 0o755)
        self.addCleanup(shutil.rmtree, tmp, True)
        # A copy the unprivileged user can execute wherever the build tree is.
        binary = os.path.join(tmp, "cos_error_exporter")
        shutil.copy(harness.BINARY, binary)
        os.chmod(binary, 0o755)
        with harness.Exporter(config, workdir=tmp, wrapper=wrapper, binary=binary) as exporter:
            exporter.wait_for(lambda: "capped the receive buffer" in exporter.log_text())
            line = [raw for raw in exporter.lines if "capped the receive buffer" in raw][0]
            fields = harness.parse_logfmt(line)
            self.assertEqual(fields["level"], "warn")
            self.assertEqual(fields["input"], "udp")
            self.assertEqual(int(fields["requested_bytes"]), want)
            self.assertLess(int(fields["granted_bytes"]), want)


if __name__ == "__main__":
    unittest.main()
