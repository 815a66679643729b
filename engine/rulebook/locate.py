"""Line numbers for messages about rule files: ``file: правило ID: поле a.b[0].c: …`` → a line."""

from __future__ import annotations

import re

import yaml

from engine.yaml_load import LOADER

_MESSAGE = re.compile(r"^(?P<file>[^:\s]+\.yaml)(?:: (?:rule|правило) (?P<rule>[a-z0-9._-]+))?"
                      r"(?:: (?:field|поле) (?P<field>[^:\s]+))?")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def split_message(message: str) -> tuple[str | None, str | None, str | None]:
    """(file, rule id, field path) named at the start of a loader message."""
    m = _MESSAGE.match(message)
    if not m:
        return None, None, None
    return m.group("file"), m.group("rule"), m.group("field")


def find_line(text: str, rule: str | None, field: str | None) -> int | None:
    """The 1-based line of the rule's field (or of the rule, or of a top-level field)."""
    try:
        node = yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return mark.line + 1 if mark else None
    if node is None:
        return None
    best = node
    if rule is not None:
        rules = _child(node, "rules")
        found = None
        if isinstance(rules, yaml.SequenceNode):
            for item in rules.value:
                ident = _child(item, "id")
                if isinstance(ident, yaml.ScalarNode) and ident.value == rule:
                    found = item
        if found is None:
            return None
        best = node = found
    for name, index in _STEP.findall(field or ""):
        node = _child(node, name) if name else _item(node, int(index))
        if node is None:
            break
        best = node
    return best.start_mark.line + 1


def _child(node, key: str):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v
    return None


def _item(node, index: int):
    if isinstance(node, yaml.SequenceNode) and 0 <= index < len(node.value):
        return node.value[index]
    return None


def line_of(files: dict[str, str], message: str) -> tuple[str | None, int | None]:
    """(file, line) for a loader message, given the draft's files (relative path → text)."""
    file, rule, field = split_message(message)
    if file is None or file not in files:
        return file, None
    return file, find_line(files[file], rule, field)


def rule_lines(text: str) -> dict[str, int]:
    """Rule id → the line its entry starts on, for one ruleset file."""
    try:
        rules = _child(yaml.compose(text, Loader=LOADER), "rules")
    except yaml.YAMLError:
        return {}
    out: dict[str, int] = {}
    if isinstance(rules, yaml.SequenceNode):
        for item in rules.value:
            ident = _child(item, "id")
            if isinstance(ident, yaml.ScalarNode):
                out.setdefault(ident.value, item.start_mark.line + 1)
    return out
