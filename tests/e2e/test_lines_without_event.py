"""A tailed application log is mostly not events: its INFO lines, blank lines
and JSON lines without a `code` are counted apart in
cos_error_exporter_lines_without_event_total, not as malformed, and so never
trip CosErrorExporterMalformedLines; a line that looks like an event and is
broken still is malformed. Exact counts, through the real binary."""

import os
import unittest

import harness

RECEIVED = "cos_error_exporter_events_received_total"
MALFORMED = "cos_error_exporter_events_malformed_total"
WITHOUT = "cos_error_exporter_lines_without_event_total"
PROXY_96 = {"category": "proxy", "code": "-96", "name": "ERROR_PROXY_AUTH_EXPIRED"}


def by_reason(m, metric, input_name):
    return {dict(labels)["reason"]: v for labels, v in m.series(metric).items()
            if ("input", input_name) in labels and v}


class LinesWithoutEventTest(unittest.TestCase):
    def test_an_application_log_counts_its_events_and_nothing_malformed(self):
        tmp = harness.temp_dir(self, "cos-e2e-noevent-")
        app = os.path.join(tmp, "app.log")
        structured = os.path.join(tmp, "structured.log")
        # 100 rounds of: 4 INFO lines of the usual kinds, a blank line, and one event.
        info = [
            "2026-12-03 10:00:01,123 INFO  [main] com.example.App:42 - upload of /d/a.jpg done",
            "2026-12-03 10:00:01,124 INFO  [main] settings: timeout=30 retries=\"3\" mode=fast",
            "----------------------------------------------------------------",
            '2026-12-03 10:00:01,125 DEBUG response {"status":"ok","size":12}',
        ]
        with open(app, "w") as f:
            for i in range(100):
                f.write("\n".join(info) + "\n   \n")
                f.write('{"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED"}\n')
            # Broken events stay malformed: a code that is no integer, an object cut short.
            f.write('{"code":"abc"}\n{"code":-96,"message":"cut sh\nlevel=error code=x9\n')
        # A structured (JSON) log read with format: json: lines without a code are
        # no events; a line that is not JSON at all is malformed there.
        with open(structured, "w") as f:
            for i in range(50):
                f.write('{"level":"info","msg":"tick %d"}\n' % i)
                f.write('{"level":"error","code":-96,"nested":{"code":-97}}\n')
            f.write("\nnot json\n")
        config = f"""
inputs:
  files:
    - {{name: app, path: '{app}', start_at: beginning}}
    - {{name: structured, path: '{structured}', start_at: beginning, format: json}}
"""
        with harness.Exporter(config, workdir=tmp) as exporter:
            exporter.wait_metric(WITHOUT, 400, input="app", reason="no_event")
            m = exporter.wait_metric(WITHOUT, 50, input="structured", reason="no_event")
            m = exporter.wait_metric(RECEIVED, 51, input="structured")
            self.assertEqual(m.get(WITHOUT, input="app", reason="blank"), 100)
            self.assertEqual(m.get(RECEIVED, input="app"), 100 + 3)
            self.assertEqual(by_reason(m, MALFORMED, "app"),
                             {"invalid_code": 2, "invalid_json": 1})
            self.assertEqual(m.get(WITHOUT, input="structured", reason="blank"), 1)
            self.assertEqual(by_reason(m, MALFORMED, "structured"), {"invalid_json": 1})
            # Only the top-level -96 of each structured line; never the nested -97.
            self.assertEqual(m.get("cos_errors_total", **PROXY_96), 100 + 50)
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-97",
                                   name="ERROR_PROXY_AUTH_FAILED"), 0)
            # The alert's share: malformed over received event lines, 3 % here,
            # where counting the INFO lines as malformed made it 80 %.
            share = sum(by_reason(m, MALFORMED, "app").values()) / m.get(RECEIVED, input="app")
            self.assertLess(share, 0.05)
            # Lines without an event are not logged as malformed.
            warnings = [line for line in exporter.lines if "malformed" in line]
            self.assertTrue(all("input=app" in w or "input=structured" in w for w in warnings))
            self.assertFalse(any("INFO" in w or "tick" in w for w in warnings), warnings)


if __name__ == "__main__":
    unittest.main()
