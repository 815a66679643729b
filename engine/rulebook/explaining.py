"""A decision's explanation, stage by stage: the fired rules with the conditions that made them
fire, and for a ``first``/``priority`` stage the rules before the one that fired with the
condition that failed (the first ``MAX_CONSIDERED`` of them; the rest are counted).

Built on first use (``Decision.explanation``). A rule before the fired one mostly fails on its
first condition, a test of one fact (``category equals …``, ``regime in […]``): its entry then
depends on that fact's value alone, so it is made once per value and shared by the explanations
that list it (they are read, never changed). When each listed rule failed so, the whole list
depends only on the values of those few facts and is kept by them too. The entries are those
``trace`` gives.
"""

from __future__ import annotations

from .model import All, Leaf, Rule, Stage
from .reference import trace
from .vocabulary import FACTS

MAX_CONSIDERED = 25  # earlier rules of a first/priority stage listed in an explanation; the rest are counted
MEMO_SIZE = 256  # entries kept per rule (one per value of the fact its first condition tests)
_ONE_FACT_OPS = frozenset({"equals", "not_equals", "in", "not_in", "lt", "lte", "gt", "gte", "exists", "not_exists"})
_MISSING = object()


def _lead(rule: Rule) -> tuple[Leaf, bool] | None:
    """(the condition that alone decides the rule when it fails, whether it always decides it):
    a test of one scalar fact standing alone or first in an ``all``; None for other rules."""
    when = rule.when
    whole = isinstance(when, Leaf)
    leaf = when if whole else when.items[0] if isinstance(when, All) and when.items else None
    if not isinstance(leaf, Leaf) or leaf.op not in _ONE_FACT_OPS or leaf.fact not in FACTS \
            or FACTS[leaf.fact].type == "list":
        return None
    return leaf, whole


class Explainer:
    """Explains the decisions of one rulebook version. Thread-safe (the shared entries are only
    ever added whole or dropped)."""

    def __init__(self, stages: tuple[Stage, ...], rules: dict[str, Rule], outcomes):
        self.rules = rules
        self._outcomes = outcomes  # (rule, facts) → (Outcomes, the id the decision records)
        self._positions = {s.name: {r.id: i for i, r in enumerate(s.rules)} for s in stages}
        self._leads = {r.id: _lead(r) for s in stages if s.hit_policy != "collect" for r in s.rules[:MAX_CONSIDERED]}
        self._memo: dict[str, dict] = {}
        # per stage: the facts the first conditions of its listed rules test, when each of them has one
        self._lead_facts = {}
        for s in stages:
            leads = [self._leads[r.id] for r in s.rules[:MAX_CONSIDERED]] if s.hit_policy != "collect" else [None]
            if all(leads):
                self._lead_facts[s.name] = tuple(dict.fromkeys(lead[0].fact for lead in leads))
        self._lists: dict[tuple, list] = {}

    def stage(self, stage: Stage, fired: list[str], facts: dict, derived: set[str]) -> dict:
        entry: dict = {
            "stage": stage.name,
            "hit_policy": stage.hit_policy,
            "rulesets": list(stage.rulesets),
            "fired": [],
        }
        for rid in fired:
            rule = self.rules[rid]
            _, recs = trace(rule.when, facts, derived)
            outcomes, recorded = self._outcomes(rule, facts)
            entry["fired"].append({
                "rule": recorded, "ruleset": rule.ruleset, "description": rule.description,
                "conditions": recs, "then": outcomes.to_dict(),
            })
        if stage.hit_policy != "collect":
            # the rules before the one that fired (all of them when none did): the first few traced, the rest counted
            before = self._positions[stage.name][fired[0]] if fired else len(stage.rules)
            considered = self._considered_list(stage, min(before, MAX_CONSIDERED), facts, derived)
            if before > MAX_CONSIDERED:
                entry["considered_more"] = before - MAX_CONSIDERED
            entry["considered"] = considered
        return entry

    def _considered_list(self, stage: Stage, count: int, facts: dict, derived: set[str]) -> list[dict]:
        read = self._lead_facts.get(stage.name)
        if read is None:
            return [self._considered(rule, facts, derived)[0] for rule in stage.rules[:count]]
        key = (stage.name, count, *(facts.get(name, _MISSING) for name in read))
        found = self._lists.get(key)
        if found is None:
            entries = [self._considered(rule, facts, derived) for rule in stage.rules[:count]]
            found = [entry for entry, _ in entries]
            if all(kept for _, kept in entries):
                if len(self._lists) >= MEMO_SIZE * 16:
                    self._lists.clear()
                self._lists[key] = found
        return found

    def _considered(self, rule: Rule, facts: dict, derived: set[str]) -> tuple[dict, bool]:
        """The rule's entry, and whether it depends only on the value of its first condition's fact."""
        lead = self._leads.get(rule.id)
        if lead is None:
            ok, recs = trace(rule.when, facts, derived)
            return {"rule": rule.id, "ruleset": rule.ruleset, "matched": ok, "failed": recs}, False
        value = facts.get(lead[0].fact, _MISSING)
        memo = self._memo.get(rule.id)
        if memo is None:
            memo = self._memo[rule.id] = {}
        entry = memo.get(value)
        if entry is not None:
            return entry, True
        ok, recs = trace(rule.when, facts, derived)
        entry = {"rule": rule.id, "ruleset": rule.ruleset, "matched": ok, "failed": recs}
        if not (lead[1] or not trace(lead[0], facts, derived)[0]):
            return entry, False
        if len(memo) >= MEMO_SIZE:  # the value alone decided it
            memo.clear()
        memo[value] = entry
        return entry, True
