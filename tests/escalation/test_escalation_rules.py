"""Ladder selection is a ruleset in the routing grammar; ladders and the directory are checked at load time.
The cases of rules/escalation_test.yaml run with every other case (tests/rules/test_rule_cases.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from engine.domain.directory import Directory, DirectoryError
from engine.domain.ladder import LadderError, ladders_from_document
from engine.rulebook import RulebookError
from engine.rulebook.first_match import ladder_selection
from tests.support.paths import RULES_DIR
from tests.support.rules_copy import official


def test_a_match_says_which_conditions_chose_the_ladder(policy_set):
    match = policy_set.ladder_rules.first({"clock_kind": "first_response", "priority": "critical"})

    assert [(c["fact"], c["actual"]) for c in match.conditions] == [
        ("clock_kind", "first_response"), ("priority", "critical")]


def selection(rules: list, ladders=("answer",)):
    return ladder_selection({"ruleset": "escalation", "hit_policy": "first", "rules": rules}, ladders=set(ladders),
                            clock_kinds={"answer", "forward"}, policies={"fz59"}, bodies={"min-roads"})


@pytest.mark.parametrize(("rule", "message"), [
    ({"id": "r1", "description": "d", "when": {"fact": "colour", "op": "equals", "value": "red"},
      "then": {"ladder": "answer"}}, "правило r1: поле when.fact: нет факта 'colour'"),
    ({"id": "r1", "description": "d", "when": {"fact": "clock_kind", "op": "equals", "value": "anwser"},
      "then": {"ladder": "answer"}}, "правило r1: поле when.value: "
      "'anwser' — не значение факта clock_kind; возможно, имелось в виду answer"),
    ({"id": "r1", "description": "d", "then": {"ladder": "nope"}}, "правило r1: поле then.ladder: "
      "неизвестное значение ladder 'nope'"),
    ({"id": "r1", "description": "d", "when": {"fact": "priority", "op": "phrase", "value": "x"},
      "then": {"ladder": "answer"}}, "правило r1: поле when.op: нет оператора 'phrase'"),
    ({"id": "r1", "description": "d", "then": {"ladder": "answer"}, "pri": 1}, "правило r1: поле pri: "
      "неизвестное поле; допустимы id, description, when, then"),
])
def test_a_broken_selection_rule_names_the_file_the_rule_and_the_field(rule, message):
    with pytest.raises(RulebookError) as error:
        selection([rule])
    assert str(error.value).startswith(f"escalation.yaml: {message}")


def test_negations_and_missing_facts_behave_as_in_routing():
    rules = selection([
        {"id": "not-high", "description": "d", "when": {"not": {"fact": "priority", "op": "equals", "value": "high"}},
         "then": {"ladder": "answer"}},
    ])

    assert rules.first({"clock_kind": "answer"}).rule == "not-high"  # a missing priority is "not high"
    assert rules.first({"clock_kind": "answer", "priority": "high"}) is None
    assert rules.first({"clock_kind": "answer"}, reference=True).rule == "not-high"


@pytest.mark.parametrize(("level", "message"), [
    ({"id": "x", "at": {"share": 1.5}, "notify": ["executor"]}, "at.share"),
    ({"id": "x", "at": {"soon": True}, "notify": ["executor"]}, "field at"),
    ({"id": "x", "at": {"breach": True}, "notify": ["janitor"]}, "field notify"),
    ({"id": "x", "at": {"breach": True}, "notify": ["executor"], "repeat": {"every_working_hours": 0}}, "field repeat"),
    ({"id": "x", "at": {"breach": True}, "notify": ["executor"], "urgent": "yes"}, "field urgent"),
    ({"id": "x", "at": {"breach": True}, "notify": ["executor"], "colour": "red"}, "unknown fields"),
])
def test_a_broken_ladder_level_is_refused_with_its_ladder_and_level(level, message):
    with pytest.raises(LadderError, match=message) as error:
        ladders_from_document({"ladders": [{"id": "lad", "levels": [level]}]}, roles={"executor"})
    assert "ladder lad: level 'x'" in str(error.value)


def test_levels_carry_urgency_and_repeats(policy_set):
    urgent = next(lad for lad in policy_set.ladders if lad.id == "incident-urgent")

    assert urgent.level("breach").urgent and urgent.level("breach").repeat_hours == 2
    assert not next(lad for lad in policy_set.ladders if lad.id == "answer").level("three-quarters").urgent


# ------------------------------------------------------------------ the directory at send time


@pytest.fixture(scope="module")
def directory_doc():
    return yaml.safe_load((Path(RULES_DIR) / "directory.yaml").read_text(encoding="utf-8"))


def test_a_holder_who_is_in_takes_their_own_alert(policy_set):
    found = policy_set.directory.resolve_for_alert("sector_head", body="min-roads", sector="roads",
                                                   day=date(2027, 7, 2))
    assert (found.official.id, found.role, found.deputy, found.vacant) == ("orlov-dm", "sector_head", False, ())


def test_a_standing_deputy_acts_while_the_holder_is_out_of_office(policy_set):
    found = policy_set.directory.resolve_for_alert("sector_head", body="min-roads", sector="roads",
                                                   day=date(2027, 7, 5))
    assert (found.official.id, found.holder.id, found.deputy) == ("kuznetsov-av", "orlov-dm", True)


def test_the_deputy_named_for_an_absence_comes_before_the_standing_ones(directory_doc):
    doc = yaml.safe_load(yaml.safe_dump(directory_doc))
    official(doc, "orlov-dm")["out_of_office"] = [{"from": date(2027, 7, 5), "to": date(2027, 7, 18),
                                                   "deputy": "belova-na"}]
    found = Directory.from_document(doc).resolve_for_alert("sector_head", body="min-roads", sector="roads",
                                                           day=date(2027, 7, 10))
    assert found.official.id == "belova-na"


def test_a_role_whose_holder_and_deputies_are_all_away_passes_to_the_next_role_up(directory_doc):
    doc = yaml.safe_load(yaml.safe_dump(directory_doc))
    away = [{"from": date(2027, 7, 1), "to": date(2027, 7, 31)}]
    official(doc, "orlov-dm")["out_of_office"] = away
    official(doc, "kuznetsov-av")["out_of_office"] = away

    found = Directory.from_document(doc).resolve_for_alert("sector_head", body="min-roads", sector="roads",
                                                           day=date(2027, 7, 10))
    assert (found.official.id, found.role, found.vacant) == ("petrov-ii", "centre_head", ("sector_head",))


def test_a_vacant_head_of_body_passes_up_the_body_tree_then_up_the_roles(directory_doc):
    doc = yaml.safe_load(yaml.safe_dump(directory_doc))
    directory = Directory.from_document(doc)
    # the city roads committee's head is in; with no head the city administration's head acts
    assert directory.resolve_for_alert("head_of_body", body="barnaul-roads-committee", sector="roads",
                                       day=date(2027, 1, 11)).official.id == "gromov-ka"
    official(doc, "gromov-ka")["positions"] = []
    found = Directory.from_document(doc).resolve_for_alert("head_of_body", body="barnaul-roads-committee",
                                                           sector="roads", day=date(2027, 1, 11))
    assert found.official.id == "zaitsev-ro"
    official(doc, "zaitsev-ro")["positions"] = [{"role": "executor", "body": "barnaul-admin"}]
    found = Directory.from_document(doc).resolve_for_alert("head_of_body", body="barnaul-roads-committee",
                                                           sector="roads", day=date(2027, 1, 11))
    assert (found.official.id, found.role, found.vacant) == ("orlov-dm", "sector_head", ("head_of_body",))


@pytest.mark.parametrize(("change", "message"), [
    ({"deputies": ["nobody"]}, "unknown deputy"),
    ({"channels": ["pigeon"]}, "unknown channel 'pigeon'"),
    ({"channels": ["webhook"]}, "channel webhook needs an address"),
    ({"out_of_office": [{"from": date(2027, 2, 1), "to": date(2027, 1, 1)}]}, "out_of_office"),
    ({"alert_hours": "siesta"}, "unknown working hours 'siesta'"),
])
def test_a_broken_directory_entry_is_refused_with_the_official_and_field(directory_doc, change, message):
    doc = yaml.safe_load(yaml.safe_dump(directory_doc))
    official(doc, "orlov-dm").update(change)
    with pytest.raises(DirectoryError, match=message) as error:
        Directory.from_document(doc)
    assert "official orlov-dm" in str(error.value)


def test_a_manager_s_area_follows_their_positions(policy_set):
    directory = policy_set.directory

    assert directory.area_of(directory.officials["petrov-ii"]) is None
    assert directory.area_of(directory.officials["orlov-dm"]) == {"min-roads", "min-transport",
                                                                  "barnaul-roads-committee"}
    assert "barnaul-roads-committee" in directory.area_of(directory.officials["zaitsev-ro"])


def test_a_replaced_policy_set_frees_its_ladder_rules_and_still_answers_late_callers():
    from engine.policyset import load_policy_set

    replaced = load_policy_set(RULES_DIR)
    cases = yaml.safe_load((RULES_DIR / "escalation_test.yaml").read_text(encoding="utf-8"))["cases"]
    before = [getattr(replaced.ladder_for(case["given"]), "id", None) for case in cases]
    engine = replaced.ladder_rules._engine

    replaced.retire()

    assert engine.freed
    assert [getattr(replaced.ladder_for(case["given"]), "id", None) for case in cases] == before
    assert any(before)
