"""Creating a ruleset does not depend on what the process's heap held before.

The C core reads the never-written type of the node joining an ``$or`` that ends an ``$iany``
item test; with 9 or 12 left there it refused the ruleset (error 102), on every retry alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from engine.rulebook import durable
from engine.rulebook.compiler import compile_stage
from tests.support.engine_heap import ATTEMPTS, stage_with_any_of
from tests.support.paths import ROOT


@pytest.mark.parametrize("byte", [9, 12])
def test_rulesets_are_created_over_freed_memory_that_holds_the_types_the_engine_misreads(byte):
    # a fresh interpreter: its heap holds only what the test left there
    code = f"import json; from tests.support.engine_heap import creations; print(json.dumps(creations({byte})))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["refused"]["raw"] > 0, "the leftovers no longer make the engine misread the raw form"
    assert result["refused"]["compiled"] == 0, f"{result['refused']['compiled']} of {ATTEMPTS} creations refused"
    assert result["fired"] == [["pits"], [], []]


def test_no_compiled_item_test_ends_with_an_or():
    (rule,) = compile_stage(stage_with_any_of()).values()
    (_, any_of), = rule["all"][0]["m"]["$and"][1].items()
    assert not durable._misread(rule["all"][0]["m"])
    assert any_of["lemmas"]["$and"][-1] == {"$neq": {"$i": ""}}


def test_a_ruleset_with_an_item_test_ending_with_an_or_is_refused_before_the_engine_sees_it(monkeypatch):
    calls = []
    monkeypatch.setattr(durable._core, "create_ruleset", lambda name, text: calls.append(name))
    rules = {"r1": {"pri": 1, "all": [{"m": {"$and": [{"doc": "appeal"}, {"$iany": {"lemmas": {"$and": [
        {"$neq": {"$i": ""}}, {"$or": [{"$i": "яма"}, {"$i": "ямы"}]}]}}}]}}]}}
    with pytest.raises(durable.EngineError, match=r"rule r1 ends an item test with \$or"):
        durable.create_ruleset("route_x", rules)
    assert calls == []
