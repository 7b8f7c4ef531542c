#!/usr/bin/env python3
"""File tailing throughput: cos_error_exporter against Debian's mtail on the same
file of JSON events, in one run. Called by bench/file_tail_bench.sh.

For each run:
  - cos_error_exporter with a file input (format: json, start_at: beginning):
    seconds from process start until /metrics shows every line counted
    (cos_error_exporter_file_lines_total and cos_events_total). Until the
    file descriptor's read position (/proc/PID/fdinfo) reaches the end, the
    exporter is watched without scraping it, so measuring costs it nothing.
  - mtail -one_shot -one_shot_format prometheus with an equivalent program (a
    regex taking code and message, a counter by both): seconds from start to
    exit; its output is checked to count every line.
With --labels, the exporter's input also has a static label, a path label and
an event label (bucket, 50 values), and keeps each series' request_id as its
exemplar; mtail's program then counts by bucket too.
Prints each run and the medians, as a Markdown table for BENCHMARKS.md.
"""

import argparse
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CODES = [  # (code, message) as COS v4 clients and proxies log them
    (-96, "ERROR_PROXY_AUTH_EXPIRED"),
    (-97, "ERROR_PROXY_AUTH_FAILED"),
    (-61, "ERROR_PROXY_SIGN_BUCKET_NOTMATCH"),
    (-66, "ERROR_PROXY_NETWORK"),
    (-4016, "ErrNotSameSHA"),
    (-1, "upload file not found"),
    (0, "SUCCESS"),
    (-200, "OK"),
]

MTAIL_PROGRAM = r'''# Equivalent of the exporter's json file input: one event per line, counted by
# code and message (the exporter also classifies the code against its catalog).
counter cos_events_total by code, message

/"code":(?P<code>-?\d+),"message":"(?P<message>[^"]*)"/ {
  cos_events_total[$code][$message]++
}
'''
MTAIL_LABELED_PROGRAM = r'''# As above, and by the event's bucket.
counter cos_events_total by code, message, bucket
/"code":(?P<code>-?\d+),"message":"(?P<message>[^"]*)".*"bucket":"(?P<bucket>[^"]*)"/ {
  cos_events_total[$code][$message][$bucket]++
}
'''


def generate(path, lines):
    """Writes `lines` JSON events (about 120 bytes each) unless already there."""
    if os.path.exists(path):
        with open(path, "rb") as f:
            if sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b"")) == lines:
                return
    rows = []
    for i in range(lines):
        code, message = CODES[(i * 7 + i // 13) % len(CODES)]
        rows.append('{"code":%d,"message":"%s","request_id":"NTk5ZDM2%08x","bucket":"bench-%d",'
                    '"ts":%d}\n' % (code, message, i, i % 50, 1700000000 + i // 1000))
        if len(rows) == 100000:
            with open(path, "a") as f:
                f.writelines(rows)
            rows = []
    with open(path, "a") as f:
        f.writelines(rows)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_peak_rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def read_position(pid, path):
    """The read position of `pid`'s descriptor on `path`, or None."""
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == path:
                    with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                        return int(f.readline().split()[1])
            except OSError:
                continue
    except OSError:
        pass
    return None


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        return r.read().decode()


def metric_value(text, pattern):
    m = re.search(r"^%s (\S+)$" % pattern, text, re.M)
    return float(m.group(1)) if m else None


def run_exporter(binary, path, lines, workdir, labels):
    size = os.path.getsize(path)
    config = os.path.join(workdir, "bench.yaml")
    with open(config, "w") as f:
        f.write("inputs:\n  files:\n    - name: bench\n      path: %s\n      format: json\n"
                "      start_at: beginning\n" % path)
        if labels:
            f.write("      labels: {service: bench}\n"
                    "      path_labels: '/(?P<directory>[^/]+)/[^/]+$'\n"
                    "event_labels:\n  - {name: bucket, field: bucket}\n")
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen([binary, "--config.file=" + config,
                                "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while (read_position(process.pid, path) or 0) < size:
            if process.poll() is not None:
                raise RuntimeError("exporter exited with %s" % process.returncode)
            time.sleep(0.002)
        counted = events = None
        while True:
            try:
                text = scrape(port)
            except OSError:
                time.sleep(0.005)
                continue
            counted = metric_value(text, r'cos_error_exporter_file_lines_total\{path="%s"\}'
                                   % re.escape(path))
            events = sum(float(v) for v in re.findall(r"^cos_events_total\{[^}]*\} (\S+)$",
                                                      text, re.M))
            if counted == lines:
                break
            time.sleep(0.005)
        seconds = time.monotonic() - started
        if events != lines:
            raise RuntimeError("exporter counted %s events, want %d" % (events, lines))
        return seconds, proc_cpu_seconds(process.pid), proc_peak_rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(10)


def run_mtail(mtail, path, lines, workdir, labels):
    progs = os.path.join(workdir, "progs")
    os.makedirs(progs, exist_ok=True)
    with open(os.path.join(progs, "cos.mtail"), "w") as f:
        f.write(MTAIL_LABELED_PROGRAM if labels else MTAIL_PROGRAM)
    timing = os.path.join(workdir, "mtail.time")
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-o", timing, "-f", "%U %S %M", mtail, "-one_shot",
                             "-one_shot_format", "prometheus", "-progs", progs, "-logs", path,
                             "-logtostderr"],
                            capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError("mtail failed: %s" % result.stderr[-2000:])
    counted = sum(float(v) for v in re.findall(r"^cos_events_total\{[^}]*\} (\S+)",
                                               result.stdout, re.M))
    if counted != lines:
        raise RuntimeError("mtail counted %s lines, want %d" % (counted, lines))
    with open(timing) as f:
        user, system, rss_kib = f.read().split()[-3:]
    return seconds, float(user) + float(system), int(rss_kib) / 1024


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // (1024 * 1024)
    return "%s, %d vCPU, %d GiB RAM, Linux %s" % (model, os.cpu_count(), mem, platform.release())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--mtail", default=shutil.which("mtail") or "/usr/bin/mtail")
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "cos-file-bench"))
    parser.add_argument("--labels", action="store_true",
                        help="extra labels (static, path, bucket) and exemplars; mtail by bucket")
    parser.add_argument("--skip-mtail", action="store_true",
                        help="the exporter only (to compare two builds of it)")
    args = parser.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    path = os.path.join(args.workdir, "events-%d.log" % args.lines)
    generate(path, args.lines)
    size = os.path.getsize(path)
    with open(path, "rb") as f:  # both read it from the page cache
        while f.read(1 << 24):
            pass
    print("file: %s, %d lines, %.1f MiB" % (path, args.lines, size / 2**20), flush=True)

    tools = [("cos_error_exporter", run_exporter, args.binary)]
    if not args.skip_mtail:
        tools.append(("mtail", run_mtail, args.mtail))
    results = {name: [] for name, _, _ in tools}
    for run in range(args.runs):
        for name, runner, tool in tools:
            seconds, cpu, rss = runner(tool, path, args.lines, args.workdir, args.labels)
            results[name].append((seconds, cpu, rss))
            print("run %d %-18s %6.2f s  %9.0f lines/s  cpu %6.2f s  peak rss %6.1f MiB"
                  % (run + 1, name, seconds, args.lines / seconds, cpu, rss), flush=True)

    print()
    print("Machine: %s" % machine())
    print("File: %d JSON events, %.1f MiB (page cache warm); %d runs each, medians."
          % (args.lines, size / 2**20, args.runs))
    print()
    print("| tool | wall s | lines/s | CPU s | MiB/s | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rows in results.items():
        seconds = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[1] for r in rows)
        rss = statistics.median(r[2] for r in rows)
        print("| %s | %.2f | %s | %.2f | %.0f | %.0f |"
              % (name, seconds, format(int(args.lines / seconds), ","), cpu,
                 size / 2**20 / seconds, rss))
    return 0


if __name__ == "__main__":
    sys.exit(main())
