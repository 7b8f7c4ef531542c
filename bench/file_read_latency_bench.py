#!/usr/bin/env python3
"""Scrape latency while one big file is read: does reading hand the event
loop back often enough?

Two files, each read by a fresh exporter (one file input, `start_at:
beginning`), while a client scrapes /metrics (gzip, keep-alive, as Prometheus
does) every --interval seconds until every line of the file is counted:
  - text: --gib GiB of JSON events, one per line (about 110 bytes each);
  - gz: a gzip file that inflates to --gib GiB of newlines (about 1 MiB
    compressed): the worst case for reading, a line per byte.
Prints, per file, the scrapes' count, median, p99 and worst latency, how many
took over 100 ms, and how fast the file was read (wall and CPU seconds of the
exporter, MiB/s of content), as Markdown rows for BENCHMARKS.md.

  python3 bench/file_read_latency_bench.py --binary build/cos_error_exporter
"""

import argparse
import gzip
import http.client
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zlib

CODES = [(-96, "ERROR_PROXY_AUTH_EXPIRED"), (-97, "ERROR_PROXY_AUTH_FAILED"),
         (-61, "ERROR_PROXY_SIGN_BUCKET_NOTMATCH"), (0, "SUCCESS")]
MIB = 1024 * 1024


def write_text(path, size):
    """JSON event lines up to `size` bytes; returns the number of lines."""
    block_lines = []
    for i in range(4096):
        code, message = CODES[i % len(CODES)]
        block_lines.append('{"code":%d,"message":"%s","request_id":"r%08d","bucket":"b%d"}\n'
                           % (code, message, i, i % 50))
    block = "".join(block_lines).encode()
    lines = 0
    with open(path, "wb") as f:
        written = 0
        while written + len(block) <= size:
            f.write(block)
            written += len(block)
            lines += len(block_lines)
    return lines


def write_gz_newlines(path, size):
    """A gzip file of `size` newlines; returns the number of lines."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    chunk = b"\n" * MIB
    with open(path, "wb") as f:
        for _ in range(size // MIB):
            f.write(compressor.compress(chunk))
        f.write(compressor.flush())
    return (size // MIB) * MIB


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def lines_counted(text):
    total = 0.0
    for m in re.finditer(r'^cos_error_exporter_file_lines_total\{[^}]*\} (\S+)$', text, re.M):
        total += float(m.group(1))
    return total


def run(binary, path, lines, interval, workdir):
    port = free_port()
    config = os.path.join(workdir, "exporter.yaml")
    with open(config, "w") as f:
        f.write("inputs:\n  files:\n    - name: big\n      path: %s\n      format: json\n"
                "      start_at: beginning\n" % json.dumps(path))
    started = time.monotonic()
    process = subprocess.Popen([binary, "--config.file=" + config,
                                "--web.listen-address=127.0.0.1:%d" % port],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    latencies = []
    try:
        connection = None
        deadline = started + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.connect()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
        done = None
        while done is None:
            t0 = time.monotonic()
            connection.request("GET", "/metrics", headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            body = response.read()
            latencies.append(time.monotonic() - t0)
            if response.getheader("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if lines_counted(body.decode()) >= lines:
                done = time.monotonic()
            else:
                time.sleep(interval)
        cpu = cpu_seconds(process.pid)
    finally:
        process.terminate()
        process.wait(10)
    return latencies, done - started, cpu


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--gib", type=float, default=1.0)
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between scrapes")
    parser.add_argument("--cases", default="text,gz")
    args = parser.parse_args()
    size = int(args.gib * 1024 * MIB)
    print("machine: %s, %d vCPU, Linux %s, load average %.1f"
          % (platform.processor() or platform.machine(), os.cpu_count(), platform.release(),
             os.getloadavg()[0]))
    print("| file | content MiB | scrapes | median ms | p99 ms | worst ms | over 100 ms "
          "| read wall s | exporter CPU s | MiB/s (wall) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="cos-bench-latency-") as workdir:
        for case in args.cases.split(","):
            path = os.path.join(workdir, "big.log" if case == "text" else "big.log.1.gz")
            lines = write_text(path, size) if case == "text" else write_gz_newlines(path, size)
            content = os.path.getsize(path) if case == "text" else size
            # Warm the page cache.
            with open(path, "rb") as f:
                while f.read(16 * MIB):
                    pass
            latencies, wall, cpu = run(args.binary, path, lines, args.interval, workdir)
            print("| %s | %.0f | %d | %.1f | %.1f | %.1f | %d | %.1f | %.1f | %.0f |" % (
                "JSON events, text" if case == "text" else "newlines, gzip (%.1f MiB)"
                % (os.path.getsize(path) / MIB),
                content / MIB, len(latencies), statistics.median(latencies) * 1000,
                percentile(latencies, 99) * 1000, max(latencies) * 1000,
                sum(1 for t in latencies if t > 0.1), wall, cpu, content / MIB / wall))
            sys.stdout.flush()
            os.unlink(path)


if __name__ == "__main__":
    main()
