"""The rules of a stage that can fire for an engine document, looked up by one fact before the
engine is asked, and the answer when it is known without the engine.

Each stage is indexed by the text fact most of its rules require a value of (``equals`` or
``in``, standing alone or as an item of the rule's top-level ``all``): a document whose value of
that fact is v can fire only the rules requiring v and the rules requiring no value of it, in
evaluation order. A rule among those *certainly fires* when it has no condition, or only the
indexed one. So:

* a ``first``/``priority`` stage whose first candidate certainly fires fires it (the engine
  would fire it too: it is the lowest ``pri`` that matches);
* a ``collect`` stage whose candidates all certainly fire fires them all;
* with no candidate nothing fires.

Otherwise the engine decides. The index reads the same document the engine would be sent.

The engine itself tests a document against every value its rules compare a fact with, one after
the other (its network is keyed by fact names, not values): with 200 categories that is 200 tests
per document. A stage whose rules compare the indexed fact with many values is therefore also
split into up to ``MAX_PARTS`` engine rulesets by the value (its CRC-32): each holds the rules
requiring one of its values and the rules requiring none, with their evaluation order, so the
engine fires in it what it would fire in the whole stage.
"""

from __future__ import annotations

import zlib
from collections import Counter

from .model import All, Leaf, Rule, Stage
from .vocabulary import FACTS

_MISSING = object()
MAX_PARTS = 16  # engine rulesets a stage is split into at most
VALUES_PER_PART = 8  # a stage is split only when its rules compare the indexed fact with more values than this


def _required(rule: Rule) -> tuple[Leaf | None, bool]:
    """(the leaf requiring values of one text fact, whether it is the rule's only condition)."""
    when = rule.when
    items = (when,) if isinstance(when, Leaf) else when.items if isinstance(when, All) else ()
    for item in items:
        if isinstance(item, Leaf) and item.op in ("equals", "in") and item.key is None \
                and FACTS.get(item.fact) is not None and FACTS[item.fact].type == "str" and FACTS[item.fact].engine:
            return item, len(items) == 1
    return None, False


class Candidates:
    """The lookup for one stage (built once per rulebook version; read-only afterwards)."""

    def __init__(self, stage: Stage):
        self.collect = stage.hit_policy == "collect"
        required = [_required(rule) for rule in stage.rules]
        counts = Counter(leaf.fact for leaf, _ in required if leaf is not None)
        self.fact = counts.most_common(1)[0][0] if counts else None
        free: list[tuple[int, str, bool]] = []  # (position, rule id, certainly fires)
        by_value: dict[str, list[tuple[int, str, bool]]] = {}
        for position, (rule, (leaf, alone)) in enumerate(zip(stage.rules, required, strict=True)):
            if leaf is None or leaf.fact != self.fact:
                free.append((position, rule.id, rule.when is None))
                continue
            values = (leaf.value,) if leaf.op == "equals" else leaf.value
            for value in dict.fromkeys(values):
                by_value.setdefault(value, []).append((position, rule.id, alone))
        self._free = self._settle(free)
        self._by_value = {value: self._settle(sorted(entries + free)) for value, entries in by_value.items()}
        self.part_count = max(1, min(MAX_PARTS, len(by_value) // VALUES_PER_PART))
        parts: list[set[str]] = [{rid for _, rid, _ in free} for _ in range(self.part_count)]
        for value, entries in by_value.items():
            parts[self._part_of(value)].update(rid for _, rid, _ in entries)
        self.parts = tuple(tuple(r.id for r in stage.rules if r.id in part) for part in parts)

    def _part_of(self, value: str) -> int:
        return zlib.crc32(value.encode()) % self.part_count if self.part_count > 1 else 0

    def part(self, doc: dict) -> int:
        """The engine ruleset of this stage that holds every rule that can fire for doc."""
        value = doc.get(self.fact) if self.part_count > 1 else None
        return 0 if value is None else self._part_of(value)

    def _settle(self, candidates: list[tuple[int, str, bool]]) -> list[str] | None:
        """The fired rule ids when these candidates decide them alone, else None."""
        if not candidates:
            return []
        if self.collect:
            return [rid for _, rid, _ in candidates] if all(certain for _, _, certain in candidates) else None
        _, rid, certain = candidates[0]
        return [rid] if certain else None

    def settled(self, doc: dict) -> list[str] | None:
        """The ids the stage fires for doc when known without the engine (a new list), else None."""
        found = self._by_value.get(doc.get(self.fact, _MISSING), self._free)  # (nothing indexed: the free rules)
        return None if found is None else list(found)
