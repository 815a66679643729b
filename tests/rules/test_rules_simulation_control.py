"""A simulation reports the appeals whose control («на контроле ЦУР», a rule's ``then: {control: true}``) a
draft would change, both ways: in the backtest's report, over HTTP, on the command line."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.jobs import run_simulation_job
from engine.rulebook.snapshot import read_tree, write_tree
from engine.services import credentials
from engine.services.intake import receive_appeal
from engine.services.rules import backtest
from engine.store.models import AppealRecord
from tests.support.paths import RULES_DIR
from tests.support.staff import bearer, routed
from webhooks.cli import main

COLLAPSE = "На ул. Попова огромные ямы, провал асфальта"  # the pit appeal of tests.support.staff.routed
TOWNS = ["barnaul", "biysk", "rubtsovsk"]  # a third collapse in one town would be a mass incident, decided afresh
CONTROL_COLLAPSES = """
  - id: control-road-collapse
    description: Провал дороги — ответ проверяет ЦУР
    when: {fact: lemmas, op: has_any, value: [провал]}
    then: {control: true}
"""


def with_collapses_on_control() -> dict[str, str]:
    files = read_tree(RULES_DIR)
    files["routing/control.yaml"] = files["routing/control.yaml"].rstrip("\n") + "\n" + CONTROL_COLLAPSES
    return files


def without_social_incidents_on_control() -> dict[str, str]:
    files = read_tree(RULES_DIR)
    text = files["routing/control.yaml"]
    start = text.index("  - id: control-social-incident")
    files["routing/control.yaml"] = text[:start] + text[text.index("  - id: control-governor-fz59"):]
    return files


def resident(n: int) -> Author:
    """A resident of their own (one author's second appeal on a topic is a repeat, decided afresh)."""
    return Author(name=f"Житель {n}", type="citizen", contact=f"resident{n}@example.ru")


def stored_only(rt, text: str, external_id: str, author: Author) -> int:
    """Received, not routed yet: no stored decision, both versions decide it."""
    return receive_appeal(rt, IncomingAppeal(
        channel="portal", external_id=external_id, text=text, received_at=rt.now(), author=author,
        municipality="barnaul", category="roads", fz59=True, regime="fz59"), "{}", actor="test").appeal_id


@pytest.fixture
def collapses(runtime):
    """Three routed collapse appeals (their stored decisions are reused), one not routed yet, and an unclear
    appeal no control rule touches."""
    ids = [routed(runtime, COLLAPSE, external_id=f"c-{i}", author=resident(i), municipality=town)
           for i, town in enumerate(TOWNS)]
    ids.append(stored_only(runtime, COLLAPSE, "c-3", resident(3)))
    routed(runtime, "Прошу разъяснить порядок получения справки", external_id="u-1", category=None,
           author=resident(4))
    assert not any(a.on_control for a in AppealRecord.select())
    return ids


@pytest.mark.both_databases
def test_a_draft_that_adds_a_control_rule_reports_the_appeals_it_puts_on_control(runtime, collapses):
    result = backtest.simulate_draft(with_collapses_on_control(), runtime.policy_set,
                                     since=runtime.now() - timedelta(days=30))

    assert (result["appeals"], result["changed"], result["reused_decisions"]) == (5, 4, 4)
    assert result["changed_fields"]["control"] == 4
    assert result["control_changed"] == {"on": 4, "off": 0}
    assert sorted(result["changed_appeals"]) == sorted(collapses)
    groups = result["groups"]  # by route rule: the towns' road bodies
    assert sum(g["fields"]["control"] for g in groups) == 4
    assert all(g["old_rule"] == g["new_rule"] and not g["fields"]["body"] for g in groups)
    examples = [e for g in groups for e in g["examples"]]
    assert len(examples) == 4
    assert all((e["before"]["control"], e["after"]["control"]) == (False, True) for e in examples)


@pytest.mark.both_databases
def test_a_draft_without_a_control_rule_reports_the_appeals_it_takes_off_control(runtime):
    incidents = [routed(runtime, COLLAPSE, external_id=f"vk-{i}", channel="vk", regime="incident", fz59=False,
                        author=resident(i)) for i in range(2)]
    governor = routed(runtime, "Губернатору Алтайского края. Прошу разобраться с выплатой пособия",
                      external_id="g-1", author=resident(2), category=None)
    on_control = [a.id for a in AppealRecord.select().where(AppealRecord.on_control)]
    assert sorted(on_control) == sorted([*incidents, governor])
    since = runtime.now() - timedelta(days=30)

    same = backtest.simulate_draft(read_tree(RULES_DIR), runtime.policy_set, since=since)
    assert same["reused_decisions"] == 3  # control read off the stored decisions' rules…
    assert (same["changed"], same["control_changed"]) == (0, {"on": 0, "off": 0})  # …as the rules decide it

    result = backtest.simulate_draft(without_social_incidents_on_control(), runtime.policy_set, since=since)

    assert (result["changed"], result["changed_fields"]["control"]) == (2, 2)
    assert result["control_changed"] == {"on": 0, "off": 2}
    assert sorted(result["changed_appeals"]) == sorted(incidents)  # the Governor's appeal stays on control


def test_the_simulation_over_http_reports_control_changes(runtime, client, collapses):
    policy = bearer(credentials.create_token(runtime.now(), "policy"))
    queued = client.post("/api/v1/rules/simulate", headers=policy,
                         json={"files": with_collapses_on_control(), "replace": True, "since_days": 30})
    assert queued.status_code == 202, queued.get_json()

    assert run_simulation_job(runtime) == queued.get_json()["id"]

    shown = client.get(queued.get_json()["url"], headers=policy).get_json()
    assert shown["status"] == "done"
    assert shown["result"]["changed_fields"]["control"] == 4
    assert shown["result"]["control_changed"] == {"on": 4, "off": 0}


def test_appeals_rules_simulate_reports_control_changes_in_words_and_json(runtime, collapses, cli_env, capsys,
                                                                           tmp_path):
    draft = write_tree(with_collapses_on_control(), tmp_path / "draft")

    assert main(["rules", "simulate", str(draft), "--since", "30d"]) == 0
    out = capsys.readouterr().out
    assert ": 5; решение изменится у 4 (на контроле ЦУР 4)" in out  # five appeals replayed, four change
    assert "на контроле ЦУР 4" in out  # among the changed fields, by name
    assert "на контроле ЦУР: станут 4, перестанут 0" in out
    assert "(на контроле ЦУР: нет → да)" in out  # each example

    assert main(["rules", "simulate", str(draft), "--since", "30d", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["changed_fields"]["control"] == 4 and report["control_changed"] == {"on": 4, "off": 0}
    assert sum(g["fields"]["control"] for g in report["groups"]) == 4  # each group counts its own changes
    shutil.rmtree(draft)
