"""Helpers for end-to-end tests: run the real cos_error_exporter binary on free
ports, send it events, and read /metrics.

The binary comes from $COS_EXPORTER_BINARY (set by ctest). The daemon logs
logfmt lines on stderr; the ports it bound are read from them:
  level=info msg=listening component=http address=127.0.0.1:PORT
  level=info msg="input listening" input=NAME kind=udp address=127.0.0.1:PORT
"""

import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BINARY = os.environ.get("COS_EXPORTER_BINARY", "")
SOURCE_DIR = os.environ.get(
    "COS_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

_LOGFMT_PAIR = re.compile(r'(\w[\w.]*)=("(?:[^"\\]|\\.)*"|\S*)')


def parse_logfmt(line):
    fields = {}
    for key, value in _LOGFMT_PAIR.findall(line):
        if value.startswith('"'):
            value = re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                           value[1:-1])
        fields[key] = value
    return fields


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text format -> {(name, ((label, value), ...)): float}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise AssertionError("unparsable exposition line: %r" % line)
        labels = []
        for key, value in _LABEL.findall(m.group(3) or ""):
            value = re.sub(r'\\(.)', lambda e: "\n" if e.group(1) == "n" else e.group(1), value)
            labels.append((key, value))
        samples[(m.group(1), tuple(sorted(labels)))] = float(m.group(4))
    return samples


class Metrics:
    def __init__(self, text):
        self.text = text
        self.samples = parse_metrics(text)

    def get(self, metric, /, **labels):
        """The value of the one series with exactly these labels, or None."""
        return self.samples.get((metric, tuple(sorted(labels.items()))))

    def series(self, name):
        return {labels: v for (n, labels), v in self.samples.items() if n == name}


def temp_dir(test, prefix="cos-e2e-"):
    """A fresh directory that is removed when `test` (a TestCase) ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    test.addCleanup(shutil.rmtree, path, True)
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DatagramSender(threading.Thread):
    """Sends `payload` as one datagram after another, `burst` at a time with a
    pause between bursts, until finish(); `sent` counts the datagrams the
    kernel accepted (a unix socket that is full or gone refuses: the sender
    knows, and tries again after the pause)."""

    def __init__(self, family, address, payload=b"-96", burst=1, pause=0.002):
        super().__init__(daemon=True)
        self.family = family
        self.address = address
        self.payload = payload
        self.burst = burst
        self.pause = pause
        self.sent = 0
        self.done = threading.Event()

    def run(self):
        with socket.socket(self.family, socket.SOCK_DGRAM) as s:
            while not self.done.is_set():
                for _ in range(self.burst):
                    try:
                        s.sendto(self.payload, self.address)
                        self.sent += 1
                    except OSError:
                        break
                time.sleep(self.pause)

    def finish(self):
        """Stops sending; returns how many datagrams were sent."""
        self.done.set()
        self.join()
        return self.sent


class Exporter:
    """A running exporter. Use as a context manager, or call start()/stop().
    `lifecycle` passes --web.enable-lifecycle, so tests can POST /-/reload
    (off by default in the exporter; test_reload.py checks that)."""

    def __init__(self, config=None, args=(), workdir=None, listen="127.0.0.1:0", wrapper=(),
                 binary=None, lifecycle=True):
        assert BINARY, "COS_EXPORTER_BINARY is not set"
        self.tmp = None
        if workdir is None:
            self.tmp = tempfile.TemporaryDirectory(prefix="cos-e2e-")
            workdir = self.tmp.name
        self.workdir = workdir
        self.config_path = None
        if config is not None:
            self.config_path = os.path.join(workdir, "exporter.yaml")
            with open(self.config_path, "w") as f:
                f.write(config)
        self.args = list(args) + (["--web.enable-lifecycle"] if lifecycle else [])
        self.wrapper = list(wrapper)  # e.g. setpriv to run unprivileged
        self.binary = binary or BINARY
        self.listen = listen
        self.process = None
        self.lines = []
        self.raw_lines = []
        self.lock = threading.Lock()
        self.http_address = None
        self.inputs = {}
        self.scheme = "http"

    def command(self):
        cmd = self.wrapper + [self.binary, "--web.listen-address=" + self.listen]
        if self.config_path:
            cmd.append("--config.file=" + self.config_path)
        return cmd + self.args

    def start(self, timeout=10, expect_ready=True):
        self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read_log, daemon=True)
        self.reader.start()
        if expect_ready:
            self.wait_for(lambda: self.http_address is not None, timeout,
                          "the exporter did not log its http address")
        return self

    def _read_log(self):
        for raw in self.process.stderr:
            line = raw.decode("utf-8", errors="replace")
            fields = parse_logfmt(line)
            with self.lock:
                self.raw_lines.append(raw.rstrip(b"\n"))  # as written, for UTF-8 checks
                self.lines.append(line.rstrip("\n"))
                if fields.get("msg") == "listening" and fields.get("component") == "http":
                    self.http_address = fields.get("address")
                if fields.get("msg") == "input listening":
                    self.inputs[fields.get("input")] = fields.get("address") or fields.get("path")

    def log_text(self):
        with self.lock:
            return "\n".join(self.lines)

    def wait_for(self, predicate, timeout=10, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            if self.process is not None and self.process.poll() is not None:
                time.sleep(0.1)
                raise AssertionError("exporter exited with %s while waiting for %s; log:\n%s"
                                     % (self.process.returncode, what, self.log_text()))
            time.sleep(0.02)
        raise AssertionError("timed out waiting for %s; log:\n%s" % (what, self.log_text()))

    def url(self, path):
        return "%s://%s%s" % (self.scheme, self.http_address, path)

    def get(self, path, headers=None, method="GET", data=None, context=None):
        """(status, headers, body bytes) of a request; HTTP errors are returned, not raised."""
        request = urllib.request.Request(self.url(path), headers=headers or {}, method=method,
                                         data=data)
        try:
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def metrics(self):
        status, headers, body = self.get("/metrics", {"Accept-Encoding": "gzip"})
        assert status == 200, status
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return Metrics(body.decode("utf-8"))

    def wait_metric(self, metric, value, /, timeout=10, **labels):
        """Waits until the series has `value`; returns the last Metrics."""
        last = [None]

        def check():
            last[0] = self.metrics()
            return last[0].get(metric, **labels) == value

        try:
            self.wait_for(check, timeout, "%s%s == %s" % (metric, labels, value))
        except AssertionError:
            got = last[0].get(metric, **labels) if last[0] else None
            raise AssertionError("%s%s is %s, want %s" % (metric, labels, got, value))
        return last[0]

    def wait_value(self, read, want, what, timeout=20):
        """Polls until read(metrics()) == want; fails with the last value."""
        last = [None]

        def check():
            last[0] = read(self.metrics())
            return last[0] == want

        try:
            self.wait_for(check, timeout, what)
        except AssertionError:
            raise AssertionError("%s: %s, want %s" % (what, last[0], want))

    def udp_address(self, name="udp"):
        self.wait_for(lambda: name in self.inputs, 10, "input %s" % name)
        host, port = self.inputs[name].rsplit(":", 1)
        return host.strip("[]"), int(port)

    def send_udp(self, payload, name="udp"):
        host, port = self.udp_address(name)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            s.sendto(payload if isinstance(payload, bytes) else payload.encode(), (host, port))

    def send_unix(self, payload, path):
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(payload if isinstance(payload, bytes) else payload.encode(), path)

    def send_signal(self, sig):
        self.process.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Stops the daemon; returns (exit code, seconds it took)."""
        if self.process is None or self.process.poll() is not None:
            if self.process is not None:
                self._close_log()
            return (self.process.returncode if self.process else None), 0.0
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        elapsed = time.monotonic() - started
        self._close_log()
        return code, elapsed

    def wait_exit(self, timeout=10):
        """Waits for a daemon that exits by itself; returns its exit code once
        its whole log has been read."""
        code = self.process.wait(timeout)
        self._close_log()
        return code

    def _close_log(self):
        self.reader.join(5)
        if not self.reader.is_alive() and not self.process.stderr.closed:
            self.process.stderr.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        if self.tmp is not None:
            self.tmp.cleanup()


def run_cli(*args, timeout=30):
    """Runs the binary with arguments; returns CompletedProcess (text)."""
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=timeout)


class Prometheus:
    """A real Prometheus on a free port with its own storage, scraping one target
    and evaluating rules every second; with `alertmanager` (host:port) it sends
    its alerts there. `target_labels` are added to the target as service
    discovery adds them (the prometheus-operator: namespace, pod, ...), and
    `honor_labels` lets the scraped labels win over them."""

    def __init__(self, workdir, target, job, rule_files, alertmanager=None, args=(),
                 target_labels=None, honor_labels=False):
        self.dir = Path(workdir)
        self.port = free_port()
        config = self.dir / "prometheus.yml"
        text = ("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "rule_files:\n" + "".join(f"  - {path}\n" for path in rule_files) +
                f"scrape_configs:\n  - job_name: {job}\n"
                f"    honor_labels: {'true' if honor_labels else 'false'}\n"
                f"    static_configs:\n      - targets: ['{target}']\n")
        if target_labels:
            text += "        labels: " + json.dumps(target_labels) + "\n"
        if alertmanager:
            text += ("alerting:\n  alertmanagers:\n    - static_configs:\n"
                     f"        - targets: ['{alertmanager}']\n")
        config.write_text(text)
        self.log = open(self.dir / "prometheus.log", "w")
        self.process = subprocess.Popen(
            ["prometheus", f"--config.file={config}",
             f"--storage.tsdb.path={self.dir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn", *args],
            stdout=self.log, stderr=subprocess.STDOUT)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout=60):
        wait_http_ready(self.url("/-/ready"), self.process, self.log_text, "prometheus", timeout)

    def api(self, path, **params):
        """The `data` of a successful /api/v1 answer."""
        url = self.url(f"/api/v1/{path}?" + urllib.parse.urlencode(params))
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{path} failed ({e.code}): {e.read().decode()}\n{params}")
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr):
        data = self.api("query", query=expr)
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        return [(s["metric"], float(s["value"][1])) for s in data["result"]]

    def wait_value(self, expr, value, timeout=30):
        deadline = time.monotonic() + timeout
        got = None
        while time.monotonic() < deadline:
            got = self.query(expr)
            if len(got) == 1 and got[0][1] == value:
                return
            time.sleep(0.25)
        raise AssertionError(f"{expr} is {got}, want {value}")

    def log_text(self):
        self.log.flush()
        return (self.dir / "prometheus.log").read_text()[-3000:]

    def stop(self):
        stop_process(self.process)
        self.log.close()


def wait_http_ready(url, process, log_text, what, timeout):
    """Polls `url` until it answers 200; fails early when `process` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited: {log_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} not ready: {log_text()}")


def stop_process(process, timeout=20):
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
