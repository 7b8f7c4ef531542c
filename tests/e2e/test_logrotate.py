"""File tailing under the real logrotate: create and copytruncate, dateext
(a dateformat with seconds, so that a test can rotate more than once),
compress and delaycompress, globs that match the rotated names and globs that
don't, a writer that keeps writing through rotation, and the exporter stopped
while files are rotated and compressed. Every test asserts that each line
written is counted exactly once and that no line is malformed (no compressed
byte is ever read as text).

copytruncate loses, by logrotate's own design, the lines written between its
copy and its truncation: those tests pause the writer while logrotate runs."""

import os
import shutil
import subprocess
import time
import unittest

import harness
from test_file_input import INPUT, Writer, config

LOGROTATE = shutil.which("logrotate") or "/usr/sbin/logrotate"


class LogrotateTest(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.temp_dir(self, "cos-e2e-logrotate-")
        self.log = os.path.join(self.tmp, "app.log")
        self.status = os.path.join(self.tmp, "logrotate.status")
        self.conf = os.path.join(self.tmp, "logrotate.conf")

    def exporter(self, glob, state_file=None):
        e = harness.Exporter(config(glob, state_file), workdir=self.tmp)
        e.start()
        self.addCleanup(e.stop)
        e.wait_for(lambda: "input following files" in e.log_text(), 10, "the file input")
        return e

    def logrotate_conf(self, *options):
        with open(self.conf, "w") as f:
            f.write("%s {\n    rotate 20\n    missingok\n    dateext\n"
                    "    dateformat -%%Y%%m%%d%%H%%M%%S\n%s}\n"
                    % (self.log, "".join("    %s\n" % o for o in options)))

    def rotate(self):
        """One forced logrotate run; dateext names carry seconds, so the next
        run waits for another second."""
        subprocess.run([LOGROTATE, "-f", "-s", self.status, self.conf], check=True,
                       capture_output=True, timeout=30)
        time.sleep(1.05)

    @staticmethod
    def counts(m):
        malformed = sum(v for labels, v in m.series("cos_error_exporter_events_malformed_total")
                        .items())
        return {
            "errors": m.get("cos_events_total", outcome="error") or 0,
            "received": m.get("cos_error_exporter_events_received_total", input=INPUT) or 0,
            "malformed": malformed,
        }

    def assert_counted(self, e, expected, settle=1.5):
        want = {"errors": expected, "received": expected, "malformed": 0}
        last = {}

        def done():
            last.update(self.counts(e.metrics()))
            return last == want

        try:
            e.wait_for(done, 30, "counts == %d" % expected)
        except AssertionError:
            self.fail("counts %s, want %s; files %s; log:\n%s"
                      % (last, want, sorted(os.listdir(self.tmp)), e.log_text()))
        time.sleep(settle)  # a late double count would show
        m = e.metrics()
        self.assertEqual(self.counts(m), want)
        return m

    def skipped(self, m, reason):
        return m.get("cos_error_exporter_file_skipped_total", input=INPUT, reason=reason) or 0

    def rotated_names(self, suffix=""):
        return sorted(n for n in os.listdir(self.tmp)
                      if n.startswith("app.log-") and n.endswith(suffix))

    # --------------------------------------------------------------- create

    def check_create(self, glob, *options, rotations=3):
        self.logrotate_conf("create", *options)
        e = self.exporter(glob)
        writer = Writer(self.log)
        writer.start()
        for _ in range(rotations):
            time.sleep(0.3)
            self.rotate()
            writer.reopen()  # what a postrotate script makes the application do
        time.sleep(0.3)
        total = writer.finish()
        return e, self.assert_counted(e, total)

    def test_create_glob_matches_rotated(self):
        e, m = self.check_create(self.log + "*")
        self.assertEqual(len(self.rotated_names()), 3)

    def test_create_compress_delaycompress_glob_matches_rotated(self):
        e, m = self.check_create(self.log + "*", "compress", "delaycompress")
        self.assertEqual(len(self.rotated_names(".gz")), 2)
        # Each compressed file is the content of one read to its end already.
        e.wait_for(lambda: self.skipped(e.metrics(), "compressed_already_read") == 2, 20,
                   "both .gz files recognised as read")
        self.assertEqual(self.counts(e.metrics())["malformed"], 0)

    def test_create_compress_glob_not_matching_rotated(self):
        self.check_create(os.path.join(self.tmp, "*.log"), "compress")

    # --------------------------------------------------------- copytruncate

    def check_copytruncate(self, glob, *options, caught_up=False):
        self.logrotate_conf("copytruncate", *options)
        e = self.exporter(glob)
        writer = Writer(self.log)
        writer.start()
        for _ in range(3):
            time.sleep(0.4)
            with writer.lock:  # lines written during the copy are lost: see above
                if caught_up:
                    e.wait_metric("cos_events_total", float(writer.written), timeout=15,
                                  outcome="error")
                self.rotate()
        time.sleep(0.3)
        total = writer.finish()
        return e, self.assert_counted(e, total)

    def test_copytruncate_compress_delaycompress_glob_matches_rotated(self):
        # Lines the exporter had not read when logrotate copied and truncated
        # the file are read from the copy, from where reading stopped.
        e, m = self.check_copytruncate(self.log + "*", "compress", "delaycompress")
        self.assertEqual(len(self.rotated_names(".gz")), 2)
        e.wait_for(lambda: self.skipped(e.metrics(), "compressed_already_read") == 2, 20,
                   "both .gz files recognised as read")

    def test_copytruncate_glob_not_matching_rotated(self):
        # The copies are not read: the writer waits until the exporter has
        # read everything before each rotation.
        e, m = self.check_copytruncate(self.log, "compress", caught_up=True)
        self.assertEqual(m.get("cos_error_exporter_file_truncations_total", path=self.log), 3)

    # ------------------------------------------- stopped while rotated

    def check_stopped_while_rotated(self, *options):
        self.logrotate_conf(*options)
        state = os.path.join(self.tmp, "positions.json")
        glob = self.log + "*"
        writer = Writer(self.log)
        writer.start()
        e1 = self.exporter(glob, state)
        time.sleep(0.5)
        with writer.lock:
            e1.wait_metric("cos_events_total", float(writer.written), timeout=15,
                           outcome="error")
            self.assertEqual(e1.stop()[0], 0)
        # Down: lines, rotations and compression the exporter does not see.
        for _ in range(2):
            time.sleep(0.3)
            with writer.lock:
                self.rotate()
                writer._reopen = True
        e2 = self.exporter(glob, state)
        time.sleep(0.5)
        total = writer.finish()
        self.assert_counted(e2, total)  # the counters carry across the restart with the positions

    def test_stopped_while_rotated_and_compressed_create(self):
        self.check_stopped_while_rotated("create", "compress")

    def test_stopped_while_rotated_and_compressed_copytruncate(self):
        self.check_stopped_while_rotated("copytruncate", "compress", "delaycompress")


if __name__ == "__main__":
    unittest.main(verbosity=2)
