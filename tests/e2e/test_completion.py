"""Bash completion (deploy/bash-completion/cos_error_exporter, installed by the
package): subcommands, every flag --help lists, and the values of the flags
that take a fixed set."""

import os
import re
import subprocess
import unittest

import harness

SCRIPT = os.path.join(harness.SOURCE_DIR, "deploy/bash-completion/cos_error_exporter")


def complete(line):
    """What completing at the end of `line` offers, as bash splits words by
    default (at '=' too)."""
    words = re.findall(r"=|[^\s=]+", line) + ([""] if line.endswith(" ") else [])
    program = """
source %s
COMP_LINE=%s
COMP_POINT=${#COMP_LINE}
COMP_WORDS=(%s)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_cos_error_exporter
printf '%%s\\n' "${COMPREPLY[@]}"
""" % (SCRIPT, shquote(line), " ".join(shquote(w) for w in words))
    r = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return sorted(w for w in r.stdout.splitlines() if w)


def shquote(text):
    return "'" + text.replace("'", "'\\''") + "'"


class CompletionTest(unittest.TestCase):
    def test_it_is_registered(self):
        r = subprocess.run(["bash", "-c", "source %s; complete -p cos_error_exporter" % SCRIPT],
                           capture_output=True, text=True)
        self.assertEqual(r.stdout.strip(), "complete -F _cos_error_exporter cos_error_exporter")

    def test_subcommands_and_values(self):
        self.assertEqual(complete("cos_error_exporter "),
                         ["catalog", "check-config", "classify", "rules"])
        self.assertEqual(complete("cos_error_exporter cl"), ["classify"])
        self.assertEqual(complete("cos_error_exporter --log.level="),
                         ["debug", "error", "info", "warn"])
        self.assertEqual(complete("cos_error_exporter --log.format=j"), ["json"])
        self.assertEqual(complete("cos_error_exporter catalog --format="),
                         ["json", "table", "yaml"])
        self.assertEqual(complete("cos_error_exporter classify -3 --sdk=ja"), ["java"])
        self.assertEqual(complete("cos_error_exporter --web.enable-l"), ["--web.enable-lifecycle"])
        self.assertIn(os.path.join(harness.SOURCE_DIR, "README.md"),
                      complete("cos_error_exporter --config.file=%s/READ" % harness.SOURCE_DIR))

    def test_it_offers_every_flag_of_the_help(self):
        help_text = harness.run_cli("--help").stdout
        flags = sorted(set(re.findall(r"^ +(?:-h, )?(--[a-z.-]+)", help_text, re.M)))
        self.assertIn("--web.enable-lifecycle", flags)
        offered = complete("cos_error_exporter classify --") + \
            complete("cos_error_exporter catalog --")
        offered = sorted(set(f.rstrip("=") for f in offered))
        self.assertEqual(offered, flags)


if __name__ == "__main__":
    unittest.main()
