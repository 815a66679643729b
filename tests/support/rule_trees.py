"""Small rules trees written to a folder, and the directory's names a rulebook is checked against."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.support.paths import RULES_DIR

POLICY_IDS = {"fz59", "fz59-migration", "pos-message", "incident", "incident-high"}


def directory_sets() -> dict:
    d = yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8"))
    return {"bodies": {b["id"] for b in d["bodies"]}, "roles": set(d["roles"]), "policies": set(POLICY_IDS)}


def write_rules(root: Path, files: dict[str, object]) -> Path:
    """Write a rules tree: relative path -> YAML-able object (or raw text)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True, sort_keys=False)
        path.write_text(text, encoding="utf-8")
    return root


def minimal_tree(extra_route_rules: list | None = None, probe: dict | None = None) -> dict[str, object]:
    """A valid small rules tree; tests mutate it to provoke errors."""
    stages = []
    files: dict[str, object] = {}
    if probe is not None:
        stages.append({"name": "probe", "rulesets": ["t/probe"]})
        files["t/probe.yaml"] = probe
    stages += [
        {"name": "route", "rulesets": ["t/route"]},
        {"name": "deadline", "rulesets": ["t/deadline"]},
    ]
    files["pipeline.yaml"] = {"stages": stages}
    files["t/route.yaml"] = {
        "ruleset": "t/route",
        "hit_policy": "first",
        "rules": [
            *(extra_route_rules or []),
            {"id": "fallback", "description": "d", "then": {"assign": {"body": "cur-triage", "role": "executor"}}},
        ],
    }
    files["t/deadline.yaml"] = {
        "ruleset": "t/deadline",
        "hit_policy": "first",
        "rules": [{"id": "deadline-default", "description": "d", "then": {"deadline_policy": "fz59"}}],
    }
    return files
