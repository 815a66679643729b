from __future__ import annotations

import copy
import re

import pytest

from engine.rulebook import RulebookError, load_rulebook
from tests.support.paths import RULES_DIR
from tests.support.rule_trees import directory_sets, minimal_tree, write_rules


def load(tmp_path, files):
    return load_rulebook(write_rules(tmp_path, files), **directory_sets())


def rule(rid="r1", when=None, then=None, **extra):
    out = {"id": rid, "description": "правило"}
    if when is not None:
        out["when"] = when
    out["then"] = then or {"assign": {"body": "min-roads", "role": "executor"}}
    out.update(extra)
    return out


def test_demo_rules_load_and_version_is_stable():
    a = load_rulebook(RULES_DIR, **directory_sets())
    b = load_rulebook(RULES_DIR, **directory_sets())
    assert a.version == b.version and len(a.version) == 16
    assert [s.name for s in a.stages] == ["topic", "signals", "route", "deadline"]
    assert a.stages[2].rules[-1].id == "route-fallback"


def test_version_changes_with_content(tmp_path):
    files = minimal_tree([rule()])
    v1 = load(tmp_path, files).version
    files["t/route.yaml"]["rules"][0]["description"] = "другое описание"
    assert load(tmp_path, files).version != v1


def test_minimal_tree_routes(tmp_path):
    rb = load(tmp_path, minimal_tree([rule(when={"fact": "topic", "op": "equals", "value": "roads"})]))
    assert rb.decide({"topic": "roads"}).body == "min-roads"
    d = rb.decide({})
    assert (d.body, d.role, d.policy, d.route_rule_id) == ("cur-triage", "executor", "fz59", "fallback")


@pytest.mark.parametrize(
    ("bad_rule", "fragment"),
    [
        (rule(when={"fact": "colour", "op": "equals", "value": "x"}), "field when.fact: unknown fact 'colour'"),
        (rule(when={"fact": "topic", "op": "like", "value": "x"}), "field when.op: unknown operator 'like'"),
        (rule(when={"fact": "topic", "op": "lt", "value": 3}), "operator lt does not apply"),
        (rule(when={"fact": "hour", "op": "equals", "value": "9"}), "expected a int for fact hour"),
        (rule(when={"fact": "hour", "op": "equals", "value": 25}), "out of range"),
        (rule(when={"fact": "regime", "op": "equals", "value": "fz95"}), "not a value of regime"),
        (rule(when={"fact": "topic", "op": "exists", "value": 1}), "takes no value"),
        (rule(when={"fact": "text", "op": "matches", "value": "(unclosed"}), "invalid regular expression"),
        (rule(when={"fact": "text", "op": "matches", "value": "a" * 300}), "longer than"),
        (rule(when={"fact": "text", "op": "equals", "value": "a"}), "only be used with the operator matches"),
        (rule(when={"fact": "tags", "op": "has_any", "value": []}), "non-empty"),
        (rule(when={"all": []}), "field when.all"),
        (rule(when={"maybe": []}), "field when.maybe"),
        (rule(then={"escalate": "now"}), "field then.escalate: unknown outcome"),
        (rule(then={"assign": {"body": "nowhere", "role": "executor"}}), "field then.assign.body: unknown body"),
        (rule(then={"assign": {"body": "min-roads", "role": "boss"}}), "field then.assign.role: unknown role"),
        (rule(then={"deadline_policy": "forever"}), "field then.deadline_policy: unknown deadline policy"),
        (rule(then={"priority": "urgent"}), "unknown priority"),
        (rule(then={"fz59_special": "boring"}), "unknown special case"),
        (rule(then={"set_topic": "space"}), "unknown topic"),
        (rule(then={"notify_now": ["boss"]}), "unknown role"),
        (rule(colour="red"), "field colour: unknown field"),
    ],
)
def test_invalid_rule_names_file_rule_and_field(tmp_path, bad_rule, fragment):
    with pytest.raises(RulebookError) as err:
        load(tmp_path, minimal_tree([bad_rule]))
    message = str(err.value)
    assert message.startswith("t/route.yaml: rule r1: field "), message
    assert fragment in message


def test_duplicate_rule_ids_across_files(tmp_path):
    files = minimal_tree([rule("dup")])
    files["t/deadline.yaml"]["rules"].insert(0, rule("dup", then={"deadline_policy": "fz59"}))
    with pytest.raises(RulebookError, match=re.escape("t/deadline.yaml: rule dup: field id: duplicate rule id")):
        load(tmp_path, files)


def test_route_stage_needs_an_unconditional_last_rule(tmp_path):
    files = minimal_tree()
    files["t/route.yaml"]["rules"][-1]["when"] = {"fact": "topic", "op": "exists"}
    with pytest.raises(RulebookError, match="rule fallback: field when: stage route"):
        load(tmp_path, files)


def test_route_fallback_must_assign(tmp_path):
    files = minimal_tree()
    files["t/route.yaml"]["rules"][-1]["then"] = {"priority": "low"}
    with pytest.raises(RulebookError, match="must set assign"):
        load(tmp_path, files)


def test_deadline_stage_is_required(tmp_path):
    files = minimal_tree()
    files["pipeline.yaml"]["stages"].pop()
    del files["t/deadline.yaml"]
    with pytest.raises(RulebookError, match="no 'deadline' stage"):
        load(tmp_path, files)


def test_ruleset_name_must_match_path(tmp_path):
    files = minimal_tree()
    files["t/route.yaml"]["ruleset"] = "t/other"
    with pytest.raises(RulebookError, match=re.escape("t/route.yaml: field ruleset")):
        load(tmp_path, files)


def test_unknown_hit_policy_and_mixed_policies(tmp_path):
    files = minimal_tree()
    files["t/route.yaml"]["hit_policy"] = "random"
    with pytest.raises(RulebookError, match="field hit_policy"):
        load(tmp_path, files)
    files = minimal_tree()
    files["t/extra.yaml"] = {"ruleset": "t/extra", "hit_policy": "collect", "rules": [rule("x")]}
    files["pipeline.yaml"]["stages"][0]["rulesets"].insert(0, "t/extra")
    with pytest.raises(RulebookError, match="mixes hit policies"):
        load(tmp_path / "b", files)


def test_unused_rule_file_is_an_error(tmp_path):
    files = minimal_tree()
    files["t/forgotten.yaml"] = {"ruleset": "t/forgotten", "hit_policy": "first", "rules": [rule()]}
    with pytest.raises(RulebookError, match=re.escape("t/forgotten.yaml: this ruleset file is not used")):
        load(tmp_path, files)


def test_missing_ruleset_file_and_bad_yaml(tmp_path):
    files = minimal_tree()
    files["pipeline.yaml"]["stages"][0]["rulesets"].insert(0, "t/absent")
    with pytest.raises(RulebookError, match=re.escape("t/absent.yaml does not exist")):
        load(tmp_path, files)
    files = minimal_tree()
    files["t/route.yaml"] = "ruleset: [unclosed"
    with pytest.raises(RulebookError, match=re.escape("t/route.yaml: invalid YAML")):
        load(tmp_path / "b", files)


def test_priority_hit_policy_orders_by_priority(tmp_path):
    files = minimal_tree()
    rules = files["t/route.yaml"]["rules"]
    files["t/route.yaml"]["hit_policy"] = "priority"
    files["t/route.yaml"]["rules"] = [
        rule("low", when={"fact": "topic", "op": "exists"}, priority=1),
        rule("high", when={"fact": "topic", "op": "equals", "value": "roads"},
             then={"assign": {"body": "barnaul-roads-committee", "role": "executor"}}, priority=10),
        dict(rules[-1], priority=0),
    ]
    rb = load(tmp_path, files)
    assert rb.decide({"topic": "roads"}).route_rule_id == "high"
    assert rb.decide_reference({"topic": "roads"}).route_rule_id == "high"
    assert rb.decide({"topic": "waste"}).route_rule_id == "low"
    dup = copy.deepcopy(files)
    dup["t/route.yaml"]["rules"][1]["priority"] = 1
    with pytest.raises(RulebookError, match="rule high: field priority: priority 1 is also used by rule low"):
        load(tmp_path / "b", dup)


def test_priority_is_required_only_for_priority_policy(tmp_path):
    with pytest.raises(RulebookError, match="field priority: unknown field"):
        load(tmp_path, minimal_tree([rule(priority=3)]))
