"""Escalation rules parse their conditions with the routing rules' parser: the same checks, the same
ё→е folding and the same messages naming the file, the rule and the field.

The ladder vocabulary (rules/escalation.yaml) has no list or number facts today; the rule files
below give it two of the routing ones (`tags`, `hour`) to show the checks those facts need."""

from __future__ import annotations

import pytest

from engine.rulebook import RulebookError
from engine.rulebook.conditions import parse_condition
from engine.rulebook.first_match import ladder_facts, load_first_match
from engine.rulebook.parsing import ParseContext
from engine.rulebook.vocabulary import FACTS

VOCABULARY = {**ladder_facts(clock_kinds={"answer", "forward"}, policies={"fz59"}, bodies={"min-roads"},
                             topics=("roads",)),
              "tags": FACTS["tags"], "hour": FACTS["hour"]}


def escalation_rules(when: dict):
    doc = {"ruleset": "escalation", "hit_policy": "first",
           "rules": [{"id": "r1", "description": "d", "when": when, "then": {"ladder": "answer"}}]}
    return load_first_match(doc, file="escalation.yaml", name="escalation", facts=VOCABULARY, outcome="ladder",
                           outcomes={"answer"})


def routing_condition(when: dict):
    ctx = ParseContext("escalation.yaml", bodies=(), roles=(), policies=(), topics=(), officials=())
    ctx.rule = "r1"
    return parse_condition(ctx, when, "when")


def test_an_escalation_rule_folds_yo_like_a_routing_rule():
    when = {"fact": "tags", "op": "has_any", "value": ["Ёлка", "сосна"]}

    rules = escalation_rules(when)

    assert rules.rules["r1"].when == routing_condition(when)
    assert rules.rules["r1"].when.value == ("елка", "сосна")
    for tags in (["ёлка"], ["ЕЛКА"], ["Ёлка", "дуб"]):
        assert rules.first({"clock_kind": "answer", "tags": tags}).rule == "r1"
        assert rules.first({"clock_kind": "answer", "tags": tags}, reference=True).rule == "r1"
    assert rules.first({"clock_kind": "answer", "tags": ["дуб"]}) is None


def test_an_escalation_rule_checks_a_number_s_range_like_a_routing_rule():
    with pytest.raises(RulebookError) as error:
        escalation_rules({"fact": "hour", "op": "in", "value": [9, 24]})

    assert str(error.value) == "escalation.yaml: правило r1: поле when.value: 24 вне допустимого диапазона факта hour"
    assert escalation_rules({"fact": "hour", "op": "in", "value": [0, 23]}).first({"hour": 23}).rule == "r1"


@pytest.mark.parametrize("when", [
    {"fact": "hour", "op": "equals", "value": -1},
    {"fact": "hour", "op": "equals", "value": "9"},
    {"fact": "hour", "op": "lt", "value": True},
    {"fact": "priority", "op": "equals", "value": ""},
    {"fact": "priority", "op": "in", "value": ["high", "urgent"]},
    {"fact": "priority", "op": "in", "value": []},
    {"fact": "priority", "op": "exists", "value": "high"},
    {"fact": "priority", "op": "equals"},
    {"fact": "priority", "op": "has_any", "value": ["high"]},
    {"fact": "fz59", "op": "equals", "value": "yes"},
    {"fact": "tags", "op": "has_all", "value": ["", "x"]},
    {"fact": "tags", "op": "has_any", "value": "x", "weight": 2},
    {"all": []},
    {"all": [{"fact": "priority", "op": "exists"}], "any": []},
    {"not": {"every": []}},
    {"any": [{"fact": "priority", "op": "exists"}, "priority"]},
], ids=lambda when: str(when))
def test_a_broken_escalation_condition_is_refused_with_the_message_a_routing_rule_gets(when):
    with pytest.raises(RulebookError) as routing:
        routing_condition(when)
    with pytest.raises(RulebookError) as escalation:
        escalation_rules(when)

    assert str(escalation.value) == str(routing.value)
    assert str(escalation.value).startswith("escalation.yaml: правило r1: поле when")


def test_an_escalation_rule_still_refuses_the_text_operators_and_unknown_facts():
    with pytest.raises(RulebookError, match=r"поле when\.op: нет оператора 'matches'; есть: equals"):
        escalation_rules({"fact": "tags", "op": "matches", "value": "ям"})
    with pytest.raises(RulebookError, match=r"поле when\.all\[0\]\.fact: нет факта 'lemmas'; есть: clock"):
        escalation_rules({"all": [{"fact": "lemmas", "op": "has_any", "value": ["яма"]}]})


def test_choosing_a_ladder_builds_no_explanation(policy_set, monkeypatch):
    from engine.rulebook import first_match

    def no_explanation(*args, **kwargs):
        raise AssertionError("an explanation was built")

    facts = {"clock_kind": "first_response", "priority": "critical"}
    explained = policy_set.ladder_rules.first(facts)
    monkeypatch.setattr(first_match, "trace", no_explanation)

    assert policy_set.ladder_for(facts).id == explained.outcome == "incident-urgent"
    assert policy_set.ladder_for({"clock_kind": "registration"}) is None
    assert policy_set.ladder_rules.outcome(facts, reference=True) == "incident-urgent"
