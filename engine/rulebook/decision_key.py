"""What the rules can see of an appeal: a key under which equal appeals get equal decisions.

A decision is a pure function of the prepared facts, and the rules read only part of them: the
facts their conditions and tables name, of a list fact only whether it holds the values the
conditions list, of the words only whether each phrase occurs. Two appeals with the same key get
the same decision from these stages, so a backtest decides each distinct key once and reuses the
outcome for the other appeals (real appeals repeat it a lot: the same topic, place, channel and
keywords). What a decision passes through unchanged (tags, topic, subtopic, priority and body
given in the facts) is part of the key too.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left

from .compiler import TokenIndex, compile_stage, leaf_prepass, phrase_at
from .facts import PreparedFacts
from .model import Leaf, iter_leaves
from .vocabulary import FACTS

PASSED_THROUGH = ("body", "priority", "topic", "subtopic", "tags")
_OTHER = ("none of the constants",)  # a key part: never equal to a fact's value


class DecisionKey:
    """Builds the part of the prepared facts that the rules of these stages can see.

    * facts the stages change, tables look up or patterns are matched against: their value;
    * other scalar facts, which conditions only compare with constants: which constant the
      value equals (or none of them), and for numbers where it falls between the constants;
    * list facts tested with has_any / has_all: which of the listed values they hold;
    * phrases: whether each occurs in the words;
    * patterns (``matches``) on a fact no stage changes: whether each matches, so the text of an
      appeal is not part of the key just because a rule looks for a pattern in it.
    """

    def __init__(self, stages):
        """``stages``: every stage whose decisions share the key (of one rulebook or several)."""
        whole: set[str] = set(PASSED_THROUGH)
        constants: dict[str, set] = {}
        phrases: dict[tuple, Leaf] = {}
        patterns: dict[tuple, Leaf] = {}
        for stage in stages:
            for rule in stage.rules:
                for leaf in iter_leaves(rule.when):
                    if leaf.op == "table":
                        whole.update(leaf.value.inputs)
                    elif leaf.op == "phrase":
                        phrases.setdefault((leaf.fact, leaf.value), leaf)
                    elif leaf.op == "matches" and leaf.fact in PASSED_THROUGH:
                        whole.add(leaf.fact)
                    elif leaf.op == "matches":
                        patterns.setdefault((leaf.fact, leaf.value), leaf)
                    else:
                        found = constants.setdefault(leaf.fact, set())
                        if isinstance(leaf.value, tuple):
                            found.update(leaf.value)
                        elif leaf.value is not None:
                            found.add(leaf.value)
                if rule.table is not None:
                    whole.update(rule.table.inputs)
        self.whole = tuple(sorted(whole))
        self.lists = tuple((name, frozenset(values)) for name, values in sorted(constants.items())
                           if name not in whole and FACTS[name].type == "list")
        self.numbers = tuple((name, tuple(sorted(values))) for name, values in sorted(constants.items())
                             if name not in whole and FACTS[name].type == "int")
        self.others = tuple((name, frozenset(values)) for name, values in sorted(constants.items())
                            if name not in whole and FACTS[name].type in ("str", "bool"))
        self.phrases = tuple(phrases.values())
        self.patterns = tuple(leaf for leaf in patterns.values() if leaf.fact not in self.whole)

    def __call__(self, facts: dict) -> tuple:
        key: list = []
        for name in self.whole:
            value = facts.get(name)
            key.append(tuple(value) if isinstance(value, list) else value)
        for name, wanted in self.lists:
            key.append(wanted.intersection(facts.get(name) or ()))
        for name, bounds in self.numbers:
            value = facts.get(name)
            key.append(None if value is None else (bisect_left(bounds, value), value in bounds))
        for name, known in self.others:
            value = facts.get(name)
            key.append(value if value is None or value in known else _OTHER)
        if self.phrases:
            words = facts.get("words") or []
            index = facts.token_index() if isinstance(facts, PreparedFacts) else TokenIndex(words)
            key.append(tuple(phrase_at(leaf, words, index) is not None for leaf in self.phrases))
        if self.patterns:
            key.append(tuple(leaf_prepass(leaf, facts) for leaf in self.patterns))
        return tuple(key)


class StageMemo:
    """The rules each stage fired, by the stage's definition and what its rules can see of the
    engine document; shared by the rulebooks of one replay, so a stage two versions have in
    common is evaluated once for both, and a stage that sees little (the route stage: topic,
    place, a few words) is evaluated once per distinct view. Not thread-safe: one per replaying
    thread. ``evaluated`` counts the engine evaluations made."""

    def __init__(self, max_entries: int = 200_000):
        self.max_entries = max_entries
        self.fired: dict[tuple, list[str]] = {}
        self.evaluated = 0
        self._views: dict[int, tuple] = {}  # id(stage) → (stage, fingerprint, list constants)

    def around(self, evaluator):
        """An evaluator with ``fired(stage, doc)`` that asks ``evaluator`` only for new views."""
        return _Remembering(self, evaluator)

    def _view(self, stage) -> tuple:
        entry = self._views.get(id(stage))
        if entry is None or entry[0] is not stage:
            definition = json.dumps([stage.hit_policy, compile_stage(stage)], sort_keys=True, ensure_ascii=False)
            constants: dict[str, set] = {}
            for rule in stage.rules:
                for leaf in iter_leaves(rule.when):
                    if leaf.key is None and FACTS[leaf.fact].type == "list":
                        constants.setdefault(leaf.fact, set()).update(leaf.value or ())
            entry = self._views[id(stage)] = (stage, hashlib.sha256(definition.encode()).hexdigest(),
                                              {name: frozenset(v) for name, v in constants.items()})
        return entry

    def key(self, stage, doc: dict) -> tuple:
        _, fingerprint, constants = self._view(stage)
        parts = []
        for name in sorted(doc):
            value = doc[name]
            if isinstance(value, list):
                wanted = constants.get(name)
                value = tuple(value) if wanted is None else wanted.intersection(value)
            parts.append((name, value))
        return fingerprint, tuple(parts)


class _Remembering:
    def __init__(self, memo: StageMemo, evaluator):
        self.memo, self.evaluator = memo, evaluator

    def fired(self, stage, doc: dict) -> list[str]:
        memo = self.memo
        try:
            key = memo.key(stage, doc)
            fired = memo.fired.get(key)
        except TypeError:  # a value no key can hold (a list of lists, say): this view is evaluated, not kept
            return self.evaluator.fired(stage, doc)
        if fired is None:
            fired = self.evaluator.fired(stage, doc)
            memo.evaluated += 1
            if len(memo.fired) >= memo.max_entries:
                memo.fired.clear()
            memo.fired[key] = fired
        return list(fired)
