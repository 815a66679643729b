"""Engine (durable_rules) vs reference evaluator vs model-level evaluation, on generated data."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.rulebook import load_rulebook
from engine.rulebook.compiler import derived_keys, engine_doc
from engine.rulebook.facts import prepare_facts
from engine.rulebook.reference import trace
from tests.support.paths import RULES_DIR
from tests.support.random_rules import random_condition, random_facts
from tests.support.rule_trees import directory_sets, minimal_tree, write_rules


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    rng = random.Random(20240521)
    probe = {
        "ruleset": "t/probe",
        "hit_policy": "collect",
        "rules": [
            {"id": f"p{i}", "description": "d", "when": random_condition(rng), "then": {"add_tags": [f"t{i}"]}}
            for i in range(40)
        ],
    }
    route = [
        {"id": f"r{i}", "description": "d", "when": random_condition(rng),
         "then": {"assign": {"body": "min-roads", "role": "executor"}}}
        for i in range(30)
    ]
    root = write_rules(tmp_path_factory.mktemp("gen"), minimal_tree(route, probe))
    return load_rulebook(root, **directory_sets())


@pytest.fixture(scope="module")
def demo():
    return load_rulebook(RULES_DIR, **directory_sets())


def _check_all_three(rb, facts):
    engine = rb.decide(facts)
    reference = rb.decide_reference(facts)
    assert engine == reference, facts
    # the model-level evaluation of every rule in the first stage agrees with the compiled one
    stage = rb.stages[0]
    f = prepare_facts(facts)
    derived = derived_keys([leaf for rule in stage.rules for leaf in _leaves(rule.when)], f)
    fired = set(rb._reference.fired(stage, engine_doc(f, derived)))
    for rule in stage.rules:
        ok, _ = trace(rule.when, f, set(derived))
        if stage.hit_policy == "collect":
            assert ok == (rule.id in fired), (rule.id, facts)


def _leaves(cond):
    from engine.rulebook.model import iter_leaves

    return [leaf for leaf in iter_leaves(cond) if leaf.key]


def test_generated_rules_seeded(generated):
    rng = random.Random(7)
    fired_any = 0
    for _ in range(2500):
        facts = random_facts(rng)
        _check_all_three(generated, facts)
        fired_any += len(generated.decide(facts).rule_ids) > 2
    assert fired_any > 300  # the generated rules really do fire


fact_dicts = st.builds(lambda seed: random_facts(random.Random(seed)), st.integers(0, 2**32))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=fact_dicts)
def test_generated_rules_hypothesis(generated, facts):
    _check_all_three(generated, facts)


def test_demo_rules_seeded(demo):
    rng = random.Random(11)
    texts = ["Третий день нет горячей воды", "На дороге яма", "Не вывозят мусор, свалка",
             "Пожар, жильцы", "запись к врачу", "Автобус не ходит", "выплата пособия", ""]
    munis = ["barnaul", "biysk", "rubtsovsk", "pavlovsky-district", None]
    bodies = set()
    for _ in range(1500):
        facts = random_facts(rng)
        facts["text"] = rng.choice(texts)
        facts.pop("words", None)
        facts.pop("lemmas", None)
        facts["municipality"] = rng.choice(munis)
        if rng.random() < 0.5:
            facts.pop("topic", None)
        d = demo.decide(facts)
        assert d == demo.decide_reference(facts)
        bodies.add(d.body)
    assert len(bodies) >= 8
