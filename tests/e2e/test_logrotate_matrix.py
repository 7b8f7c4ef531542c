"""Every logrotate set-up at once, under the real logrotate: {create,
copytruncate} x {compress, delaycompress, neither} x {a live-only glob, a
`*.log*` glob that matches the rotated names} x {the writer paused while
logrotate runs, the writer appending throughout} x {lines that differ, lines
that are all the same}. Each of the 48 combinations has its own directory,
writer and file input; one exporter follows all of them, and one logrotate
configuration rotates all of them, four times, with numbered names (app.log.1,
app.log.2.gz, ...: every rotation renames every older file), some rotations
less than a second apart, one after the exporter let the rotated files go.
All of it twice: on the host as it is, and with every CPU kept busy and the
exporter under `nice`, where logrotate's steps land between its looks.

Counted exactly: every line written, once, in every combination but one.
copytruncate with a writer that goes on appending loses, by logrotate's own
design, the lines written between its copy and its truncation: they are in
neither file. There the count lies between the lines left on disk (all files,
decompressed) and the lines written; the test prints the loss it measured.
With copytruncate and a live-only glob the copies are not read, so a paused
writer also waits until the exporter has read everything before each
rotation (the README says so); an appending writer can lose, besides, what
the exporter had not read when logrotate started (measured at each rotation:
its count then against the lines written by the end of logrotate's run)."""

import gzip
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

import harness

LOGROTATE = shutil.which("logrotate") or "/usr/sbin/logrotate"
CODE, NAME = -96, "ERROR_PROXY_AUTH_EXPIRED"
ROTATIONS = 4
# The exporter reads a rotated file until it has been idle this long (its
# default drain grace), then lets it go: rotations after that meet files that
# were settled (a .gz recognised as read) rather than still being read.
DRAIN_GRACE = 5


class Writer(threading.Thread):
    """Appends JSON events with O_APPEND, a few per burst; `lock` pauses it,
    reopen() makes it open its path again (what a postrotate script asks)."""

    def __init__(self, path, same_lines):
        super().__init__(daemon=True)
        self.path = path
        self.same_lines = same_lines
        self.lock = threading.Lock()
        self.written = 0
        self._reopen = False
        self._done = threading.Event()
        self.fd = self._open()

    def _open(self):
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def line(self):
        if self.same_lines:
            return ('{"code":%d,"message":"%s"}\n' % (CODE, NAME)).encode()
        return ('{"code":%d,"message":"%s","seq":%d}\n' % (CODE, NAME, self.written)).encode()

    def run(self):
        while not self._done.is_set():
            with self.lock:
                if self._reopen:
                    os.close(self.fd)
                    self.fd = self._open()
                    self._reopen = False
                for _ in range(3):
                    os.write(self.fd, self.line())
                    self.written += 1
            time.sleep(0.02)

    def reopen(self):
        with self.lock:
            self._reopen = True

    def finish(self):
        self._done.set()
        self.join()
        os.close(self.fd)
        return self.written


class Case:
    def __init__(self, root, index, mode, compression, glob, writer, lines):
        self.mode, self.compression, self.glob_kind = mode, compression, glob
        self.appending = writer == "appending"
        self.same_lines = lines == "same"
        self.name = "%s_%s_%s_%s_%s" % (mode, compression, glob, writer, lines)
        self.input = "m%02d" % index
        self.dir = os.path.join(root, self.name)
        os.mkdir(self.dir, 0o755)
        self.log = os.path.join(self.dir, "app.log")
        self.glob = self.log if glob == "live" else os.path.join(self.dir, "*.log*")
        self.writer = Writer(self.log, self.same_lines)
        self.unread_at_rotations = 0

    def stanza(self):
        options = [self.mode, "rotate 10", "missingok"]
        options += {"compress": ["compress"], "delaycompress": ["compress", "delaycompress"],
                    "neither": []}[self.compression]
        return "%s {\n%s}\n" % (self.log, "".join("    %s\n" % o for o in options))

    def input_config(self):
        return ("    - name: %s\n      path: %s\n      format: json\n"
                "      start_at: beginning\n" % (self.input, json.dumps(self.glob)))

    def lines_on_disk(self):
        total = 0
        for name in os.listdir(self.dir):
            path = os.path.join(self.dir, name)
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                total += f.read().count(b"\n")
        return total

    @property
    def window_loses(self):
        return self.mode == "copytruncate" and self.appending

    @property
    def copies_unread(self):
        return self.mode == "copytruncate" and self.glob_kind == "live"

    @property
    def waits_before_rotation(self):
        # The copy is not matched: lines not read before the truncation are gone.
        return self.mode == "copytruncate" and self.glob_kind == "live" and not self.appending


def combinations():
    return list(itertools.product(("create", "copytruncate"),
                                  ("compress", "delaycompress", "neither"),
                                  ("live", "all"), ("paused", "appending"),
                                  ("differ", "same")))


class Saturated:
    """Every CPU busy for as long as it lasts: BUSY_LOOPS processes spinning, and
    the exporter under `nice`, so that logrotate's copy, truncation, gzip and
    renames fall between two of the exporter's looks."""
    BUSY_LOOPS = 4
    WRAPPER = ("nice", "-n", "5")

    def __enter__(self):
        self.loops = [subprocess.Popen(["sh", "-c", "while :; do :; done"])
                      for _ in range(self.BUSY_LOOPS)]
        return self

    def __exit__(self, *exc):
        for loop in self.loops:
            loop.kill()
            loop.wait()


class LogrotateMatrixTest(unittest.TestCase):
    def test_every_combination_counts_each_line_once(self):
        self.run_matrix(wrapper=())

    def test_every_combination_counts_each_line_once_on_a_saturated_host(self):
        with Saturated():
            self.run_matrix(wrapper=Saturated.WRAPPER)

    def run_matrix(self, wrapper):
        root = harness.temp_dir(self, "cos-e2e-matrix-")
        os.chmod(root, 0o755)
        cases = [Case(root, i, *c) for i, c in enumerate(combinations())]
        conf = os.path.join(root, "logrotate.conf")
        with open(conf, "w") as f:
            f.write("".join(c.stanza() for c in cases))
        config = "inputs:\n  files:\n%s" % "".join(c.input_config() for c in cases)
        e = harness.Exporter(config, workdir=root, wrapper=wrapper)
        e.start()
        self.addCleanup(e.stop)
        e.wait_for(lambda: e.log_text().count("input following files") == len(cases), 20,
                   "the file inputs")
        for c in cases:
            c.writer.start()

        for rotation in range(ROTATIONS):
            # Two rotations in quick succession, then one after the drain grace.
            time.sleep(0.6 if rotation != 2 else DRAIN_GRACE + 1)
            paused = [c for c in cases if not c.appending]
            for c in paused:
                c.writer.lock.acquire()
            try:
                waiting = [c for c in paused if c.waits_before_rotation]
                e.wait_for(lambda: all(self.received(e.metrics(), c) == c.writer.written
                                       for c in waiting) if waiting else True,
                           30, "the live-only copytruncate inputs caught up")
                m = e.metrics()
                counted_before = {c.name: self.received(m, c) for c in cases
                                  if c.window_loses and c.copies_unread}
                subprocess.run([LOGROTATE, "-f", "-s", os.path.join(root, "status"), conf],
                               check=True, capture_output=True, timeout=60)
                for c in cases:
                    if c.name in counted_before:
                        c.unread_at_rotations += c.writer.written - counted_before[c.name]
                for c in paused:
                    if c.mode == "create":
                        c.writer._reopen = True  # its lock is held: set directly
            finally:
                for c in paused:
                    c.writer.lock.release()
            for c in cases:
                if c.mode == "create" and c.appending:
                    c.writer.reopen()  # the application is told after logrotate ran
        time.sleep(0.3)
        for c in cases:
            c.writer.finish()

        bounds = {}
        for c in cases:
            written = c.writer.written
            lowest = written
            if c.window_loses:
                lowest = (written - c.unread_at_rotations if c.copies_unread
                          else c.lines_on_disk())
            bounds[c.input] = (lowest, written)
        last = {}

        def exact():
            m = e.metrics()
            for c in cases:
                last[c.name] = (self.received(m, c), self.malformed(m, c))
            return all(bounds[c.input][0] <= last[c.name][0] <= bounds[c.input][1]
                       and last[c.name][1] == 0 for c in cases)

        try:
            e.wait_for(exact, 60, "every combination counted")
        except AssertionError:
            pass
        time.sleep(2)  # a late double count would show
        settled = dict(last)
        exact()
        wrong = ["%s: counted %s (malformed %s), want %s..%s; files %s" % (
            c.name, last[c.name][0], last[c.name][1], bounds[c.input][0], bounds[c.input][1],
            sorted(os.listdir(c.dir)))
            for c in cases
            if not (bounds[c.input][0] <= last[c.name][0] <= bounds[c.input][1]
                    and last[c.name][1] == 0 and settled.get(c.name) == last[c.name])]
        for c in cases:
            if c.window_loses:
                print("%s: %d written, %d at least, %d counted (copytruncate window lost %d)"
                      % (c.name, c.writer.written, bounds[c.input][0], last[c.name][0],
                         c.writer.written - last[c.name][0]), file=sys.stderr)
        if wrong:
            logs = "\n".join(s for s in e.log_text().splitlines()
                             if any(c.dir + "/" in s for c in cases
                                    if any(w.startswith(c.name + ":") for w in wrong)))
            self.fail("%d of %d combinations wrong:\n%s\nlog:\n%s"
                      % (len(wrong), len(cases), "\n".join(wrong), logs))

    @staticmethod
    def received(m, c):
        return m.get("cos_error_exporter_events_received_total", input=c.input) or 0

    @staticmethod
    def malformed(m, c):
        return sum(v for labels, v in m.series("cos_error_exporter_events_malformed_total")
                   .items() if ("input", c.input) in labels)


if __name__ == "__main__":
    unittest.main(verbosity=2)
