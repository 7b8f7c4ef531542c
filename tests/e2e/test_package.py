# ctest-labels: slow (builds the Debian package: a minute or more)
"""The Debian package: CPack builds it from the build tree, lintian finds no
error in it, and it installs, runs and purges in a clean Debian 12 root.

The root is the cached `debootstrap --variant=minbase bookworm` tree
(debian_root.py), copied; apt-get installs the package there with the
libraries its Depends name, from the mirror the host uses. Needs root; the
first run bootstraps the tree (about two minutes).
"""

import glob
import os
import re
import subprocess
import tempfile
import time
import unittest

import debian_root
from debian_root import run

BUILD_DIR = os.environ.get("COS_BUILD_DIR", "")
PACKAGE = "cos-error-exporter"
CONFIG = "/etc/cos_error_exporter/exporter.yaml"


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        debian_root.require_root_and_tools(cls, "cpack", "dpkg-deb", "dpkg-shlibdeps", "lintian",
                                           "debootstrap")
        assert BUILD_DIR, "COS_BUILD_DIR is not set"
        cls.out = tempfile.TemporaryDirectory(prefix="cos-deb-")
        started = time.monotonic()
        run(["cpack", "-G", "DEB", "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"),
             "-B", cls.out.name], timeout=1200)
        debs = glob.glob(os.path.join(cls.out.name, "*.deb"))
        assert len(debs) == 1, debs
        cls.deb = debs[0]
        print("cpack: %.1f s" % (time.monotonic() - started), flush=True)

    @classmethod
    def tearDownClass(cls):
        cls.out.cleanup()

    def field(self, name):
        return run(["dpkg-deb", "-f", self.deb, name]).stdout.strip()

    def test_control_fields(self):
        version = run([os.path.join(BUILD_DIR, "cos_error_exporter"), "--version"]).stdout
        self.assertEqual(self.field("Package"), PACKAGE)
        self.assertIn("version %s " % self.field("Version"), version)
        depends = [d.split()[0] for d in self.field("Depends").split(", ")]
        # dpkg-shlibdeps found every library the binary links; adduser is for postinst.
        for needed in ("adduser", "libc6", "libprometheus-cpp-core1.0", "libyaml-cpp0.7",
                       "libsimdjson14", "libre2-9", "libboost-program-options1.74.0",
                       "libssl3", "zlib1g", "libcrypt1", "libprotobuf32"):
            self.assertIn(needed, depends)

    def test_contents(self):
        listing = run(["dpkg-deb", "-c", self.deb]).stdout
        paths = set(re.findall(r" \./(\S+)$", listing, re.M))
        for path in ("usr/bin/cos_error_exporter", "etc/cos_error_exporter/exporter.yaml",
                     "etc/default/cos_error_exporter",
                     "lib/systemd/system/cos_error_exporter.service",
                     "usr/share/man/man1/cos_error_exporter.1.gz",
                     "usr/share/bash-completion/completions/cos_error_exporter",
                     "usr/share/doc/%s/copyright" % PACKAGE,
                     "usr/share/doc/%s/changelog.gz" % PACKAGE,
                     "usr/share/doc/%s/examples/rules.yml" % PACKAGE,
                     "usr/share/doc/%s/runbooks.md" % PACKAGE,
                     "usr/share/doc/%s/examples/alertmanager.yml" % PACKAGE,
                     "usr/share/doc/%s/examples/cos-errors.json" % PACKAGE,
                     "usr/share/doc/%s/examples/cos-errors-pod-logs.json" % PACKAGE,
                     "usr/share/doc/%s/examples/make_dashboard.py" % PACKAGE,
                     "usr/share/doc/%s/examples/config_labels.py" % PACKAGE,
                     "usr/share/doc/%s/examples/web-config.example.yml" % PACKAGE):
            self.assertIn(path, paths)
        with tempfile.TemporaryDirectory() as control:
            run(["dpkg-deb", "-e", self.deb, control])
            with open(os.path.join(control, "conffiles")) as f:
                self.assertEqual(f.read().split(), [CONFIG, "/etc/default/cos_error_exporter"])

    def test_lintian_reports_no_error(self):
        result = subprocess.run(["lintian", "--allow-root", "--display-info", "--fail-on=error",
                                 self.deb], capture_output=True, text=True)
        tags = [line for line in result.stdout.splitlines() if re.match(r"^[EWIPX]: ", line)]
        errors = [tag for tag in tags if tag.startswith("E: ")]
        self.assertEqual((result.returncode, errors), (0, []), result.stdout + result.stderr)
        print("lintian:\n" + "\n".join(tags), flush=True)

    def test_installs_runs_and_purges_in_a_clean_debian_root(self):
        root = debian_root.copy_of_root(self)
        run(["cp", self.deb, os.path.join(root, "tmp/package.deb")])
        run(["cp", "/etc/resolv.conf", os.path.join(root, "etc/resolv.conf")])

        def chroot(*command, timeout=60):
            return run(["chroot", root, *command], timeout=timeout,
                       env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
                            "DEBIAN_FRONTEND": "noninteractive"})

        with debian_root.proc_mounted(root):
            started = time.monotonic()
            chroot("apt-get", "update", "-qq", timeout=600)
            # apt resolves the Depends from the mirror, then dpkg runs postinst.
            chroot("apt-get", "install", "-y", "-qq", "--no-install-recommends",
                   "/tmp/package.deb", timeout=900)
            print("install in the clean root: %.1f s" % (time.monotonic() - started), flush=True)

            self.assertRegex(chroot("cos_error_exporter", "--version").stdout,
                             r"^cos_error_exporter, version \d+\.\d+\.\d+ \(revision: \w+\)\n$")
            self.assertEqual(chroot("cos_error_exporter", "check-config",
                                    "--config.file=" + CONFIG).stdout,
                             "config OK: %s (1 inputs, 8 groups, 201 catalog entries + 13 SDK "
                             "dialect names)\n" % CONFIG)
            self.assertRegex(chroot("getent", "passwd", "cos_error_exporter").stdout,
                             r"^cos_error_exporter:x:\d+:\d+:[^:]*:/var/lib/cos_error_exporter:"
                             r"/usr/sbin/nologin\n$")
            self.assertTrue(os.path.islink(os.path.join(
                root, "etc/systemd/system/multi-user.target.wants/cos_error_exporter.service")))
            unit = chroot("cat", "/lib/systemd/system/cos_error_exporter.service").stdout
            self.assertIn("\nExecStart=/usr/bin/cos_error_exporter --config.file=%s $ARGS\n"
                          % CONFIG, unit)
            self.assertIn("\nEnvironmentFile=-/etc/default/cos_error_exporter\n", unit)
            conffiles = chroot("dpkg-query", "-W", "-f=${Conffiles}", PACKAGE).stdout
            self.assertEqual(re.findall(r"^ (\S+) [0-9a-f]{32}$", conffiles, re.M),
                             [CONFIG, "/etc/default/cos_error_exporter"])

            # An edited conffile survives removal; purge takes it, the user and the state.
            with open(os.path.join(root, CONFIG.lstrip("/")), "a") as f:
                f.write("# edited by the operator\n")
            chroot("apt-get", "remove", "-y", "-qq", PACKAGE, timeout=300)
            self.assertTrue(os.path.exists(os.path.join(root, CONFIG.lstrip("/"))))
            self.assertFalse(os.path.exists(os.path.join(root, "usr/bin/cos_error_exporter")))
            chroot("apt-get", "purge", "-y", "-qq", PACKAGE, timeout=300)
            self.assertFalse(os.path.exists(os.path.join(root, CONFIG.lstrip("/"))))
            self.assertEqual(subprocess.run(["chroot", root, "getent", "passwd",
                                             "cos_error_exporter"]).returncode, 2)


if __name__ == "__main__":
    unittest.main()
