#!/usr/bin/env python3
"""Memory held for slow HTTP readers: cos_error_exporter follows --files log
files (one label set each, so /metrics grows to about 1.2 MB at 3,000), then
--clients connections ask for /metrics and never read the answer.

Reports, per binary given (e.g. before and after a change, in one run):
  page     size of /metrics in bytes
  rss0     resident MiB before the slow clients
  held     resident MiB while they hold their connections (after --hold s)
  peak     the process's peak resident MiB (VmHWM)
  healthy  median ms of 5 GET /-/healthy while they hold them (10 000: no
           answer within the 10 s timeout)
  after    resident MiB --settle s after they all left
Usage: bench/slow_readers_bench.py BINARY [BINARY...] [--files N] [--clients N]
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def rss_mib(pid, key="VmRSS:"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    return 0.0


def get(port, path, timeout=30):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
        return r.read()


def start(binary, workdir, files):
    config = os.path.join(workdir, "bench.yaml")
    with open(config, "w") as f:
        f.write("inputs:\n  files:\n    - name: logs\n      path: %s/logs/*.log\n"
                "      format: regex\n      regex: 'code[=:] ?(?P<code>-?\\d+)'\n"
                "      start_at: beginning\n" % workdir)
    log = open(os.path.join(workdir, "exporter.log"), "w+")
    process = subprocess.Popen([binary, "--config.file=" + config,
                                "--web.listen-address=127.0.0.1:0"],
                               stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    port = None
    while port is None:
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("exporter did not start; see %s" % log.name)
        time.sleep(0.05)
        log.seek(0)
        m = re.search(r"msg=listening .*address=127\.0\.0\.1:(\d+)", log.read())
        port = int(m.group(1)) if m else None
    while get(port, "/metrics").count(b"cos_error_exporter_file_lines_total{") < files:
        if time.monotonic() > deadline:
            raise RuntimeError("exporter did not follow every file in 60 s")
        time.sleep(0.2)
    return process, port


def measure(binary, files, clients, hold, settle):
    with tempfile.TemporaryDirectory(prefix="cos-slow-readers-") as workdir:
        os.mkdir(os.path.join(workdir, "logs"))
        for i in range(files):
            with open(os.path.join(workdir, "logs", "service-%04d.log" % i), "w") as f:
                f.write("code=-96\n")
        process, port = start(binary, workdir, files)
        try:
            page = len(get(port, "/metrics"))
            rss0 = rss_mib(process.pid)
            sockets = []
            for _ in range(clients):
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                s.connect(("127.0.0.1", port))
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: bench\r\n\r\n")
                sockets.append(s)
            time.sleep(hold)
            timings = []
            for _ in range(5):
                t = time.monotonic()
                try:
                    get(port, "/-/healthy", timeout=10)
                except OSError:  # no answer in 10 s: counted as 10 s
                    pass
                timings.append((time.monotonic() - t) * 1000)
            held = rss_mib(process.pid)
            peak = rss_mib(process.pid, "VmHWM:")
            for s in sockets:
                s.close()
            time.sleep(settle)
            after = rss_mib(process.pid)
            return page, rss0, held, peak, statistics.median(timings), after
        finally:
            process.terminate()
            process.wait(10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=400)
    parser.add_argument("--hold", type=float, default=5.0)
    parser.add_argument("--settle", type=float, default=5.0)
    args = parser.parse_args()
    print("| binary | page bytes | rss0 MiB | held MiB | peak MiB | /-/healthy ms | after MiB |")
    print("|---|---|---|---|---|---|---|")
    for binary in args.binaries:
        row = measure(binary, args.files, args.clients, args.hold, args.settle)
        print("| %s | %d | %.0f | %.0f | %.0f | %.1f | %.0f |" % ((binary,) + row))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
