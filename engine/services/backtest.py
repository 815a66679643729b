"""Backtest: replay stored appeals through a draft and through the active version, with the
production decision path (``PolicySet.decide``), and report what would change.

Changes of body, role, deadline policy and priority are counted and grouped by
(old route rule → new route rule), with examples and the deadlines that would differ. The
draft is checked first (in a child process, like a publish), so it cannot hang the service.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from engine.domain.deadlines import compute_clocks
from engine.policyset import PolicySet, load_policy_set_from_files
from engine.store import rule_versions
from engine.store.appeals import incoming_from

from .rules import RulesRefused, _refusal
from .rules_check import DEFAULT_TIMEOUT, check_files

FIELDS = ("body", "role", "policy", "priority")
EXAMPLES_PER_GROUP = 5


def simulate_draft(files: dict[str, str], active: PolicySet, *, since: datetime, limit: int | None = None,
                   progress: Callable[[int, int], None] | None = None, timeout: float = DEFAULT_TIMEOUT) -> dict:
    report = check_files(files, timeout=timeout)
    if report.errors:
        raise RulesRefused(_refusal(report), report)
    draft = load_policy_set_from_files(files)
    try:
        return replay(active, draft, since=since, limit=limit, progress=progress)
    finally:
        draft.rulebook.retire()


def replay(old: PolicySet, new: PolicySet, *, since: datetime, limit: int | None = None,
           progress: Callable[[int, int], None] | None = None, every: int = 1000) -> dict:
    started = time.perf_counter()
    total = rule_versions.count_appeals_since(since)
    total = min(total, limit) if limit is not None else total
    groups: dict[tuple[str, str], dict] = {}
    counts = dict.fromkeys(FIELDS, 0)
    done = changed = deadlines_changed = reused = 0
    for record, stored in rule_versions.appeals_since(since, limit=limit):
        incoming = incoming_from(record)
        recorded = _stored(stored, old)
        before = recorded or old.decide(incoming)
        reused += recorded is not None
        after = new.decide(incoming)
        diffs = [f for f in FIELDS if _get(before, f) != getattr(after, f)]
        done += 1
        if diffs:
            changed += 1
            for f in diffs:
                counts[f] += 1
            key = (_get(before, "route_rule_id"), after.route_rule_id)
            group = groups.setdefault(key, {"old_rule": key[0], "new_rule": key[1], "appeals": 0,
                                            "fields": dict.fromkeys(FIELDS, 0), "examples": []})
            group["appeals"] += 1
            for f in diffs:
                group["fields"][f] += 1
            moved = _deadline_changes(record, before, after, old, new) if {"body", "policy"} & set(diffs) else []
            deadlines_changed += bool(moved)
            if len(group["examples"]) < EXAMPLES_PER_GROUP:
                group["examples"].append({
                    "appeal": record.id, "text": (record.text or "")[:160],
                    "before": {f: _get(before, f) for f in FIELDS},
                    "after": {f: getattr(after, f) for f in FIELDS}, "deadlines": moved,
                })
        if progress and done % every == 0:
            progress(done, total)
    if progress:
        progress(done, total)
    return {
        "since": since.isoformat(), "appeals": done, "changed": changed, "unchanged": done - changed,
        "changed_fields": counts, "deadlines_changed": deadlines_changed,
        "groups": sorted(groups.values(), key=lambda g: -g["appeals"]),
        "active_version": old.rulebook.version, "draft_version": new.rulebook.version,
        "reused_decisions": reused, "seconds": round(time.perf_counter() - started, 2),
    }


def _stored(stored, old: PolicySet) -> dict | None:
    """The recorded production decision, when the active version made it (no need to redo it)."""
    if stored is None or stored.ruleset_version != old.rulebook.version:
        return None
    return {"body": stored.body, "role": stored.role, "policy": stored.policy, "priority": stored.priority,
            "route_rule_id": stored.route_rule_id, "topic": stored.topic}


def _get(decision, name: str):
    return decision[name] if isinstance(decision, dict) else getattr(decision, name)


def _deadline_changes(record, before, after, old: PolicySet, new: PolicySet) -> list[dict]:
    out = []
    a = _clocks(record, _get(before, "policy"), _get(before, "body"), old)
    b = _clocks(record, after.policy, after.body, new)
    for kind in sorted(a.keys() | b.keys()):
        if a.get(kind) != b.get(kind):
            out.append({"clock": kind, "before": a.get(kind), "after": b.get(kind)})
    return out


def _clocks(record, policy_id: str, body: str, policy_set: PolicySet) -> dict[str, str]:
    policy = policy_set.policies.get(policy_id)
    if policy is None or body not in policy_set.directory.bodies:
        return {}
    cal = policy_set.calendar_for(body)
    start = record.registered_at or record.received_at
    clocks = compute_clocks(policy, record.received_at, start, cal, category=record.category,
                            subcategory=record.subcategory)
    return {c.kind: c.due_at.isoformat() for c in clocks}
