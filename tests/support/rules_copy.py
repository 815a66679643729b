"""A copy of the rules folder with some YAML files edited, loaded as a policy set; drafts of edited rules."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from engine.policyset import load_policy_set
from tests.support.paths import RULES_DIR


def edited_policy(tmp_path: Path, **edits: Callable[[dict], None]):
    """edits: file stem (directory, escalation) → a function that changes the parsed document in place."""
    folder = tmp_path / "rules"
    shutil.copytree(RULES_DIR, folder)
    for stem, edit in edits.items():
        path = folder / f"{stem}.yaml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit(doc)
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_policy_set(folder)


def official(doc: dict, official_id: str) -> dict:
    return next(o for o in doc["officials"] if o["id"] == official_id)


def changed_fallback(files: dict[str, str], body: str = "min-social") -> dict[str, str]:
    """A draft whose route fallback sends appeals to another body (its cases follow)."""
    return {rel: (text.replace("body: cur-triage", f"body: {body}") if rel.startswith("routing/") else text)
            for rel, text in files.items()}
