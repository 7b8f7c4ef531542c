"""Warnings before surprises: check-config and the start-up log (at warn
level) say when a file glob matches nothing and when state_file's directory
cannot be written; an HTTP port already taken is named by its flag."""

import os
import shutil
import socket
import subprocess
import tempfile
import unittest

import harness


def unprivileged():
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to run unprivileged"
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]


class StartupWarningsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cos-e2e-warn-")
        os.chmod(self.dir, 0o755)  # root's, so the unprivileged user cannot write it
        self.addCleanup(shutil.rmtree, self.dir, True)

    def config(self, glob, state_file):
        path = os.path.join(self.dir, "exporter.yaml")
        with open(path, "w") as f:
            f.write("inputs:\n  udp: [{name: u, listen: '127.0.0.1:0'}]\n"
                    "  files: [{name: app, path: '%s'}]\nstate_file: %s\n" % (glob, state_file))
        os.chmod(path, 0o644)
        return path

    def warnings(self, glob, state_dir):
        return [
            'input app: path "%s" matches no regular file now; the input reads files as they '
            "appear (the glob is checked every second)" % glob,
            'state_file "%s/positions.json": its directory "%s" cannot be written (Permission '
            "denied); file positions cannot be saved, so a restart will not resume where "
            "reading stopped" % (state_dir, state_dir),
        ]

    def test_check_config_and_the_start_up_log_warn(self):
        glob = os.path.join(self.dir, "logs", "*.log")
        state_dir = os.path.join(self.dir, "state")
        os.mkdir(state_dir)  # root's, 0755
        os.chmod(state_dir, 0o755)
        path = self.config(glob, os.path.join(state_dir, "positions.json"))
        binary = os.path.join(self.dir, "cos_error_exporter")
        shutil.copy(harness.BINARY, binary)
        os.chmod(binary, 0o755)
        want = self.warnings(glob, state_dir)

        r = subprocess.run(unprivileged() + [binary, "check-config", "--config.file=" + path],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)  # valid: warnings only
        self.assertEqual(r.stderr.splitlines(), ["warning: %s: %s" % (path, w) for w in want])

        exporter = harness.Exporter(wrapper=unprivileged(), binary=binary, workdir=self.dir,
                                    args=["--config.file=" + path])
        with exporter:
            exporter.wait_for(lambda: "msg=started" in exporter.log_text(), 10, "start-up")
            # The catalog counted as the README counts it.
            started = harness.parse_logfmt(next(raw for raw in exporter.lines
                                                if "msg=started" in raw))
            self.assertEqual((started["catalog_entries"], started["sdk_dialect_names"]),
                             ("201", "13"))
            logged = [harness.parse_logfmt(raw) for raw in exporter.lines
                      if harness.parse_logfmt(raw).get("msg") == "config warning"]
            self.assertEqual([(f["level"], f["warning"]) for f in logged],
                             [("warn", w) for w in want])
            # Said before the exporter says it started.
            started = next(i for i, l in enumerate(exporter.lines) if "msg=started" in l)
            self.assertTrue(all(exporter.lines.index(raw) < started for raw in exporter.lines
                                if "config warning" in raw))

        # Root can write there, and a file to match makes the glob warning go.
        os.mkdir(os.path.join(self.dir, "logs"))
        with open(os.path.join(self.dir, "logs", "app.log"), "w") as f:
            f.write("code=-96\n")
        r = harness.run_cli("check-config", "--config.file=" + path)
        self.assertEqual((r.returncode, r.stderr), (0, ""))

    def test_state_file_under_a_regular_file(self):
        blocker = os.path.join(self.dir, "not-a-dir")
        open(blocker, "w").close()
        state_file = os.path.join(blocker, "sub", "positions.json")
        path = self.config(blocker, state_file)  # the glob matches a regular file
        r = harness.run_cli("check-config", "--config.file=" + path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.splitlines(), [
            'warning: %s: state_file "%s": its directory "%s" does not exist and "%s" is not a '
            "directory; file positions cannot be saved, so a restart will not resume where "
            "reading stopped" % (path, state_file, os.path.dirname(state_file), blocker)])

    def test_a_taken_http_port_is_named_by_its_flag(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            address = "127.0.0.1:%d" % taken.getsockname()[1]
            exporter = harness.Exporter("inputs: {udp: [{name: u, listen: '127.0.0.1:0'}]}\n",
                                        listen=address, workdir=self.dir)
            exporter.start(expect_ready=False)
            self.assertEqual(exporter.wait_exit(), 1)
        errors = [harness.parse_logfmt(raw) for raw in exporter.lines
                  if harness.parse_logfmt(raw).get("msg") == "cannot start"]
        self.assertEqual([e["error"] for e in errors], [
            "http server (--web.listen-address=%s): cannot listen on %s: Address already in use"
            % (address, address)])


if __name__ == "__main__":
    unittest.main()
