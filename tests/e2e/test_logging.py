"""A storm of malformed input is logged at a bounded rate,
never one line per bad event, while every bad line is still counted."""

import os
import unittest

import harness

MALFORMED = "cos_error_exporter_events_malformed_total"
RECEIVED = "cos_error_exporter_events_received_total"
STORM = 10000


class MalformedStormTest(unittest.TestCase):
    def test_storm_is_logged_a_few_times_and_counted_in_full(self):
        tmp = harness.temp_dir(self, "cos-e2e-log-")
        first = os.path.join(tmp, "first.sock")
        second = os.path.join(tmp, "second.sock")
        config = ("inputs:\n  unixgram:\n    - {name: first, path: '%s'}\n"
                  "    - {name: second, path: '%s'}\n") % (first, second)
        with harness.Exporter(config, workdir=tmp) as exporter:
            exporter.wait_for(lambda: {"first", "second"} <= set(exporter.inputs), 10, "inputs")
            lines_before = len(exporter.lines)

            # A unix datagram socket never drops: the sender waits instead.
            # Half the storm one line per datagram, half in batches of 100.
            for i in range(STORM // 2):
                exporter.send_unix("code=garbage%d" % i, first)
            for start in range(STORM // 2, STORM, 100):
                batch = "\n".join("code=garbage%d" % i for i in range(start, start + 100))
                exporter.send_unix(batch, first)
            # Another input, another reason; and a few good events in between.
            exporter.send_unix("\n".join(['{"code":'] * 500 + ["-96"] * 3), second)

            m = exporter.wait_metric(RECEIVED, STORM, input="first")
            self.assertEqual(m.get(MALFORMED, input="first", reason="invalid_code"), STORM)
            m = exporter.wait_metric(RECEIVED, 503, input="second")
            self.assertEqual(m.get(MALFORMED, input="second", reason="invalid_json"), 500)
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-96",
                                   name="ERROR_PROXY_AUTH_EXPIRED"), 3)
            # Still serving.
            self.assertEqual(exporter.get("/-/healthy")[0], 200)

            log = exporter.lines[lines_before:]
            about = [harness.parse_logfmt(line) for line in log if "malformed" in line]
            first_lines = [f for f in about if f.get("input") == "first"]
            second_lines = [f for f in about if f.get("input") == "second"]
            # One line per input per 10 s; a slow run may see a second window.
            self.assertGreaterEqual(len(first_lines), 1, "\n".join(log))
            self.assertLessEqual(len(first_lines), 2, "\n".join(log))
            self.assertGreaterEqual(len(second_lines), 1, "\n".join(log))
            self.assertLessEqual(len(second_lines), 2, "\n".join(log))
            self.assertLessEqual(len(log), 10, "\n".join(log))

            # The line that gets through says what and where.
            line = first_lines[0]
            self.assertEqual(line["level"], "warn")
            self.assertEqual(line["reason"], "invalid_code")
            self.assertEqual(line["line"], "code=garbage0")
            self.assertEqual(line["similar_lines_not_logged"], "0")
            self.assertEqual(second_lines[0]["reason"], "invalid_json")
            self.assertEqual(second_lines[0]["line"], '{"code":')
            if len(first_lines) == 2:
                self.assertGreater(int(first_lines[1]["similar_lines_not_logged"]), 0)


if __name__ == "__main__":
    unittest.main()
