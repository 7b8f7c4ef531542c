"""The OpenTelemetry JavaScript SDK (npm: @opentelemetry/sdk-logs with the
OTLP/HTTP JSON and protobuf log exporters, versions pinned in
otel-client/package-lock.json) sends log records with trace context to the
exporter's otlp input. Every event counts exactly; records that hold none are
counted apart; resource attributes become extra labels through event_labels;
and the records' trace ids show as exemplars on a real Prometheus.

The SDK is installed by this test into the build tree (npm ci --prefix
$COS_BUILD_DIR/otel-client), from the checked-in lock file."""
# ctest-labels: slow

import filecmp
import json
import os
import shutil
import subprocess
import time
import unittest

import harness
import otlp_support

JOB = "cos_error_exporter"
CLIENT_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "otel-client")
CONFIG = otlp_support.config(extra="exemplar_fields: [trace_id, span_id]\n"
                                   "event_labels:\n"
                                   "  - name: service\n"
                                   "    field: service.name\n"
                                   "    max_values: 10\n")


def install_client():
    """The SDK in <build>/otel-client, installed once per lock file."""
    build = os.environ.get("COS_BUILD_DIR") or os.path.join(harness.SOURCE_DIR, "build")
    target = os.path.join(build, "otel-client")
    os.makedirs(target, exist_ok=True)
    fresh = all(os.path.exists(os.path.join(target, name)) and
                filecmp.cmp(os.path.join(CLIENT_SOURCE, name), os.path.join(target, name),
                            shallow=False)
                for name in ("package.json", "package-lock.json", "send.js"))
    if not fresh or not os.path.isdir(os.path.join(target, "node_modules")):
        for name in ("package.json", "package-lock.json", "send.js"):
            shutil.copy(os.path.join(CLIENT_SOURCE, name), target)
        subprocess.run(["npm", "ci", "--prefix", target, "--no-audit", "--no-fund",
                        "--ignore-scripts"], check=True, timeout=600,
                       stdout=subprocess.DEVNULL)
    return target


class OtelSdkToPrometheus(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which("node") is None or shutil.which("npm") is None:
            raise unittest.SkipTest("node and npm are missing: install scripts/test-packages.txt")
        if shutil.which("prometheus") is None:
            raise unittest.SkipTest("prometheus is missing: install scripts/test-packages.txt")
        cls.client = install_client()

    def setUp(self):
        tmp = harness.temp_dir(self, "cos-e2e-otel-")
        self.tmp = tmp
        self.exporter = harness.Exporter(CONFIG, workdir=tmp).start()
        self.addCleanup(self.exporter.stop)
        self.exporter.wait_for(lambda: "otel" in self.exporter.inputs, 10, "the otlp input")
        self.url = "http://%s/v1/logs" % self.exporter.inputs["otel"]

    def send(self, encoding, service, records):
        path = os.path.join(self.tmp, "records-%s.json" % encoding)
        with open(path, "w") as f:
            json.dump({"resource": {"service.name": service}, "records": records}, f)
        done = subprocess.run(["node", os.path.join(self.client, "send.js"), self.url, encoding,
                               path], capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr + self.exporter.log_text())
        self.assertEqual(json.loads(done.stdout.splitlines()[-1])["code"], 0)

    def test_sdk_records_count_exactly_and_their_trace_ids_are_exemplars(self):
        prometheus = harness.Prometheus(self.tmp, self.exporter.http_address, JOB, [],
                                        args=["--enable-feature=exemplar-storage"])
        self.addCleanup(prometheus.stop)
        trace = {"json": ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
                 "proto": ("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331")}
        for encoding, service in (("json", "checkout"), ("proto", "payments")):
            trace_id, span_id = trace[encoding]
            self.send(encoding, service, [
                # A string body holding an event line, with trace context.
                {"body": '{"code": -4016, "message": "ErrNotSameSHA"}',
                 "traceId": trace_id, "spanId": span_id},
                # A map body with code and count.
                {"body": {"code": -96, "count": 3, "message": "expired"}},
                # The code in attributes, the body its message.
                {"body": "proxy auth expired", "attributes": {"cos.error.code": -96}},
                # No event: counted apart, reported in partial_success.
                {"body": "GET /healthz 200"},
            ])
        m = self.exporter.wait_metric("cos_errors_total", 1, category="file_plugin",
                                      code="-4016", name="ErrNotSameSHA", service="payments")
        self.assertEqual(m.get("cos_errors_total", category="file_plugin", code="-4016",
                               name="ErrNotSameSHA", service="checkout"), 1)
        for service in ("checkout", "payments"):
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-96",
                                   name="ERROR_PROXY_AUTH_EXPIRED", service=service), 4)
        self.assertEqual(m.get("cos_error_exporter_events_received_total", input="otel"), 6)
        self.assertEqual(m.get("cos_error_exporter_lines_without_event_total", input="otel",
                               reason="no_event"), 2)
        self.assertEqual(m.get("cos_error_exporter_otlp_requests_total", input="otel",
                               status="200"), 2)

        prometheus.wait_ready()
        for encoding, service in (("json", "checkout"), ("proto", "payments")):
            trace_id, span_id = trace[encoding]
            query = 'cos_errors_total{code="-4016",service="%s"}' % service
            want = {"trace_id": trace_id, "span_id": span_id}
            deadline = time.monotonic() + 60
            got = None
            while time.monotonic() < deadline:
                now = time.time()
                data = prometheus.api("query_exemplars", query=query, start=now - 600,
                                      end=now + 60)
                got = [e["labels"] for s in data for e in s["exemplars"]]
                if want in got:
                    break
                time.sleep(0.25)
            self.assertIn(want, got, prometheus.log_text())


if __name__ == "__main__":
    unittest.main()
