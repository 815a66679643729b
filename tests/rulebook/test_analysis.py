"""`appeals rules check`: engine limits, unsafe patterns, dead and overlapping rules, coverage,
line numbers, and the trial build in a child process that may not hang the caller."""

from __future__ import annotations

import time

import pytest

from engine.rulebook import load_rulebook
from engine.rulebook.analysis import analyse, coverage
from engine.rulebook.sandbox import SandboxTimeout, trial_build
from engine.rulebook.snapshot import read_tree
from engine.services.rules.check import check_files
from tests.support.paths import RULES_DIR
from tests.support.rule_trees import directory_sets, minimal_tree, write_rules


def rule(rid, when, body="min-roads"):
    return {"id": rid, "description": "правило", "when": when, "then": {"assign": {"body": body, "role": "executor"}}}


def eq(fact, value):
    return {"fact": fact, "op": "equals", "value": value}


def findings(tmp_path, rules, code=None):
    rb = load_rulebook(write_rules(tmp_path, minimal_tree(rules)), **directory_sets())
    return [f for f in analyse(rb) if code is None or f.code == code]


def test_the_demo_rules_have_no_errors_or_warnings():
    rb = load_rulebook(RULES_DIR, **directory_sets())
    assert [f.text() for f in analyse(rb) if f.level != "info"] == []


def test_a_rule_after_a_more_general_one_is_shadowed(tmp_path):
    rules = [
        rule("roads", eq("topic", "roads")),
        rule("roads-barnaul", {"all": [eq("topic", "roads"), eq("municipality", "barnaul")]}),
        rule("roads-or-health", {"any": [eq("topic", "roads"), eq("topic", "health")]}),
        rule("roads-in", {"fact": "topic", "op": "in", "value": ["roads"]}),
    ]
    shadowed = findings(tmp_path, rules, "shadowed")
    assert [f.rule for f in shadowed] == ["roads-barnaul", "roads-in"]
    assert "раньше забирает правило roads" in shadowed[0].message


def test_numeric_and_list_implications_are_understood(tmp_path):
    rules = [
        rule("many", {"fact": "attachment_count", "op": "gte", "value": 3}),
        rule("more", {"fact": "attachment_count", "op": "gt", "value": 5}),
        rule("pit", {"fact": "lemmas", "op": "has_any", "value": ["яма", "выбоина"]}),
        rule("pit-only", {"fact": "lemmas", "op": "has_all", "value": ["яма", "дорога"]}),
        rule("fewer", {"fact": "attachment_count", "op": "lt", "value": 3}),
    ]
    assert [f.rule for f in findings(tmp_path, rules, "shadowed")] == ["more", "pit-only"]


def test_contradictory_conditions_are_errors(tmp_path):
    rules = [
        rule("two-towns", {"all": [eq("municipality", "barnaul"), eq("municipality", "biysk")]}),
        rule("range", {"all": [{"fact": "hour", "op": "gt", "value": 18}, {"fact": "hour", "op": "lt", "value": 9}]}),
        rule("not-itself", {"all": [eq("topic", "roads"), {"not": eq("topic", "roads")}]}),
        rule("absent", {"all": [eq("topic", "roads"), {"fact": "topic", "op": "not_exists"}]}),
        rule("fine", {"all": [eq("topic", "roads"), {"not": eq("municipality", "biysk")}]}),
    ]
    dead = findings(tmp_path, rules, "contradiction")
    assert [f.rule for f in dead] == ["two-towns", "range", "not-itself", "absent"]
    assert all(f.level == "error" for f in dead)


def test_overlaps_are_information_only(tmp_path):
    rules = [rule("roads", eq("topic", "roads")), rule("barnaul", eq("municipality", "barnaul"), "barnaul-admin")]
    (overlap,) = findings(tmp_path, rules, "overlap")
    assert overlap.level == "info" and "сработает roads" in overlap.message


def test_unsafe_patterns_are_rejected(tmp_path):
    rules = [rule("rx", {"fact": "text", "op": "matches", "value": "(а+)+б"}),
             rule("ok", {"fact": "text", "op": "matches", "value": "ям[аы]"})]
    (unsafe,) = findings(tmp_path, rules, "unsafe-pattern")
    assert unsafe.rule == "rx" and unsafe.level == "error"


def test_more_than_256_rules_ending_on_one_condition_is_explained(tmp_path):
    rules = [rule(f"r{i}", {"all": [eq("category", f"c{i}"), eq("topic", "roads")]}) for i in range(300)]
    limits = findings(tmp_path, rules, "engine-limit")
    assert any("more than 256 rules (300) end on the same condition" in f.message and "decision table" in f.message
               for f in limits)


def test_more_than_500_distinct_first_conditions_is_an_error(tmp_path):
    rules = [rule(f"r{i}", eq("category", f"c{i}")) for i in range(520)]
    limits = findings(tmp_path, rules, "engine-limit")
    assert any("different first conditions" in f.message for f in limits)


def test_more_than_64_conditions_true_at_once_is_a_warning(tmp_path):
    rules = [rule(f"r{i}", {"fact": "text_length", "op": "gte", "value": i}) for i in range(70)]
    limits = findings(tmp_path, rules, "engine-limit")
    assert [f.level for f in limits] == ["warning"]


def test_coverage_lists_topic_and_municipality_pairs_that_reach_the_fallback():
    rb = load_rulebook(RULES_DIR, **directory_sets())
    report = coverage(rb, ["roads", "other"], ["barnaul", "biysk"])
    assert report.combinations == 4
    assert report.to_fallback == [("other", "barnaul")]


def test_a_hanging_engine_build_is_stopped_by_the_time_limit():
    # more than ~512 distinct first conditions under one node: ruleset creation never returns
    definitions = {"hang_v1": {f"r{i}": {"pri": i + 1, "all": [{"m": {"$and": [{"doc": "appeal"}, {"c": f"c{i}"}]}}],
                                         "run": f"r{i}"} for i in range(600)}}
    started = time.monotonic()
    with pytest.raises(SandboxTimeout):
        trial_build(definitions, {"s": "hang_v1"}, timeout=4)
    assert time.monotonic() - started < 15


def test_the_full_check_of_the_demo_rules_passes_in_a_child_process():
    report = check_files(read_tree(RULES_DIR))
    assert report.ok, report.to_dict()
    assert report.cases_passed > 40 and report.build_seconds is not None
    assert report.coverage["fallback_rule"] == "route-fallback"


def test_a_broken_draft_reports_the_file_and_line():
    files = read_tree(RULES_DIR)
    files["routing/health.yaml"] = files["routing/health.yaml"].replace("op: equals", "op: equalz", 1)
    report = check_files(files)
    (error,) = report.errors
    assert error.file == "routing/health.yaml" and error.line is not None
    assert "equalz" in error.message
    line = files["routing/health.yaml"].splitlines()[error.line - 1]
    assert "equalz" in line
