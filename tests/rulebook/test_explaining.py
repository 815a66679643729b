"""The explanation's list of rules that did not fire is shared between decisions where it can be,
and is always the one tracing every listed rule gives."""

from __future__ import annotations

import random

import pytest

from engine.rulebook import explaining, load_rulebook
from engine.rulebook.explaining import MAX_CONSIDERED
from engine.rulebook.facts import prepare_facts
from engine.rulebook.reference import trace
from tests.support.random_rules import random_condition, random_facts
from tests.support.rule_trees import directory_sets, minimal_tree, write_rules

CATEGORIES = ["яма", "вода", "свет"]


def _route_rules() -> list[dict]:
    rules = []
    for i in range(40):
        category = CATEGORIES[i % 3]
        if i % 4 == 3:  # the category alone, a test of one fact standing alone
            when = {"fact": "category", "op": "equals", "value": category}
        else:  # the category first, then a word: the word decides when the category matches
            when = {"all": [{"fact": "category", "op": "equals", "value": category},
                            {"fact": "lemmas", "op": "has_any", "value": [f"слово{i}"]}]}
        rules.append({"id": f"r{i}", "description": f"правило {i}", "when": when,
                      "then": {"assign": {"body": "min-roads", "role": "executor"}}})
    return rules


@pytest.fixture(scope="module")
def rulebook(tmp_path_factory):
    return load_rulebook(write_rules(tmp_path_factory.mktemp("explain"), minimal_tree(_route_rules())),
                         **directory_sets())


def _traced(rb, decision, facts) -> list[dict]:
    """The route stage's listed rules as tracing each of them gives (what the explanation must hold)."""
    route = next(s for s in rb.stages if s.name == "route")
    fired = decision.route_rule_id
    position = next(i for i, r in enumerate(route.rules) if r.id == fired)
    f = prepare_facts(facts)
    out = []
    for rule in route.rules[:min(position, MAX_CONSIDERED)]:
        ok, recs = trace(rule.when, f, set())
        out.append({"rule": rule.id, "ruleset": rule.ruleset, "matched": ok, "failed": recs})
    return out


def test_listed_rules_are_those_tracing_gives_whatever_was_shared_before(rulebook):
    rng = random.Random(7)
    for _ in range(300):
        facts = {"lemmas": rng.sample([*(f"слово{i}" for i in range(40)), "яма"], rng.randint(0, 3))}
        if rng.random() < 0.9:
            facts["category"] = rng.choice([*CATEGORIES, "другое"])
        d = rulebook.decide(facts)
        route = next(s for s in d.explanation if s["stage"] == "route")
        assert route["considered"] == _traced(rulebook, d, facts), facts


def test_a_rule_that_failed_on_its_first_condition_is_traced_once_per_value(rulebook, monkeypatch):
    calls = []
    real = explaining.trace
    monkeypatch.setattr(explaining, "trace", lambda when, *a: calls.append(when) or real(when, *a))
    rulebook._explainer._memo.clear()
    rulebook._explainer._lists.clear()
    for n in range(50):
        rulebook.decide({"category": "другое", "lemmas": [f"слово{n}"]}).explanation  # noqa: B018
    # the first decision traces the 25 listed rules (and checks their first conditions); the others
    # trace none of them, only the rules that fired (the fallback and the deadline, without conditions)
    listed = [when for when in calls if when is not None]
    assert MAX_CONSIDERED <= len(listed) <= 2 * MAX_CONSIDERED


def test_random_rules_explain_as_traced(tmp_path):
    rng = random.Random(11)
    route = [{"id": f"r{i}", "description": "d", "when": random_condition(rng),
              "then": {"assign": {"body": "min-roads", "role": "executor"}}} for i in range(30)]
    route[::3] = [{"id": r["id"], "description": "d", "then": r["then"],
                   "when": {"all": [{"fact": "category", "op": "in", "value": ["a", "b"]}, r["when"]]}}
                  for r in route[::3]]
    rb = load_rulebook(write_rules(tmp_path, minimal_tree(route)), **directory_sets())
    for _ in range(400):
        facts = random_facts(rng)
        d = rb.decide(facts)
        stage = next(s for s in d.explanation if s["stage"] == "route")
        f = prepare_facts(facts)
        from engine.rulebook.compiler import derived_keys, prepass_leaves

        derived = set(derived_keys(prepass_leaves(rb.stages), f))
        rules = next(s for s in rb.stages if s.name == "route").rules
        position = next(i for i, r in enumerate(rules) if r.id == d.route_rule_id)
        expected = []
        for rule in rules[:min(position, MAX_CONSIDERED)]:
            ok, recs = trace(rule.when, f, derived)
            expected.append({"rule": rule.id, "ruleset": rule.ruleset, "matched": ok, "failed": recs})
        assert stage["considered"] == expected, facts
