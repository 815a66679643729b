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
from engine.wording.staff import did_you_mean

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
        raise ctx.error(path, "ожидается условие: all, any, not или fact/op/value")
    if "fact" in raw or "op" in raw:
        return parse_leaf(ctx, raw, path, grammar)
    if len(raw) != 1:
        raise ctx.error(path, f"ожидается ровно одно из all, any, not; получено {sorted(raw)}")
    (kind, body), = raw.items()
    if kind in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise ctx.error(f"{path}.{kind}", "ожидается непустой список условий")
        items = tuple(parse_condition(ctx, c, f"{path}.{kind}[{i}]", grammar) for i, c in enumerate(body))
        return All(items) if kind == "all" else AnyOf(items)
    if kind == "not":
        return Not(parse_condition(ctx, body, f"{path}.not", grammar))
    raise ctx.error(f"{path}.{kind}", "неизвестное условие; допустимы all, any, not или fact/op/value")


def parse_leaf(ctx: ParseContext, raw: dict, path: str, grammar: Grammar = ROUTING) -> Leaf:
    for k in raw:
        if k not in ("fact", "op", "value"):
            raise ctx.error(f"{path}.{k}", f"неизвестное поле условия{did_you_mean(k, ('fact', 'op', 'value'))}; "
                                           "допустимы fact, op, value")
    fact, op = raw.get("fact"), raw.get("op")
    spec = grammar.facts.get(fact) if isinstance(fact, str) else None
    if spec is None:
        raise ctx.error(f"{path}.fact", f"нет факта {fact!r}{did_you_mean(fact, grammar.facts)}; "
                                             f"есть: {', '.join(grammar.facts)}")
    ospec = grammar.operators.get(op) if isinstance(op, str) else None
    if ospec is None:
        raise ctx.error(f"{path}.op", f"нет оператора {op!r}{did_you_mean(op, grammar.operators)}; "
                                           f"есть: {', '.join(grammar.operators)}")
    if not spec.engine and op != "matches":
        raise ctx.error(f"{path}.op", f"факт {fact} используется только с оператором matches")
    if spec.type not in ospec.fact_types:
        raise ctx.error(f"{path}.op", f"оператор {op} не применим к факту {fact} типа {spec.type}")
    if op == "phrase" and fact not in PHRASE_FACTS:
        raise ctx.error(f"{path}.fact", f"оператор phrase применим только к {' или '.join(PHRASE_FACTS)}")
    vpath = f"{path}.value"
    has_value = "value" in raw
    value = raw.get("value")
    if ospec.value == "none":
        if has_value:
            raise ctx.error(vpath, f"оператору {op} значение не нужно")
        return Leaf(fact, op)
    if not has_value:
        raise ctx.error(vpath, f"оператору {op} нужно значение")
    if ospec.value == "scalar":
        norm = parse_scalar(ctx, spec, value, vpath)
    elif ospec.value == "scalars":
        if not isinstance(value, list) or not value:
            raise ctx.error(vpath, "ожидается непустой список")
        norm = tuple(dict.fromkeys(parse_scalar(ctx, spec, v, vpath) for v in value))
    elif ospec.value == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ctx.error(vpath, "ожидается число")
        norm = value
    elif ospec.value == "strings":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(v, str) and v.strip() for v in items):
            raise ctx.error(vpath, "ожидается непустая строка или непустой список непустых строк")
        norm = tuple(dict.fromkeys(textmod.normalise(v.strip()) for v in items))
    elif ospec.value == "phrase":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = " ".join(value)
        if not isinstance(value, str) or not textmod.words(value):
            raise ctx.error(vpath, "ожидается фраза (строка из одного или нескольких слов)")
        norm = tuple(textmod.words(value))
    else:  # pattern
        if not isinstance(value, str) or not value:
            raise ctx.error(vpath, "ожидается регулярное выражение (строка)")
        if len(value) > MAX_PATTERN_LENGTH:
            raise ctx.error(vpath, f"регулярное выражение длиннее {MAX_PATTERN_LENGTH} знаков")
        norm = value.replace("ё", "е").replace("Ё", "Е")
        try:
            re.compile(norm, re.IGNORECASE)
        except re.error as exc:
            raise ctx.error(vpath, f"неверное регулярное выражение: {exc}") from exc
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
        kind = {"str": "непустая строка", "int": "целое число", "bool": "true или false"}.get(t, t)
        raise ctx.error(vpath, f"для факта {spec.name} ожидается {kind}, получено {value!r}")
    if spec.values is not None and value not in spec.values:
        allowed = ", ".join(map(str, spec.values))
        raise ctx.error(vpath, f"{value!r} — не значение факта {spec.name}"
                                   f"{did_you_mean(value, spec.values or ())}; допустимы: {allowed}")
    if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
        raise ctx.error(vpath, f"{value!r} вне допустимого диапазона факта {spec.name}")
    return value
