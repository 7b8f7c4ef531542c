"""The landing page at / as a browser shows it. Headless
Chromium (Debian's `chromium`) loads the page after events were counted; the
test reads the DOM it renders."""

import html.parser
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import harness

CONFIG = """
inputs:
  udp:
    - name: udp-main
      listen: 127.0.0.1:0
      labels: {{service: uploader}}
  unixgram:
    - name: local
      path: {sock}
  files:
    - name: logs
      path: {logs}
groups:
  g_auth:
    description: "signature & key failures <b>not bold</b>"
    codes: [-96, -97]
  g_net:
    description: network trouble
    codes: [-66]
  g_quiet:
    description: never seen
    codes: [-6991]
"""


class Dom(html.parser.HTMLParser):
    """What a reader sees: texts by element id, table rows, links, headings."""

    def __init__(self):
        super().__init__()
        self.stack = []       # open elements: (tag, id)
        self.texts = {}       # id -> text of the element
        self.tables = {}      # table id -> [[cell text, ...], ...]
        self.links = []       # (href, text)
        self.headings = []
        self.tags = set()
        self._table = None
        self._cell = None
        self._link = None
        self._heading = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag not in ("meta", "link", "br", "img", "input", "hr"):
            self.stack.append((tag, attrs.get("id")))
        if attrs.get("id"):
            self.texts.setdefault(attrs["id"], "")
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._table[-1].append("")
            self._cell = True
        elif tag == "a":
            self._link = [attrs.get("href"), ""]
        elif tag in ("h1", "h2", "h3"):
            self._heading = ""

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag == "table":
            self._table = None
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "a" and self._link:
            self.links.append((self._link[0], self._link[1].strip()))
            self._link = None
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(self._heading.strip())
            self._heading = None

    def handle_data(self, data):
        for _, element_id in self.stack:
            if element_id:
                self.texts[element_id] += data
        if self._cell and self._table:
            self._table[-1][-1] += data
        if self._link is not None:
            self._link[1] += data
        if self._heading is not None:
            self._heading += data

    def rows(self, table_id):
        """Data rows of a table (the header row left out), cells stripped."""
        rows = [[cell.strip() for cell in row] for row in self.tables.get(table_id, [])]
        return rows[1:]


def chromium_dom(url, workdir):
    """The DOM headless Chromium renders for url, as text."""
    binary = shutil.which("chromium")
    if binary is None:
        raise AssertionError("chromium is not installed: the landing page test needs Debian's "
                             "`chromium` package (listed in scripts/test-packages.txt; "
                             "scripts/test installs it)")
    profile = tempfile.mkdtemp(prefix="chromium-", dir=workdir)
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
               "--dump-dom", url]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        raise AssertionError("chromium did not render %s within 90 s" % url)
    if result.returncode != 0 or "<html" not in result.stdout:
        raise AssertionError("chromium failed (exit %d) to render %s:\n%s"
                             % (result.returncode, url, result.stderr[-3000:]))
    return result.stdout


class LandingPageTest(unittest.TestCase):
    def test_page_in_chromium(self):
        tmp = harness.temp_dir(self, "cos-e2e-page-")
        sock = os.path.join(tmp, "events.sock")

        # Eleven catalogued error codes of one name each (the group codes first;
        # -6991 stays unseen), and one unknown code.
        catalog = json.loads(harness.run_cli("catalog", "--format=json").stdout)
        entries = {}
        for entry in catalog:
            entries.setdefault(entry["code"], []).append(entry)
        single = [code for code, found in sorted(entries.items())
                  if len(found) == 1 and found[0]["kind"] == "error"]
        picked_codes = [-96, -97, -66] + [c for c in single if c not in (-96, -97, -66, -6991)][:8]
        picked = [(code, entries[code][0]) for code in picked_codes]
        self.assertTrue({-96, -97, -66, -6991} <= set(single))
        # Distinct counts, largest first: 12 codes, of which the top 10 show.
        counts = [(code, entry["name"], entry["category"]) for code, entry in picked]
        counts.insert(3, (7001, "UNKNOWN", "unknown"))
        counts = [(code, name, category, 10 * (12 - i))
                  for i, (code, name, category) in enumerate(counts)]

        logs = os.path.join(tmp, "not-yet", "*.log")
        exporter = harness.Exporter(CONFIG.format(sock=sock, logs=logs), workdir=tmp)
        with exporter:
            exporter.wait_for(lambda: {"udp-main", "local"} <= set(exporter.inputs), 10, "inputs")
            # Sent in an order that is not the ranking.
            # One -96 arrives over the unix socket: the page adds up all inputs,
            # the series with the udp input's extra label and those without.
            exporter.send_udp("\n".join("code=%d count=%d" % (code, n - (code == -96))
                                        for code, _, _, n in reversed(counts)), name="udp-main")
            exporter.send_unix("-96\ncode=not-an-event\n{broken", sock)
            exporter.wait_metric("cos_error_exporter_events_received_total", 12, input="udp-main")
            m = exporter.wait_metric("cos_error_exporter_events_received_total", 3, input="local")

            status, headers, raw = exporter.get("/")
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/html"))
            self.assertNotIn(b"<script", raw.lower(), "readable without JavaScript")

            dom = Dom()
            dom.feed(chromium_dom(exporter.url("/"), tmp))

            version = harness.run_cli("--version").stdout  # "..., version 0.1.0 (revision: abc)"
            number = version.split("version ")[1].split(" ")[0]
            revision = version.split("revision: ")[1].split(")")[0]
            self.assertEqual(dom.texts["version"].strip(),
                             "Version %s (revision %s)" % (number, revision))
            self.assertEqual(dom.texts["config"].strip(), "Configuration: " + exporter.config_path)
            self.assertEqual(dom.texts["state"].strip(), "State: ready")
            self.assertEqual(dom.headings, ["cos_error_exporter", "Inputs", "Malformed lines",
                                            "Top error codes", "Alert groups"])

            # Links to the metrics and health endpoints, which answer.
            hrefs = {href: text for href, text in dom.links}
            self.assertEqual(hrefs.get("/metrics"), "Metrics")
            self.assertEqual(hrefs.get("/-/healthy"), "Health")
            self.assertEqual(hrefs.get("/-/ready"), "Readiness")
            for href in hrefs:
                self.assertEqual(exporter.get(href)[0], 200, href)

            # Each input: name, kind, address or path, state, lines received, malformed.
            udp_address = "%s:%d" % exporter.udp_address("udp-main")
            self.assertEqual(dom.rows("inputs"), [
                ["udp-main", "udp", udp_address, "listening", "12", "0"],
                ["local", "unixgram", sock, "listening", "3", "2"],
                ["logs", "file", logs, "waiting for files", "0", "0"],
            ])

            # The top ten codes, largest first, with names, categories and counts.
            top = counts[:10]
            top_rows = dom.rows("top-codes")
            self.assertEqual(top_rows, [[str(code), name, category, str(n)]
                                        for code, name, category, n in top])
            for code, name, category, n in counts:
                labeled = m.get("cos_errors_total", code=str(code), name=name,
                                category=category, service="uploader")
                plain = m.get("cos_errors_total", code=str(code), name=name, category=category)
                self.assertEqual((labeled, plain), (n - (code == -96), float(code == -96)))

            # Groups with their counts; the description is text, not markup.
            by_code = {code: n for code, _, _, n in counts}
            self.assertEqual(dom.rows("groups"), [
                ["g_auth", "signature & key failures <b>not bold</b>",
                 str(by_code[-96] + by_code[-97])],
                ["g_net", "network trouble", str(by_code[-66])],
                ["g_quiet", "never seen", "0"],
            ])
            self.assertNotIn("b", dom.tags)
            self.assertEqual(m.get("cos_group_errors_total", group="g_auth", service="uploader")
                             + m.get("cos_group_errors_total", group="g_auth"),
                             by_code[-96] + by_code[-97])

    def test_page_before_any_event(self):
        with harness.Exporter("inputs: {udp: [{name: u, listen: '127.0.0.1:0'}]}") as exporter:
            dom = Dom()
            dom.feed(chromium_dom(exporter.url("/"), exporter.workdir))
            self.assertEqual(dom.texts["top-codes-empty"].strip(), "No errors counted yet.")
            self.assertEqual(dom.rows("inputs"),
                             [["u", "udp", "%s:%d" % exporter.udp_address("u"), "listening",
                               "0", "0"]])
            # The built-in groups, all at zero.
            groups = dom.rows("groups")
            self.assertIn("auth", [row[0] for row in groups])
            self.assertEqual({row[2] for row in groups}, {"0"})

    def test_tailed_files_uptime_and_malformed_reasons(self):
        """On-call's next questions: how far behind each tailed file is (bytes
        not read, and how long ago its last line came), how long the exporter
        has run, and which malformed lines by reason."""
        tmp = harness.temp_dir(self, "cos-e2e-page-")
        logs = os.path.join(tmp, "logs")
        os.mkdir(logs)
        app = os.path.join(logs, "app.log")
        quiet = os.path.join(logs, "quiet.txt")
        # Two complete lines (one malformed) and a line still being written.
        with open(app, "w") as f:
            f.write('code=-96\n{"code": -97\ncode=-4016')
        # Followed from its end: nothing read from it yet.
        with open(quiet, "w") as f:
            f.write("code=-1\n")
        config = ("inputs:\n  files:\n    - name: app\n      path: %s/*.log\n"
                  "      start_at: beginning\n"
                  "    - name: old\n      path: %s/*.txt\n") % (logs, logs)
        with harness.Exporter(config, workdir=tmp) as exporter:
            m = exporter.wait_metric("cos_error_exporter_events_received_total", 2, input="app")
            [(reason, count)] = [(dict(labels)["reason"], v) for labels, v in
                                 m.series("cos_error_exporter_events_malformed_total").items()
                                 if v > 0]
            self.assertEqual((reason, count), ("invalid_json", 1))
            time.sleep(1.1)  # the page counts whole seconds
            dom = Dom()
            dom.feed(chromium_dom(exporter.url("/"), tmp))

            self.assertRegex(dom.texts["uptime"].strip(), r"^Up [1-9]\d*s$")
            rows = dom.rows("files")
            self.assertEqual([row[:4] for row in rows], [
                ["app", app, "10", "22 / 32"],  # `code=-4016` waits for its newline
                ["old", quiet, "0", "8 / 8"],
            ])
            self.assertRegex(rows[0][4], r"^[1-9]\d*s ago$")
            self.assertEqual(rows[1][4], "none since start")
            self.assertEqual(dom.rows("malformed"), [["app", "invalid_json", "1"]])
            self.assertEqual(dom.headings, ["cos_error_exporter", "Inputs", "Tailed files",
                                            "Malformed lines", "Top error codes", "Alert groups"])

    def test_a_failed_reload_shows_until_a_good_one(self):
        good = "inputs: {udp: [{name: u, listen: '127.0.0.1:0'}]}\n"
        with harness.Exporter(good) as exporter:
            dom = Dom()
            dom.feed(chromium_dom(exporter.url("/"), exporter.workdir))
            self.assertNotIn("reload-error", dom.texts)

            with open(exporter.config_path, "w") as f:
                f.write(good + "groups:\n  auth:\n    codes: [x1]\n")
            status, _, body = exporter.get("/-/reload", method="POST")
            self.assertEqual(status, 500, body)
            dom = Dom()
            dom.feed(chromium_dom(exporter.url("/"), exporter.workdir))
            self.assertEqual(
                " ".join(dom.texts["reload-error"].split()),
                "The last reload failed; the configuration before it stays in force: "
                f'{exporter.config_path}:4:13: code must be an integer, got "x1"')
            self.assertEqual(dom.texts["state"].strip(), "State: ready")

            with open(exporter.config_path, "w") as f:
                f.write(good)
            self.assertEqual(exporter.get("/-/reload", method="POST")[0], 200)
            dom = Dom()
            dom.feed(chromium_dom(exporter.url("/"), exporter.workdir))
            self.assertNotIn("reload-error", dom.texts)


if __name__ == "__main__":
    unittest.main()
