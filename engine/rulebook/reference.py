"""Plain-Python evaluation of the same compiled rules the engine runs.

``evaluate_compiled`` interprets the durable_rules JSON expressions with the engine's
semantics (a comparison on a missing field is false; ``$iany``/``$iall`` over lists, where
``$iall`` of an empty list is false). ``trace`` evaluates the model condition directly and
records which leaves decided the outcome; it feeds the decision's explanation.
"""

from __future__ import annotations

from .compiler import compile_stage, phrase_at
from .model import All, Condition, Leaf, Not, Stage

_CMP = {
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$neq": lambda a, b: a != b,
}


def evaluate_compiled(expr: dict, doc: dict) -> bool:
    (key, arg), = expr.items()
    if key == "$and":
        return all(evaluate_compiled(e, doc) for e in arg)
    if key == "$or":
        return any(evaluate_compiled(e, doc) for e in arg)
    if key == "$ex":
        (field,) = arg
        return field in doc
    if key == "$nex":
        (field,) = arg
        return field not in doc
    if key in _CMP:
        (field, value), = arg.items()
        return field in doc and _CMP[key](doc[field], value)
    if key in ("$iany", "$iall"):
        (field, item_expr), = arg.items()
        items = doc.get(field)
        if not isinstance(items, list) or not items:
            return False
        test = any if key == "$iany" else all
        return test(_item(item_expr, x) for x in items)
    return key in doc and doc[key] == arg


def _item(expr: dict, item) -> bool:
    (key, arg), = expr.items()
    if key == "$i":
        return item == arg
    if key == "$and":
        return all(_item(e, item) for e in arg)
    if key == "$or":
        return any(_item(e, item) for e in arg)
    if key == "$neq":
        return item != arg["$i"]
    raise ValueError(f"unsupported item expression {expr}")  # pragma: no cover


class ReferenceEvaluator:
    """Evaluates each stage's compiled rules in pri order, like the engine."""

    def __init__(self, stages: tuple[Stage, ...]):
        self._compiled = {}
        for stage in stages:
            rules = compile_stage(stage)
            self._compiled[stage.name] = [
                (r["pri"], name, r["all"][0]["m"]) for name, r in sorted(rules.items(), key=lambda kv: kv[1]["pri"])
            ]

    def fired(self, stage: Stage, doc: dict) -> list[str]:
        out = []
        for _, name, expr in self._compiled[stage.name]:
            if evaluate_compiled(expr, doc):
                out.append(name)
                if stage.hit_policy != "collect":
                    break
        return out


# ------------------------------------------------------------------ model-level trace


def _leaf(leaf: Leaf, facts: dict, derived: set[str]) -> tuple[bool, dict]:
    rec = dict(leaf.record)
    present = leaf.fact in facts
    actual = facts.get(leaf.fact)
    op, v = leaf.op, leaf.value
    if op == "not_exists":
        ok = not present
    elif op == "exists":
        ok = present
    elif op == "table":
        ok = leaf.key in derived
        row = leaf.value.lookup(facts) if ok else None
        actual = {name: facts.get(name) for name in leaf.value.inputs}
        if row is not None:
            rec["row"] = row.id
    elif op in ("phrase", "matches"):
        ok = leaf.key in derived
        if op == "phrase" and ok:
            i = phrase_at(leaf, facts.get("words") or [])
            actual = " ".join((facts.get("words") or [])[i : i + len(v)]) if i is not None else None
        elif op == "matches":
            actual = None if actual is None else (actual[:200] if isinstance(actual, str) else actual[:20])
        else:
            actual = None
    elif not present:
        ok = False
    elif op == "equals":
        ok = actual == v
    elif op == "not_equals":
        ok = actual != v
    elif op == "in":
        ok = actual in v
    elif op == "not_in":
        ok = actual not in v
    elif op == "lt":
        ok = actual < v
    elif op == "lte":
        ok = actual <= v
    elif op == "gt":
        ok = actual > v
    elif op == "gte":
        ok = actual >= v
    elif op in ("has_any", "has_all"):
        have = set(actual)
        hits = [x for x in v if x in have]
        ok = bool(hits) if op == "has_any" else len(hits) == len(v)
        actual = hits
    else:  # pragma: no cover - loader rejects
        raise ValueError(op)
    rec["present"] = present
    if present or op in ("phrase", "matches", "table"):
        rec["actual"] = actual
    rec["result"] = ok
    return ok, rec


def trace(cond: Condition | None, facts: dict, derived: set[str]) -> tuple[bool, list[dict]]:
    """(outcome, the leaves that decided it). For a true outcome: the satisfied leaves;
    for a false one: the leaves that failed. An ``all`` stops at its first failed item and an
    ``any`` at its first satisfied one: those alone decide it."""
    if cond is None:
        return True, []
    if isinstance(cond, Leaf):
        ok, rec = _leaf(cond, facts, derived)
        return ok, [rec]
    if isinstance(cond, Not):
        ok, recs = trace(cond.item, facts, derived)
        return not ok, [dict(r, negated=not r.get("negated", False)) for r in recs]
    conjunctive = isinstance(cond, All)
    seen: list[dict] = []
    for item in cond.items:
        ok, recs = trace(item, facts, derived)
        if ok != conjunctive:
            return ok, recs
        seen += recs
    return conjunctive, seen
