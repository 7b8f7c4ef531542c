#!/usr/bin/env python3
"""Many tailed files: CPU and memory of cos_error_exporter following N files
that one glob matches, each appended now and then (see BENCHMARKS.md, "Many
files").

Writes N files with one JSON event each, starts the exporter (one file input,
glob DIR/*.log, start_at: beginning), waits until every line is counted, then
for --seconds appends one line at a time to a random file at --rate lines/s
(each file gets a line every N/rate seconds on average). Reports the
exporter's CPU seconds per minute over that period (utime + stime from
/proc/PID/stat), its RSS at the end and its peak RSS (VmRSS, VmHWM), and
checks that cos_events_total counts every line written, exactly.

Usage: bench/file_many_bench.py --binary build/cos_error_exporter
           [--files 5000] [--seconds 60] [--rate 500] [--workdir DIR]
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from file_tail_bench import free_port, machine, proc_cpu_seconds, scrape  # noqa: E402


def proc_rss_mib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def events(port):
    text = scrape(port)
    m = re.search(r'^cos_events_total\{outcome="error"\} (\S+)$', text, re.M)
    return float(m.group(1)) if m else 0.0


def wait_events(port, want, timeout):
    deadline = time.monotonic() + timeout
    got = 0.0
    while time.monotonic() < deadline:
        got = events(port)
        if got == want:
            return
        time.sleep(0.2)
    raise RuntimeError("cos_events_total is %s, want %s" % (got, want))


def line(i):
    return ('{"code":-96,"message":"ERROR_PROXY_AUTH_EXPIRED","request_id":"NTk5ZDM2%08x",'
            '"bucket":"bench-%d"}\n' % (i, i % 50)).encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=500, help="lines appended per second")
    parser.add_argument("--workdir")
    args = parser.parse_args()

    workdir = args.workdir or tempfile.mkdtemp(prefix="cos-many-bench-")
    logs = os.path.join(workdir, "logs")
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    paths = [os.path.join(logs, "pod-%05d.log" % i) for i in range(args.files)]
    written = 0
    for path in paths:
        with open(path, "wb") as f:
            f.write(line(written))
        written += 1

    config = os.path.join(workdir, "bench.yaml")
    with open(config, "w") as f:
        f.write("inputs:\n  files:\n    - name: many\n      path: %s/*.log\n      format: json\n"
                "      start_at: beginning\n" % logs)
    port = free_port()
    process = subprocess.Popen([args.binary, "--config.file=" + config,
                                "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                scrape(port)
                break
            except OSError:
                time.sleep(0.05)
        started = time.monotonic()
        wait_events(port, written, 120)
        initial_s = time.monotonic() - started

        rng = random.Random(1)
        cpu_before = proc_cpu_seconds(process.pid)
        t0 = time.monotonic()
        interval = 1.0 / args.rate
        next_at = t0
        fds = {}
        while time.monotonic() - t0 < args.seconds:
            path = paths[rng.randrange(len(paths))]
            fd = fds.get(path)
            if fd is None:
                fd = fds[path] = os.open(path, os.O_WRONLY | os.O_APPEND)
            os.write(fd, line(written))
            written += 1
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        elapsed = time.monotonic() - t0
        cpu = proc_cpu_seconds(process.pid) - cpu_before
        for fd in fds.values():
            os.close(fd)
        wait_events(port, written, 60)
        rss = proc_rss_mib(process.pid, "VmRSS")
        peak = proc_rss_mib(process.pid, "VmHWM")
    finally:
        process.terminate()
        process.wait(timeout=10)
    appended = written - args.files
    print("machine: %s" % machine())
    print("files: %d, first lines counted in %.2f s; then %d lines appended over %.1f s "
          "(%.0f lines/s), all %d counted exactly" % (args.files, initial_s, appended, elapsed,
                                                      appended / elapsed, written))
    print("| files | lines/s appended | CPU s per minute | % of one core | RSS MiB "
          "| peak RSS MiB |")
    print("|---:|---:|---:|---:|---:|---:|")
    print("| %d | %.0f | %.2f | %.1f %% | %.1f | %.1f |"
          % (args.files, appended / elapsed, cpu / elapsed * 60, cpu / elapsed * 100, rss, peak))
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
