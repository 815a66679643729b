"""Rulesets created over heap memory the process freed after filling it with one byte value
(tests/rulebook/test_engine_heap.py; run in a fresh interpreter, whose heap holds nothing else).

The durable_rules C core grows its node pool by ``realloc`` and reads, when an ``$or`` ends the
item test of an ``$iany``, one byte of the new node it never wrote: the byte is whatever the
memory held before. Filling freed blocks with 9 (or 12) makes that leftover certain instead of
occasional.
"""

from __future__ import annotations

import json

from engine.rulebook import durable
from engine.rulebook.compiler import compile_stage, engine_doc
from engine.rulebook.model import Leaf, Outcomes, Rule, Stage

LEMMAS = ("яма", "ямы", "дорога")
ATTEMPTS = 10


def leave_freed_memory(byte: int) -> list[bytes]:
    """Blocks of many sizes (below the allocator's mmap threshold) filled with ``byte``; every
    other one is freed again and the rest are returned, so that the freed ones stay in the
    allocator's free lists instead of going back to the system."""
    kept, freed = [], []
    for i, size in enumerate([s for s in range(1000, 60000, 777)] * 2):
        (kept if i % 2 == 0 else freed).append(bytes([byte]) * size)
    del freed
    return kept


def stage_with_any_of() -> Stage:
    rule = Rule(id="pits", description="d", when=Leaf("lemmas", "has_any", LEMMAS[:2]),
                then=Outcomes(add_tags=("pits",)), ruleset="t/probe", file="t/probe.yaml")
    return Stage("probe", "collect", ("t/probe",), (rule,))


def creations(byte: int) -> dict:
    """After leaving freed memory filled with ``byte``: how many of ATTEMPTS creations of the raw
    ``$iany``-with-``$or`` form the C core refused, how many of the compiled stage the project
    refused, and what the compiled stage fired for documents with and without a listed lemma."""
    stage = stage_with_any_of()
    compiled = compile_stage(stage)
    raw = {"pits": {"pri": 1, "all": [{"m": {"$and": [{"doc": "appeal"}, {"$iany": {"lemmas": {"$or": [
        {"$i": lemma} for lemma in LEMMAS[:2]]}}}]}}]}}
    refused = {"raw": 0, "compiled": 0}
    fired: list[list[str]] = []
    for attempt in range(ATTEMPTS):
        kept = leave_freed_memory(byte)
        try:
            durable._core.create_ruleset(f"raw_{attempt}", json.dumps(raw))  # a refused one stays allocated
        except durable._core.error:
            refused["raw"] += 1
        kept = leave_freed_memory(byte)
        try:
            evaluator = durable.DurableEvaluator({f"probe_{attempt}": compiled}, {"probe": f"probe_{attempt}"})
        except durable.EngineError:
            refused["compiled"] += 1
            continue
        fired = [evaluator.fired(stage, engine_doc({"lemmas": list(lemmas)}, [], (("lemmas", True),)))
                 for lemmas in ([LEMMAS[1]], [LEMMAS[2]], [])]
        evaluator.retire()
        del kept
    return {"refused": refused, "fired": fired}
