"""Damaged .gz files under the real daemon: one with a byte flipped, one cut
in half. Each is said once in the log (its path and zlib's words) and counted
in cos_error_exporter_file_skipped_total{reason}; what was read before the
damage is counted once."""

import gzip
import os
import time
import unittest
import zlib

import harness
from test_file_input import INPUT, config


def lines(n, tag):
    return b"".join(b'{"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","id":"%s%d"}\n' % (tag, i)
                    for i in range(n))


class DamagedGzipTest(unittest.TestCase):
    def test_flipped_byte_and_cut_file_are_said_and_counted(self):
        tmp = harness.temp_dir(self, "cos-e2e-gzip-")
        cut = gzip.compress(lines(100, b"c"))
        with open(os.path.join(tmp, "app.log.1.gz"), "wb") as f:
            f.write(cut[:len(cut) // 2])
        flipped = bytearray(gzip.compress(lines(3000, b"f")))
        flipped[len(flipped) // 2] ^= 0x5A
        with open(os.path.join(tmp, "app.log.2.gz"), "wb") as f:
            f.write(bytes(flipped))
        e = harness.Exporter(config(os.path.join(tmp, "app.log*")), workdir=tmp)
        e.start()
        self.addCleanup(e.stop)

        def skipped(m, reason):
            return m.get("cos_error_exporter_file_skipped_total", input=INPUT,
                         reason=reason) or 0

        # A cut file is told from one still being written when it stops growing (5 s).
        e.wait_for(lambda: skipped(e.metrics(), "truncated_gzip") == 1
                   and skipped(e.metrics(), "damaged_gzip") == 1, 30, "both files counted")

        def said_lines():
            return [s for s in e.log_text().splitlines() if "compressed file is damaged" in s]
        # The log is read from the daemon's stderr by a thread: it may lag the metrics.
        e.wait_for(lambda: len(said_lines()) >= 2, 10, "both files said")
        said = said_lines()
        self.assertEqual(len(said), 2, said)
        for name, reason in (("app.log.1.gz", "truncated_gzip"), ("app.log.2.gz", "damaged_gzip")):
            line = [s for s in said if name in s]
            self.assertEqual(len(line), 1)
            fields = harness.parse_logfmt(line[0])
            self.assertEqual(fields["reason"], reason)
            self.assertTrue(fields["error"], line[0])
        counted = e.metrics().get("cos_error_exporter_events_received_total", input=INPUT)
        self.assertGreater(counted, 0)
        self.assertLess(counted, 3100)
        time.sleep(2.5)  # a poll or two: nothing is read again
        m = e.metrics()
        self.assertEqual(m.get("cos_error_exporter_events_received_total", input=INPUT), counted)
        self.assertEqual(skipped(m, "truncated_gzip") + skipped(m, "damaged_gzip"), 2)

    def test_damaged_file_is_not_read_again_after_a_restart(self):
        tmp = harness.temp_dir(self, "cos-e2e-gzip-restart-")
        state = os.path.join(tmp, "positions.json")
        flipped = bytearray(gzip.compress(lines(30000, b"f")))
        flipped[len(flipped) // 2] ^= 0x5A
        with open(os.path.join(tmp, "app.log.1.gz"), "wb") as f:
            f.write(bytes(flipped))
        with open(os.path.join(tmp, "app.log"), "wb") as f:
            f.write(lines(5, b"live"))
        # What zlib inflates before the damage: every complete line of it counts.
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        before = b""
        for i in range(len(flipped)):  # a byte at a time: an error drops that call's output
            try:
                before += inflater.decompress(bytes(flipped[i:i + 1]))
            except zlib.error:
                break
        expected = before.count(b"\n")
        gz_path = os.path.join(tmp, "app.log.1.gz")

        def gz_lines(m):
            return m.get("cos_error_exporter_file_lines_total", path=gz_path) or 0

        def received(m):
            return m.get("cos_error_exporter_events_received_total", input=INPUT) or 0

        def skipped(m):
            return m.get("cos_error_exporter_file_skipped_total", input=INPUT,
                         reason="damaged_gzip") or 0

        first = harness.Exporter(config(os.path.join(tmp, "app.log*"), state), workdir=tmp)
        first.start()
        first.wait_for(lambda: skipped(first.metrics()) == 1, 30, "the damage counted")
        first.wait_for(lambda: gz_lines(first.metrics()) == expected, 10,
                       "every line before the damage counted")
        self.assertGreater(expected, 0)
        live = os.path.join(tmp, "app.log")
        first.wait_for(lambda: first.metrics().get("cos_error_exporter_file_lines_total",
                                                   path=live) == 5, 10, "the live file read")
        counted = received(first.metrics())
        first.stop()
        with open(state) as f:
            self.assertIn('"settled_size":%d' % len(flipped), f.read())

        for run in range(2):  # the second restart finds it kept by the first
            e = harness.Exporter(config(os.path.join(tmp, "app.log*"), state), workdir=tmp)
            e.start()
            with open(os.path.join(tmp, "app.log"), "ab") as f:
                f.write(lines(3, b"after%d" % run))
            counted += 3  # the counters are kept in the state file too
            e.wait_for(lambda: received(e.metrics()) == counted, 10, "the live file read on")
            time.sleep(2.5)  # a poll or two: the damaged file is not read again
            m = e.metrics()
            self.assertEqual(received(m), counted)
            # Not counted again. The skip shows its restored count; the .gz
            # file's lines series is not made by a run that never reads it (its
            # value waits in the state file), hence "at most".
            self.assertLessEqual(gz_lines(m), expected)
            self.assertEqual(skipped(m), 1)
            self.assertNotIn("compressed file is damaged", e.log_text())
            e.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
