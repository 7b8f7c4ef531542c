"""The subcommands of the real binary (classify, catalog, --version, --help)."""

import json
import unittest

import harness


class CliTest(unittest.TestCase):
    def test_classify_prints_the_entry(self):
        r = harness.run_cli("classify", "-4016")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "ERROR file_plugin -4016 ErrNotSameSHA")
        self.assertIn("description:    sha校验失败", lines)
        self.assertIn("description_en: SHA check failed", lines)
        self.assertIn("groups:         integrity", lines)

    def test_classify_shared_code_both_ways(self):
        r = harness.run_cli("classify", "-61", "--message=ERROR_PROXY_INVALID_CMD_REQ")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.splitlines()[0], "ERROR proxy -61 ERROR_PROXY_INVALID_CMD_REQ")
        self.assertIn("description:    非法的CMD请求", r.stdout)
        r = harness.run_cli("classify", "-61")
        self.assertEqual(r.stdout.splitlines()[0],
                         "ERROR proxy -61 "
                         "ERROR_PROXY_SIGN_BUCKET_NOTMATCH|ERROR_PROXY_INVALID_CMD_REQ")
        self.assertIn("bucket与签名中的bucket不匹配", r.stdout)
        self.assertIn("非法的CMD请求", r.stdout)

    def test_classify_sdk_dialect(self):
        r = harness.run_cli("classify", "-3", "--sdk=java")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.splitlines()[0], "ERROR sdk -3 SERVER_ERROR")
        self.assertIn("sdk:            java,python", r.stdout)
        self.assertIn("groups:         server", r.stdout)
        r = harness.run_cli("classify", "-3")
        self.assertEqual(r.stdout.splitlines()[0], "ERROR sdk -3 SDK_INVALID_PARAMETER")
        self.assertIn("groups:         client", r.stdout)
        r = harness.run_cli("classify", "-4", "--sdk=php")
        self.assertEqual(r.stdout.splitlines()[0], "ERROR sdk -4 SDK_INVALID_SLICE_SIZE")
        r = harness.run_cli("classify", "-3", "--sdk=go")
        self.assertEqual(r.returncode, 2)
        self.assertIn('unknown --sdk "go"', r.stderr)

    def test_classify_success_code(self):
        r = harness.run_cli("classify", "0")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.splitlines()[0], "SUCCESS business 0 _SUCCESS")

    def test_classify_rejects_unknown_and_non_numeric_codes(self):
        r = harness.run_cli("classify", "12345")
        self.assertEqual(r.returncode, 1)
        self.assertIn("code 12345 is not in the catalog", r.stdout)
        r = harness.run_cli("classify", "abc")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.strip(), 'classify: "abc" is not an integer code')
        r = harness.run_cli("classify")
        self.assertEqual(r.returncode, 2)
        self.assertIn("classify takes exactly one CODE", r.stderr)

    def test_classify_names_an_unknown_code_as_the_daemon_does(self):
        line = '{"code":-133,"message":"ERROR_CMD_BUCKET_NOTEXIST"}'
        with harness.Exporter("inputs: {udp: [{name: u, listen: '127.0.0.1:0'}]}\n") as e:
            e.send_udp(line, name="u")
            m = e.wait_metric("cos_error_exporter_events_received_total", 1, input="u")
            [(labels, value)] = [(dict(key), v) for key, v in m.series("cos_errors_total").items()
                                 if dict(key).get("code") == "-133"]
        self.assertEqual(value, 1)
        r = harness.run_cli("classify", "-133", "--message=ERROR_CMD_BUCKET_NOTEXIST")
        self.assertEqual(r.returncode, 1)  # not in the catalog
        self.assertEqual(r.stdout.splitlines()[0],
                         "ERROR %s -133 %s" % (labels["category"], labels["name"]))
        self.assertEqual(labels["name"], "ERROR_CMD_BUCKET_NOTEXIST")
        self.assertIn('counted as category="unknown" name="ERROR_CMD_BUCKET_NOTEXIST"', r.stdout)
        # A message that is not an identifier names nothing, in both.
        r = harness.run_cli("classify", "-133", "--message=bucket does not exist")
        self.assertEqual(r.stdout.splitlines()[0], "ERROR unknown -133 UNKNOWN")

    def test_classify_with_config_extra(self):
        import os
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.yaml")
            with open(path, "w") as f:
                f.write("catalog:\n  extra:\n    - {code: -70001, name: MY_PROXY_ERROR, category: "
                        "proxy, "
                        "kind: error, description: 自定义错误, description_en: custom}\n"
                        "groups:\n  mine: {codes: [-70001]}\n")
            r = harness.run_cli("classify", "-70001", "--config.file=" + path)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.splitlines()[0], "ERROR proxy -70001 MY_PROXY_ERROR")
            self.assertIn("description:    自定义错误", r.stdout)
            self.assertIn("groups:         mine", r.stdout)

    def test_catalog_formats(self):
        r = harness.run_cli("catalog", "--format=json")
        self.assertEqual(r.returncode, 0)
        entries = json.loads(r.stdout)
        # The document's 201 entries, then 13 of the SDK dialects.
        self.assertEqual(len(entries), 201 + 13)
        by_code = {(e["code"], e["name"]): e for e in entries}
        self.assertEqual(by_code[(-3, "SERVER_ERROR")]["sdk"], ["java", "python"])
        self.assertEqual(by_code[(-3, "SERVER_ERROR")]["groups"], "server")
        self.assertEqual(by_code[(-3, "SDK_INVALID_PARAMETER")]["sdk"], [])
        self.assertEqual(by_code[(-296, "2RSP")]["description"], "打包失败")
        self.assertEqual(by_code[(-5994, "ERROR_CGI_URL_NOTMATCH")]["description"], "url参数解析不匹配'")
        r = harness.run_cli("catalog")
        self.assertEqual(len(r.stdout.splitlines()), 215)
        self.assertIn("sha校验失败", r.stdout)
        self.assertRegex(r.stdout, r"\n-3 +sdk +error +COSAPI_INTEGRITY_ERROR +php +")
        r = harness.run_cli("catalog", "--format=yaml")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.count("- code:"), 214)
        self.assertEqual(r.stdout.count("sdk: [java, python]"), 4)
        # The YAML output is a catalog file, SDK dialects included.
        import os
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            catalog = os.path.join(tmp, "catalog.yaml")
            config = os.path.join(tmp, "c.yaml")
            with open(catalog, "w") as f:
                f.write(r.stdout)
            with open(config, "w") as f:
                f.write("catalog:\n  file: %s\n" % json.dumps(catalog))
            check = harness.run_cli("classify", "-3", "--sdk=java", "--config.file=" + config)
            self.assertEqual(check.stdout.splitlines()[0], "ERROR sdk -3 SERVER_ERROR",
                             check.stderr)
        self.assertIn('description: "鉴权类别错误//鉴权类别错误"', r.stdout)
        r = harness.run_cli("catalog", "--format=xml")
        self.assertEqual(r.returncode, 2)

    def test_version_and_help(self):
        r = harness.run_cli("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout,
                         r"^cos_error_exporter, version \d+\.\d+\.\d+ \(revision: \w+\)\n$")
        r = harness.run_cli("--help")
        self.assertEqual(r.returncode, 0)
        for flag in ["--config.file", "--web.listen-address", "--web.config.file", "--log.level",
                     "--log.format", "--version", "--help", "check-config", "classify", "catalog",
                     "rules"]:
            self.assertIn(flag, r.stdout)
        # As the Prometheus exporters' help reads: usage, one description, the
        # flags with their defaults and what each does.
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "usage: cos_error_exporter [<flags>] [<command> [<args> ...]]")
        self.assertTrue(lines[2].startswith("Turns error events of Tencent Cloud COS"), lines[2])
        self.assertIn("Flags:", lines)
        self.assertRegex(r.stdout, r"\n  -h, --help +Show this help and exit\.\n")
        self.assertRegex(r.stdout, r'\n      --web.listen-address=":9742"\n +Address on which to '
                                   r"expose metrics")
        self.assertRegex(r.stdout, r'\n      --log.level="info" +Only log messages with the given '
                                   r"severity or above")
        self.assertRegex(r.stdout, r"\n      --config.file=FILE +YAML config file")
        self.assertNotIn("[ --", r.stdout)  # Boost's own layout
        self.assertTrue(all(len(line) <= 100 for line in lines), r.stdout)
        # --help lists -h as its short form: both print the same help, also
        # after a subcommand, while a negative code stays a code.
        for args in (["-h"], ["classify", "-h"], ["check-config", "-h"]):
            short = harness.run_cli(*args)
            self.assertEqual((short.returncode, short.stdout, short.stderr), (0, r.stdout, ""),
                             args)
        self.assertEqual(harness.run_cli("classify", "-96").returncode, 0)
        r = harness.run_cli("--no-such-flag")
        self.assertEqual(r.returncode, 2)
        r = harness.run_cli("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn('unknown command "frobnicate"', r.stderr)


if __name__ == "__main__":
    unittest.main()
