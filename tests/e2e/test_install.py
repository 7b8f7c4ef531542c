"""`cmake --install`: what it installs where, for the prefixes an operator
uses. Paths outside the prefix (config, unit) follow it: /usr gives /etc and
/lib/systemd/system, /opt/NAME gives /etc/opt/NAME, others PREFIX/etc. The
installed unit names the installed binary and config.
"""

import os
import subprocess
import unittest

import harness

BUILD_DIR = os.environ.get("COS_BUILD_DIR", "")

COMMON = ["share/man/man1/cos_error_exporter.1.gz",
          "share/bash-completion/completions/cos_error_exporter",
          "share/doc/cos-error-exporter/copyright",
          "share/doc/cos-error-exporter/changelog.gz",
          "share/doc/cos-error-exporter/runbooks.md",
          "share/doc/cos-error-exporter/examples/alertmanager.yml",
          "share/doc/cos-error-exporter/examples/web-config.example.yml",
          "share/doc/cos-error-exporter/examples/rules.yml",
          "share/doc/cos-error-exporter/examples/prometheus.yml",
          "share/doc/cos-error-exporter/examples/cos-errors.json",
          "share/doc/cos-error-exporter/examples/cos-errors-pod-logs.json",
          "share/doc/cos-error-exporter/examples/make_dashboard.py",
          "share/doc/cos-error-exporter/examples/config_labels.py"]


def install(test, prefix):
    """The files `cmake --install --prefix PREFIX` writes, relative to / (under DESTDIR)."""
    destdir = harness.temp_dir(test, "cos-install-")
    result = subprocess.run(["cmake", "--install", BUILD_DIR, "--prefix", prefix],
                            env={**os.environ, "DESTDIR": destdir}, capture_output=True,
                            text=True)
    test.assertEqual(result.returncode, 0, result.stdout + result.stderr)
    files = set()
    for directory, _, names in os.walk(destdir):
        for name in names:
            files.add(os.path.relpath(os.path.join(directory, name), destdir))
    return destdir, files


class CmakeInstall(unittest.TestCase):
    def setUp(self):
        assert BUILD_DIR, "COS_BUILD_DIR is not set"

    def check(self, prefix, etc, units):
        destdir, files = install(self, prefix)
        root_prefix = prefix.lstrip("/")
        expected = {os.path.join(root_prefix, "bin/cos_error_exporter"),
                    os.path.join(etc, "cos_error_exporter/exporter.yaml"),
                    os.path.join(etc, "default/cos_error_exporter"),
                    os.path.join(units, "cos_error_exporter.service")}
        expected |= {os.path.join(root_prefix, path) for path in COMMON}
        self.assertEqual(files, expected)
        with open(os.path.join(destdir, units, "cos_error_exporter.service")) as f:
            unit = f.read().splitlines()
        self.assertIn("EnvironmentFile=-/%s/default/cos_error_exporter" % etc, unit)
        self.assertIn("ExecStart=%s/bin/cos_error_exporter "
                      "--config.file=/%s/cos_error_exporter/exporter.yaml $ARGS" % (prefix, etc),
                      unit)
        with open(os.path.join(destdir, etc, "cos_error_exporter/exporter.yaml")) as installed, \
                open(os.path.join(harness.SOURCE_DIR, "config/exporter.yaml")) as shipped:
            self.assertEqual(installed.read(), shipped.read())

    def test_usr_puts_config_in_etc_and_the_unit_in_lib(self):
        self.check("/usr", "etc", "lib/systemd/system")

    def test_usr_local_keeps_everything_under_the_prefix(self):
        self.check("/usr/local", "usr/local/etc", "usr/local/lib/systemd/system")

    def test_opt_puts_config_in_etc_opt(self):
        self.check("/opt/cos_error_exporter", "etc/opt/cos_error_exporter",
                   "opt/cos_error_exporter/lib/systemd/system")


if __name__ == "__main__":
    unittest.main()
