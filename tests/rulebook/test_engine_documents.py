"""What a decision sends the engine is trimmed for speed: only the facts a stage tests, and
phrases looked for only where their first word occurs. Neither may change a single answer."""

from __future__ import annotations

import random

import pytest

from engine.rulebook import load_rulebook
from engine.rulebook.compiler import TokenIndex, derived_keys, engine_doc, phrase_at, stage_fields
from engine.rulebook.facts import prepare_facts
from engine.rulebook.model import Leaf, iter_leaves
from engine.rulebook.reference import trace
from tests.support.paths import RULES_DIR
from tests.support.random_rules import random_condition, random_facts
from tests.support.rule_trees import directory_sets, minimal_tree, write_rules


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    rng = random.Random(77)
    probe = {"ruleset": "t/probe", "hit_policy": "collect", "rules": [
        {"id": f"p{i}", "description": "d", "when": random_condition(rng), "then": {"add_tags": [f"t{i}"]}}
        for i in range(60)]}
    route = [{"id": f"r{i}", "description": "d", "when": random_condition(rng),
              "then": {"assign": {"body": "min-roads", "role": "executor"}}} for i in range(30)]
    return load_rulebook(write_rules(tmp_path_factory.mktemp("docs"), minimal_tree(route, probe)),
                         **directory_sets())


def test_a_stage_sees_the_same_rules_fire_with_only_the_facts_it_tests(generated):
    rng = random.Random(5)
    for _ in range(500):
        f = prepare_facts(random_facts(rng))
        index = TokenIndex(f.get("words") or [])
        for stage in generated.stages:
            leaves = [leaf for rule in stage.rules for leaf in iter_leaves(rule.when) if leaf.key is not None]
            derived = derived_keys(leaves, f)
            assert derived_keys(leaves, f, index) == derived
            trimmed = engine_doc(f, derived, stage_fields(stage))
            assert generated._reference.fired(stage, trimmed) == generated._reference.fired(
                stage, engine_doc(f, derived))
            for rule in stage.rules:  # and the model-level evaluation agrees with the trimmed document
                ok, _ = trace(rule.when, f, set(derived))
                if stage.hit_policy == "collect":
                    assert ok == (rule.id in generated._reference.fired(stage, trimmed)), (rule.id, f)


def test_the_demo_rules_decide_alike_with_trimmed_documents(monkeypatch):
    rb = load_rulebook(RULES_DIR, **directory_sets())
    rng = random.Random(11)
    words = ["нет", "горячей", "воды", "яма", "на", "дороге", "мусор", "врач", "барнаул", "автобус", "школа"]
    cases = [{"text": " ".join(rng.choice(words) for _ in range(rng.randint(1, 12))),
              "municipality": rng.choice(["barnaul", "biysk", None]), "regime": "fz59"} for _ in range(300)]
    trimmed = [rb.decide(c) for c in cases]
    monkeypatch.setattr(rb, "_fields", dict.fromkeys(rb._fields))  # every fact, as before trimming
    assert [rb.decide(c) for c in cases] == trimmed


@pytest.mark.parametrize("fact", ["words", "lemmas"])
def test_a_phrase_is_found_at_the_same_place_with_the_token_index(fact):
    rng = random.Random(3)
    vocabulary = ["горячей", "воды", "горячая", "вода", "нет", "яма", "ямы", "на", "дороге"]
    phrases = [("горячей", "воды"), ("нет",), ("яма", "на", "дороге"), ("вода", "вода")]
    for _ in range(500):
        tokens = [rng.choice(vocabulary) for _ in range(rng.randint(0, 10))]
        index = TokenIndex(tokens)
        for phrase in phrases:
            leaf = Leaf(fact, "phrase", phrase, "k1")
            assert phrase_at(leaf, tokens, index) == phrase_at(leaf, tokens)
