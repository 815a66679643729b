"""Rule-level difference of two rules folders (relative path → YAML text)."""

from __future__ import annotations

import yaml

from engine.yaml_load import LOADER


def _rules(files: dict[str, str]) -> tuple[dict[str, dict], set[str]]:
    """Rule id → {file, position, rule}; and the files that are not ruleset files."""
    rules: dict[str, dict] = {}
    other: set[str] = set()
    for rel, text in files.items():
        try:
            doc = yaml.load(text, Loader=LOADER)
        except yaml.YAMLError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("rules"), list) and "ruleset" in doc:
            for i, rule in enumerate(doc["rules"]):
                if isinstance(rule, dict) and isinstance(rule.get("id"), str):
                    rules[rule["id"]] = {"file": rel, "position": i + 1, "rule": rule}
        else:
            other.add(rel)
    return rules, other


def _order(rules: dict[str, dict], file: str, common) -> list[str]:
    in_file = [rid for rid in common if rules[rid]["file"] == file]
    return sorted(in_file, key=lambda rid: rules[rid]["position"])


def rules_diff(old: dict[str, str], new: dict[str, str]) -> dict:
    """Added, removed and changed rules (with the fields that changed), rules moved to another
    file, files whose rules changed order (order decides in ``first`` rulesets), and the other
    files (directory, calendars, deadlines, pipeline…) that changed."""
    a, a_other = _rules(old)
    b, b_other = _rules(new)
    added = [{"rule": rid, "file": b[rid]["file"], "definition": b[rid]["rule"]} for rid in b if rid not in a]
    removed = [{"rule": rid, "file": a[rid]["file"], "definition": a[rid]["rule"]} for rid in a if rid not in b]
    changed, moved = [], []
    for rid in a.keys() & b.keys():
        before, after = a[rid]["rule"], b[rid]["rule"]
        fields = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        if fields:
            changed.append({"rule": rid, "file": b[rid]["file"], "fields": fields,
                            "before": {k: before.get(k) for k in fields}, "after": {k: after.get(k) for k in fields}})
        if a[rid]["file"] != b[rid]["file"]:
            moved.append({"rule": rid, "from": a[rid]["file"], "to": b[rid]["file"]})
    common = a.keys() & b.keys()
    reordered = sorted({
        b[rid]["file"] for rid in common
        if _order(a, b[rid]["file"], common) != _order(b, b[rid]["file"], common)
    })
    files = sorted(rel for rel in (a_other | b_other) if old.get(rel) != new.get(rel))
    return {
        "added": sorted(added, key=lambda x: x["rule"]),
        "removed": sorted(removed, key=lambda x: x["rule"]),
        "changed": sorted(changed, key=lambda x: x["rule"]),
        "moved": sorted(moved, key=lambda x: x["rule"]),
        "reordered_files": reordered,
        "other_files_changed": files,
    }
