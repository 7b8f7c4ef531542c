"""A clean Debian 12 root for the packaging tests, made once and cached.

`debootstrap --variant=minbase bookworm` from the mirror the host's apt uses
builds it (no registry is reachable, so it is also the `debian:12-slim` base
image: `podman import`). It is kept under $COS_TEST_CACHE
(/var/cache/cos_error_exporter-test by default); a lock makes concurrent tests
wait for one another instead of bootstrapping twice. These tests need root.
"""

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import unittest

CACHE = os.environ.get("COS_TEST_CACHE", "/var/cache/cos_error_exporter-test")
SUITE = "bookworm"
BASE_IMAGE = "docker.io/library/debian:12-slim"
DEBIAN_SOURCES = "/etc/apt/sources.list.d/debian.sources"


def require_root_and_tools(test, *tools):
    """Skips `test` (a TestCase) unless run as root with every tool present."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root (debootstrap, chroot, podman's root store)")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise unittest.SkipTest("missing tools (scripts/test-packages.txt): " + " ".join(missing))


def host_mirrors():
    """{suite: URI} of the host's deb822 sources; the first URI is the main archive."""
    with open(DEBIAN_SOURCES, encoding="utf-8") as f:
        text = f.read()
    mirrors = {}
    for stanza in re.split(r"\n\s*\n", text):
        uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
        suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
        if uris and suites:
            for suite in suites.group(1).split():
                mirrors.setdefault(suite, uris.group(1))
    return mirrors


@contextlib.contextmanager
def cache_lock(name):
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def run(command, **kwargs):
    """Runs a command; its output goes into the AssertionError when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, errors="replace", **kwargs)
    if result.returncode != 0:
        raise AssertionError("%s exited with %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(command), result.returncode, result.stdout[-4000:],
                                result.stderr[-4000:]))
    return result


def minbase_root():
    """The path of the cached debootstrap tree, made on first use."""
    root = os.path.join(CACHE, SUITE + "-minbase")
    with cache_lock("minbase"):
        if not os.path.exists(os.path.join(root, ".complete")):
            partial = root + ".partial"
            shutil.rmtree(partial, ignore_errors=True)
            shutil.rmtree(root, ignore_errors=True)
            mirrors = host_mirrors()
            run(["debootstrap", "--variant=minbase", SUITE, partial, mirrors[SUITE]], timeout=1800)
            # The same suites as the host (updates, security), so the versions
            # a package built here depends on can be installed there too.
            with open(os.path.join(partial, "etc/apt/sources.list"), "w") as f:
                for suite, uri in mirrors.items():
                    f.write("deb %s %s main\n" % (uri, suite))
            shutil.rmtree(os.path.join(partial, "var/cache/apt/archives"), ignore_errors=True)
            os.makedirs(os.path.join(partial, "var/cache/apt/archives/partial"))
            open(os.path.join(partial, ".complete"), "w").close()
            os.rename(partial, root)
    return root


def mounts_under(path):
    prefix = os.path.realpath(path) + "/"
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        return [line.split()[4] for line in f if line.split()[4].startswith(prefix)]


def remove_tree(path):
    """Removes a root copy, never following a mount still inside it."""
    for mount in sorted(mounts_under(path), reverse=True):
        subprocess.run(["umount", "-l", mount])
    if mounts_under(path):
        raise AssertionError("left %s in place: still mounted: %s" % (path, mounts_under(path)))
    shutil.rmtree(path, ignore_errors=True)


def copy_of_root(test):
    """A private copy of the clean root that is removed when `test` ends."""
    clean = minbase_root()
    os.makedirs(os.path.join(CACHE, "work"), exist_ok=True)
    copy = os.path.join(CACHE, "work", "root-%d-%d" % (os.getpid(), id(test)))
    remove_tree(copy)
    run(["cp", "-a", clean, copy])
    test.addCleanup(remove_tree, copy)
    return copy


def base_image():
    """Makes sure podman has the debian:12-slim base, imported from the minbase tree."""
    with cache_lock("base-image"):
        if subprocess.run(["podman", "image", "exists", BASE_IMAGE]).returncode != 0:
            root = minbase_root()
            tar = subprocess.Popen(["tar", "-C", root, "--exclude=./.complete", "-c", "."],
                                   stdout=subprocess.PIPE)
            run(["podman", "import", "--change", "CMD [\"bash\"]", "-", BASE_IMAGE],
                stdin=tar.stdout, timeout=600)
            tar.stdout.close()
            if tar.wait() != 0:
                raise AssertionError("tar of %s failed" % root)
    return BASE_IMAGE


@contextlib.contextmanager
def proc_mounted(root):
    """A fresh /proc inside `root` while in the block (debootstrap made /dev)."""
    path = os.path.join(root, "proc")
    run(["mount", "-t", "proc", "proc", path])
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", path])
