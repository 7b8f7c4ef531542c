"""The README's examples work as written: its nc and socat commands against
the config it names (config/examples/unixgram.yaml), and its regex example on
real lines (the Java SDK's, CRI, a Python dict, logfmt)."""

import os
import pathlib
import re
import shutil
import subprocess
import unittest

import yaml

import harness

SOURCE = pathlib.Path(os.environ.get("COS_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
README = (SOURCE / "README.md").read_text()


def github_anchors(text):
    """The anchors a Markdown page has on GitHub: its headings' slugs and <a id>s."""
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for heading in re.findall(r"^#+ (.+)$", re.sub(r"```.*?```", "", text, flags=re.S), re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


def fenced_blocks(language):
    return re.findall(r"```%s\n(.*?)```" % language, README, re.S)


class ReadmeExamplesTest(unittest.TestCase):
    def test_first_screen(self):
        """The first 30 lines say what the tool is, the two commands, where the
        binary lands, the page to open and one event to send; that event, sent
        as written, shows on /metrics as the line after it says."""
        first_screen = "\n".join(README.splitlines()[:30])
        for needed in ["Prometheus exporter", "scripts/run", "scripts/test",
                       "build/cos_error_exporter", "http://localhost:9742/",
                       "docs/walkthrough.md", "201 entries, plus 13 SDK dialect names"]:
            self.assertIn(needed, first_screen)
        self.assertTrue(first_screen.index("Prometheus exporter") < first_screen.index("```sh"),
                        "what the tool is comes before any command")
        block = next(b for b in fenced_blocks("sh") if "nc -u" in b and "curl" in b)
        self.assertIn(block, first_screen)
        send, scrape = [line for line in block.splitlines() if line.strip()]
        expected = re.search(r"`(cos_errors_total\{[^`]*\} 1)`", first_screen).group(1)

        with harness.Exporter(yaml.safe_dump({"inputs": {"udp": [
                {"name": "udp", "listen": "127.0.0.1:0"}]}})) as e:
            host, port = e.udp_address("udp")
            subprocess.run(send.replace("127.0.0.1 9742", "%s %d" % (host, port)), shell=True,
                           check=True)
            e.wait_metric("cos_error_exporter_events_received_total", 1, input="udp")
            out = subprocess.run(scrape.replace("localhost:9742", e.http_address), shell=True,
                                 check=True, capture_output=True, text=True).stdout
            self.assertIn(expected, out.splitlines())
            status, _, page = e.get("/")
            self.assertIn("<td>-4016</td><td>ErrNotSameSHA</td>", page.decode())

    def test_nc_and_socat_examples(self):
        for tool in ["nc", "socat"]:
            self.assertIsNotNone(shutil.which(tool),
                                 "%s is missing (scripts/test-packages.txt)" % tool)
        block = next(b for b in fenced_blocks("sh") if "nc -u" in b and "socat" in b)
        commands = [line for line in block.splitlines() if line.strip()]
        self.assertEqual(len(commands), 2)
        self.assertIn("config/examples/unixgram.yaml", README)
        config = yaml.safe_load((SOURCE / "config/examples/unixgram.yaml").read_text())
        socket_path = config["inputs"]["unixgram"][0]["path"]
        udp_listen = config["inputs"]["udp"][0]["listen"]
        self.assertIn(socket_path, commands[1])
        self.assertIn(udp_listen.replace(":", " "), commands[0])

        tmp = harness.temp_dir(self, "cos-e2e-readme-")
        sock = os.path.join(tmp, "events.sock")
        config["inputs"]["unixgram"][0]["path"] = sock
        config["inputs"]["udp"][0]["listen"] = "127.0.0.1:0"
        with harness.Exporter(yaml.safe_dump(config), workdir=tmp) as e:
            host, port = e.udp_address("udp")
            e.wait_for(lambda: "unixgram" in e.inputs, 10, "the unixgram input")
            udp_command = commands[0].replace(udp_listen.replace(":", " "), "%s %d" % (host, port))
            subprocess.run(udp_command, shell=True, check=True)
            subprocess.run(commands[1].replace(socket_path, sock), shell=True, check=True)
            m = e.wait_metric("cos_error_exporter_events_received_total", 1, input="udp")
            m = e.wait_metric("cos_error_exporter_events_received_total", 2, input="unixgram")
            self.assertEqual(m.get("cos_errors_total", category="file_plugin", code="-4016",
                                   name="ErrNotSameSHA"), 1)
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-61",
                                   name="ERROR_PROXY_INVALID_CMD_REQ"), 1)

    def test_links_of_the_readme_and_docs_lead_somewhere(self):
        """Relative links of README.md and docs/*.md name files that exist and,
        with #anchor, a heading or <a id> of that page."""
        pages = [SOURCE / "README.md"] + sorted((SOURCE / "docs").glob("*.md"))
        checked = 0
        for page in pages:
            text = page.read_text()
            for target in re.findall(r"\]\(([^)\s]+)\)", text):
                if re.match(r"[a-z]+:", target):
                    continue
                path, _, anchor = target.partition("#")
                linked = (page.parent / path) if path else page
                self.assertTrue(linked.exists(), "%s links %s" % (page.name, target))
                if anchor and linked.suffix == ".md":
                    self.assertIn(anchor, github_anchors(linked.read_text()),
                                  "%s links %s" % (page.name, target))
                checked += 1
        self.assertGreater(checked, 20)

    def test_regex_example_on_real_lines(self):
        block = next(b for b in fenced_blocks("yaml") if "format: regex" in b)
        documented = yaml.safe_load(block)["inputs"]["files"][0]
        self.assertEqual(documented["format"], "regex")
        config = {"inputs": {"udp": [{"name": "regex", "listen": "127.0.0.1:0", "format": "regex",
                                      "regex": documented["regex"]}]}}
        lines = [
            '2026-11-28 10:00:01,123 WARN  [main] com.qcloud.cos.COSClient:78 - uploadFile occur a '
            'exception, request:UploadFileRequest [bucketName=photos, cosPath=/a.jpg], '
            'message:{"message":"local file /tmp/a.jpg not exist","code":-1}',
            '2026-11-28T10:00:00.123456789Z stdout F '
            '{"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED"}',
            "ERROR:root:upload failed: {u'code': -96, u'message': u'ERROR_PROXY_AUTH_EXPIRED'}",
            "ts=1 level=error code=-96",
            "error_code=500 status=failed",
        ]
        with harness.Exporter(yaml.safe_dump(config)) as e:
            e.send_udp("\n".join(lines), name="regex")
            m = e.wait_metric("cos_error_exporter_events_received_total", len(lines) - 1,
                              input="regex")
            m = e.wait_metric("cos_error_exporter_lines_without_event_total", 1, input="regex",
                              reason="no_event")
            self.assertEqual(m.get("cos_errors_total", category="sdk", code="-1",
                                   name="SDK_UPLOAD_FILE_NOT_FOUND"), 1)
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-96",
                                   name="ERROR_PROXY_AUTH_EXPIRED"), 3)
            # The line the pattern does not match holds no event: not malformed.
            malformed = m.series("cos_error_exporter_events_malformed_total")
            self.assertEqual(sum(v for labels, v in malformed.items()
                                 if ("input", "regex") in labels), 0)


if __name__ == "__main__":
    unittest.main()
