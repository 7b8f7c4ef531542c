# ctest-labels: slow (builds the container image: a minute or more)
"""The container image: podman builds deploy/docker/Dockerfile from this source
tree, and the exporter in it starts as the image's non-root user, counts
events and serves /metrics.

`podman run` cannot run here (no registry, and crun may not set rlimits on
these machines), so the test runs the image's file system instead: `podman
create` + `podman export | tar -x`, then `chroot --userspec=UID:GID` with the
image's entrypoint. The `debian:12-slim` base is imported from the cached
debootstrap tree (debian_root.py). Needs root; the first build installs the
build stage's packages from the mirror and compiles the exporter.
"""

import json
import os
import signal
import subprocess
import time
import unittest

import debian_root
import harness
from debian_root import run

SOURCE_DIR = harness.SOURCE_DIR
IMAGE_CONFIG = "/etc/cos_error_exporter/exporter.yaml"
TEST_CONFIG = "/etc/cos_error_exporter/test.yaml"


class ContainerImage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        debian_root.require_root_and_tools(cls, "podman", "debootstrap", "chroot", "tar")
        debian_root.base_image()
        cls.image = "localhost/cos_error_exporter-test:%d" % os.getpid()
        started = time.monotonic()
        run(["podman", "build", "--isolation=chroot", "--layers", "-f",
             os.path.join(SOURCE_DIR, "deploy/docker/Dockerfile"), "-t", cls.image, SOURCE_DIR],
            timeout=3000)
        print("podman build: %.1f s" % (time.monotonic() - started), flush=True)

    @classmethod
    def tearDownClass(cls):
        # The tag goes; the layers stay in podman's store as the next build's cache.
        subprocess.run(["podman", "untag", cls.image], capture_output=True)

    def export_root(self):
        """The image's file system, as `podman export` writes a container's."""
        root = os.path.join(debian_root.CACHE, "work", "image-%d" % os.getpid())
        debian_root.remove_tree(root)
        os.makedirs(root)
        self.addCleanup(debian_root.remove_tree, root)
        container = run(["podman", "create", self.image]).stdout.strip()
        try:
            export = subprocess.Popen(["podman", "export", container], stdout=subprocess.PIPE)
            run(["tar", "-x", "-C", root], stdin=export.stdout, timeout=600)
            export.stdout.close()
            self.assertEqual(export.wait(), 0)
        finally:
            subprocess.run(["podman", "rm", "-f", "-v", container], capture_output=True)
        return root

    def test_exporter_runs_as_the_image_user_and_counts_events(self):
        config = json.loads(run(["podman", "image", "inspect", self.image]).stdout)[0]["Config"]
        self.assertEqual(config["User"], "9742:9742")
        self.assertEqual(config["Entrypoint"], ["/usr/local/bin/cos_error_exporter"])
        self.assertEqual(config["Cmd"], ["--config.file=" + IMAGE_CONFIG])
        root = self.export_root()

        # The image's own config, but on port 0: the host's 9742 may be taken.
        with open(os.path.join(root, IMAGE_CONFIG.lstrip("/"))) as f:
            text = f.read()
        self.assertEqual(text.count('listen: "0.0.0.0:9742"'), 1)
        with open(os.path.join(root, TEST_CONFIG.lstrip("/")), "w") as f:
            f.write(text.replace('listen: "0.0.0.0:9742"', 'listen: "127.0.0.1:0"'))

        exporter = harness.Exporter(
            wrapper=["chroot", "--userspec=" + config["User"], root],
            binary=config["Entrypoint"][0],
            args=["--config.file=" + TEST_CONFIG], listen="127.0.0.1:0")
        with debian_root.proc_mounted(root), exporter:
            with open("/proc/%d/status" % exporter.process.pid) as f:
                uids = [line.split()[1:] for line in f if line.startswith(("Uid:", "Gid:"))]
            self.assertEqual(uids, [["9742"] * 4, ["9742"] * 4])
            exporter.wait_for(lambda: {"udp", "unixgram"} <= set(exporter.inputs), 30, "inputs")
            self.assertEqual(exporter.inputs["unixgram"], "/run/cos_error_exporter/events.sock")

            exporter.send_udp('{"code":-4016,"message":"ErrNotSameSHA"}\ncode=-96\n')
            exporter.send_unix("-96", os.path.join(root, "run/cos_error_exporter/events.sock"))
            m = exporter.wait_metric("cos_error_exporter_events_received_total", 2, input="udp")
            m = exporter.wait_metric("cos_error_exporter_events_received_total", 1,
                                     input="unixgram")
            self.assertEqual(m.get("cos_errors_total", category="file_plugin", code="-4016",
                                   name="ErrNotSameSHA"), 1)
            self.assertEqual(m.get("cos_errors_total", category="proxy", code="-96",
                                   name="ERROR_PROXY_AUTH_EXPIRED"), 2)
            self.assertEqual(m.get("cos_group_errors_total", group="integrity"), 1)
            self.assertEqual(m.get("cos_group_errors_total", group="auth"), 2)
            self.assertEqual(m.get("cos_events_total", outcome="error"), 3)
            self.assertEqual(m.get("cos_error_exporter_config_last_reload_successful"), 1)
            self.assertIsNotNone(m.get("process_resident_memory_bytes"))
            code, _ = exporter.stop(signal.SIGTERM, timeout=30)
            self.assertEqual(code, 0, exporter.log_text())
        # The non-root user could write its state where the image says.
        state = os.path.join(root, "var/lib/cos_error_exporter/positions.json")
        self.assertTrue(os.path.exists(state), exporter.log_text())
        self.assertEqual(os.stat(state).st_uid, 9742)


if __name__ == "__main__":
    unittest.main()
