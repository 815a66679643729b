"""The production calendar cannot run out: an appeal whose term reaches a year without data is routed on
the provisional calendar and marked so; /healthz, /metrics and a daily alert tell the administrator about
the missing year from 1 October; publishing the official year recomputes the provisional clocks, audited."""

from __future__ import annotations

import dataclasses

import pytest

from engine.services import credentials
from engine.services.calendar_draft import draft_text
from engine.services.calendar_watch import watch_calendar
from engine.services.rules import versions
from engine.store.models import AlertRecord, AppealRecord, AuditRecord, ClockRecord
from tests.support.moments import at
from tests.support.paths import RULES_DIR
from tests.support.signing import body_of, signed_headers
from tests.support.staff import add_staff, log_in

SECRET = "calendar-portal-secret"


def pothole(external_id: str, **extra) -> dict:
    return {"external_id": external_id, "text": "На ул. Попова огромные ямы, провал асфальта у дома 105",
            "municipality": "barnaul", "category": "roads", "fz59": True, "regime": "fz59", **extra}


@pytest.fixture
def portal(runtime):
    credentials.add_channel(runtime.now(), "portal", "generic", SECRET)
    return "portal"


def post(client, clock, payload):
    body = body_of(payload)
    return client.post("/webhooks/generic/portal", data=body,
                       headers=signed_headers(SECRET, body, int(clock().timestamp())))


def answer_clock(appeal: dict) -> dict:
    return next(c for c in appeal["clocks"] if c["kind"] == "answer")


def staff_view(client, runtime, appeal_id: int) -> dict:
    token = credentials.create_token(runtime.now(), "manager")
    answer = client.get(f"/api/v1/appeals/{appeal_id}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    return answer.get_json()


def test_an_appeal_of_20_december_2027_is_routed_with_a_provisional_answer_deadline(client, clock, runtime, portal):
    clock.set(at("Mon 2027-12-20 10:00"))

    answer = post(client, clock, pothole("dec-2027"))

    assert answer.status_code == 202, answer.get_json()
    data = answer.get_json()
    assert data["status"] == "routed"
    brief = next(c for c in data["deadlines"] if c["kind"] == "answer")
    # Mon 20 Dec 2027 + 30 days = Wed 19 Jan 2028: counted on weekends and art. 112 holidays
    assert brief["due"] == "2028-01-19T23:59:59+07:00" and brief["provisional"] is True
    appeal = staff_view(client, runtime, data["appeal_id"])
    clock_view = answer_clock(appeal)
    assert clock_view["provisional"] is True and clock_view["provisional_years"] == [2028]
    assert "на 2028 год не загружен" in clock_view["provisional_note"]
    registration = next(c for c in appeal["clocks"] if c["kind"] == "registration")
    assert registration["provisional"] is False  # due Thu 23 Dec 2027: the data cover it

    add_staff(runtime)
    log_in(client, "centre-manager")
    page = client.get(f"/appeals/{data['appeal_id']}").get_data(as_text=True)
    assert page.count(">предварительный</span>") == 1  # the answer clock only
    assert "производственный календарь на 2028 год не загружен" in page


def test_a_back_filled_2024_record_is_routed_on_the_provisional_calendar_not_retried(client, clock, runtime, portal):
    answer = post(client, clock, pothole("old-2024", received_at="2024-06-03T10:00:00+07:00"))

    assert answer.status_code == 202, answer.get_json()
    data = answer.get_json()
    assert data["status"] == "routed"
    record = AppealRecord.get_by_id(data["appeal_id"])
    assert record.status == "routed" and record.last_error is None
    clocks = {c.kind: c for c in ClockRecord.select().where(ClockRecord.appeal == data["appeal_id"])}
    # registration counts from the receipt: Mon 3 Jun 2024 + 3 days = Thu 6 Jun 2024, no data for 2024
    assert clocks["registration"].due_at == at("Thu 2024-06-06 23:59:59")
    assert clocks["registration"].provisional_years == "2024"
    # the answer counts from registration today (Mon 30 Nov 2026): the data cover it
    assert clocks["answer"].provisional_years is None


@pytest.mark.parametrize(
    ("today", "warn_from", "missing"),
    [
        ("Thu 2027-09-30 12:00", (10, 1), None),
        ("Fri 2027-10-01 12:00", (10, 1), 2028),
        ("Mon 2027-12-20 12:00", (10, 1), 2028),
        ("Mon 2027-09-20 12:00", (9, 15), 2028),
        ("Tue 2026-12-01 12:00", (10, 1), None),  # 2027 is in the shipped data
    ],
)
def test_healthz_and_metrics_warn_about_the_missing_year_from_the_configured_day(
        app, client, clock, runtime, today, warn_from, missing):
    clock.set(at(today))
    app.extensions["appeals_runtime"] = dataclasses.replace(
        runtime, settings=dataclasses.replace(runtime.settings, calendar_warn_from=warn_from))

    health = client.get("/healthz")
    metrics = client.get("/metrics").get_data(as_text=True)

    assert health.status_code == 200
    assert health.get_json()["calendar_missing_year"] == missing
    assert f"appeals_calendar_missing_year {missing or 0}\n" in metrics
    warnings = health.get_json()["warnings"]
    if missing:
        assert len(warnings) == 1 and f"нет производственного календаря на {missing} год" in warnings[0]
        assert f"appeals calendar draft {missing}" in warnings[0]
    else:
        assert warnings == []


def test_the_administrator_is_alerted_once_a_day_while_the_year_is_missing(clock, runtime):
    clock.set(at("Mon 2027-12-20 09:00"))
    first = watch_calendar(runtime)
    again = watch_calendar(runtime)
    clock.set(at("Tue 2027-12-21 09:00"))
    next_day = watch_calendar(runtime)

    alerts = list(AlertRecord.select().where(AlertRecord.level == "calendar").order_by(AlertRecord.id))
    assert first["alerts"] >= 1 and again["alerts"] == 0 and next_day["alerts"] == first["alerts"]
    assert {a.role for a in alerts} == {"administrator"}
    assert alerts[0].subject == "[ЦУР] Нет производственного календаря на 2028 год"
    assert "appeals calendar draft 2028" in alerts[0].body
    clock.set(at("Wed 2027-09-01 09:00"))
    assert watch_calendar(runtime)["alerts"] == 0


def official_2028(extra_day_off: str) -> str:
    """A stand-in for the official 2028 file: the draft with one more day off, as a decree may move one."""
    text = draft_text(2028, use_package=False)
    text = text.replace("source: 'ПРОЕКТ по ст. 95 и 112 ТК РФ: впишите номер и дату постановления",
                        "source: 'Тестовый календарь (не постановление): по образцу постановления")
    return text.replace("  - {date: 2028-02-23,",
                        f"  - {{date: {extra_day_off}, note: перенос выходного дня с 01.01.2028}}\n"
                        "  - {date: 2028-02-23,", 1)


@pytest.mark.both_databases
def test_publishing_the_official_year_recomputes_provisional_clocks_audited(client, clock, runtime, portal):
    clock.set(at("Wed 2027-12-08 10:00"))
    # Wed 8 Dec 2027 + 30 days = Fri 7 Jan 2028 (a holiday) → provisionally Mon 10 Jan
    data = post(client, clock, pothole("dec-08")).get_json()
    row = ClockRecord.get((ClockRecord.appeal == data["appeal_id"]) & (ClockRecord.kind == "answer"))
    assert row.due_at == at("Mon 2028-01-10 23:59:59") and row.provisional_years == "2028"
    assert watch_calendar(runtime)["recomputed"] == 0  # 2028 is not loaded yet: nothing to do

    files = {str(p.relative_to(RULES_DIR)): p.read_text(encoding="utf-8") for p in RULES_DIR.rglob("*.yaml")}
    files["calendar/ru-2028.yaml"] = official_2028("2028-01-10")  # the decree makes Monday 10 January a day off
    versions.publish(files, actor="user:policy-writer", comment="календарь на 2028 год", now=runtime.now())
    assert runtime.policy_source.refresh()
    assert 2028 in runtime.policy_set.production.years

    report = watch_calendar(runtime)

    row = ClockRecord.get_by_id(row.id)
    assert report["recomputed"] == 1
    assert row.due_at == at("Tue 2028-01-11 23:59:59") and row.provisional_years is None
    assert row.deadline_version == 2
    events = AuditRecord.select().where((AuditRecord.action == "clock.recomputed")
                                        & (AuditRecord.appeal == data["appeal_id"]))
    answer_events = [e for e in events if e.details["clock"] == "answer"]
    assert len(answer_events) == 1 and answer_events[0].actor == "system"
    assert "календарь на 2028 год" in answer_events[0].details["reason"]
    assert answer_events[0].details["provisional_years_before"] == "2028"
    assert watch_calendar(runtime)["recomputed"] == 0  # done once


@pytest.mark.parametrize(("given", "expected"), [("10-01", (10, 1)), ("09-15", (9, 15)), ("02-29", (2, 29))])
def test_the_warning_day_is_read_as_month_and_day(given, expected):
    from engine.config import Settings

    assert Settings.from_env({"APPEALS_CALENDAR_WARN_FROM": given}).calendar_warn_from == expected


@pytest.mark.parametrize("given", ["13-01", "10-32", "1 October", ""])
def test_a_warning_day_that_is_not_a_day_of_the_year_is_refused_naming_the_variable(given):
    from engine.config import Settings

    with pytest.raises(ValueError, match="APPEALS_CALENDAR_WARN_FROM must be a day of the year MM-DD"):
        Settings.from_env({"APPEALS_CALENDAR_WARN_FROM": given})


@pytest.mark.both_databases
def test_the_worker_routes_a_queued_appeal_of_20_december_2027_provisionally_not_retrying_it(
        app, client, clock, runtime, portal):
    from engine.jobs import run_job

    queued = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, routing="queued"))
    app.extensions["appeals_runtime"] = queued
    clock.set(at("Mon 2027-12-20 10:00"))
    stored = post(client, clock, pothole("dec-2027-queued")).get_json()
    assert stored["status"] == "received"

    run_job(queued, "route")  # the worker's batched routing

    record = AppealRecord.get_by_id(stored["appeal_id"])
    assert (record.status, record.routing_attempts, record.last_error) == ("routed", 0, None)
    answer = ClockRecord.get((ClockRecord.appeal == record.id) & (ClockRecord.kind == "answer"))
    assert answer.due_at == at("Wed 2028-01-19 23:59:59") and answer.provisional_years == "2028"
