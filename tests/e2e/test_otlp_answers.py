"""The otlp input's answers to what curl sends (the OTLP/HTTP specification):
200 with partial_success naming the records that hold no event, 400 for a
body that cannot be read (garbage, truncated protobuf, bad JSON, damaged
gzip), 413 past max_body_bytes (as sent, or inflated: a gzip bomb is stopped
at the limit), 415 for another Content-Type, 404 and 405, and 503 with
Retry-After while every connection the input takes is in use. A request
answered with an error counts nothing."""

import gzip
import json
import os
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import harness
import otlp_support

CONFIG = otlp_support.config("      max_body_bytes: 1048576\n"
                             "      max_connections: 2\n"
                             "      timeout: 5s\n")

REQUESTS = "cos_error_exporter_otlp_requests_total"
RECEIVED = "cos_error_exporter_events_received_total"
WITHOUT = "cos_error_exporter_lines_without_event_total"
MALFORMED = "cos_error_exporter_events_malformed_total"


class OtlpAnswers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="cos-e2e-otlp-")
        cls.exporter = harness.Exporter(CONFIG, workdir=cls.tmp.name).start()
        cls.exporter.wait_for(lambda: "otel" in cls.exporter.inputs, 10, "the otlp input")
        cls.base = "http://" + cls.exporter.inputs["otel"]

    @classmethod
    def tearDownClass(cls):
        cls.exporter.stop()
        cls.tmp.cleanup()

    def curl(self, body, content_type="application/x-protobuf", path="/v1/logs",
             method="POST", headers=()):
        """(status, headers dict (lower-case names), body bytes) of one curl request."""
        with tempfile.NamedTemporaryFile(dir=self.tmp.name, delete=False) as f:
            f.write(body)
        out = os.path.join(self.tmp.name, "answer")
        head = os.path.join(self.tmp.name, "head")
        command = ["curl", "-sS", "-o", out, "-D", head, "-w", "%{http_code}", "-X", method,
                   "-H", "Content-Type: " + content_type, "--data-binary", "@" + f.name]
        for header in headers:
            command += ["-H", header]
        status = subprocess.run(command + [self.base + path], capture_output=True, text=True,
                                timeout=60, check=True).stdout
        fields = {}
        with open(head) as h:
            for line in h.read().splitlines()[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    fields[name.strip().lower()] = value.strip()
        with open(out, "rb") as o:
            return int(status), fields, o.read()

    def counted(self):
        m = self.exporter.metrics()
        return (m.get(RECEIVED, input="otel"), m.get(WITHOUT, input="otel", reason="no_event"))

    def test_a_partial_success_names_the_records_without_an_event(self):
        m = self.exporter.metrics()
        before = m.get(REQUESTS, input="otel", status="200")
        errors = m.get("cos_errors_total", category="proxy", code="-96",
                       name="ERROR_PROXY_AUTH_EXPIRED") or 0
        malformed = m.get(MALFORMED, input="otel", reason="invalid_code")
        records = [{"body": '{"code": -96, "message": "ErrNoSpace"}'},
                   {"body": {"code": -4016, "count": 2}},
                   {"body": "GET /healthz 200"},
                   {"attributes": {"cos.error.code": "E1"}}]
        status, headers, body = self.curl(otlp_support.json_request(records), "application/json")
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"], "application/json")
        answer = json.loads(body)
        self.assertEqual(answer["partialSuccess"]["rejectedLogRecords"], "2")
        self.assertIn("1 invalid_code, 1 no_event", answer["partialSuccess"]["errorMessage"])
        m = self.exporter.wait_metric(REQUESTS, before + 1, input="otel", status="200")
        self.assertEqual(m.get("cos_errors_total", category="proxy", code="-96",
                               name="ERROR_PROXY_AUTH_EXPIRED"), errors + 1)
        self.assertEqual(m.get(MALFORMED, input="otel", reason="invalid_code"), malformed + 1)

        # The same in protobuf, gzip-compressed: all events, so no partial_success.
        payload = gzip.compress(otlp_support.protobuf_request(
            [{"body": '{"code": -96}'}, {"attributes": {"code": -96}}]))
        status, headers, body = self.curl(payload, headers=["Content-Encoding: gzip"])
        self.assertEqual((status, headers["content-type"], body),
                         (200, "application/x-protobuf", b""))
        self.exporter.wait_metric("cos_errors_total", errors + 3, category="proxy",
                                  code="-96", name="ERROR_PROXY_AUTH_EXPIRED")

    def assert_refused(self, status, want, body, words):
        self.assertEqual(status, want, body)
        self.assertIn(words, otlp_support.status_message(body))

    def test_bad_payloads_are_400_and_count_nothing(self):
        before = self.counted()
        whole = otlp_support.protobuf_request([{"body": '{"code": -96}'}] * 3)
        for payload in (b"\xff\xff\xff\xff\x0fgarbage", whole[:-3], whole[: len(whole) // 2]):
            status, _, body = self.curl(payload)
            self.assert_refused(status, 400, body, "not a protobuf ExportLogsServiceRequest")
        status, headers, body = self.curl(b'{"resourceLogs": [', "application/json")
        self.assertEqual((status, headers["content-type"]), (400, "application/json"))
        self.assertIn("not JSON", json.loads(body)["message"])
        damaged = gzip.compress(whole)[:-10]
        status, _, body = self.curl(damaged, headers=["Content-Encoding: gzip"])
        self.assert_refused(status, 400, body, "damaged or cut short")
        self.assertEqual(self.counted(), before)

    def test_other_types_paths_and_methods(self):
        status, _, body = self.curl(b"{}", "text/plain")
        self.assert_refused(status, 415, body, "unsupported Content-Type")
        status, _, body = self.curl(b"", path="/v1/traces")
        self.assert_refused(status, 404, body, "/v1/logs")
        status, _, body = self.curl(b"", method="PUT")
        self.assert_refused(status, 405, body, "POST")

    def test_413_past_the_limit_sent_or_inflated_and_a_gzip_bomb_is_stopped(self):
        before = self.counted()
        status, _, body = self.curl(b"\0" * (1048576 + 1))
        self.assert_refused(status, 413, body, "max_body_bytes")
        pid = self.exporter.process.pid

        def peak_kib():
            with open(f"/proc/{pid}/status") as f:
                return int(next(line for line in f if line.startswith("VmHWM:")).split()[1])

        peak = peak_kib()
        bomb = gzip.compress(b"\0" * (512 << 20), compresslevel=9)  # 512 MiB in ~0.5 MiB
        self.assertLess(len(bomb), 1048576)
        status, _, body = self.curl(bomb, headers=["Content-Encoding: gzip"])
        self.assert_refused(status, 413, body, "inflated")
        # Inflating stops at the limit: the peak grows by a few MiB, not 512.
        self.assertLess(peak_kib() - peak, 32 * 1024)
        self.assertEqual(self.counted(), before)
        m = self.exporter.metrics()
        self.assertGreaterEqual(m.get(REQUESTS, input="otel", status="413"), 2)

    def test_503_with_retry_after_while_every_connection_is_in_use(self):
        held = []
        host, port = self.exporter.inputs["otel"].rsplit(":", 1)
        for _ in range(2):
            s = socket.create_connection((host, int(port)))
            s.sendall(b"POST /v1/logs HTTP/1.1\r\nHost: x\r\n")  # a head never finished
            held.append(s)
        try:
            payload = otlp_support.protobuf_request([{"body": '{"code": -96}'}])
            # The held connections are accepted in turn: wait until both are.
            deadline = 50
            while True:
                status, headers, body = self.curl(payload)
                if status == 503 or deadline == 0:
                    break
                deadline -= 1
            self.assert_refused(status, 503, body, "max_connections")
            self.assertEqual(headers.get("retry-after"), "1")
        finally:
            for s in held:
                s.close()

        # Once they are gone, the same request is taken.
        def taken():
            return self.curl(payload)[0] == 200
        self.exporter.wait_for(taken, 10, "a 200 once the held connections closed")


class OtlpReload(unittest.TestCase):
    def test_a_reload_keeps_the_listener_and_takes_new_settings(self):
        tmp = harness.temp_dir(self, "cos-e2e-otlp-reload-")
        exporter = harness.Exporter(otlp_support.config("      max_body_bytes: 65536\n"),
                                    workdir=tmp).start()
        self.addCleanup(exporter.stop)
        exporter.wait_for(lambda: "otel" in exporter.inputs, 10, "the otlp input")
        url = "http://%s/v1/logs" % exporter.inputs["otel"]
        big = otlp_support.protobuf_request([{"body": '{"code": -96, "pad": "%s"}'
                                              % ("x" * 4000)}])

        def post(body):
            request = urllib.request.Request(
                url, data=body, headers={"Content-Type": "application/x-protobuf"})
            try:
                with urllib.request.urlopen(request, timeout=10) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code

        self.assertEqual(post(big), 200)
        with open(exporter.config_path, "w") as f:
            f.write(otlp_support.config("      max_body_bytes: 1024\n"))
        status, _, body = exporter.get("/-/reload", method="POST")
        self.assertEqual(status, 200, body)
        # The same address (127.0.0.1:0 bound once), the new limit.
        self.assertEqual(post(big), 413)
        self.assertEqual(post(otlp_support.protobuf_request([{"body": '{"code": -96}'}])), 200)
        exporter.wait_metric(RECEIVED, 2, input="otel")


class OtlpKilled(unittest.TestCase):
    def test_sigkill_loses_at_most_the_last_snapshot_and_never_counts_twice(self):
        tmp = harness.temp_dir(self, "cos-e2e-otlp-kill-")
        config = otlp_support.config(extra="state_file: %s/state.json\n" % tmp)
        batch = otlp_support.protobuf_request([{"body": '{"code": -96}'}] * 100)

        def run():
            exporter = harness.Exporter(config, workdir=tmp).start()
            self.addCleanup(exporter.stop)
            exporter.wait_for(lambda: "otel" in exporter.inputs, 10, "the otlp input")
            return exporter, "http://%s/v1/logs" % exporter.inputs["otel"]

        def post(url, times):
            for _ in range(times):
                request = urllib.request.Request(
                    url, data=batch, headers={"Content-Type": "application/x-protobuf"})
                with urllib.request.urlopen(request, timeout=10) as r:
                    self.assertEqual(r.status, 200)  # a 200: these 100 are counted

        def received(exporter):
            return exporter.metrics().get(RECEIVED, input="otel") or 0

        first, url = run()
        post(url, 3)
        time.sleep(6)  # the state file is written at least every 5 s
        post(url, 2)
        self.assertEqual(received(first), 500)
        first.process.kill()
        first.stop()
        second, url = run()
        restored = received(second)
        self.assertGreaterEqual(restored, 300, "the last snapshot is restored")
        self.assertLessEqual(restored, 500, "nothing counted twice")
        post(url, 1)
        self.assertEqual(received(second), restored + 100)


if __name__ == "__main__":
    unittest.main()
