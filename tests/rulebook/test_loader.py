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
        (rule(when={"fact": "colour", "op": "equals", "value": "x"}), "поле when.fact: нет факта 'colour'"),
        (rule(when={"fact": "topic", "op": "like", "value": "x"}), "поле when.op: нет оператора 'like'; есть: equals"),
        (rule(when={"fact": "topic", "op": "lt", "value": 3}), "оператор lt не применим"),
        (rule(when={"fact": "hour", "op": "equals", "value": "9"}), "для факта hour ожидается целое число"),
        (rule(when={"fact": "hour", "op": "equals", "value": 25}), "вне допустимого диапазона"),
        (rule(when={"fact": "regime", "op": "equals", "value": "fz95"}), "'fz95' — не значение факта regime; "
         "возможно, имелось в виду fz59"),
        (rule(when={"fact": "topic", "op": "exists", "value": 1}), "значение не нужно"),
        (rule(when={"fact": "text", "op": "matches", "value": "(unclosed"}), "неверное регулярное выражение"),
        (rule(when={"fact": "text", "op": "matches", "value": "a" * 300}), "длиннее"),
        (rule(when={"fact": "text", "op": "equals", "value": "a"}), "используется только с оператором matches"),
        (rule(when={"fact": "tags", "op": "has_any", "value": []}), "непуст"),
        (rule(when={"all": []}), "поле when.all"),
        (rule(when={"maybe": []}), "поле when.maybe"),
        (rule(then={"escalate": "now"}), "поле then.escalate: неизвестное действие"),
        (rule(then={"assign": {"body": "nowhere", "role": "executor"}}),
         "поле then.assign.body: в справочнике нет органа"),
        (rule(then={"assign": {"body": "min-road", "role": "executor"}}),
         "поле then.assign.body: в справочнике нет органа 'min-road'; возможно, имелось в виду min-roads"),
        (rule(then={"assign": {"body": "min-roads", "role": "boss"}}), "поле then.assign.role: в справочнике нет роли"),
        (rule(then={"deadline_policy": "forever"}), "поле then.deadline_policy: нет политики сроков"),
        (rule(then={"priority": "urgent"}), "нет приоритета 'urgent'"),
        (rule(then={"fz59_special": "boring"}), "нет особого случая"),
        (rule(then={"set_topic": "space"}), "нет темы 'space'"),
        (rule(then={"notify_now": ["boss"]}), "в справочнике нет роли 'boss'"),
        (rule(colour="red"), "поле colour: неизвестное поле"),
    ],
)
def test_invalid_rule_names_file_rule_and_field(tmp_path, bad_rule, fragment):
    with pytest.raises(RulebookError) as err:
        load(tmp_path, minimal_tree([bad_rule]))
    message = str(err.value)
    assert message.startswith("t/route.yaml: правило r1: поле "), message
    assert fragment in message


def test_duplicate_rule_ids_across_files(tmp_path):
    files = minimal_tree([rule("dup")])
    files["t/deadline.yaml"]["rules"].insert(0, rule("dup", then={"deadline_policy": "fz59"}))
    duplicate = "t/deadline.yaml: правило dup: поле id: идентификатор правила повторяется"
    with pytest.raises(RulebookError, match=re.escape(duplicate)):
        load(tmp_path, files)


def test_route_stage_needs_an_unconditional_last_rule(tmp_path):
    files = minimal_tree()
    files["t/route.yaml"]["rules"][-1]["when"] = {"fact": "topic", "op": "exists"}
    with pytest.raises(RulebookError, match="правило fallback: поле when: этап route"):
        load(tmp_path, files)


def test_route_fallback_must_assign(tmp_path):
    files = minimal_tree()
    files["t/route.yaml"]["rules"][-1]["then"] = {"priority": "low"}
    with pytest.raises(RulebookError, match="должно задавать assign"):
        load(tmp_path, files)


def test_deadline_stage_is_required(tmp_path):
    files = minimal_tree()
    files["pipeline.yaml"]["stages"].pop()
    del files["t/deadline.yaml"]
    with pytest.raises(RulebookError, match="нет этапа 'deadline'"):
        load(tmp_path, files)


def test_ruleset_name_must_match_path(tmp_path):
    files = minimal_tree()
    files["t/route.yaml"]["ruleset"] = "t/other"
    with pytest.raises(RulebookError, match=re.escape("t/route.yaml: поле ruleset")):
        load(tmp_path, files)


def test_unknown_hit_policy_and_mixed_policies(tmp_path):
    files = minimal_tree()
    files["t/route.yaml"]["hit_policy"] = "random"
    with pytest.raises(RulebookError, match="поле hit_policy"):
        load(tmp_path, files)
    files = minimal_tree()
    files["t/extra.yaml"] = {"ruleset": "t/extra", "hit_policy": "collect", "rules": [rule("x")]}
    files["pipeline.yaml"]["stages"][0]["rulesets"].insert(0, "t/extra")
    with pytest.raises(RulebookError, match="смешаны порядки срабатывания"):
        load(tmp_path / "b", files)


def test_unused_rule_file_is_an_error(tmp_path):
    files = minimal_tree()
    files["t/forgotten.yaml"] = {"ruleset": "t/forgotten", "hit_policy": "first", "rules": [rule()]}
    with pytest.raises(RulebookError, match=re.escape("t/forgotten.yaml: этот файл правил не входит ни в один этап")):
        load(tmp_path, files)


def test_missing_ruleset_file_and_bad_yaml(tmp_path):
    files = minimal_tree()
    files["pipeline.yaml"]["stages"][0]["rulesets"].insert(0, "t/absent")
    with pytest.raises(RulebookError, match=re.escape("файла правил t/absent.yaml нет")):
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
    with pytest.raises(RulebookError, match="правило high: поле priority: приоритет 1 уже есть у правила low"):
        load(tmp_path / "b", dup)


def test_priority_is_required_only_for_priority_policy(tmp_path):
    with pytest.raises(RulebookError, match="поле priority: неизвестное поле"):
        load(tmp_path, minimal_tree([rule(priority=3)]))
