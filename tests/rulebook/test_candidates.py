"""Rules looked up by one fact before the engine: stages the lookup settles are not sent to the
engine, a stage with many values is split into engine rulesets, and decisions stay those of the
reference evaluator."""

from __future__ import annotations

import random

import pytest

from engine.rulebook import load_rulebook
from engine.rulebook.candidates import MAX_PARTS
from tests.support.random_rules import random_condition, random_facts
from tests.support.rule_trees import directory_sets, minimal_tree, write_rules

CATEGORIES = [f"кат-{i}" for i in range(60)]
WORDS = ["яма", "вода", "свет", "мусор", "снег", "лифт"]


def _rule(i: int, rng: random.Random) -> dict:
    category = {"fact": "category", "op": "equals", "value": CATEGORIES[i % len(CATEGORIES)]}
    if i % 7 == 3:
        category = {"fact": "category", "op": "in", "value": rng.sample(CATEGORIES, 3)}
    shape = i % 5
    if shape == 0:  # the category alone
        when = category
    elif shape == 4:  # not indexed: a rule that may fire for any category
        when = {"fact": "lemmas", "op": "has_all", "value": rng.sample(WORDS, 2)}
    else:
        when = {"all": [{"fact": "lemmas", "op": "has_any", "value": rng.sample(WORDS, 2)}, category]}
    return {"id": f"r{i}", "description": "d", "when": when,
            "then": {"assign": {"body": "min-roads", "role": "executor"}, "add_tags": [f"t{i}"]}}


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    rng = random.Random(3)
    probe = {"ruleset": "t/probe", "hit_policy": "collect", "rules": [_rule(i, rng) for i in range(150)]}
    rb = load_rulebook(write_rules(tmp_path_factory.mktemp("split"),
                                   minimal_tree([_rule(i, rng) for i in range(150, 450)], probe)),
                       **directory_sets())
    rb.warm_up()
    return rb


def _appeals(rng: random.Random, count: int) -> list[dict]:
    out = []
    for _ in range(count):
        facts = {"lemmas": rng.sample(WORDS, rng.randint(0, 3))}
        if rng.random() < 0.9:
            facts["category"] = rng.choice([*CATEGORIES, "нет-такой"])
        out.append(facts)
    return out


def test_a_stage_with_many_values_is_split_and_decides_as_the_reference(split):
    names = split._engine_rulesets()[1]
    assert 1 < len(names["route"]) <= MAX_PARTS and 1 < len(names["probe"]) <= MAX_PARTS
    assert names["deadline"] == (split._names["deadline"],)
    for facts in _appeals(random.Random(5), 1500):
        assert split.decide(facts) == split.decide_reference(facts), facts


def test_stages_the_lookup_settles_are_not_sent_to_the_engine(tmp_path):
    route = [{"id": "pit", "description": "d", "when": {"fact": "category", "op": "equals", "value": "яма"},
              "then": {"assign": {"body": "min-roads", "role": "executor"}}},
             {"id": "pit-words", "description": "d",
              "when": {"all": [{"fact": "category", "op": "equals", "value": "дорога"},
                               {"fact": "lemmas", "op": "has_any", "value": ["яма"]}]},
              "then": {"assign": {"body": "min-roads", "role": "executor"}}}]
    rb = load_rulebook(write_rules(tmp_path, minimal_tree(route)), **directory_sets())
    rb.warm_up()
    asked = []
    original = rb._engine.fired
    rb._engine.fired = lambda stage, doc, *part: asked.append(stage.name) or original(stage, doc, *part)
    assert rb.decide({"category": "яма"}).route_rule_id == "pit"  # the only condition is the looked-up one
    assert rb.decide({"category": "свет"}).route_rule_id == "fallback"  # no candidate before the fallback
    assert asked == []  # the deadline stage's first rule has no condition either
    assert rb.decide({"category": "дорога", "lemmas": ["яма"]}).route_rule_id == "pit-words"
    assert rb.decide({"category": "дорога", "lemmas": ["снег"]}).route_rule_id == "fallback"
    assert asked == ["route", "route"]


def test_random_rules_behind_a_looked_up_category_decide_as_the_reference(tmp_path):
    rng = random.Random(17)
    route, probe_rules = [], []
    for i in range(60):
        category = {"fact": "category", "op": rng.choice(["equals", "in"]),
                    "value": rng.choice(["a", "b", "barnaul"]) if i % 2 else ["a", "3"]}
        if category["op"] == "equals" and isinstance(category["value"], list):
            category["value"] = category["value"][0]
        if category["op"] == "in" and isinstance(category["value"], str):
            category["value"] = [category["value"]]
        when = category if i % 3 == 0 else {"all": [random_condition(rng), category]} if i % 3 == 1 \
            else random_condition(rng)
        target = route if i % 2 else probe_rules
        target.append({"id": f"r{i}", "description": "d", "when": when,
                       "then": {"assign": {"body": "min-roads", "role": "executor"}} if target is route
                       else {"add_tags": [f"t{i}"]}})
    probe = {"ruleset": "t/probe", "hit_policy": "collect", "rules": probe_rules}
    rb = load_rulebook(write_rules(tmp_path, minimal_tree(route, probe)), **directory_sets())
    for _ in range(1500):
        facts = random_facts(rng)
        assert rb.decide(facts) == rb.decide_reference(facts), facts
