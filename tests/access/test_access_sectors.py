"""Sector heads: a login may lead several sector blocks; an appeal's block comes from its topic as well
as its body, so a city administration's heating outage reaches the housing head; the 59-ФЗ ladder
alerts the sector head before the centre head."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from engine.services import appeal_queries, credentials
from engine.services.access import Caller
from engine.services.escalation import sweep
from engine.store.db import database
from engine.store.models import AlertRecord, AppealRecord
from tests.support.command_line import run
from tests.support.moments import at
from tests.support.staff import routed

HOUSING_AND_WASTE = Caller(token_id=None, role="manager", label=None, user="belova", sector="housing",
                           sectors=("housing", "waste"))
HOUSING_ONLY = Caller(token_id=None, role="manager", label=None, user="h", sector="housing", sectors=("housing",))
ROADS_HEAD = Caller(token_id=None, role="manager", label=None, user="orlov", sector="roads", sectors=("roads",))


@pytest.fixture
def three(runtime):
    """A heating outage held by Rubtsovsk's administration (its own block: "other"), rubbish in Barnaul
    and a pit in Barnaul, all routed now."""
    return {
        "heating": routed(runtime, "Нет отопления во всём доме, батареи холодные", external_id="pos-heat",
                          municipality="rubtsovsk", category=None),
        "waste": routed(runtime, "Не вывозят мусор, контейнерная площадка переполнена", external_id="pos-waste",
                        category=None),
        "pit": routed(runtime, external_id="pos-pit"),
    }


def test_an_appeals_sector_comes_from_its_topic_when_its_body_is_a_city_administration(runtime, three):
    heating = AppealRecord.get_by_id(three["heating"])

    assert (heating.body, heating.topic, heating.sector) == ("rubtsovsk-admin", "housing", "housing")
    assert runtime.policy_set.directory.bodies["rubtsovsk-admin"].sector == "other"
    assert AppealRecord.get_by_id(three["pit"]).sector == "roads"


def test_a_head_of_two_sectors_sees_the_appeals_of_both_and_no_other(runtime, three):
    listed = {a.id for a in appeal_queries.appeal_list(runtime, HOUSING_AND_WASTE, filters={})[0]}
    queued = {a.id for a, _ in appeal_queries.appeal_queue(runtime, HOUSING_AND_WASTE)}

    assert listed == queued == {three["heating"], three["waste"]}
    assert appeal_queries.visible_appeal(runtime, HOUSING_AND_WASTE, three["heating"]).id == three["heating"]
    with pytest.raises(appeal_queries.AppealNotFound):
        appeal_queries.visible_appeal(runtime, HOUSING_AND_WASTE, three["pit"])
    assert {a.id for a in appeal_queries.appeal_list(runtime, HOUSING_ONLY, filters={})[0]} == {three["heating"]}
    assert {a.id for a in appeal_queries.appeal_list(runtime, ROADS_HEAD, filters={})[0]} == {three["pit"]}


def test_the_59_fz_ladder_alerts_the_topics_sector_head_before_the_centre_head(runtime, clock, three):
    # received Mon 30 Nov 10:00, answer due Wed 30 Dec; the holidays end on 10 Jan; Rubtsovsk works 8-17
    clock.set(at("Mon 2027-01-11 17:00 +0700"))  # one working day after the breach
    sweep(runtime)
    first = {(a.level, a.role, a.recipient) for a in AlertRecord.select().where(AlertRecord.appeal == three["heating"])}
    clock.set(at("Tue 2027-01-12 17:00 +0700"))  # two working days after
    sweep(runtime)
    later = {(a.level, a.role, a.recipient) for a in AlertRecord.select().where(AlertRecord.appeal == three["heating"])}

    assert ("breach-plus-1wd", "sector_head", "belova-na") in first  # the housing head, not the head of "other"
    assert not any(role == "centre_head" for _, role, _ in first)
    assert ("breach-plus-2wd", "centre_head", "petrov-ii") in later - first


def test_the_sweep_alerts_the_head_of_the_sector_a_rule_set_not_of_the_topics(runtime, clock, three):
    # a rule's set_sector put the heating outage in the roads block (its topic alone would say housing)
    AppealRecord.update(sector="roads").where(AppealRecord.id == three["heating"]).execute()
    clock.set(at("Mon 2027-01-11 17:00 +0700"))  # one working day after the breach
    sweep(runtime)
    alerts = AlertRecord.select().where(AlertRecord.appeal == three["heating"])
    alerted = {(a.level, a.role, a.recipient) for a in alerts}

    assert ("breach-plus-1wd", "sector_head", "orlov-dm") in alerted
    assert not any(recipient == "belova-na" for _, _, recipient in alerted)


def test_a_manager_login_leads_several_sectors_and_its_tokens_too(cli_env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n" * 3))

    added = run(capsys, "user", "add", "belova", "--password-stdin", "--role", "manager",
                "--sector", "housing", "--sector", "waste")
    issued = run(capsys, "user", "token", "belova")
    listed = run(capsys, "user", "list")
    unknown = run(capsys, "user", "add", "x", "--password-stdin", "--role", "manager", "--sector", "mars")

    assert added[0] == 0, added
    token = issued[1].strip().splitlines()[-1]
    database.connect(reuse_if_open=True)
    caller = credentials.authenticate(token, datetime.now(UTC))
    assert (caller.role, caller.sectors) == ("manager", ("housing", "waste"))
    assert "belova\tруководитель\tсекторы «ЖКХ», «Обращение с отходами (ТКО)»\tдействует" in listed[1]
    assert unknown[0] == 2 and "в справочнике нет блока 'mars'" in unknown[2]


def test_a_sector_heads_dashboard_and_reports_count_her_topics_appeals(runtime, clock, three):
    from engine.services import reports
    from engine.services.access import visible_bodies, visible_sectors
    from engine.services.overview import manager_overview

    directory = runtime.policy_set.directory
    scope = {"bodies": visible_bodies(HOUSING_ONLY, directory), "sectors": visible_sectors(HOUSING_ONLY)}
    clock.set(at("Mon 2027-01-11 17:00 +0700"))
    sweep(runtime)
    start, end = reports.period(runtime, "2026-12-01", "2027-01-10")

    sla = reports.sla_report(runtime, start=start, end=end, **scope)
    overview = manager_overview(runtime, HOUSING_ONLY)

    assert [item["body"] for item in sla["items"]] == ["rubtsovsk-admin"]  # the heating outage's answer clock
    assert {a.id for a in overview["overdue"]} == {three["heating"]}
    assert {a.appeal.id for a in overview["alerts"]} == {three["heating"]}
