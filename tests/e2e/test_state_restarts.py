"""Counts exact across restarts, as Prometheus records them: a real Prometheus
(two, an HA pair) scrapes every second while lines are appended to a tailed
file and datagrams arrive, and the exporter is stopped with SIGTERM and killed
with SIGKILL at moments that follow no timer. Summed from the raw samples,
reset-adjusted and without extrapolation, the file's count equals the lines
written and the UDP count the datagrams sent (after a SIGKILL only what was
counted since the last write of the state may be missing); no counter goes
back. Also: the bad state files (truncated, not JSON, newer, a crash's tmp
file), the upgrade from a version-1 file and a full disk."""
import json
import os
import random
import shutil
import socket
import subprocess
import threading
import time
import unittest

import harness

FILE_CODE, UDP_CODE = -96, -97
RATE = 300  # lines and datagrams a second


def config(log, state, udp_port):
    return ("inputs:\n"
            f"  udp: [{{name: udp, listen: '127.0.0.1:{udp_port}'}}]\n"
            f"  files: [{{name: file, path: '{log}', start_at: beginning}}]\n"
            f"state_file: '{state}'\n")


def raw_total(prom, expr):
    """Reset-adjusted sum of the raw samples of the one series `expr` selects:
    its first value plus every increase, a drop counting as a reset. Also
    the number of drops seen."""
    data = prom.api("query", query=expr + "[10m]")
    assert len(data["result"]) == 1, data
    values = [float(v) for _, v in data["result"][0]["values"]]
    total, drops = values[0], 0
    for before, after in zip(values, values[1:]):
        if after < before:
            drops += 1
            total += after
        else:
            total += after - before
    return total, drops, len(values)


class StateAcrossRestarts(unittest.TestCase):
    def setUp(self):
        self.tmp = harness.temp_dir(self, "cos-e2e-state-")
        self.log = os.path.join(self.tmp, "app.log")
        self.state = os.path.join(self.tmp, "state", "state.json")
        self.udp_port = harness.free_udp_port()
        self.http_port = harness.free_port()
        open(self.log, "w").close()

    def exporter(self, state=None):
        e = harness.Exporter(config(self.log, state or self.state, self.udp_port),
                             workdir=self.tmp, listen=f"127.0.0.1:{self.http_port}")
        e.start()
        return e

    def test_sigterm_and_sigkill_under_load_with_an_ha_pair(self):
        proms = []
        for name in ("a", "b"):
            d = os.path.join(self.tmp, "prom-" + name)
            os.mkdir(d)
            proms.append(harness.Prometheus(d, f"127.0.0.1:{self.http_port}", "cos", []))
        try:
            self.run_restarts(proms)
        finally:
            for p in proms:
                p.stop()

    def run_restarts(self, proms):
        # A UDP sender that counts only what it sends while the exporter is up.
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        state = {"sent": 0, "on": False, "written": 0, "stop": False}
        lock = threading.Lock()

        def load():
            start = time.monotonic()
            with open(self.log, "a") as f:
                udp_due_base = 0
                while not state["stop"]:
                    due = int((time.monotonic() - start) * RATE)
                    while state["written"] < due:
                        f.write('{"code":%d}\n' % FILE_CODE)
                        state["written"] += 1
                    f.flush()
                    with lock:
                        if state["on"]:
                            while udp_due_base + state["sent"] < due:
                                sock.sendto(b'{"code":%d}' % UDP_CODE,
                                            ("127.0.0.1", self.udp_port))
                                state["sent"] += 1
                        else:
                            udp_due_base = due - state["sent"]
                    time.sleep(0.003)

        e = self.exporter()
        for p in proms:
            p.wait_ready()
        thread = threading.Thread(target=load, daemon=True)
        with lock:
            state["on"] = True
        thread.start()
        rng = random.Random()
        kills = 0
        try:
            for sig in ("TERM", "KILL", "TERM", "KILL"):
                time.sleep(rng.uniform(1.6, 3.4))  # not in step with the scrapes or the timer
                if sig == "TERM":
                    with lock:
                        state["on"] = False
                    time.sleep(0.05)  # the last datagrams are queued in the socket
                    code, _ = e.stop()
                    self.assertEqual(code, 0)
                else:
                    kills += 1
                    with lock:
                        state["on"] = False
                        e.process.kill()
                    e.stop()
                time.sleep(rng.uniform(0.1, 0.6))  # lines appended while it is down
                e = self.exporter()
                with lock:
                    state["on"] = True
            time.sleep(rng.uniform(1.5, 2.5))
        finally:
            state["stop"] = True
            thread.join()
        written, sent = state["written"], state["sent"]
        # Everything counted, then scraped by both.
        e.wait_metric("cos_error_exporter_events_received_total", float(written),
                      timeout=30, input="file")
        log_text = e.log_text()
        time.sleep(0.1)
        final = e.metrics()
        udp_counted = final.get("cos_error_exporter_events_received_total", input="udp")
        for p in proms:
            p.wait_value('cos_error_exporter_events_received_total{input="file"}', written)
            p.wait_value('cos_error_exporter_events_received_total{input="udp"}', udp_counted)
        e.stop()

        # After a SIGKILL, at most what was counted since the last write may be
        # missing from UDP: never more, never twice. That write was the last
        # scrape (about a second before), or the 5 s timer when scrapes come
        # late on a loaded host (the README's promise).
        self.assertLessEqual(udp_counted, sent)
        self.assertGreaterEqual(udp_counted, sent - kills * 5 * RATE)
        for p in proms:
            for expr, want in (
                    ('cos_error_exporter_events_received_total{input="file"}', written),
                    ('cos_errors_total{code="%d"}' % FILE_CODE, written),
                    ('cos_error_exporter_events_received_total{input="udp"}', udp_counted),
                    ('cos_errors_total{code="%d"}' % UDP_CODE, udp_counted)):
                total, drops, samples = raw_total(p, expr)
                self.assertEqual(drops, 0, f"{expr}: Prometheus saw a counter go back")
                self.assertEqual(total, want, f"{expr}: {samples} samples\n{log_text[-2000:]}")
        self.assertGreater(written, 3 * RATE)

    # ------------------------------------------------------ bad and odd states

    def counted(self, e):
        m = e.metrics()
        return m.get("cos_error_exporter_events_received_total", input="file")

    def write_lines(self, n):
        with open(self.log, "a") as f:
            f.write(('{"code":%d}\n' % FILE_CODE) * n)

    def test_bad_state_files_start_fresh_and_say_so(self):
        self.write_lines(10)
        e = self.exporter()
        e.wait_metric("cos_error_exporter_events_received_total", 10.0, input="file")
        e.stop()
        good = open(self.state).read()
        cases = {
            "truncated": (good[: len(good) // 2], "fresh_invalid", "invalid state file"),
            "not_json": ("hello\n", "fresh_invalid", "invalid state file"),
            "newer": ('{"version":9,"sequence":1,"sections":{}}', "fresh_newer_version",
                      "state file of a newer exporter version"),
        }
        for name, (text, outcome, said) in cases.items():
            with self.subTest(name):
                with open(self.state, "w") as f:
                    f.write(text)
                e = self.exporter()
                # Fresh: the file is read again from the start.
                e.wait_metric("cos_error_exporter_events_received_total", 10.0, input="file")
                m = e.metrics()
                self.assertEqual(m.get("cos_error_exporter_state_loads_total", outcome=outcome), 1)
                e.stop()
                lines = [line for line in e.log_text().splitlines() if said in line]
                self.assertEqual(len(lines), 1, e.log_text())
                self.assertIn(self.state, lines[0])
                self.assertEqual(open(self.state + ".bad").read(), text)

    def test_a_crash_between_write_and_rename(self):
        self.write_lines(10)
        e = self.exporter()
        e.wait_metric("cos_error_exporter_events_received_total", 10.0, input="file")
        e.stop()
        good = open(self.state).read()
        # Torn: a tmp file cut short. The state file is the good copy.
        with open(self.state + ".tmp", "w") as f:
            f.write(good[:-10])
        self.write_lines(5)
        e = self.exporter()
        e.wait_metric("cos_error_exporter_events_received_total", 15.0, input="file")
        time.sleep(0.5)
        m = e.metrics()
        self.assertEqual(self.counted(e), 15)
        self.assertEqual(m.get("cos_error_exporter_state_loads_total", outcome="restored"), 1)
        self.assertEqual(m.get("cos_error_exporter_state_interrupted_writes_total"), 1)
        e.stop()
        self.assertIn("an incomplete tmp file of an interrupted write was removed", e.log_text())
        self.assertFalse(os.path.exists(self.state + ".tmp"))

        # Complete but not renamed: the newer copy wins.
        newer = open(self.state).read()
        doc = json.loads(newer)
        doc["sequence"] += 1
        for family in doc["sections"]["counters"]["families"]:
            if family["name"] == "cos_error_exporter_events_received_total":
                for series in family["series"]:
                    if series[0] == "file":
                        series[1] += 1000
        with open(self.state + ".tmp", "w") as f:
            json.dump(doc, f)
        e = self.exporter()
        e.wait_metric("cos_error_exporter_events_received_total", 1015.0, input="file")
        m = e.metrics()
        self.assertEqual(m.get("cos_error_exporter_state_loads_total", outcome="restored_tmp"), 1)
        e.stop()
        self.assertIn("restored from its tmp file", e.log_text())

    def test_upgrade_from_a_version_1_position_file(self):
        self.write_lines(10)
        # What version 1 wrote: the positions of the 10 lines, no counters.
        e = self.exporter()
        e.wait_metric("cos_error_exporter_events_received_total", 10.0, input="file")
        e.stop()
        positions = json.load(open(self.state))["sections"]["positions"]
        with open(self.state, "w") as f:
            json.dump({"version": 1, "inputs": positions}, f)
        self.write_lines(4)
        e = self.exporter()
        e.wait_metric("cos_error_exporter_events_received_total", 4.0, input="file")
        time.sleep(0.5)
        m = e.metrics()
        self.assertEqual(self.counted(e), 4)  # positions kept, counters from zero
        self.assertEqual(m.get("cos_error_exporter_state_loads_total", outcome="upgraded_v1"), 1)
        e.stop()
        self.assertEqual(json.load(open(self.state))["version"], 2)

    def test_config_change_between_runs(self):
        """Series of the new config that were in the state continue; a renamed
        input starts fresh; the old one's series are gone."""
        self.write_lines(10)
        e = self.exporter()
        e.wait_metric("cos_error_exporter_events_received_total", 10.0, input="file")
        e.stop()
        renamed = config(self.log, self.state, self.udp_port).replace("name: udp", "name: udp2")
        e = harness.Exporter(renamed, workdir=self.tmp, listen=f"127.0.0.1:{self.http_port}")
        e.start()
        self.write_lines(1)
        e.wait_metric("cos_error_exporter_events_received_total", 11.0, input="file")
        m = e.metrics()
        self.assertEqual(m.get("cos_error_exporter_events_received_total", input="udp2"), 0)
        self.assertIsNone(m.get("cos_error_exporter_events_received_total", input="udp"))
        self.assertEqual(m.get("cos_errors_total", category="proxy", code=str(FILE_CODE),
                               name="ERROR_PROXY_AUTH_EXPIRED"), 11)
        e.stop()

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("mount"), "needs root to mount")
    def test_disk_full_keeps_running_and_shows_what_was_written(self):
        mnt = os.path.join(self.tmp, "small")
        os.mkdir(mnt)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]).returncode:
            self.skipTest("cannot mount a tmpfs here")
        self.addCleanup(subprocess.run, ["umount", "-l", mnt])
        state = os.path.join(mnt, "state.json")
        self.write_lines(10)
        e = self.exporter(state)
        e.wait_metric("cos_error_exporter_events_received_total", 10.0, input="file")
        # Fill the disk: the next write of the state fails.
        with open(os.path.join(mnt, "filler"), "wb") as f:
            try:
                f.write(b"x" * (1 << 20))
            except OSError:
                pass
        self.write_lines(5)
        e.wait_for(lambda: e.metrics().get("cos_error_exporter_state_last_write_successful") == 0,
                   10, "a failed write")
        time.sleep(0.5)
        m = e.metrics()  # answers, with the counters as last written
        self.assertEqual(m.get("cos_error_exporter_events_received_total", input="file"), 10)
        self.assertGreater(m.get("cos_error_exporter_state_writes_total", result="failed"), 1)
        failures = [line for line in e.log_text().splitlines()
                    if "cannot write the state file" in line]
        self.assertEqual(len(failures), 1, "logged once per episode")
        self.assertIn(state, failures[0])
        os.remove(os.path.join(mnt, "filler"))
        e.wait_metric("cos_error_exporter_events_received_total", 15.0, input="file")
        self.assertEqual(e.metrics().get("cos_error_exporter_state_last_write_successful"), 1)
        e.stop()
        self.assertIn("state file written again", e.log_text())


if __name__ == "__main__":
    unittest.main()
