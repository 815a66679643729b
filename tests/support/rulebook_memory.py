"""Generated rule sets and the churn of replacing rules versions, measured in resident memory
(tests/rulebook/test_memory.py and bench/routing.py)."""

from __future__ import annotations

import gc
import random
from pathlib import Path

from engine.rulebook.loader import load_policy
from engine.rulebook.rulebook import Rulebook
from tests.support.rule_trees import directory_sets, minimal_tree, write_rules


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")  # pragma: no cover


LEMMAS = ["яма", "дорога", "вода", "отопление", "мусор", "врач", "школа", "автобус", "пособие", "свет"]


def generated_tree(n: int, probe: bool = True) -> dict:
    rng = random.Random(n)
    route = [{"id": f"r{i}", "description": "d", "when": {"all": [
        {"fact": "municipality", "op": "equals", "value": f"m{i % 40}"},
        {"fact": "lemmas", "op": "has_any", "value": rng.sample(LEMMAS, 2)},
        {"fact": "attachment_count", "op": "gte", "value": i % 3}]},
        "then": {"assign": {"body": "min-roads", "role": "executor"}}} for i in range(n)]
    collect = {"ruleset": "t/probe", "hit_policy": "collect", "rules": [
        {"id": f"p{i}", "description": "d", "when": {"fact": "lemmas", "op": "has_any", "value": [LEMMAS[i % 10]]},
         "then": {"add_tags": [f"t{i}"]}} for i in range(20)]} if probe else None
    return minimal_tree(route, collect)


def replacement_cycles(folder: str, cycles: int) -> dict:
    """Build, use and retire a 400-rule version (plus a collect stage) ``cycles`` times in this
    process, as hot reload does on every publish. Every third version is retired without having
    decided anything (its sessions never saw an appeal: the case that used to abort the
    interpreter). Returns the wrong answers and the RSS growth after a warm-up."""
    policy = load_policy(write_rules(Path(folder), generated_tree(400)), **directory_sets())
    rng = random.Random(7)
    cases = [{"municipality": f"m{rng.randrange(45)}", "lemmas": rng.sample(LEMMAS, 3),
              "attachment_count": rng.randrange(4)} for _ in range(8)]
    reference = Rulebook(policy)
    expected = [reference.decide_reference(f) for f in cases]
    answer = [(d.route_rule_id, d.tags) for d in expected]
    wrong = not_freed = 0
    before = 0.0
    for cycle in range(cycles):
        if cycle == 20:  # allocator pools and caches are warm by now
            gc.collect()
            before = rss_mb()
        rb = Rulebook(policy)
        rb.warm_up()
        engine = rb._engine
        if cycle % 3:
            wrong += [(d.route_rule_id, d.tags) for d in map(rb.decide, cases)] != answer
        rb.retire()
        not_freed += not engine.freed
        late = rb.decide(cases[0])  # a late caller still gets an answer, from the reference evaluator
        wrong += (late.route_rule_id, late.tags) != answer[0]
    gc.collect()
    return {"wrong": wrong, "not_freed": not_freed, "growth": rss_mb() - before}
