"""What every rule-file parser shares: the context that names the file, rule and field in an
error, reading a YAML file, and checking a mapping's keys."""

from __future__ import annotations

from pathlib import Path

import yaml

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
            parts.append(f"rule {self.rule}")
        if field:
            parts.append(f"field {field}")
        parts.append(message)
        return RulebookError(": ".join(parts))


def read_yaml(path: Path, rel: str):
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise RulebookError(f"{rel}: invalid YAML: {exc}") from exc
    except OSError as exc:
        raise RulebookError(f"{rel}: cannot read: {exc.strerror}") from exc


def check_keys(ctx: ParseContext, raw: dict, required: set, optional: set, where: str | None) -> None:
    prefix = f"{where}." if where else ""
    for k in raw:
        if k not in required and k not in optional:
            raise ctx.error(f"{prefix}{k}", f"unknown field; expected {', '.join(sorted(required | optional))}")
    for k in sorted(required):
        if k not in raw:
            raise ctx.error(f"{prefix}{k}", "missing required field")
