"""The real daemon tails files while a writer appends, through rotation by
rename, copytruncate, delete-and-recreate and a restart mid-stream. Every test
asserts that the counts in /metrics equal the lines written: nothing lost,
nothing counted twice."""

import os
import shutil
import tempfile
import threading
import time
import unittest
import json

import harness

CODE, NAME = -96, "ERROR_PROXY_AUTH_EXPIRED"
INPUT = "applog"


def config(glob, state_file=None, start_at="beginning"):
    text = """
inputs:
  files:
    - name: {name}
      path: {glob}
      format: json
      start_at: {start_at}
""".format(name=INPUT, glob=json.dumps(glob), start_at=start_at)
    if state_file:
        text += "state_file: %s\n" % json.dumps(state_file)
    return text


class Writer(threading.Thread):
    """Appends one JSON event per line, in bursts, to `path` (O_APPEND, one
    write per line; with split=True some lines are written in two halves, so
    partial lines are seen). reopen() makes it open the path again, as an
    application does after logrotate signals it; `lock` pauses it."""

    def __init__(self, path, burst=20, pause=0.005, split=False):
        super().__init__(daemon=True)
        self.path = path
        self.burst = burst
        self.pause = pause
        self.split = split
        self.lock = threading.Lock()
        self.written = 0
        self._reopen = False
        self._done = threading.Event()
        self.fd = self._open()

    def _open(self):
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def run(self):
        while not self._done.is_set():
            with self.lock:
                if self._reopen:
                    os.close(self.fd)
                    self.fd = self._open()
                    self._reopen = False
                for _ in range(self.burst):
                    line = ('{"code":%d,"message":"%s","seq":%d}\n'
                            % (CODE, NAME, self.written)).encode()
                    if self.split and self.written % 7 == 3:
                        cut = len(line) // 2
                        os.write(self.fd, line[:cut])
                        time.sleep(0.002)
                        os.write(self.fd, line[cut:])
                    else:
                        os.write(self.fd, line)
                    self.written += 1
            time.sleep(self.pause)

    def reopen(self):
        with self.lock:
            self._reopen = True

    def finish(self):
        self._done.set()
        self.join()
        os.close(self.fd)
        return self.written


class FileInputTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cos-e2e-file-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.log = os.path.join(self.tmp, "app.log")

    def exporter(self, glob=None, state_file=None, start_at="beginning"):
        e = harness.Exporter(config(glob or self.log, state_file, start_at), workdir=self.tmp)
        e.start()
        self.addCleanup(e.stop)
        e.wait_for(lambda: "input following files" in e.log_text(), 10, "the file input")
        return e

    @staticmethod
    def counts(m):
        lines = sum(v for labels, v in m.series("cos_error_exporter_file_lines_total").items())
        return {
            "errors": m.get("cos_errors_total", category="proxy", code=str(CODE), name=NAME),
            "events": m.get("cos_events_total", outcome="error"),
            "received": m.get("cos_error_exporter_events_received_total", input=INPUT),
            "file_lines": lines,
        }

    def assert_counted(self, exporter, expected, settle=1.5):
        """Waits until every count equals `expected`, then waits a poll period
        more and checks again (a late double count would show)."""
        want = {k: float(expected) for k in ("errors", "events", "received", "file_lines")}
        last = {}

        def done():
            last.update(self.counts(exporter.metrics()))
            return last == want

        try:
            exporter.wait_for(done, 15, "counts == %d" % expected)
        except AssertionError:
            self.fail("counts %s, want %d each; log:\n%s" % (last, expected, exporter.log_text()))
        time.sleep(settle)
        m = exporter.metrics()
        self.assertEqual(self.counts(m), want)
        self.assertEqual(m.get("cos_error_exporter_events_malformed_total", input=INPUT,
                               reason="invalid_json"), 0)
        return m

    def wait_caught_up(self, exporter, writer):
        """With the writer paused: until everything written has been counted."""
        exporter.wait_metric("cos_events_total", float(writer.written), timeout=15,
                             outcome="error")

    # ------------------------------------------------------------------ tests

    def check_rename_rotation(self, glob):
        e = self.exporter(glob)
        writer = Writer(self.log)
        writer.start()
        e.wait_for(lambda: (self.counts(e.metrics())["events"] or 0) > 0, 10, "first lines")
        for _ in range(3):
            time.sleep(0.3)
            # logrotate's shift: app.log.1 -> app.log.2, app.log -> app.log.1
            if os.path.exists(self.log + ".1"):
                os.rename(self.log + ".1", self.log + ".2")
            os.rename(self.log, self.log + ".1")
            time.sleep(0.1)  # the application still writes to the renamed file...
            writer.reopen()  # ...until it reopens its log
        time.sleep(0.3)
        total = writer.finish()
        m = self.assert_counted(e, total)
        self.assertEqual(m.get("cos_error_exporter_file_rotations_total", path=self.log), 3)
        return m

    def test_rotation_by_rename(self):
        self.check_rename_rotation(self.log)

    def test_rotation_by_rename_with_rotated_names_matched(self):
        # The glob also finds app.log.1 and app.log.2: a rotated file goes on
        # being read under its new name, from where it was, never from 0.
        m = self.check_rename_rotation(self.log + "*")
        self.assertIsNotNone(m.get("cos_error_exporter_file_lines_total", path=self.log + ".1"))

    def test_copytruncate(self):
        e = self.exporter()
        writer = Writer(self.log)
        writer.start()
        for _ in range(2):
            time.sleep(0.4)
            # logrotate copytruncate. Lines written between the copy and the
            # truncation, or not yet read when it happens, exist only in the
            # copy (which this glob does not match): that loss is inherent to
            # copytruncate, so the writer waits and the reader catches up first.
            with writer.lock:
                self.wait_caught_up(e, writer)
                shutil.copyfile(self.log, self.log + ".1")
                os.truncate(self.log, 0)
        time.sleep(0.4)
        total = writer.finish()
        m = self.assert_counted(e, total)
        self.assertEqual(m.get("cos_error_exporter_file_truncations_total", path=self.log), 2)
        self.assertEqual(m.get("cos_error_exporter_file_rotations_total", path=self.log), 0)

    def test_delete_and_recreate(self):
        e = self.exporter()
        writer = Writer(self.log)
        writer.start()
        time.sleep(0.4)
        # Deleted while written: the open file is read to its end, then the new one.
        os.unlink(self.log)
        time.sleep(0.1)
        writer.reopen()
        time.sleep(0.4)
        # Deleted and gone for a while (longer than the poll period), then back.
        with writer.lock:
            os.unlink(self.log)
            time.sleep(1.5)
            writer._reopen = True
        time.sleep(0.4)
        total = writer.finish()
        m = self.assert_counted(e, total)
        self.assertEqual(m.get("cos_error_exporter_file_rotations_total", path=self.log), 2)

    def test_directory_created_later(self):
        log = os.path.join(self.tmp, "later", "app.log")
        e = self.exporter(glob=os.path.join(self.tmp, "later", "*.log"), start_at="end")
        time.sleep(0.3)
        os.mkdir(os.path.join(self.tmp, "later"))
        writer = Writer(log)
        writer.start()
        time.sleep(0.5)
        total = writer.finish()
        self.assert_counted(e, total, settle=0.5)

    def test_files_followed_per_input(self):
        later = os.path.join(self.tmp, "later")
        e = self.exporter(glob=os.path.join(later, "*.log"), start_at="end")
        # Nothing matches yet: the input follows no file, and says so.
        e.wait_metric("cos_error_exporter_file_input_files", 0, input=INPUT)
        os.mkdir(later)
        # A file is read once it has its first line (it is known by it).
        open(os.path.join(later, "empty.log"), "w").close()
        for name in ("a.log", "b.log", "c.txt"):
            with open(os.path.join(later, name), "w") as f:
                f.write('{"code":%d,"file":"%s"}\n' % (CODE, name))
        e.wait_metric("cos_error_exporter_file_input_files", 2, input=INPUT, timeout=15)
        os.unlink(os.path.join(later, "a.log"))
        e.wait_metric("cos_error_exporter_file_input_files", 1, input=INPUT, timeout=15)

    def saved_offset(self, state):
        with open(state) as f:
            saved = json.load(f)["sections"]["positions"][INPUT]
        self.assertEqual(len(saved), 1)
        self.assertEqual(saved[0]["path"], self.log)
        return saved[0]["offset"]

    def file_lines(self, upto=None):
        with open(self.log, "rb") as f:
            data = f.read()
        if upto is not None:
            self.assertEqual(data[upto - 1:upto], b"\n", "saved offset is not after a line")
            data = data[:upto]
        return data.count(b"\n")

    def test_restart_mid_stream(self):
        state = os.path.join(self.tmp, "state", "positions.json")
        with open(self.log, "w") as f:  # there before the first start: skipped (start_at: end)
            f.write('{"code":%d}\n' % CODE * 10)
        initial = 10
        writer = Writer(self.log, split=True)  # some lines arrive in two halves
        e1 = self.exporter(state_file=state, start_at="end")
        writer.start()
        time.sleep(0.5)

        # 1. SIGTERM once everything written so far is counted: the saved
        #    position is exactly there.
        with writer.lock:
            self.wait_caught_up(e1, writer)
            first_run = writer.written
            code, seconds = e1.stop()
            self.assertEqual(code, 0)
            self.assertLess(seconds, 5)
            self.assertEqual(self.file_lines(self.saved_offset(state)), initial + first_run)
        time.sleep(0.3)  # appended while the exporter is down

        # 2. SIGTERM while the writer writes (partial lines included): the next
        #    run starts exactly after the last line this one counted.
        e2 = self.exporter(state_file=state, start_at="end")
        time.sleep(0.5)
        seen = self.counts(e2.metrics())["events"]
        code, seconds = e2.stop()
        self.assertEqual(code, 0)
        self.assertLess(seconds, 5)
        second_stop = self.file_lines(self.saved_offset(state))
        self.assertGreaterEqual(second_stop - initial, seen)  # seen: both runs, carried across
        time.sleep(0.3)

        e3 = self.exporter(state_file=state, start_at="end")
        time.sleep(0.5)
        total = writer.finish()
        self.assertEqual(self.file_lines(), initial + total)
        # The counters carry across restarts with the positions: every line once.
        self.assert_counted(e3, total, settle=0.5)

    def test_rotated_while_down(self):
        state = os.path.join(self.tmp, "positions.json")
        glob = self.log + "*"
        writer = Writer(self.log)
        writer.start()
        e1 = self.exporter(glob=glob, state_file=state)
        time.sleep(0.5)
        with writer.lock:
            self.wait_caught_up(e1, writer)
            e1.stop()
        time.sleep(0.2)  # more lines while the exporter is down, then logrotate
        with writer.lock:
            os.rename(self.log, self.log + ".1")
            writer._reopen = True
        time.sleep(0.2)
        e2 = self.exporter(glob=glob, state_file=state)
        time.sleep(0.3)
        total = writer.finish()
        # The rotated file is finished from the saved offset; the new one is read whole.
        m = self.assert_counted(e2, total, settle=0.5)  # counters carry across the restart
        self.assertGreater(m.get("cos_error_exporter_file_lines_total", path=self.log + ".1"), 0)

    def test_state_file_that_is_a_directory_is_said_once(self):
        state = os.path.join(self.tmp, "state.d")
        os.mkdir(state)
        with open(self.log, "w") as f:
            f.write('{"code":%d}\n' % CODE)
        e = self.exporter(state_file=state)
        e.wait_metric("cos_events_total", 1.0, outcome="error")
        code, _ = e.stop()
        self.assertEqual(code, 0)
        lines = [line for line in e.log_text().splitlines() if "component=positions" in line]
        self.assertEqual(len(lines), 1, "\n".join(lines))
        self.assertIn('msg="state_file is not a regular file;', lines[0])
        self.assertIn('is="a directory"', lines[0])
        self.assertIn("neither loaded nor saved", lines[0])

    def test_what_the_glob_matches_that_is_not_a_file_is_said_once(self):
        os.mkfifo(os.path.join(self.tmp, "fifo.log"))
        os.mkdir(os.path.join(self.tmp, "dir.log"))
        os.symlink(os.path.join(self.tmp, "nothing"), os.path.join(self.tmp, "dangling.log"))
        os.symlink(os.path.join(self.tmp, "loop2.log"), os.path.join(self.tmp, "loop1.log"))
        os.symlink(os.path.join(self.tmp, "loop1.log"), os.path.join(self.tmp, "loop2.log"))
        with open(self.log, "w") as f:
            f.write('{"code":%d}\n' % CODE)
        e = self.exporter(glob=os.path.join(self.tmp, "*.log"))
        e.wait_metric("cos_events_total", 1.0, outcome="error")
        time.sleep(2.5)  # more than two polls: nothing is said twice
        m = e.metrics()
        want = {"fifo": 1, "directory": 1, "dangling_symlink": 1, "symlink_loop": 2}
        for reason, count in want.items():
            self.assertEqual(m.get("cos_error_exporter_file_skipped_total", input=INPUT,
                                   reason=reason), count, reason)
        said = [line for line in e.log_text().splitlines() if "not a regular file" in line]
        self.assertEqual(len(said), 5, "\n".join(said))
        for name, what in [("fifo.log", "a FIFO"), ("dir.log", "a directory"),
                           ("dangling.log", "a symbolic link to nothing"),
                           ("loop1.log", "a loop of symbolic links")]:
            self.assertTrue(any(name in line and 'is="%s"' % what in line for line in said),
                            name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
