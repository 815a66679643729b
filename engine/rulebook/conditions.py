"""Conditions of a rule (``all`` / ``any`` / ``not`` / fact-operator-value leaves) → the model,
each value checked against the fact's type, allowed values and range.

The routing rules use the whole vocabulary; a first-match ruleset (the escalation ladders') passes
its own `Grammar`: the facts it knows and the operators it allows. Everything else — the
structure, value checks, ё→е folding and error messages — is the same for both."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from engine.classify import text as textmod

from .model import All, AnyOf, Condition, Leaf, Not
from .parsing import ParseContext
from .vocabulary import FACTS, MAX_PATTERN_LENGTH, OPERATORS, PHRASE_FACTS, FactSpec, OperatorSpec


@dataclass(frozen=True)
class Grammar:
    """What the conditions of a rule file may name."""

    facts: Mapping[str, FactSpec]
    operators: Mapping[str, OperatorSpec]


ROUTING = Grammar(FACTS, OPERATORS)


def parse_condition(ctx: ParseContext, raw, path: str, grammar: Grammar = ROUTING) -> Condition:
    if not isinstance(raw, dict):
        raise ctx.error(path, "expected a condition mapping (all, any, not or fact/op/value)")
    if "fact" in raw or "op" in raw:
        return parse_leaf(ctx, raw, path, grammar)
    if len(raw) != 1:
        raise ctx.error(path, f"expected exactly one of all, any, not; got {sorted(raw)}")
    (kind, body), = raw.items()
    if kind in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise ctx.error(f"{path}.{kind}", "expected a non-empty list of conditions")
        items = tuple(parse_condition(ctx, c, f"{path}.{kind}[{i}]", grammar) for i, c in enumerate(body))
        return All(items) if kind == "all" else AnyOf(items)
    if kind == "not":
        return Not(parse_condition(ctx, body, f"{path}.not", grammar))
    raise ctx.error(f"{path}.{kind}", "unknown condition; expected all, any, not or fact/op/value")


def parse_leaf(ctx: ParseContext, raw: dict, path: str, grammar: Grammar = ROUTING) -> Leaf:
    for k in raw:
        if k not in ("fact", "op", "value"):
            raise ctx.error(f"{path}.{k}", "unknown field in a condition; expected fact, op, value")
    fact, op = raw.get("fact"), raw.get("op")
    spec = grammar.facts.get(fact) if isinstance(fact, str) else None
    if spec is None:
        raise ctx.error(f"{path}.fact", f"unknown fact {fact!r}; known facts: {', '.join(grammar.facts)}")
    ospec = grammar.operators.get(op) if isinstance(op, str) else None
    if ospec is None:
        raise ctx.error(f"{path}.op", f"unknown operator {op!r}; known operators: {', '.join(grammar.operators)}")
    if not spec.engine and op != "matches":
        raise ctx.error(f"{path}.op", f"fact {fact} can only be used with the operator matches")
    if spec.type not in ospec.fact_types:
        raise ctx.error(f"{path}.op", f"operator {op} does not apply to fact {fact} of type {spec.type}")
    if op == "phrase" and fact not in PHRASE_FACTS:
        raise ctx.error(f"{path}.fact", f"operator phrase applies to {' or '.join(PHRASE_FACTS)} only")
    vpath = f"{path}.value"
    has_value = "value" in raw
    value = raw.get("value")
    if ospec.value == "none":
        if has_value:
            raise ctx.error(vpath, f"operator {op} takes no value")
        return Leaf(fact, op)
    if not has_value:
        raise ctx.error(vpath, f"operator {op} needs a value")
    if ospec.value == "scalar":
        norm = parse_scalar(ctx, spec, value, vpath)
    elif ospec.value == "scalars":
        if not isinstance(value, list) or not value:
            raise ctx.error(vpath, "expected a non-empty list")
        norm = tuple(dict.fromkeys(parse_scalar(ctx, spec, v, vpath) for v in value))
    elif ospec.value == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ctx.error(vpath, "expected a number")
        norm = value
    elif ospec.value == "strings":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
            raise ctx.error(vpath, "expected a non-empty string or a non-empty list of non-empty strings")
        norm = tuple(dict.fromkeys(textmod.normalise(v.strip()) for v in items))
    elif ospec.value == "phrase":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = " ".join(value)
        if not isinstance(value, str) or not textmod.words(value):
            raise ctx.error(vpath, "expected a phrase (a string of one or more words)")
        norm = tuple(textmod.words(value))
    else:  # pattern
        if not isinstance(value, str) or not value:
            raise ctx.error(vpath, "expected a regular expression string")
        if len(value) > MAX_PATTERN_LENGTH:
            raise ctx.error(vpath, f"regular expression longer than {MAX_PATTERN_LENGTH} characters")
        norm = value.replace("ё", "е").replace("Ё", "Е")
        try:
            re.compile(norm, re.IGNORECASE)
        except re.error as exc:
            raise ctx.error(vpath, f"invalid regular expression: {exc}") from exc
    key = None
    if op in ("phrase", "matches"):
        ident = (fact, op, norm)
        key = ctx.keys.setdefault(ident, f"k{len(ctx.keys) + 1}")
    return Leaf(fact, op, norm, key)


def parse_scalar(ctx: ParseContext, spec, value, vpath: str):
    t = spec.type
    ok = (
        (t == "str" and isinstance(value, str) and value != "")
        or (t == "int" and isinstance(value, int) and not isinstance(value, bool))
        or (t == "bool" and isinstance(value, bool))
    )
    if not ok:
        kind = "non-empty string" if t == "str" else t
        raise ctx.error(vpath, f"expected a {kind} for fact {spec.name}, got {value!r}")
    if spec.values is not None and value not in spec.values:
        allowed = ", ".join(map(str, spec.values))
        raise ctx.error(vpath, f"{value!r} is not a value of {spec.name}; expected one of {allowed}")
    if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
        raise ctx.error(vpath, f"{value!r} is out of range for {spec.name}")
    return value
