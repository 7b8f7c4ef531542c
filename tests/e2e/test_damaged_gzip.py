"""Damaged .gz files under the real daemon: one with a byte flipped, one cut
in half. Each is said once in the log (its path and zlib's words) and counted
in cos_error_exporter_file_skipped_total{reason}; what was read before the
damage is counted once."""

import gzip
import os
import time
import unittest

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
        said = [s for s in e.log_text().splitlines() if "compressed file is damaged" in s]
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


if __name__ == "__main__":
    unittest.main(verbosity=2)
