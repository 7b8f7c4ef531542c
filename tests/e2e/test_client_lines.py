"""The lines real clients write are counted out of the box: the COS v4 Java
SDK's log line, a Python dict, CRI and Docker container logs, syslog from
util-linux `logger` (RFC 3164 and RFC 5424) over UDP, CRI partial lines joined
across a rotation; an input's `sdk:` names -1..-4; an unknown code names
itself from its message."""

import json
import os
import shutil
import subprocess
import unittest

import harness

EXPIRED = ('proxy', '-96', 'ERROR_PROXY_AUTH_EXPIRED')
EVENT = '{"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED"}'

JAVA_LINE = ('2026-11-28 10:00:01,123 WARN  [main] com.qcloud.cos.COSClient:78 - '
             'uploadFile occur a exception, '
             'request:UploadFileRequest [bucketName=photos, cosPath=/a.jpg], '
             'message:{"code":-1,"message":"local file /tmp/a.jpg not exist"}')
JAVA_SERVER_ERROR = ('2026-11-28 10:00:02,456 WARN  [main] com.qcloud.cos.COSClient:78 - '
                     'statFolder occur a exception, request:StatFolderRequest '
                     '[bucketName=photos, cosPath=/d/], '
                     'message:{"message":"server response is not json","code":-3}')
CRI_LINE = '2026-11-28T10:00:00.123456789Z stdout F ' + EVENT
DOCKER_LINE = json.dumps({"log": EVENT + "\n", "stream": "stdout",
                          "time": "2026-11-28T10:00:00.1Z"},
                         separators=(",", ":"))
SYSLOG_3164 = '<131>Nov 28 10:00:00 host app[123]: ' + EVENT
SYSLOG_5424 = '<131>1 2026-11-28T10:00:00.000Z host app 123 - - ' + EVENT
PYTHON_LINE = "ERROR:root:upload failed: {u'code': -133, u'message': u'ERROR_CMD_BUCKET_NOTEXIST'}"

# The built-in config, with its UDP input on a free port, plus a file input for
# container logs and a UDP input of Java SDK logs.
CONFIG = """
inputs:
  udp:
    - name: udp
      listen: 127.0.0.1:0
    - name: java
      listen: 127.0.0.1:0
      sdk: java
  files:
    - name: containers
      path: {glob}
      start_at: beginning
"""


class ClientLinesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.temp_dir(self, "cos-e2e-lines-")
        self.log = os.path.join(self.tmp, "pod_0.log")
        open(self.log, "w").close()
        glob = json.dumps(os.path.join(self.tmp, "*.log"))
        self.exporter = harness.Exporter(CONFIG.format(glob=glob),
                                         workdir=self.tmp)
        self.exporter.start()
        self.addCleanup(self.exporter.stop)
        self.exporter.wait_for(lambda: {"udp", "java"} <= set(self.exporter.inputs), 10,
                               "udp inputs")
        self.exporter.wait_for(lambda: "input following files" in self.exporter.log_text(), 10,
                               "the file input")

    def errors(self, m, category, code, name):
        return m.get("cos_errors_total", category=category, code=code, name=name)

    def test_issue_lines_over_udp(self):
        e = self.exporter
        for line in [JAVA_LINE, CRI_LINE, DOCKER_LINE, SYSLOG_3164, PYTHON_LINE, SYSLOG_5424]:
            e.send_udp(line + "\n")
        m = e.wait_metric("cos_error_exporter_events_received_total", 6, input="udp")
        self.assertEqual(sum(v for labels, v
                             in m.series("cos_error_exporter_events_malformed_total").items()
                             if ("input", "udp") in labels), 0, e.log_text())
        self.assertEqual(self.errors(m, *EXPIRED), 4)
        # -1 of the document (the input's sdk is the default).
        self.assertEqual(self.errors(m, "sdk", "-1", "SDK_UPLOAD_FILE_NOT_FOUND"), 1)
        # -133 is not in the document: named by its message, still unknown.
        self.assertEqual(self.errors(m, "unknown", "-133", "ERROR_CMD_BUCKET_NOTEXIST"), 1)
        self.assertIsNone(self.errors(m, "unknown", "-133", "UNKNOWN"))
        self.assertEqual(m.get("cos_events_total", outcome="error"), 6)

    def test_java_sdk_names(self):
        e = self.exporter
        e.send_udp(JAVA_LINE + "\n" + JAVA_SERVER_ERROR, name="java")
        m = e.wait_metric("cos_error_exporter_events_received_total", 2, input="java")
        self.assertEqual(self.errors(m, "sdk", "-1", "PARAMS_ERROR"), 1)
        self.assertEqual(self.errors(m, "sdk", "-3", "SERVER_ERROR"), 1)
        self.assertEqual(self.errors(m, "sdk", "-1", "SDK_UPLOAD_FILE_NOT_FOUND"), 0)
        self.assertEqual(m.get("cos_group_errors_total", group="server"), 1)
        self.assertEqual(m.get("cos_group_errors_total", group="client"), 1)
        # Every variant is described, with its groups.
        info = m.series("cos_error_code_info")
        self.assertIn((("category", "sdk"), ("code", "-3"), ("groups", "server"),
                       ("name", "SERVER_ERROR")),
                      info)
        self.assertIn((("category", "sdk"), ("code", "-3"), ("groups", "client"),
                       ("name", "SDK_INVALID_PARAMETER")), info)
        self.assertIn((("category", "sdk"), ("code", "-3"), ("groups", "integrity"),
                       ("name", "COSAPI_INTEGRITY_ERROR")), info)

    def test_reload_changes_an_inputs_sdk_in_place(self):
        e = self.exporter
        address = e.udp_address("udp")
        e.send_udp("-3")
        e.wait_metric("cos_errors_total", 1, category="sdk", code="-3",
                      name="SDK_INVALID_PARAMETER")
        with open(e.config_path) as f:
            text = f.read()
        with open(e.config_path, "w") as f:
            f.write(text.replace("    - name: udp\n      listen: 127.0.0.1:0\n",
                                 "    - name: udp\n      listen: 127.0.0.1:0\n      sdk: java\n"))
        status, _, body = e.get("/-/reload", method="POST")
        self.assertEqual(status, 200, body)
        self.assertEqual(e.udp_address("udp"), address)  # the same socket, reconfigured
        e.send_udp("-3")
        m = e.wait_metric("cos_errors_total", 1, category="sdk", code="-3", name="SERVER_ERROR")
        self.assertEqual(m.get("cos_errors_total", category="sdk", code="-3",
                               name="SDK_INVALID_PARAMETER"), 1)

    def test_logger_sends_syslog(self):
        logger = shutil.which("logger")
        self.assertIsNotNone(logger, "util-linux logger is missing")
        e = self.exporter
        host, port = e.udp_address("udp")
        for form in ["--rfc3164", "--rfc5424"]:
            subprocess.run([logger, "-n", host, "-P", str(port), "-d", form, "-t", "cosapp", EVENT],
                           check=True)
        subprocess.run([logger, "-n", host, "-P", str(port), "-d", "--rfc5424", "-t", "cosapp",
                        "code=-97 message=ERROR_PROXY_AUTH_FAILED"], check=True)
        m = e.wait_metric("cos_error_exporter_events_received_total", 3, input="udp")
        self.assertEqual(self.errors(m, *EXPIRED), 2, e.log_text())
        self.assertEqual(self.errors(m, "proxy", "-97", "ERROR_PROXY_AUTH_FAILED"), 1)

    def test_container_logs_in_files(self):
        """CRI and Docker logs as the runtime writes them, a CRI line split in
        three parts, and a split line whose last part lands after a rotation."""
        e = self.exporter
        cut1, cut2 = 12, 30
        with open(self.log, "a") as f:
            f.write(CRI_LINE + "\n")
            f.write("2026-11-28T10:00:01Z stdout P " + EVENT[:cut1] + "\n")
            f.write("2026-11-28T10:00:01Z stderr F -97\n")
            f.write("2026-11-28T10:00:01Z stdout P " + EVENT[cut1:cut2] + "\n")
            f.write("2026-11-28T10:00:01Z stdout F " + EVENT[cut2:] + "\n")
            f.write("2026-11-28T10:00:02Z stdout P " + EVENT[:cut2] + "\n")
        m = e.wait_metric("cos_error_exporter_events_received_total", 3, input="containers")
        self.assertEqual(self.errors(m, *EXPIRED), 2)
        self.assertEqual(self.errors(m, "proxy", "-97", "ERROR_PROXY_AUTH_FAILED"), 1)
        # Rotation: the run's last part is written to the new file at the same path.
        os.rename(self.log, self.log + ".1")
        with open(self.log, "w") as f:
            f.write("2026-11-28T10:00:02Z stdout F " + EVENT[cut2:] + "\n")
        docker = os.path.join(self.tmp, "docker.log")
        with open(docker, "w") as f:
            f.write(DOCKER_LINE + "\n")
        m = e.wait_metric("cos_error_exporter_events_received_total", 5, input="containers")
        self.assertEqual(self.errors(m, *EXPIRED), 4)
        self.assertEqual(sum(v for labels, v
                             in m.series("cos_error_exporter_events_malformed_total").items()
                             if ("input", "containers") in labels), 0, e.log_text())


if __name__ == "__main__":
    unittest.main()
