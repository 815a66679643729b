"""Reasoning about conditions without evaluating them: disjunctive normal form, implication
between conjunctions, contradictions. Used by the static checks (shadowed rules, rules that
can never fire, overlaps). Every answer is conservative: "unknown" counts as "no".

A literal is ``(leaf, negated)``; a conjunction is a tuple of literals; a condition is a list
of conjunctions (its DNF). ``None`` stands for "too large to expand".
"""

from __future__ import annotations

from itertools import product

from .model import All, Condition, Leaf, Not

MAX_DISJUNCTS = 64
Literal = tuple[Leaf, bool]


def dnf(cond: Condition | None, negate: bool = False) -> list[tuple[Literal, ...]] | None:
    if cond is None:
        return [()] if not negate else []
    if isinstance(cond, Leaf):
        return [((cond, negate),)]
    if isinstance(cond, Not):
        return dnf(cond.item, not negate)
    parts = [dnf(c, negate) for c in cond.items]
    if any(p is None for p in parts):
        return None
    conjunctive = isinstance(cond, All) != negate
    if not conjunctive:
        out = [conj for p in parts for conj in p]
        return out if len(out) <= MAX_DISJUNCTS else None
    size = 1
    for p in parts:
        size *= len(p)
    if size > MAX_DISJUNCTS:
        return None
    return [tuple(lit for conj in combo for lit in conj) for combo in product(*parts)]


def _values(leaf: Leaf) -> set:
    if leaf.op in ("in", "not_in", "has_any", "has_all"):
        return set(leaf.value)
    return {leaf.value}


def _bounds(leaf: Leaf) -> tuple[float, float]:
    v = leaf.value
    return {
        "gt": (v, float("inf")), "gte": (v, float("inf")), "lt": (float("-inf"), v), "lte": (float("-inf"), v),
    }[leaf.op]


def _satisfies(value, leaf: Leaf) -> bool | None:
    """Does a known scalar value satisfy a positive scalar leaf? None when unknown."""
    op, v = leaf.op, leaf.value
    if op == "equals":
        return value == v
    if op == "not_equals":
        return value != v
    if op == "in":
        return value in v
    if op == "not_in":
        return value not in v
    if op in ("lt", "lte", "gt", "gte"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        return {"lt": value < v, "lte": value <= v, "gt": value > v, "gte": value >= v}[op]
    if op == "exists":
        return True
    return None


def literal_implies(p: Literal, q: Literal) -> bool:
    """True when p being true guarantees q is true (sound, not complete)."""
    (a, pneg), (b, qneg) = p, q
    if p == q:
        return True
    if qneg:
        return not pneg and literals_contradict(p, (b, False))
    if pneg or a.fact != b.fact or a.op in ("phrase", "matches", "table") or b.op in ("phrase", "matches", "table"):
        return False
    if b.op == "exists":
        return a.op != "not_exists"
    if a.op == "equals":
        return bool(_satisfies(a.value, b))
    if a.op == "in":
        return all(_satisfies(x, b) for x in a.value)
    if a.op in ("gt", "gte", "lt", "lte") and b.op in ("gt", "gte", "lt", "lte"):
        (alo, ahi), (blo, bhi) = _bounds(a), _bounds(b)
        if b.op in ("gt", "gte"):
            return alo > blo or (alo == blo and (b.op == "gte" or a.op == "gt"))
        return ahi < bhi or (ahi == bhi and (b.op == "lte" or a.op == "lt"))
    if a.op == "has_any" and b.op == "has_any":
        return set(a.value) <= set(b.value)
    if a.op == "has_all" and b.op == "has_all":
        return set(b.value) <= set(a.value)
    if a.op == "has_all" and b.op == "has_any":
        return bool(set(a.value) & set(b.value))
    if a.op == "not_in" and b.op == "not_equals":
        return b.value in a.value
    if a.op == "not_in" and b.op == "not_in":
        return set(b.value) <= set(a.value)
    return False


def literals_contradict(p: Literal, q: Literal) -> bool:
    """True when p and q can never both be true (sound, not complete)."""
    (a, pneg), (b, qneg) = p, q
    if a == b:
        return pneg != qneg
    if pneg and qneg:
        return False
    if pneg or qneg:  # one positive literal and one negated leaf: x and not y where x implies y
        pos, neg = (q, p) if pneg else (p, q)
        return literal_implies(pos, (neg[0], False))
    if a.fact != b.fact:
        return False
    if "not_exists" in (a.op, b.op):
        other = b if a.op == "not_exists" else a
        return other.op != "not_exists" and other.op not in ("phrase", "matches", "table")
    if a.op in ("equals", "in") and b.op not in ("has_any", "has_all", "phrase", "matches", "table"):
        return all(_satisfies(x, b) is False for x in _values(a))
    if b.op in ("equals", "in"):
        return literals_contradict(q, p)
    if a.op in ("gt", "gte", "lt", "lte") and b.op in ("gt", "gte", "lt", "lte"):
        return not range_possible([a, b])
    return False


def range_possible(leaves: list[Leaf]) -> bool:
    """Can an integer satisfy every comparison at once?"""
    lo, hi = float("-inf"), float("inf")
    for leaf in leaves:
        v = leaf.value
        if leaf.op == "gt":
            lo = max(lo, int(v) + 1 if float(v).is_integer() else v)
        elif leaf.op == "gte":
            lo = max(lo, v)
        elif leaf.op == "lt":
            hi = min(hi, int(v) - 1 if float(v).is_integer() else v)
        elif leaf.op == "lte":
            hi = min(hi, v)
    return lo <= hi


def conjunction_impossible(conj: tuple[Literal, ...]) -> bool:
    for i, p in enumerate(conj):
        for q in conj[i + 1 :]:
            if literals_contradict(p, q):
                return True
    by_fact: dict[str, list[Leaf]] = {}
    for leaf, neg in conj:
        if not neg and leaf.op in ("gt", "gte", "lt", "lte"):
            by_fact.setdefault(leaf.fact, []).append(leaf)
    return any(not range_possible(leaves) for leaves in by_fact.values())


def conjunction_implies(b: tuple[Literal, ...], a: tuple[Literal, ...]) -> bool:
    """Every appeal satisfying b satisfies a."""
    return all(any(literal_implies(p, q) for p in b) for q in a)


def never_true(form) -> bool:
    return form is not None and all(conjunction_impossible(c) for c in form)


def implies(later, earlier) -> bool:
    """Whenever the later condition holds, the earlier holds too (so the earlier shadows it)."""
    if later is None or earlier is None:
        return False
    live = [c for c in later if not conjunction_impossible(c)]
    return bool(live) and all(any(conjunction_implies(b, a) for a in earlier) for b in live)


def overlap(x, y) -> bool:
    """Some appeal may satisfy both (unknown counts as no)."""
    if x is None or y is None:
        return False
    return any(not conjunction_impossible(a + b) for a in x for b in y)
