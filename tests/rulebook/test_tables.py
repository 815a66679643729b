"""Decision tables: one rule artefact, an indexed lookup, first matching row wins."""

from __future__ import annotations

import json
import random

import pytest

from engine.rulebook import RulebookError, load_rulebook
from tests.support.paths import RULES_DIR
from tests.support.rule_trees import directory_sets, minimal_tree, write_rules


def table_rule(rows, inputs=("municipality", "topic"), **extra):
    return {"id": "matrix", "description": "матрица", "table": {"inputs": list(inputs), "rows": rows}, **extra}


def assign(body):
    return {"assign": {"body": body, "role": "executor"}}


ROWS = [
    {"id": "biysk-housing", "when": ["biysk", ["housing", "other"]], "then": assign("biysk-admin")},
    {"id": "rubtsovsk-any", "when": ["rubtsovsk", "*"], "then": assign("rubtsovsk-admin")},
    {"when": ["*", "roads"], "then": assign("min-roads")},
]


@pytest.fixture
def rulebook(tmp_path):
    return load_rulebook(write_rules(tmp_path, minimal_tree([table_rule(ROWS)])), **directory_sets())


@pytest.mark.parametrize(("facts", "body", "recorded"), [
    ({"municipality": "biysk", "topic": "housing"}, "biysk-admin", "matrix:biysk-housing"),
    ({"municipality": "biysk", "topic": "other"}, "biysk-admin", "matrix:biysk-housing"),
    ({"municipality": "rubtsovsk", "topic": "roads"}, "rubtsovsk-admin", "matrix:rubtsovsk-any"),
    ({"municipality": "rubtsovsk"}, "rubtsovsk-admin", "matrix:rubtsovsk-any"),
    ({"municipality": "biysk", "topic": "roads"}, "min-roads", "matrix:r3"),
    ({"topic": "roads"}, "min-roads", "matrix:r3"),
    ({"municipality": "biysk", "topic": "health"}, "cur-triage", "fallback"),
    ({"topic": "housing"}, "cur-triage", "fallback"),
])
def test_the_first_matching_row_decides_and_is_recorded(rulebook, facts, body, recorded):
    decision = rulebook.decide(facts)
    assert (decision.body, decision.route_rule_id) == (body, recorded)
    assert decision == rulebook.decide_reference(facts)


def test_a_table_is_one_engine_rule(rulebook):
    (route,) = [d for name, d in rulebook.compiled_rulesets().items() if name.startswith("route_")]
    assert sorted(route) == ["fallback", "matrix"]


def test_the_explanation_names_the_row_and_the_input_values(rulebook):
    decision = rulebook.decide({"municipality": "biysk", "topic": "housing"})
    route = next(s for s in decision.explanation if s["stage"] == "route")
    (fired,) = route["fired"]
    assert fired["rule"] == "matrix:biysk-housing" and fired["then"]["body"] == "biysk-admin"
    (condition,) = fired["conditions"]
    assert condition["row"] == "biysk-housing"
    assert condition["actual"] == {"municipality": "biysk", "topic": "housing"}
    json.dumps(decision.to_dict(), ensure_ascii=False)


def test_a_guard_condition_and_a_table_combine(tmp_path):
    rule = table_rule(ROWS, when={"fact": "regime", "op": "equals", "value": "incident"})
    rb = load_rulebook(write_rules(tmp_path, minimal_tree([rule])), **directory_sets())
    assert rb.decide({"municipality": "biysk", "topic": "housing", "regime": "incident"}).body == "biysk-admin"
    assert rb.decide({"municipality": "biysk", "topic": "housing", "regime": "fz59"}).body == "cur-triage"


@pytest.mark.parametrize(("rows", "fragment"), [
    ([{"when": ["biysk"], "then": assign("biysk-admin")}], "rows[0].when: ожидается ячеек: 2"),
    ([{"when": ["biysk", 3], "then": assign("biysk-admin")}],
     "rows[0].when[1]: для факта topic ожидается непустая строка"),
    ([{"when": ["biysk", "housing"], "then": assign("no-body")}], "rows[0].then.assign.body: в справочнике нет органа"),
    ([{"when": ["*", "*"], "then": assign("biysk-admin")}, {"when": ["biysk", "roads"], "then": assign("min-roads")}],
     "строка r2 никогда не применяется: строка r1"),
    ([{"id": "a", "when": ["biysk", "housing"], "then": assign("min-roads")},
      {"id": "a", "when": ["biysk", "roads"], "then": assign("min-roads")}], "неверный или повторный id строки"),
])
def test_bad_tables_fail_at_load_with_the_row_and_cell(tmp_path, rows, fragment):
    with pytest.raises(RulebookError, match="правило matrix") as error:
        load_rulebook(write_rules(tmp_path, minimal_tree([table_rule(rows)])), **directory_sets())
    assert fragment in str(error.value)


def test_a_list_fact_cannot_be_a_table_input(tmp_path):
    rule = table_rule([{"when": ["x"], "then": assign("min-roads")}], inputs=("lemmas",))
    with pytest.raises(RulebookError, match="не может быть входом таблицы"):
        load_rulebook(write_rules(tmp_path, minimal_tree([rule])), **directory_sets())


def test_a_large_table_agrees_with_the_reference_on_random_appeals(tmp_path):
    topics = ["housing", "roads", "health", "waste", "social", "other"]
    munis = [f"m{i}" for i in range(120)]
    rows = [{"when": [m, t], "then": assign("min-roads" if i % 2 else "min-health")}
            for i, (m, t) in enumerate((m, t) for m in munis for t in topics[:3])]
    rows.append({"when": ["*", "waste"], "then": assign("min-nature-waste")})
    rb = load_rulebook(write_rules(tmp_path, minimal_tree([table_rule(rows)])), **directory_sets())
    assert len(rb.rules) == 3  # 361 rows are one rule (plus the two fallbacks)
    rng = random.Random(3)
    for _ in range(500):
        facts = {"municipality": rng.choice([*munis, "elsewhere"]), "topic": rng.choice(topics)}
        assert rb.decide(facts) == rb.decide_reference(facts)


def test_the_demo_municipal_rules_are_a_table():
    rb = load_rulebook(RULES_DIR, **directory_sets())
    assert rb.rules["municipal-matrix"].table is not None
    assert rb.decide({"municipality": "biysk", "text": "Протекает крыша"}).route_rule_id == "municipal-matrix:biysk"
