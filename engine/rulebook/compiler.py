"""Rulebook model → durable_rules JSON rulesets, and facts → the document they evaluate.

Semantics shared by the engine and the reference evaluator:

* a leaf on a missing fact is false (``not_equals``/``not_in`` included); ``not_exists`` is
  the only leaf that is true for a missing fact;
* ``not`` is plain logical negation: ``not {fact: municipality, op: equals, value: barnaul}``
  is true when the municipality is missing. The compiler pushes negations down to the leaves
  (De Morgan) and adds an explicit "or the fact is missing" test, because the engine itself
  has no negation and treats every comparison on a missing field as false;
* list facts (tags, lemmas, words) are always present (empty by default). Each list is sent
  with a leading empty-string sentinel so that "no item equals v" (``$iall`` + ``$neq``) is
  true for an empty list; rule values are never empty strings;
* ``phrase``, ``matches`` and decision-table lookups are evaluated in Python first; the engine sees the keys of the
  satisfied ones in the list field ``_d``;
* an ``$iany`` over several values ends with a test that the item is not the sentinel, so that
  no item test ends with an ``$or`` (the engine misreads that form, see durable.py);
* every rule is anchored with ``{"doc": "appeal"}`` so the engine's own state document never
  matches a rule (it would otherwise fire forever), and gets a unique ``pri`` = its position.
"""

from __future__ import annotations

import re
from functools import lru_cache

from engine.classify import text as textmod

from .model import All, AnyOf, Condition, Leaf, Not, Stage, iter_leaves
from .vocabulary import FACTS, cap_bytes

ANCHOR = {"doc": "appeal"}
SENTINEL = ""
DERIVED = "_d"
_CMP = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
_NEG_CMP = {"lt": "$gte", "lte": "$gt", "gt": "$lte", "gte": "$lt"}


def ruleset_name(version: str, stage: Stage) -> str:
    return f"{stage.name}_{version}"


def compile_stage(stage: Stage) -> dict:
    """One durable_rules ruleset definition (rule name = rule id, action name = rule id)."""
    out = {}
    for i, rule in enumerate(stage.rules):
        expr = ANCHOR if rule.when is None else {"$and": [ANCHOR, compile_condition(rule.when)]}
        out[rule.id] = {"pri": i + 1, "all": [{"m": expr}], "run": rule.id}
    return out


def _and(items: list) -> dict:
    return items[0] if len(items) == 1 else {"$and": items}


def _or(items: list) -> dict:
    return items[0] if len(items) == 1 else {"$or": items}


def compile_condition(cond: Condition, negate: bool = False) -> dict:
    if isinstance(cond, Not):
        return compile_condition(cond.item, not negate)
    if isinstance(cond, (All, AnyOf)):
        parts = [compile_condition(c, negate) for c in cond.items]
        conjunctive = isinstance(cond, All) != negate
        return _and(parts) if conjunctive else _or(parts)
    return _compile_leaf(cond, negate)


def _compile_leaf(leaf: Leaf, neg: bool) -> dict:
    f, op, v = leaf.fact, leaf.op, leaf.value
    missing = {"$nex": {f: 1}}
    if op in ("phrase", "matches", "table"):
        return _list_has([leaf.key], DERIVED, neg, all_needed=False)
    if op == "exists":
        return missing if neg else {"$ex": {f: 1}}
    if op == "not_exists":
        return {"$ex": {f: 1}} if neg else missing
    if op == "equals":
        return _or([{"$neq": {f: v}}, missing]) if neg else {f: v}
    if op == "not_equals":
        return _or([{f: v}, missing]) if neg else {"$neq": {f: v}}
    if op == "in":
        return _or([_and([{"$neq": {f: x}} for x in v]), missing]) if neg else _or([{f: x} for x in v])
    if op == "not_in":
        return _or([{f: x} for x in v] + [missing]) if neg else _and([{"$neq": {f: x}} for x in v])
    if op in _CMP:
        return _or([{_NEG_CMP[op]: {f: v}}, missing]) if neg else {_CMP[op]: {f: v}}
    if op in ("has_any", "has_all"):
        return _list_has(list(v), f, neg, all_needed=op == "has_all")
    raise ValueError(f"no compilation for operator {op}")  # pragma: no cover - loader rejects


def _list_has(values: list, field: str, neg: bool, all_needed: bool) -> dict:
    def any_of(vals):
        items = [{"$i": x} for x in vals]
        if len(items) == 1:
            return {"$iany": {field: items[0]}}
        # an "$or" must not end an item test: the engine would then read the uninitialised type
        # of the node joining the alternatives and, when reused memory holds 9 or 12 there,
        # refuse the ruleset with error 102 (see durable.py). "Not the sentinel" is true of
        # every item an alternative equals: rule values are never empty strings
        return {"$iany": {field: {"$and": [_or(items), {"$neq": {"$i": SENTINEL}}]}}}

    def none_of(vals):
        return {"$iall": {field: _and([{"$neq": {"$i": x}} for x in vals])}}

    if all_needed:
        return _or([none_of([x]) for x in values]) if neg else _and([any_of([x]) for x in values])
    return none_of(values) if neg else any_of(values)


# ---------------------------------------------------------------- evaluated before the engine


def prepass_leaves(stages) -> list[Leaf]:
    seen: dict[str, Leaf] = {}
    for stage in stages:
        for rule in stage.rules:
            for leaf in iter_leaves(rule.when):
                if leaf.key is not None:
                    seen.setdefault(leaf.key, leaf)
    return list(seen.values())


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


def leaf_prepass(leaf: Leaf, facts: dict, index: TokenIndex | None = None) -> bool:
    """Python evaluation of phrase, matches and table leaves (missing fact → false)."""
    if leaf.op == "table":
        return leaf.value.lookup(facts) is not None
    if leaf.op == "phrase":
        tokens = facts.get("words") or []
        return phrase_at(leaf, tokens, index) is not None
    value = facts.get(leaf.fact)
    if value is None:
        return False
    rx = _regex(leaf.value)
    items = value if isinstance(value, list) else [value]
    return any(rx.search(cap_bytes(str(item).replace("ё", "е").replace("Ё", "Е"))) for item in items)


class TokenIndex:
    """Where each word and each lemma occurs in a token list; built once per decision, it lets a
    phrase be looked for only where its first word occurs."""

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.phrases: dict[tuple, int | None] = {}  # (fact, phrase) → where it first occurs
        self._words: dict[str, list[int]] | None = None
        self._lemmas: dict[str, list[int]] | None = None

    def word_positions(self, word: str) -> list[int]:
        if self._words is None:
            self._words = {}
            for i, token in enumerate(self.tokens):
                self._words.setdefault(token, []).append(i)
        return self._words.get(word, [])

    def lemma_positions(self, lemmas: frozenset[str]) -> list[int]:
        if self._lemmas is None:
            self._lemmas = {}
            for i, token in enumerate(self.tokens):
                for lemma in textmod.word_lemmas(token):
                    self._lemmas.setdefault(lemma, []).append(i)
        found = [self._lemmas[lemma] for lemma in lemmas if lemma in self._lemmas]
        return found[0] if len(found) == 1 else sorted({i for positions in found for i in positions})


@lru_cache(maxsize=4096)
def _phrase_lemmas(phrase: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    return tuple(textmod.word_lemmas(w) for w in phrase)


def phrase_at(leaf: Leaf, tokens: list[str], index: TokenIndex | None = None) -> int | None:
    """Index of the first occurrence of the phrase in the tokens, or None. ``index``: a
    TokenIndex of these same tokens, to skip the positions where the phrase cannot start (and
    to look for a phrase once, whichever stages test it)."""
    if index is None:
        return _phrase_at(leaf, tokens, None)
    key = (leaf.fact, leaf.value)
    found = index.phrases.get(key, -1)
    if found == -1:
        found = index.phrases[key] = _phrase_at(leaf, tokens, index)
    return found


def _phrase_at(leaf: Leaf, tokens: list[str], index: TokenIndex | None) -> int | None:
    phrase = leaf.value
    n = len(phrase)
    last = len(tokens) - n
    if leaf.fact == "words":
        starts = index.word_positions(phrase[0]) if index is not None else range(last + 1)
        for i in starts:
            if i <= last and tuple(tokens[i : i + n]) == phrase:
                return i
        return None
    wanted = _phrase_lemmas(phrase)
    starts = index.lemma_positions(wanted[0]) if index is not None else range(last + 1)
    for i in starts:
        if i <= last and all(textmod.word_lemmas(tokens[i + j]) & wanted[j] for j in range(n)):
            return i
    return None


def derived_keys(leaves: list[Leaf], facts: dict, index: TokenIndex | None = None) -> list[str]:
    return [leaf.key for leaf in leaves if leaf_prepass(leaf, facts, index)]


def stage_fields(stage: Stage) -> tuple[tuple[str, bool], ...]:
    """(fact, is a list) for each fact the stage's compiled rules test in the engine; the others
    are not sent to it."""
    names = {leaf.fact for rule in stage.rules for leaf in iter_leaves(rule.when) if leaf.key is None}
    return tuple((name, FACTS[name].type == "list") for name in sorted(names) if FACTS[name].engine)


def engine_doc(facts: dict, derived: list[str], fields: tuple[tuple[str, bool], ...] | None = None) -> dict:
    """The JSON document the compiled rules evaluate (without sid/id); ``fields``: only these
    facts (``stage_fields``), else every fact the engine knows."""
    doc: dict = dict(ANCHOR)
    if fields is None:
        for name, value in facts.items():
            spec = FACTS.get(name)
            if spec is not None and spec.engine:
                doc[name] = [SENTINEL, *value] if spec.type == "list" else value
    else:
        for name, is_list in fields:
            value = facts.get(name)
            if value is not None:
                doc[name] = [SENTINEL, *value] if is_list else value
    doc[DERIVED] = [SENTINEL, *derived]
    return doc
