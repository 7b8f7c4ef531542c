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
                         "ERROR proxy -61 ERROR_PROXY_SIGN_BUCKET_NOTMATCH|ERROR_PROXY_INVALID_CMD_REQ")
        self.assertIn("bucket与签名中的bucket不匹配", r.stdout)
        self.assertIn("非法的CMD请求", r.stdout)

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

    def test_classify_with_config_extra(self):
        import os, tempfile
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "c.yaml")
            with open(path, "w") as f:
                f.write("catalog:\n  extra:\n    - {code: -70001, name: MY_PROXY_ERROR, category: proxy, "
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
        self.assertEqual(len(entries), 201)
        by_code = {(e["code"], e["name"]): e for e in entries}
        self.assertEqual(by_code[(-296, "2RSP")]["description"], "打包失败")
        self.assertEqual(by_code[(-5994, "ERROR_CGI_URL_NOTMATCH")]["description"], "url参数解析不匹配'")
        r = harness.run_cli("catalog")
        self.assertEqual(len(r.stdout.splitlines()), 202)
        self.assertIn("sha校验失败", r.stdout)
        r = harness.run_cli("catalog", "--format=yaml")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.count("- code:"), 201)
        self.assertIn('description: "鉴权类别错误//鉴权类别错误"', r.stdout)
        r = harness.run_cli("catalog", "--format=xml")
        self.assertEqual(r.returncode, 2)

    def test_version_and_help(self):
        r = harness.run_cli("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^cos_error_exporter, version \d+\.\d+\.\d+ \(revision: \w+\)\n$")
        r = harness.run_cli("--help")
        self.assertEqual(r.returncode, 0)
        for flag in ["--config.file", "--web.listen-address", "--web.config.file", "--log.level",
                     "--log.format", "--version", "--help", "check-config", "classify", "catalog",
                     "rules"]:
            self.assertIn(flag, r.stdout)
        self.assertIn("-h [ --help ]", r.stdout)
        # --help lists -h as its short form: both print the same help, also
        # after a subcommand, while a negative code stays a code.
        for args in (["-h"], ["classify", "-h"], ["check-config", "-h"]):
            short = harness.run_cli(*args)
            self.assertEqual((short.returncode, short.stdout, short.stderr), (0, r.stdout, ""), args)
        self.assertEqual(harness.run_cli("classify", "-96").returncode, 0)
        r = harness.run_cli("--no-such-flag")
        self.assertEqual(r.returncode, 2)
        r = harness.run_cli("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn('unknown command "frobnicate"', r.stderr)


if __name__ == "__main__":
    unittest.main()
