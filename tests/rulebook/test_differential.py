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

from . import RULES_DIR, directory_sets, minimal_tree, write_rules

STRS = ["a", "b", "barnaul", "3", "03", "3.0", "яма", "true", "%x"]
INTS = [0, 1, 2, 3, 5, 7, 23]
ITEMS = ["яма", "дорога", "вода", "горячий", "a", "b", "3"]
WORDS = ["горячей", "воды", "нет", "яма", "на", "дороге", "a", "3"]
STR_FACTS = ["channel", "topic", "subtopic", "category", "municipality", "body", "status"]
INT_FACTS = ["text_length", "attachment_count", "repeat_count", "weekday", "hour"]
BOOL_FACTS = ["working_time", "fz59"]
LIST_FACTS = ["tags", "lemmas", "words"]
ENUMS = {"regime": ["fz59", "portal_message", "incident", "other"], "urgency": ["normal", "high"],
         "author_type": ["citizen", "anonymous"], "priority": ["low", "normal", "high", "critical"]}


def random_leaf(rng: random.Random) -> dict:
    kind = rng.choice(["str", "int", "bool", "list", "enum", "phrase", "matches"])
    if kind == "str":
        f = rng.choice(STR_FACTS)
        op = rng.choice(["equals", "not_equals", "in", "not_in", "exists", "not_exists"])
        pool = STRS
    elif kind == "enum":
        f = rng.choice(list(ENUMS))
        op = rng.choice(["equals", "not_equals", "in", "not_in", "exists", "not_exists"])
        pool = ENUMS[f]
    elif kind == "int":
        f = rng.choice(INT_FACTS)
        op = rng.choice(["equals", "not_equals", "in", "not_in", "lt", "lte", "gt", "gte", "exists", "not_exists"])
        pool = [v for v in INTS if not (f == "weekday" and not 1 <= v <= 7)] or [1]
    elif kind == "bool":
        f = rng.choice(BOOL_FACTS)
        op = rng.choice(["equals", "not_equals", "exists", "not_exists"])
        pool = [True, False]
    elif kind == "list":
        f = rng.choice(LIST_FACTS)
        op = rng.choice(["has_any", "has_all"])
        return {"fact": f, "op": op, "value": rng.sample(ITEMS, rng.randint(1, 3))}
    elif kind == "phrase":
        return {"fact": rng.choice(["lemmas", "words"]), "op": "phrase",
                "value": rng.choice(["горячая вода", "горячей воды", "нет", "яма на дороге"])}
    else:
        return {"fact": rng.choice(["text", "municipality", "tags"]), "op": "matches",
                "value": rng.choice(["яма", "^bar", r"\d", "вод[аы]"])}
    if op in ("exists", "not_exists"):
        return {"fact": f, "op": op}
    if op in ("in", "not_in"):
        return {"fact": f, "op": op, "value": rng.sample(pool, min(len(pool), rng.randint(1, 3)))}
    return {"fact": f, "op": op, "value": rng.choice(pool)}


def random_condition(rng: random.Random, depth: int = 0) -> dict:
    r = rng.random()
    if depth >= 3 or r < 0.45:
        return random_leaf(rng)
    if r < 0.65:
        return {"not": random_condition(rng, depth + 1)}
    key = "all" if r < 0.83 else "any"
    return {key: [random_condition(rng, depth + 1) for _ in range(rng.randint(1, 3))]}


def random_facts(rng: random.Random) -> dict:
    facts: dict = {}
    for f in STR_FACTS:
        if rng.random() < 0.6:
            facts[f] = rng.choice(STRS)
    for f, pool in ENUMS.items():
        if rng.random() < 0.6:
            facts[f] = rng.choice(pool)
    for f in INT_FACTS:
        if rng.random() < 0.6:
            facts[f] = rng.choice(INTS) if f != "weekday" else rng.randint(1, 7)
    for f in BOOL_FACTS:
        if rng.random() < 0.5:
            facts[f] = rng.random() < 0.5
    for f in ("tags", "lemmas"):
        if rng.random() < 0.7:
            facts[f] = rng.sample(ITEMS, rng.randint(0, 4))
    if rng.random() < 0.7:
        facts["words"] = [rng.choice(WORDS) for _ in range(rng.randint(0, 6))]
    if rng.random() < 0.5:
        facts["text"] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))
    return facts


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
