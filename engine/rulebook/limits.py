"""The hard limits of the durable_rules C core (see DURABLE_RULES.md), checked on the compiled
rulesets before they go live, and the safety of ``matches`` patterns.

Messages speak to a policy editor: what is wrong, which rule, and what to do instead.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from .compiler import ANCHOR, DERIVED, compile_stage
from .model import Stage, iter_leaves
from .vocabulary import FACTS

MAX_RULES = 4096  # creation error 106 above this
MAX_SAME_ENDING = 256  # creation error 108 above this
MAX_FIRST_CONDITIONS = 500  # above ~512 creation never returns; keep a margin
MAX_TRUE_AT_ONCE = 64  # assert error 303 above this
MAX_PROPERTIES = 255
MAX_BRANCHES = 256  # a rule with "any" is split by the engine into one branch per alternative

# a group that repeats and contains a repetition itself: (a+)+, (\w*)*, (x|y+){2,}
_NESTED = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*(?:[+*]|\{\d*,)")
_BACKREF = re.compile(r"\\[1-9]")


def _branches(expr: dict) -> list[list[str]] | None:
    """The alpha-test sequences the engine builds for one compiled expression (None if huge)."""
    (key, arg), = expr.items()
    if key == "$and":
        seqs: list[list[str]] = [[]]
        for part in arg:
            sub = _branches(part)
            if sub is None or len(seqs) * len(sub) > MAX_BRANCHES:
                return None
            seqs = [a + b for a in seqs for b in sub]
        return seqs
    if key == "$or":
        out: list[list[str]] = []
        for part in arg:
            sub = _branches(part)
            if sub is None:
                return None
            out += sub
        return out if len(out) <= MAX_BRANCHES else None
    return [[json.dumps(expr, sort_keys=True, ensure_ascii=False)]]


def engine_limits(stage: Stage) -> list[tuple[str, str | None, str]]:
    """(level, rule id or None, message) for every limit the stage's ruleset would break."""
    out: list[tuple[str, str | None, str]] = []
    rules = compile_stage(stage)
    if len(rules) > MAX_RULES:
        out.append(("error", None, f"stage {stage.name} has {len(rules)} rules; the engine accepts at most "
                                   f"{MAX_RULES}: merge rules with the same outcome into a decision table"))
    anchor = json.dumps(ANCHOR, sort_keys=True)
    endings: Counter = Counter()
    ending_rule: dict[str, str] = {}
    firsts: set[str] = set()
    for rid, definition in rules.items():
        seqs = _branches(definition["all"][0]["m"])
        if seqs is None:
            out.append(("error", rid, f"rule {rid}: its condition expands to more than {MAX_BRANCHES} "
                                      "alternatives in the engine; simplify its any/not combinations"))
            continue
        for seq in {tuple(s) for s in seqs}:
            endings[seq[-1]] += 1
            ending_rule.setdefault(seq[-1], rid)
            rest = [t for t in seq if t != anchor]
            if rest:
                firsts.add(rest[0])
    for ending, count in endings.items():
        if count > MAX_SAME_ENDING:
            rid = ending_rule[ending]
            out.append(("error", rid, f"rule {rid}: more than {MAX_SAME_ENDING} rules ({count}) end on the same "
                                      f"condition {ending}; merge them into a decision table"))
    if len(firsts) > MAX_FIRST_CONDITIONS:
        out.append(("error", None, f"stage {stage.name}: {len(firsts)} different first conditions; the engine "
                                   f"hangs above about 512: use a decision table for matrix-shaped rules"))
    at_once = _possible_true_at_once(stage)
    if at_once > MAX_TRUE_AT_ONCE:
        out.append(("warning", None, f"stage {stage.name}: up to {at_once} conditions may be true at once for one "
                                     f"appeal; above {MAX_TRUE_AT_ONCE} the engine refuses the appeal and the "
                                     "slower reference evaluator decides it"))
    properties = len([f for f in FACTS.values() if f.engine]) + 4  # + anchor, sid, id, derived flags
    if properties > MAX_PROPERTIES:
        out.append(("error", None, f"an appeal document would carry {properties} properties; at most "
                                   f"{MAX_PROPERTIES} are allowed"))
    return out


def _possible_true_at_once(stage: Stage) -> int:
    """An upper estimate of distinct alpha tests one document can satisfy together."""
    equality: set[str] = set()
    other: set[tuple] = set()
    for rule in stage.rules:
        for leaf in iter_leaves(rule.when):
            if leaf.op in ("equals", "in"):
                equality.add(leaf.fact)  # only one value of a fact is true at a time
            elif leaf.key is not None:
                other.add((DERIVED, leaf.key))
            elif isinstance(leaf.value, tuple):
                other.update((leaf.fact, leaf.op, v) for v in leaf.value)
            else:
                other.add((leaf.fact, leaf.op, leaf.value))
    return len(equality) + len(other) + 1  # + the anchor


def pattern_problem(pattern: str) -> str | None:
    """Why a ``matches`` pattern is unsafe (catastrophic backtracking), or None."""
    if _NESTED.search(pattern):
        return ("a repeated group contains a repetition itself (like (a+)+); it can take exponential time on "
                "long texts: remove the inner or the outer repetition")
    if _BACKREF.search(pattern):
        return "back-references are not allowed in patterns"
    if pattern.count(".*") > 3:
        return "more than three '.*' in one pattern; split it into several conditions"
    return None
