#!/usr/bin/env python3
"""Fails when a component #includes a component above it, a private header of
another component, or when the components' include graph has a circle.

Usage: check_layering.py ROOT COMPONENT...   (components bottom to top, as
                                             CMakeLists.txt lists them)
       check_layering.py --self-test         (proves the check catches both)

A component is a folder: exporter/<component>/ (sources and the headers only
it uses) and include/cos_exporter/<component>/ (what other components use).
exporter/main.cpp sits above every component. The generated-data headers at
include/cos_exporter/*.hpp belong to no component and include nothing.
"""

import os
import re
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
MAIN = "<main>"


def component_of(path):
    """(component, private) of a file relative to the root, or (None, False)."""
    parts = path.split("/")
    if parts[0] == "exporter":
        return (parts[1], True) if len(parts) > 2 else (MAIN, True)
    if parts[:2] == ["include", "cos_exporter"] and len(parts) > 3:
        return parts[2], False
    return None, False


def resolve(root, source, name):
    """The file an #include "name" in `source` reads, relative to root."""
    for base in (os.path.dirname(source), "include", "exporter"):
        candidate = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def sources(root):
    for top in ("exporter", "include"):
        for directory, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if name.endswith((".cpp", ".hpp", ".h")):
                    yield os.path.relpath(os.path.join(directory, name), root)


def find_circle(graph):
    """One circle of the graph as a list of components, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


def check(root, order):
    rank = {name: i for i, name in enumerate(order)}
    rank[MAIN] = len(order)
    problems, graph = [], {}
    for source in sources(root):
        comp, _ = component_of(source)
        if comp is None:
            continue
        if comp not in rank:
            problems.append(f"{source}: folder '{comp}' is not a component in the order {order}")
            continue
        text = open(os.path.join(root, source), encoding="utf-8", errors="replace").read()
        for match in INCLUDE.finditer(text):
            target = resolve(root, source, match.group(1))
            line = text.count("\n", 0, match.start()) + 1
            if target is None:
                continue  # a generated or system header
            other, private = component_of(target)
            if other is None or other == comp:
                continue
            graph.setdefault(comp, set()).add(other)
            where = f"{source}:{line}: includes {match.group(1)}"
            if other not in rank:
                problems.append(f"{where}, of folder '{other}', which is not a component")
            elif rank[other] > rank[comp]:
                problems.append(f"{where}: '{comp}' may not include '{other}', which is above it")
            elif private:
                problems.append(f"{where}: a header private to '{other}'; move it to "
                                f"include/cos_exporter/{other}/ if other components need it")
    circle = find_circle(graph)
    if circle:
        problems.append("components include each other in a circle: " + " -> ".join(circle))
    return problems


def self_test():
    """The check must fail on an include against the order and on a circle."""
    def tree(files):
        root = tempfile.mkdtemp(prefix="layering.")
        for path, text in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), "w") as out:
                out.write(text)
        return root

    good = {
        "include/cos_exporter/low/a.hpp": "#pragma once\n",
        "exporter/low/a.cpp": '#include "cos_exporter/low/a.hpp"\n#include "private.hpp"\n',
        "exporter/low/private.hpp": "#pragma once\n",
        "include/cos_exporter/high/b.hpp": '#include "cos_exporter/low/a.hpp"\n',
        "exporter/main.cpp": '#include "cos_exporter/high/b.hpp"\n',
    }
    failures = []
    if check(tree(good), ["low", "high"]):
        rejected = check(tree(good), ["low", "high"])
        failures.append("a correct tree was rejected: " + "; ".join(rejected))
    upward = dict(good, **{"exporter/low/a.cpp": '#include "cos_exporter/high/b.hpp"\n'})
    found = check(tree(upward), ["low", "high"])
    if not any("may not include 'high'" in p for p in found):
        failures.append("an include against the order passed")
    if not any("circle" in p for p in found):
        failures.append("a circle between two components passed")
    private = dict(good, **{"exporter/high/b.cpp": '#include "low/private.hpp"\n'})
    if not any("private to 'low'" in p for p in check(tree(private), ["low", "high"])):
        failures.append("an include of another component's private header passed")
    stray = dict(good, **{"exporter/stray/c.cpp": "\n"})
    if not any("not a component" in p for p in check(tree(stray), ["low", "high"])):
        failures.append("a folder outside the order passed")
    for failure in failures:
        print("self-test:", failure)
    return 1 if failures else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 3:
        print(__doc__)
        return 2
    problems = check(argv[1], argv[2:])
    for problem in problems:
        print(problem)
    if problems:
        print("Layering broken; the order (bottom to top) is: " + " < ".join(argv[2:]) +
              ". See docs/architecture.md.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
