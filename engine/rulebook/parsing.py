"""What every rule-file parser shares: the context that names the file, rule and field in an
error, reading a YAML file, checking a mapping's keys, and a rule entry's id."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from engine.wording.staff import did_you_mean
from engine.yaml_load import safe_load

from .model import RulebookError


class ParseContext:
    def __init__(self, file: str, bodies, roles, policies, topics, officials):
        self.file = file
        self.bodies = bodies
        self.roles = roles
        self.policies = policies
        self.topics = topics
        self.officials = officials
        self.rule: str | None = None
        self.keys: dict[tuple, str] = {}

    def error(self, field: str | None, message: str) -> RulebookError:
        parts = [self.file]
        if self.rule is not None:
            parts.append(f"правило {self.rule}")
        if field:
            parts.append(f"поле {field}")
        parts.append(message)
        return RulebookError(": ".join(parts))


def read_yaml(path: Path, rel: str):
    try:
        with path.open(encoding="utf-8") as fh:
            return safe_load(fh)
    except yaml.YAMLError as exc:
        raise RulebookError(f"{rel}: invalid YAML: {exc}") from exc
    except OSError as exc:
        raise RulebookError(f"{rel}: cannot read: {exc.strerror}") from exc


def check_keys(ctx: ParseContext, raw: dict, required: set, optional: set, where: str | None) -> None:
    prefix = f"{where}." if where else ""
    for k in raw:
        if k not in required and k not in optional:
            raise ctx.error(f"{prefix}{k}", f"неизвестное поле{did_you_mean(k, required | optional)}; "
                                                f"допустимы: {', '.join(sorted(required | optional))}")
    for k in sorted(required):
        if k not in raw:
            raise ctx.error(f"{prefix}{k}", "обязательное поле отсутствует")


RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def start_rule(ctx: ParseContext, raw, index: int, seen: set[str]) -> str:
    """The id of rule entry ``index`` (a mapping with a well-formed id not seen before in the file),
    made the context's rule so that later errors name it."""
    ctx.rule = None
    if not isinstance(raw, dict):
        raise ctx.error(f"rules[{index}]", "ожидается словарь (ключ: значение)")
    rid = raw.get("id")
    if not isinstance(rid, str) or not RULE_ID.match(rid):
        raise ctx.error(f"rules[{index}].id", f"нет идентификатора правила или он неверен: {rid!r}")
    ctx.rule = rid
    if rid in seen:
        raise ctx.error("id", "идентификатор правила повторяется")
    seen.add(rid)
    return rid
