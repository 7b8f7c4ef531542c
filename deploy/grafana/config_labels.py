"""The extra labels that cos_error_exporter config files configure, as
make_dashboard.py turns them into dashboard variables: the keys of each
input's `labels:`, the named groups of each file input's `path_labels:`
regex, and the names of the top-level `event_labels:`.
"""

import re
from pathlib import Path

import yaml


def regex_group_names(regex):
    """The names of the named groups, `(?P<name>...)` or `(?<name>...)`, of an RE2 regex,
    in order; escaped parentheses and those in a character class are no groups."""
    names, i, in_class = [], 0, False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            i += 1
            if regex.startswith("^", i):
                i += 1
            if regex.startswith("]", i):  # a `]` first in a class is a literal
                i += 1
            continue
        elif c == "(":
            group = re.match(r"\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>", regex[i:])
            if group:
                names.append(group.group(1))
        i += 1
    return names


class ConfigError(Exception):
    pass


def read_config(path):
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror}")
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise ConfigError(f"{path}:{mark.line + 1}:{mark.column + 1}: {e.problem or e.context}")


def extra_labels(config_paths):
    """The extra labels the exporter config files configure, in the order they appear:
    inputs' static `labels:`, file inputs' `path_labels:` groups, then `event_labels:`."""
    found = []
    for path in config_paths:
        config = read_config(path)
        try:
            inputs = config.get("inputs") or {}
            for kind in ("udp", "unixgram", "files"):
                for source in inputs.get(kind) or []:
                    found += list(source.get("labels") or {})
                    if source.get("path_labels"):
                        found += regex_group_names(source["path_labels"])
            found += [label["name"] for label in config.get("event_labels") or []]
        except (AttributeError, KeyError, TypeError):
            raise ConfigError(f"{path}: not an exporter config "
                              "(`cos_error_exporter check-config --config.file=FILE` says why)")
    return list(dict.fromkeys(found))
