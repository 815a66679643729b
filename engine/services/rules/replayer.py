"""Replaying stored appeals through two versions of the rules (engine.services.rules.backtest): what each
version decides for an appeal, by the production path (``PolicySet.decide``), and the changes counted and
grouped in replay order.

Each version decides each distinct ``DecisionKey`` (what its rules can see of an appeal) once; a stored
decision the active version made from a reading of the text like today's is reused instead of being
recomputed; explanations are never built.
"""

from __future__ import annotations

from engine.domain.deadlines import compute_clocks
from engine.policyset import PolicySet
from engine.rulebook.decision_key import DecisionKey, StageMemo
from engine.rulebook.facts import prepare_facts
from engine.store.appeals import incoming_from

FIELDS = ("body", "role", "policy", "priority", "fz59_special", "control")
EXAMPLES_PER_GROUP = 5
MAX_KNOWN = 200_000  # decided keys kept per version; beyond that the replay starts remembering afresh


class Replayer:
    """Compares the two versions' decisions on stored appeals (in this or a worker process).

    Each version decides each distinct ``DecisionKey`` (what its rules can see of an appeal) once,
    by the production path; appeals with a key already decided get that outcome again."""

    def __init__(self, old: PolicySet, new: PolicySet):
        self.old, self.new = old, new
        self.shared_reading = old.reading_version == new.reading_version
        self.key = DecisionKey((*old.rulebook.stages, *new.rulebook.stages))
        self.known: tuple[dict, dict] = ({}, {})  # key → fields, of old and of new
        self.stages = StageMemo()  # both versions' stages, by what each can see
        self.decided = 0  # decisions made (the others were known)
        self.controlling = old.rulebook.controlling_ids()  # to read control off a stored decision

    def page(self, page: list) -> tuple[int, int, int, list[dict]]:
        """(appeals, stored decisions reused, decisions made, one entry per appeal whose decision
        would change)."""
        reused, changes = 0, []
        decided = self.decided
        for row, stored in page:
            change, was_reused = self.appeal(row, stored)
            reused += was_reused
            if change is not None:
                changes.append(change)
        return len(page), reused, self.decided - decided, changes

    def appeal(self, row, stored) -> tuple[dict | None, bool]:
        incoming = incoming_from(row)
        before = _stored(row, stored, self.old, self.controlling)
        reused = before is not None
        read = key = None
        if before is None:
            read, key = self._read(self.old, incoming)
            before = self._fields(0, self.old, incoming, read, key)
        if read is None or not self.shared_reading:
            read, key = self._read(self.new, incoming)
        after = self._fields(1, self.new, incoming, read, key)
        diffs = [f for f in FIELDS if before[f] != after[f]]
        if not diffs:
            return None, reused
        moved = (_deadline_changes(row, before, after, self.old, self.new)
                 if {"body", "policy", "fz59_special"} & set(diffs) else [])
        return {
            "appeal": row.id, "text": (row.text or "")[:160], "diffs": diffs, "deadlines": moved,
            "before": before, "after": after,
        }, reused

    def _read(self, policy: PolicySet, incoming) -> tuple[tuple, tuple]:
        """(what ``policy.read`` gives, with the facts prepared once for every use; their key)."""
        facts, reading = policy.read(incoming)
        prepared = prepare_facts(facts)
        return (prepared, reading), self.key(prepared)

    def _fields(self, which: int, policy: PolicySet, incoming, read, key: tuple) -> dict:
        known = self.known[which]
        fields = known.get(key)
        if fields is None:
            if len(known) >= MAX_KNOWN:
                known.clear()
            fields = known[key] = _fields(policy.decide(incoming, read=read, memo=self.stages))
            self.decided += 1
        return fields


class Tally:
    """Counts and groups the changes, in the order the appeals were replayed."""

    def __init__(self) -> None:
        self.appeals = self.changed = self.deadlines_changed = self.reused = self.decided = 0
        self.counts = dict.fromkeys(FIELDS, 0)
        self.control = {"on": 0, "off": 0}
        self.groups: dict[tuple, dict] = {}
        self.changed_ids: list[int] = []

    def add(self, appeals: int, reused: int, decided: int, changes: list[dict]) -> None:
        self.appeals += appeals
        self.reused += reused
        self.decided += decided
        for change in changes:
            self.changed += 1
            self.changed_ids.append(change["appeal"])
            self.deadlines_changed += bool(change["deadlines"])
            before, after = change["before"], change["after"]
            key = (before["route_rule_id"], after["route_rule_id"])
            group = self.groups.setdefault(key, {"old_rule": key[0], "new_rule": key[1], "appeals": 0,
                                                 "fields": dict.fromkeys(FIELDS, 0), "examples": []})
            group["appeals"] += 1
            for f in change["diffs"]:
                self.counts[f] += 1
                group["fields"][f] += 1
            if "control" in change["diffs"]:
                self.control["on" if after["control"] else "off"] += 1
            if len(group["examples"]) < EXAMPLES_PER_GROUP:
                group["examples"].append({
                    "appeal": change["appeal"], "text": change["text"],
                    "before": {f: before[f] for f in FIELDS}, "after": {f: after[f] for f in FIELDS},
                    "deadlines": change["deadlines"],
                })

    def report(self) -> dict:
        return {
            "appeals": self.appeals, "changed": self.changed, "unchanged": self.appeals - self.changed,
            "changed_fields": self.counts, "control_changed": self.control,
            "deadlines_changed": self.deadlines_changed,
            "groups": sorted(self.groups.values(), key=lambda g: -g["appeals"]),
            "reused_decisions": self.reused, "decisions_made": self.decided,
            "changed_appeals": list(self.changed_ids),
        }


def _fields(decision) -> dict:
    return {"body": decision.body, "role": decision.role, "policy": decision.policy,
            "priority": decision.priority, "fz59_special": decision.fz59_special,
            "control": decision.control, "route_rule_id": decision.route_rule_id}


def _stored(row, stored, old: PolicySet, controlling: frozenset[str]) -> dict | None:
    """The recorded production decision, when the active version made it from a reading of the
    text like today's (no need to redo it). Control is not a column of it: it is on when one of the
    recorded rules that fired puts the appeal on control (``controlling``, of the same version).
    Not when the appeal's history decided it (a repeat, a mass incident): the replay decides
    without history, so the recorded decision would differ from a replayed one for that alone."""
    if stored is None or stored.ruleset_version != old.rulebook.version or stored.fz59_special is None:
        return None
    if stored.reading_version != old.reading_id:  # the text was read otherwise then (topics, gazetteer, calendar)
        return None
    if row.repeat_of is not None or "mass-incident" in (stored.tags or ()) or not isinstance(stored.rule_ids, list):
        return None
    return {"body": stored.body, "role": stored.role, "policy": stored.policy, "priority": stored.priority,
            "fz59_special": stored.fz59_special or None, "control": not controlling.isdisjoint(stored.rule_ids),
            "route_rule_id": stored.route_rule_id}


def _deadline_changes(row, before: dict, after: dict, old: PolicySet, new: PolicySet) -> list[dict]:
    out = []
    a = _clocks(row, before, old)
    b = _clocks(row, after, new)
    for kind in sorted(a.keys() | b.keys()):
        if a.get(kind) != b.get(kind):
            out.append({"clock": kind, "before": a.get(kind), "after": b.get(kind)})
    return out


def _clocks(row, decided: dict, policy_set: PolicySet) -> dict[str, str]:
    policy = policy_set.policies.get(decided["policy"])
    if policy is None or decided["body"] not in policy_set.directory.bodies:
        return {}
    cal = policy_set.calendar_for(decided["body"])
    start = row.registered_at or row.received_at
    clocks = compute_clocks(policy, row.received_at, start, cal, category=row.category,
                            subcategory=row.subcategory, special=decided["fz59_special"])
    return {c.kind: c.due_at.isoformat() for c in clocks}
