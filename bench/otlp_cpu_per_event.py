#!/usr/bin/env python3
"""OTLP events per CPU-second of the exporter: the real binary with one otlp
input, sent REQUESTS requests of a batch of BATCH log records each over one
keep-alive connection (http.client), protobuf or JSON; the exporter's own CPU
time (utime + stime from /proc/PID/stat) is read before and after, so the
client's cost is not counted. Every record is an event: a third a string body
holding a JSON event line with trace context, a third a map body, a third the
code in attributes.

  bench/otlp_cpu_per_event.py BINARY [--encoding protobuf|json] [--batch 100]
                              [--requests 2000] [--gzip]
"""

import argparse
import gzip
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import otlp_support  # noqa: E402

CONFIG = otlp_support.config(extra="exemplar_fields: [trace_id, span_id]\n")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def batch(size):
    records = []
    for i in range(size):
        trace = "%032x" % (0x4bf92f3577b34da6a3ce929d0e0e4736 + i)
        span = "%016x" % (0x00f067aa0ba902b7 + i)
        kind = i % 3
        if kind == 0:
            records.append({"body": '{"code":-4016,"message":"ErrNotSameSHA","request_id":"r%d"}'
                            % i, "trace_id": trace, "span_id": span})
        elif kind == 1:
            records.append({"body": {"code": -96, "message": "expired", "count": 1},
                            "trace_id": trace, "span_id": span})
        else:
            records.append({"body": "declined", "attributes": {"cos.error.code": -5997},
                            "trace_id": trace, "span_id": span})
    return records


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--encoding", choices=["protobuf", "json"], default="protobuf")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args()

    records = batch(args.batch)
    resource = {"service.name": "bench"}
    if args.encoding == "protobuf":
        body, content_type = otlp_support.protobuf_request(records, resource), \
            "application/x-protobuf"
    else:
        body, content_type = otlp_support.json_request(records, resource), "application/json"
    headers = {"Content-Type": content_type}
    if args.gzip:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"

    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "exporter.yaml")
        with open(config, "w") as f:
            f.write(CONFIG)
        process = subprocess.Popen([args.binary, "--web.listen-address=127.0.0.1:0",
                                    "--config.file=" + config], stderr=subprocess.PIPE,
                                   text=True)
        try:
            address = None
            for line in process.stderr:
                m = re.search(r'msg="input listening" input=otel kind=otlp address=(\S+)', line)
                if m:
                    address = m.group(1)
                    break
            host, port = address.rsplit(":", 1)
            connection = http.client.HTTPConnection(host, int(port))

            def post():
                connection.request("POST", "/v1/logs", body, headers)
                response = connection.getresponse()
                response.read()
                assert response.status == 200, response.status

            for _ in range(20):  # warm up: every series made
                post()
            cpu_before, wall_before = cpu_seconds(process.pid), time.monotonic()
            for _ in range(args.requests):
                post()
            cpu = cpu_seconds(process.pid) - cpu_before
            wall = time.monotonic() - wall_before
        finally:
            process.terminate()
            process.wait()
    events = args.requests * args.batch
    print(f"encoding={args.encoding} gzip={args.gzip} batch={args.batch} "
          f"requests={args.requests} body_bytes={len(body)} events={events} "
          f"exporter_cpu_s={cpu:.3f} wall_s={wall:.2f} "
          f"events_per_cpu_s={events / cpu if cpu else float('inf'):.0f} "
          f"us_per_event={cpu / events * 1e6:.2f}")


if __name__ == "__main__":
    main()
