"""Which decided fields can depend on which facts: a static look at the stages.

Routing looks up an appeal's repeats and clusters on the topic it is expected to get, and decides
once with those facts. That one decision is the one the rules would give without them first only
when the topic cannot depend on them: no rule that can change the topic reads them, directly or
through a fact an earlier stage derived from them (priority, tags, body).
"""

from __future__ import annotations

from .model import Outcomes, Stage, iter_leaves

HISTORY_FACTS = frozenset({"repeat_count", "tags"})  # what engine.classify.History adds to the facts


def _reads(stage: Stage) -> set[str]:
    found: set[str] = set()
    for rule in stage.rules:
        for leaf in iter_leaves(rule.when):
            found.add(leaf.fact)
            if leaf.op == "table":
                found.update(leaf.value.inputs)
        if rule.table is not None:
            found.update(rule.table.inputs)
    return found


def _writes(outcomes: Outcomes) -> set[str]:
    found: set[str] = set()
    if outcomes.topic is not None:
        found |= {"topic", "subtopic"}
    if outcomes.priority is not None:
        found.add("priority")
    if outcomes.body is not None:
        found.add("body")
    if outcomes.add_tags:
        found.add("tags")
    return found


def fields_depending_on(stages: tuple[Stage, ...], facts: frozenset[str]) -> frozenset[str]:
    """The facts (and decided fields) whose value can change when `facts` change. A stage that
    reads any of them is taken to change everything its rules can set: in a `first` stage a
    rule firing or not decides whether the later ones are reached."""
    tainted = set(facts)
    for stage in stages:
        if _reads(stage) & tainted:
            for rule in stage.rules:
                tainted |= _writes(rule.then)
                for row in rule.table.rows if rule.table is not None else ():
                    tainted |= _writes(row.then)
    return frozenset(tainted)


def topic_reads_history(stages: tuple[Stage, ...]) -> bool:
    """True when an appeal's repeats or clusters can change the topic the rules give it."""
    return "topic" in fields_depending_on(stages, HISTORY_FACTS)
