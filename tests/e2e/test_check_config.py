"""`check-config` validates without starting anything and
names file:line:column for every kind of bad config; the daemon refuses the
same config with the same message; --log.format and --log.level."""

import json
import os
import shutil
import tempfile
import unittest

import harness

# Each bad config: (kind, YAML, line, column, message). The expected error is
# "<file>:<line>:<column>: <message>" on one line.
# A YAML syntax error adds, to the parser's words, where to look.
FLOW_HINT = (" (hint: a [ or { above is not closed, or a line inside it is indented less than the "
             "key it belongs to)")
INDENT_HINT = (" (hint: check the indentation here and above: YAML nests by spaces, keys of one "
               "mapping start in the same column, and a list item's `-` sits under its key or "
               "further right)")

BAD_CONFIGS = [
    ("unknown key",
     "limits:\n  max_line_bytes: 100\n  max_lines: 5\n",
     3, 3, 'unknown key "max_lines" in limits (known: max_unknown_codes, max_line_bytes, '
           'max_label_values, max_series)'),
    ("unknown top-level key",
     "groups: {}\nlisten: 127.0.0.1:1\n",
     2, 1, 'unknown key "listen" in the config (known: inputs, state_file, catalog, '
           'groups, code_alert, runbook_url, limits, exemplar_fields, event_labels)'),
    ("wrong type: a word for an integer",
     "limits:\n  max_unknown_codes: lots\n",
     2, 22, "max_unknown_codes must be a non-negative integer"),
    ("wrong type: a mapping for a list",
     "inputs:\n  udp:\n    name: udp\n",
     3, 5, "inputs.udp must be a list"),
    ("bad name glob",
     'groups:\n  auth:\n    names: ["ERROR_PROXY_[AB]"]\n',
     3, 13, 'invalid glob "ERROR_PROXY_[AB]": only * and ? are supported in name globs'),
    ("bad path glob",
     "inputs:\n  files:\n    - name: f\n      path: /var/log/[ab.log\n",
     4, 13, 'invalid glob "/var/log/[ab.log": [ is never closed'),
    ("bad regex",
     "inputs:\n  udp:\n    - name: u\n      format: regex\n      regex: 'code=(?P<code>\\d+'\n",
     5, 14, "invalid regex: missing ): code=(?P<code>\\d+"),
    ("regex without a code group",
     "inputs:\n  udp:\n    - name: u\n      format: regex\n      regex: 'code=(\\d+)'\n",
     5, 14, "invalid regex: it needs a named group (?P<code>...) for the code"),
    ("bad CIDR",
     "inputs:\n  udp:\n    - name: u\n      allow: [127.0.0.0/8, 10.0.0.0/33]\n",
     4, 28, 'invalid CIDR "10.0.0.0/33" (want e.g. 10.0.0.0/8 or ::1/128)'),
    ("duplicate input name",
     "inputs:\n  udp:\n    - name: events\n  unixgram:\n    - name: events\n"
     "      path: /tmp/x.sock\n",
     5, 13, 'duplicate input name "events": every input needs its own name '
            '(it is the `input` label)'),
    ("unparsable duration",
     "code_alert:\n  rate: 1\n  window: 5 minutes\n",
     3, 11, 'window must be a Prometheus duration like 5m or 1h30m, got "5 minutes"'),
    ("unparsable duration in a group alert",
     "groups:\n  auth:\n    codes: [-97]\n    alert: {window: 5m, for: 2x}\n",
     4, 30, 'for must be a Prometheus duration like 5m or 1h30m, got "2x"'),
    ("catalog.extra entry without a description",
     "catalog:\n  extra:\n"
     "    - {code: -70001, name: MY_PROXY_ERROR, category: proxy, kind: error}\n",
     3, 7, 'catalog entry is missing "description"'),
    ("catalog.extra entry with an unknown category",
     "catalog:\n  extra:\n    - code: -70001\n      name: MY_PROXY_ERROR\n      category: squid\n"
     "      kind: error\n      description: x\n",
     5, 17, 'unknown category "squid" (known: sdk, download, http, business, proxy, cmd, '
            'file_cache, file_plugin, cgi, oss)'),
    ("catalog.extra entry with a code that is not an integer",
     "catalog:\n  extra:\n"
     "    - {code: -7.5, name: X, category: proxy, kind: error, description: x}\n",
     3, 14, 'code must be an integer, got "-7.5"'),
    ("missing catalog.file",
     "catalog:\n  file: {dir}/no-such-catalog.yaml\n",
     2, 9, 'catalog.file "{dir}/no-such-catalog.yaml" cannot be read: No such file or directory'),
    ("catalog.file that is a directory",
     "catalog:\n  file: {dir}\n",
     2, 9, 'catalog.file "{dir}" cannot be read: it is a directory, not a regular file'),
    ("duplicate key",
     "limits:\n  max_line_bytes: 100\n  max_line_bytes: 200\n",
     3, 3, 'duplicate key "max_line_bytes"'),
    ("duplicate group name",
     "groups:\n  auth: {codes: [-96]}\n  net: {codes: [-66]}\n  auth: {codes: [-97]}\n",
     4, 3, 'duplicate key "auth"'),
    ("invalid YAML: unclosed flow sequence",
     "groups:\n  auth:\n    codes: [-97, -96\n",
     4, 1, "invalid YAML: end of sequence flow not found" + FLOW_HINT),
    ("invalid YAML: bad indentation",
     "limits:\n  max_line_bytes: 100\n max_unknown_codes: 5\n",
     3, 2, "invalid YAML: end of map not found" + INDENT_HINT),
    ("invalid YAML: a tab in the indentation",
     "limits:\n\tmax_line_bytes: 100\n",
     2, 16, "invalid YAML: illegal map value (hint: line 2 is indented with a tab; YAML indents "
            "with spaces only)"),
]


class CheckConfigTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cos-e2e-config-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_valid_configs(self):
        result = harness.run_cli("check-config")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("config OK: <built-in exporter.yaml>", result.stdout)
        self.assertEqual(result.stderr, "")

        shipped = os.path.join(harness.SOURCE_DIR, "config", "exporter.yaml")
        result = harness.run_cli("check-config", "--config.file=" + shipped)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("config OK: " + shipped, result.stdout)

        catalog = self.write("catalog.yaml", (
            "entries:\n"
            "  - {code: -1, name: ONLY_ONE, category: sdk, kind: error, description: one}\n"))
        path = self.write("good.yaml", (
            "inputs:\n"
            "  udp:\n"
            "    - name: u\n"
            "      listen: 127.0.0.1:0\n"
            "      format: regex\n"
            "      regex: 'code=(?P<code>-?\\d+)'\n"
            "      allow: [127.0.0.0/8, '::1/128']\n"
            "  files:\n"
            "    - {name: f, path: '%s/*.log', start_at: beginning}\n"
            "catalog:\n"
            "  file: %s\n"
            "  extra:\n"
            "    - {code: -70001, name: MY_PROXY_ERROR, category: proxy, kind: error,"
            " description: x}\n"
            "groups:\n"
            "  auth:\n"
            "    codes: [-1]\n"
            "    names: ['MY_*']\n"
            "    alert: {rate: 1, window: 5m, baseline: 1h30m, for: 2m}\n") % (self.dir, catalog))
        result = harness.run_cli("check-config", "--config.file=" + path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout,
                         "config OK: %s (2 inputs, 1 groups, 2 catalog entries)\n" % path)

    def test_warnings_for_groups_that_match_nothing(self):
        path = self.write("typo.yaml", (
            "groups:\n"
            "  auth:\n"
            "    names: ['ERROR_PROXY_AUHT_*', 'ERROR_PROXY_AUTH_*']\n"
            "  storage:\n"
            "    codes: [123456]\n"
            "    names: ['NO_SUCH_*']\n"
            "  strange:\n"
            "    categories: [unknown]\n"))
        result = harness.run_cli("check-config", "--config.file=" + path)
        # Valid: exit 0, listed on stderr.
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout,
                         "config OK: %s (1 inputs, 3 groups, 201 catalog entries + 13 SDK "
                         "dialect names)\n" % path)
        self.assertEqual(result.stderr.splitlines(), [
            'warning: %s: group "auth": name glob "ERROR_PROXY_AUHT_*" matches no error name '
            "of the catalog" % path,
            'warning: %s: group "storage" matches no error of the catalog: its counter stays '
            "at 0 and its alert can never fire" % path,
            'warning: %s: group "storage": name glob "NO_SUCH_*" matches no error name of the '
            "catalog" % path,
        ])

    def test_the_daemon_logs_the_same_warnings(self):
        config = ("inputs: {udp: [{name: u, listen: '127.0.0.1:0'}]}\n"
                  "groups:\n  auth:\n    names: ['ERROR_PROXY_AUHT_*']\n")
        with harness.Exporter(config) as exporter:
            want = ('group \\"auth\\" matches no error of the catalog',
                    'name glob \\"ERROR_PROXY_AUHT_*\\" matches no error name of the catalog')
            exporter.wait_for(lambda: all(w in exporter.log_text() for w in want), 10,
                              "the warnings in the log")
            line = next(line for line in exporter.lines if "AUHT" in line)
            self.assertIn("level=warn", line)
            self.assertIn('msg="config warning"', line)

    def test_each_kind_of_bad_config(self):
        for i, (kind, text, line, column, message) in enumerate(BAD_CONFIGS):
            with self.subTest(kind):
                path = self.write("bad%d.yaml" % i, text.replace("{dir}", self.dir))
                want = "%s:%d:%d: %s" % (path, line, column, message.replace("{dir}", self.dir))
                result = harness.run_cli("check-config", "--config.file=" + path)
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                self.assertEqual(result.stderr, want + "\n")
                self.assertEqual(result.stdout, "")

    def test_unreadable_config_file(self):
        path = os.path.join(self.dir, "missing.yaml")
        result = harness.run_cli("check-config", "--config.file=" + path)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr, path + ": cannot read: No such file or directory\n")
        # A directory is not an empty config.
        result = harness.run_cli("check-config", "--config.file=" + self.dir)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertEqual(result.stderr,
                         self.dir + ": cannot read: it is a directory, not a regular file\n")

    def test_daemon_refuses_a_bad_config_with_the_same_message(self):
        # A sample of the kinds above; each start is quick because nothing binds.
        for i in [0, 2, 4, 6, 8, 9, 10, 12, 15, 17, 19]:
            kind, text, line, column, message = BAD_CONFIGS[i]
            with self.subTest(kind):
                exporter = harness.Exporter(text.replace("{dir}", self.dir), workdir=self.dir)
                exporter.start(expect_ready=False)
                code = exporter.wait_exit()
                self.assertEqual(code, 1, exporter.log_text())
                want = "%s:%d:%d: %s" % (exporter.config_path, line, column,
                                         message.replace("{dir}", self.dir))
                errors = [harness.parse_logfmt(raw) for raw in exporter.lines
                          if harness.parse_logfmt(raw).get("msg") == "cannot start"]
                self.assertEqual(len(errors), 1, exporter.log_text())
                self.assertEqual(errors[0].get("level"), "error")
                self.assertEqual(errors[0].get("error"), want)
                self.assertIsNone(exporter.http_address, "nothing was served")


class LogFlagsTest(unittest.TestCase):
    def start(self, flag):
        """A daemon with one unixgram input, on a port chosen here: the harness
        finds ports in the logfmt info lines, which these flags change."""
        tmp = harness.temp_dir(self, "cos-e2e-log-")
        self.sock = os.path.join(tmp, "events.sock")
        self.port = harness.free_port()
        exporter = harness.Exporter("inputs: {unixgram: [{name: ux, path: '%s'}]}" % self.sock,
                                    args=[flag], workdir=tmp, listen="127.0.0.1:%d" % self.port)
        exporter.start(expect_ready=False)
        self.addCleanup(exporter.stop)
        exporter.http_address = "127.0.0.1:%d" % self.port

        def ready():
            try:
                return exporter.get("/-/ready")[0] == 200
            except OSError:
                return False
        exporter.wait_for(ready, 10, "/-/ready")
        # One malformed line (not UTF-8), logged as a warning.
        exporter.send_unix(b"-96\ncode=\xff\xfe not an event\x1b[0m", self.sock)
        exporter.wait_metric("cos_error_exporter_events_received_total", 2, input="ux")
        exporter.wait_for(lambda: "malformed" in exporter.log_text(), 10, "the warning")
        code, _ = exporter.stop()
        self.assertEqual(code, 0)
        return exporter

    def test_json_log_format(self):
        exporter = self.start("--log.format=json")
        objects = []
        for line in exporter.lines:
            obj = json.loads(line)  # every line is one JSON object
            self.assertIsInstance(obj, dict, line)
            self.assertRegex(obj["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIn(obj["level"], ("debug", "info", "warn", "error"))
            self.assertIn("msg", obj)
            objects.append(obj)
        by_msg = {obj["msg"]: obj for obj in objects}
        self.assertEqual(by_msg["listening"]["address"], "127.0.0.1:%d" % self.port)
        self.assertEqual(by_msg["input listening"]["path"], self.sock)
        malformed = [o for o in objects if "malformed" in o["msg"]]
        self.assertEqual(len(malformed), 1)
        self.assertEqual(malformed[0]["level"], "warn")
        self.assertEqual(malformed[0]["input"], "ux")
        self.assertEqual(malformed[0]["reason"], "invalid_utf8")
        self.assertEqual(malformed[0]["line"], "code=\\xff\\xfe not an event\x1b[0m")
        self.assertEqual(by_msg["stopping"]["signal"], "SIGTERM")
        self.assertIn("stopped", by_msg)

    def test_json_error_on_a_bad_config(self):
        exporter = harness.Exporter("limits: {bogus: 1}\n", args=["--log.format=json"])
        self.addCleanup(exporter.__exit__)
        exporter.start(expect_ready=False)
        self.assertEqual(exporter.wait_exit(), 1)
        obj = json.loads(exporter.lines[-1])
        self.assertEqual(obj["level"], "error")
        self.assertEqual(obj["error"], exporter.config_path + ':1:10: unknown key "bogus" in '
                         'limits (known: max_unknown_codes, max_line_bytes, max_label_values, '
                         'max_series)')

    def test_warn_level_hides_info(self):
        exporter = self.start("--log.level=warn")
        levels = [harness.parse_logfmt(line).get("level") for line in exporter.lines]
        self.assertEqual(levels, ["warn"], exporter.log_text())
        # Control bytes of the bad line are escaped: the log line stays one line.
        self.assertEqual(len(exporter.lines), 1)
        self.assertNotIn("\x1b", exporter.lines[0])
        self.assertEqual(harness.parse_logfmt(exporter.lines[0])["reason"], "invalid_utf8")

    def test_bad_log_flags(self):
        for flag in ("--log.level=verbose", "--log.format=xml"):
            result = harness.run_cli(flag, "check-config")
            self.assertEqual(result.returncode, 2, flag)
            self.assertIn("--log.level takes debug, info, warn or error; --log.format takes "
                          "logfmt or json", result.stderr)


if __name__ == "__main__":
    unittest.main()
