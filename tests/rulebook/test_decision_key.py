"""The decision key: appeals the rules cannot tell apart must get the same decision.

The backtest decides each distinct key once and gives the outcome to every appeal with that key,
so the key must never merge two appeals whose decisions differ. Checked on generated rules
(every operator, stages that change topic, priority and tags, a decision table) and on the demo
rules, with thousands of generated appeals each.
"""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from engine.rulebook import load_rulebook
from engine.rulebook.decision_key import DecisionKey, StageMemo
from engine.rulebook.facts import prepare_facts
from tests.support.paths import RULES_DIR
from tests.support.random_rules import STRS, random_condition, random_facts
from tests.support.rule_trees import directory_sets, minimal_tree, write_rules

TOPICS = ["roads", "housing", "waste", "other"]


def _random_actions(rng: random.Random, i: int) -> dict:
    choice = rng.random()
    if choice < 0.4:
        return {"add_tags": [f"t{i}", rng.choice(["яма", "a"])]}
    if choice < 0.7:
        return {"priority": rng.choice(["low", "normal", "high", "critical"])}
    return {"set_topic": rng.choice(TOPICS)}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Rules whose first stage changes what the later ones see, and a table in the route stage."""
    rng = random.Random(20261128)
    probe = {
        "ruleset": "t/probe",
        "hit_policy": "collect",
        "rules": [{"id": f"p{i}", "description": "d", "when": random_condition(rng),
                   "then": _random_actions(rng, i)} for i in range(30)],
    }
    route = [
        {"id": f"r{i}", "description": "d", "when": random_condition(rng),
         "then": {"assign": {"body": rng.choice(["min-roads", "min-social", "cur-triage"]), "role": "executor"}}}
        for i in range(25)
    ]
    route.insert(10, {"id": "matrix", "description": "d", "table": {
        "inputs": ["municipality", "topic"],
        "rows": [
            {"id": "a", "when": ["barnaul", ["roads", "housing"]], "then": {"assign": {"body": "min-roads"}}},
            {"id": "b", "when": ["b", "*"], "then": {"assign": {"body": "min-social"}}},
        ],
    }})
    root = write_rules(tmp_path_factory.mktemp("key"), minimal_tree(route, probe))
    return load_rulebook(root, **directory_sets())


@pytest.fixture(scope="module")
def demo():
    return load_rulebook(RULES_DIR, **directory_sets())


def _generated_facts(rng: random.Random) -> dict:
    """Random facts, with the text and tags (which the key takes whole) drawn from a few values."""
    facts = random_facts(rng)
    facts["text"] = rng.choice(["яма на дороге", "нет воды 3", "bar", ""])
    facts["tags"] = rng.choice([[], ["яма"], ["a", "b"]])
    if rng.random() < 0.3:
        facts["topic"] = rng.choice(TOPICS)
    if rng.random() < 0.3:
        facts["municipality"] = rng.choice(["barnaul", "b", *STRS])
    return facts


def _demo_facts(rng: random.Random) -> dict:
    texts = ["Третий день нет горячей воды", "На дороге яма", "Не вывозят мусор, свалка", "Пожар, жильцы",
             "запись к врачу", "Автобус не ходит", "выплата пособия", "яма на дороге возле школы",
             "Нет света на улице", "Отключили электричество в подъезде", "Свет горит", "Нет воды", ""]
    facts = random_facts(rng)
    facts["text"] = rng.choice(texts) + f" дом {rng.randrange(50)}"
    facts.pop("words", None)
    facts.pop("lemmas", None)
    facts["municipality"] = rng.choice(["barnaul", "biysk", "rubtsovsk", "pavlovsky-district", None])
    facts["hour"] = rng.randrange(24)
    facts["weekday"] = rng.randint(1, 7)
    if rng.random() < 0.6:
        facts.pop("topic", None)
    return facts


def _with_noise(facts: dict, rng: random.Random) -> dict:
    """The same appeal with words no rule names: other lemmas, more words after the text's."""
    noisy = dict(facts)
    if "lemmas" not in facts and "words" not in facts:  # they come from the text
        noisy["text"] = f"{facts.get('text', '')} дом {rng.randrange(1000)}"
        return noisy
    noisy["lemmas"] = [*(facts.get("lemmas") or []), f"шум{rng.randrange(1000)}"]
    if "words" in facts:
        noisy["words"] = [*facts["words"], "дом", str(rng.randrange(1000))]
    return noisy


def _groups(rulebook, make, count: int, seed: int) -> dict[tuple, list[dict]]:
    """Generated appeals (and each one again with noise) grouped by key."""
    key = DecisionKey(rulebook.stages)
    rng = random.Random(seed)
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for _ in range(count):
        facts = make(rng)
        for variant in (facts, _with_noise(facts, rng)):
            groups[key(prepare_facts(variant))].append(variant)
    return groups


@pytest.mark.parametrize("which", ["generated", "demo"])
def test_appeals_with_the_same_key_get_the_same_decision(which, request):
    rulebook = request.getfixturevalue(which)
    make = _generated_facts if which == "generated" else _demo_facts
    groups = _groups(rulebook, make, 6000, seed=5)
    shared = [members for members in groups.values() if len(members) > 1]
    assert len(shared) > 1000  # the key does merge appeals, so the check below has something to check
    for members in shared:
        first = rulebook.decide(members[0])
        for facts in members[1:4]:
            assert rulebook.decide(facts) == first, (members[0], facts)


def test_a_number_is_keyed_by_where_it_falls_between_the_constants(tmp_path):
    route = [{"id": "evening", "description": "d", "when": {"fact": "hour", "op": "gte", "value": 18},
              "then": {"assign": {"body": "min-roads", "role": "executor"}}}]
    rulebook = load_rulebook(write_rules(tmp_path, minimal_tree(route)), **directory_sets())
    key = DecisionKey(rulebook.stages)

    def at(hour):
        return key(prepare_facts({"hour": hour}))

    assert at(0) == at(9) == at(17) != at(18) != at(19) == at(23)  # below, at, above the constant
    assert key(prepare_facts({})) != at(0)  # an unknown hour is not hour 0


@pytest.fixture(scope="module")
def demo_draft(tmp_path_factory):
    """The demo rules with the fallback sending appeals elsewhere: every stage but one is the same."""
    from engine.rulebook.snapshot import read_tree, write_tree

    files = read_tree(RULES_DIR)
    files["routing/fallback.yaml"] = files["routing/fallback.yaml"].replace("body: cur-triage", "body: min-social")
    return load_rulebook(write_tree(files, tmp_path_factory.mktemp("draft")), **directory_sets())


def test_decisions_through_a_stage_memo_shared_by_two_versions_equal_decisions_without_it(demo, demo_draft):
    memo = StageMemo()
    rng = random.Random(17)
    stages = 0
    for _ in range(1500):
        facts = _demo_facts(rng)
        for rulebook in (demo, demo_draft):
            remembered, plain = rulebook.decide(facts, memo=memo), rulebook.decide(facts)
            assert remembered == plain, facts
            if stages % 97 == 0:
                assert remembered.explanation == plain.explanation
            stages += len(rulebook.stages)
    assert memo.evaluated < stages / 3  # stages the versions share, and views seen before, are not evaluated again


def test_a_stage_memo_tells_generated_stages_apart_by_what_they_see(generated):
    memo = StageMemo()
    rng = random.Random(23)
    for _ in range(3000):
        facts = _generated_facts(rng)
        assert generated.decide(facts, memo=memo) == generated.decide(facts), facts
    assert 0 < memo.evaluated < 3000 * len(generated.stages)


def test_a_pattern_is_keyed_by_whether_it_matches_not_by_the_whole_text(tmp_path):
    route = [{"id": "outage", "description": "d", "when": {"fact": "text", "op": "matches", "value": "нет\\s+света"},
              "then": {"assign": {"body": "min-roads", "role": "executor"}}}]
    rulebook = load_rulebook(write_rules(tmp_path, minimal_tree(route)), **directory_sets())
    key = DecisionKey(rulebook.stages)

    def of(text):
        return key(prepare_facts({"text": text}))

    assert of("Нет света, дом 1") == of("Третий час нет  света, дом 25") != of("Свет горит, дом 1")
    assert of("Свет горит, дом 1") == of("Яма, дом 7")



def test_a_view_that_cannot_be_a_key_is_evaluated_and_not_kept(tmp_path):
    """The worker routes every appeal through the memo: a fact value no key can hold (here a list of lists)
    must not fail the decision; it is evaluated each time and nothing is kept for it."""
    route = [{"id": "roads", "description": "d", "when": {"fact": "topic", "op": "equals", "value": "roads"},
              "then": {"assign": {"body": "min-roads", "role": "executor"}}}]
    stage = load_rulebook(write_rules(tmp_path, minimal_tree(route)), **directory_sets()).stages[0]
    asked = []

    class Evaluator:
        def fired(self, stage, doc):
            asked.append(doc)
            return ["roads"]

    memo = StageMemo()
    remembering = memo.around(Evaluator())
    odd = {"topic": "roads", "tags": [["a"]]}
    assert remembering.fired(stage, odd) == remembering.fired(stage, odd) == ["roads"]
    assert len(asked) == 2 and memo.fired == {}
    plain = {"topic": "roads", "tags": ["a"]}
    assert remembering.fired(stage, plain) == remembering.fired(stage, plain) == ["roads"]
    assert len(asked) == 3 and len(memo.fired) == 1
