"""Levels that repeat until acknowledged, catching up after downtime, and re-arming after an extension."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.services.access import Caller
from engine.services.actions import perform
from engine.services.escalation import rearm_clock, sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store import outbox
from engine.store.models import AlertRecord, ClockRecord, EscalationRecord
from tests.support.appeals import burst_pipe, pit_appeal
from tests.support.moments import at


@pytest.fixture
def incident(runtime, clock):
    """Received Mon 2026-11-30 10:00 Barnaul; the housing committee works 8-12, 13-17:
    first response (9 working hours) due Tue 1 Dec 11:00."""
    received = receive_appeal(runtime, burst_pipe(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    return received.appeal_id


def first_response_alerts(**where):
    clock_row = ClockRecord.get(ClockRecord.kind == "first_response")
    query = AlertRecord.select().where(AlertRecord.clock == clock_row.id)
    for name, value in where.items():
        query = query.where(getattr(AlertRecord, name) == value)
    return sorted((a.level, a.repeat, a.recipient, a.channel, a.status) for a in query)


def test_an_ordinary_incident_climbs_the_incident_ladder(runtime, incident):
    row = EscalationRecord.get(EscalationRecord.clock == ClockRecord.get(ClockRecord.kind == "first_response"))
    assert row.ladder_id == "incident-response"
    assert row.next_check_at == at("Mon 2026-11-30 15:30 +0700")  # half of 9 working hours


def test_a_breach_repeats_every_four_working_hours_until_someone_acknowledges(runtime, clock, incident):
    clock.set(at("Tue 2026-12-01 11:00 +0700"))
    sweep(runtime)
    breach = [("breach", 0, "belova-na", "email", "pending"), ("breach", 0, "belova-na", "telegram", "pending"),
              ("breach", 0, "zaitsev-ro", "email", "pending")]
    assert first_response_alerts(level="breach") == breach

    clock.set(at("Tue 2026-12-01 15:59 +0700"))  # 11-12 and 13-15:59: not yet four working hours
    sweep(runtime)
    assert first_response_alerts(level="breach", repeat=1) == []

    clock.set(at("Tue 2026-12-01 16:00 +0700"))
    sweep(runtime)
    sweep(runtime)
    assert [r[2] for r in first_response_alerts(level="breach", repeat=1)] == ["belova-na", "belova-na", "zaitsev-ro"]
    repeat = AlertRecord.get(AlertRecord.repeat == 1, AlertRecord.recipient == "zaitsev-ro")
    assert repeat.subject.startswith("[ЦУР] Повторно (1): Срок нарушен")
    assert repeat.idempotency_key.endswith(":role:head_of_body:repeat:1")

    outbox.acknowledge(repeat.id, clock())  # what POST /api/v1/alerts/<id>/ack does

    clock.set(at("Wed 2026-12-02 11:00 +0700"))  # the second repeat would fall due now
    sweep(runtime)
    assert first_response_alerts(level="breach", repeat=2) == []
    row = EscalationRecord.get(EscalationRecord.clock == repeat.clock_id)
    assert row.repeat_level is None


def test_without_an_acknowledgement_the_repeats_go_on_until_the_next_level(runtime, clock, incident):
    clock.set(at("Tue 2026-12-01 11:00 +0700"))
    sweep(runtime)
    for moment in ("Tue 2026-12-01 16:00", "Wed 2026-12-02 11:00", "Wed 2026-12-02 16:00"):
        clock.set(at(f"{moment[:3]} {moment[4:]} +0700"))
        sweep(runtime)

    repeats = {a[1] for a in first_response_alerts(level="breach")}
    centre = first_response_alerts(level="breach-plus-1wd")
    # one working day after Tue 11:00 is the end of Wednesday: the centre head's level ends the repeats
    assert repeats == {0, 1, 2, 3}
    assert centre == []
    clock.set(at("Wed 2026-12-02 17:00 +0700"))
    sweep(runtime)
    assert [a[2] for a in first_response_alerts(level="breach-plus-1wd")] == ["petrov-ii"]
    clock.set(at("Thu 2026-12-03 17:00 +0700"))
    sweep(runtime)
    assert {a[1] for a in first_response_alerts(level="breach")} == {0, 1, 2, 3}


def test_two_days_of_downtime_send_one_alert_per_clock_at_the_level_reached(runtime, clock, incident):
    clock.set(at("Thu 2026-12-03 12:00 +0700"))  # the worker was away since Monday morning

    report = sweep(runtime)

    pending = sorted((a.clock.kind, a.level, a.recipient) for a in
                     AlertRecord.select().where((AlertRecord.status == "pending") & AlertRecord.clock.is_null(False)))
    assert pending == [("first_response", "breach-plus-1wd", "petrov-ii")]  # the final answer's half is ahead
    letters = sorted((a.recipient, a.channel) for a in AlertRecord.select().where(AlertRecord.level == "catch-up"))
    # the people whose levels were passed over are told, one letter per person and channel
    assert letters == [("belova-na", "email"), ("belova-na", "telegram"), ("lebedeva-im", "email"),
                       ("zaitsev-ro", "email")]
    assert first_response_alerts(status="superseded") == [
        ("breach", 0, "belova-na", "email", "superseded"), ("breach", 0, "belova-na", "telegram", "superseded"),
        ("breach", 0, "zaitsev-ro", "email", "superseded"), ("half-time", 0, "lebedeva-im", "email", "superseded")]
    assert report.repeats == 0
    assert sweep(runtime).alerts == 0


def test_a_repeating_level_reached_after_downtime_sends_only_the_latest_repeat(runtime, clock, incident):
    clock.set(at("Tue 2026-12-01 11:00 +0700"))
    sweep(runtime)
    clock.set(at("Wed 2026-12-02 15:00 +0700"))  # repeats 1 (Tue 16:00) and 2 (Wed 11:00) were missed

    sweep(runtime)

    assert sorted({a[1] for a in first_response_alerts(level="breach")}) == [0, 2]


def test_extending_a_deadline_stops_the_old_repeats_and_re_arms_the_breach(runtime, clock, incident):
    clock.set(at("Tue 2026-12-01 11:00 +0700"))
    sweep(runtime)
    row = ClockRecord.get(ClockRecord.kind == "first_response")
    ClockRecord.update(due_at=row.due_at + timedelta(days=2), deadline_version=2).where(
        ClockRecord.id == row.id).execute()
    rearm_clock(runtime, ClockRecord.get_by_id(row.id), clock())

    clock.set(at("Tue 2026-12-01 16:00 +0700"))
    sweep(runtime)
    assert first_response_alerts(repeat=1) == []

    clock.set(at("Thu 2026-12-03 11:00 +0700"))
    sweep(runtime)
    versions = sorted((a.level, a.deadline_version) for a in AlertRecord.select().where(
        AlertRecord.clock == row.id, AlertRecord.recipient == "zaitsev-ro"))
    assert versions == [("breach", 1), ("breach", 2)]


def test_an_urgent_incident_climbs_the_urgent_ladder(runtime, clock):
    received = receive_appeal(runtime, burst_pipe(clock, urgency="high", external_id="vk-2"), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    # the final answer's term starts at the interim answer: only the first response climbs a ladder yet
    assert {r.clock.kind: r.ladder_id for r in EscalationRecord.select()} == {"first_response": "incident-urgent"}

    official = Caller(token_id=None, role="official", label=None, user="belova-na")
    perform(runtime, received.appeal_id, "take", {}, official)
    perform(runtime, received.appeal_id, "answer", {"kind": "interim", "text": "Бригада выехала."}, official)
    # an incident is on the centre's control: the final answer's term starts when the answer is published
    assert {r.clock.kind for r in EscalationRecord.select()} == {"first_response"}
    centre = Caller(token_id=None, role="curator", label=None, user="curator")
    perform(runtime, received.appeal_id, "approve_answer", {}, centre)

    rows = {r.clock.kind: r.ladder_id for r in EscalationRecord.select()}
    assert rows == {"first_response": "incident-urgent", "final_answer": "incident-urgent"}


@pytest.mark.both_databases
def test_the_sweep_pages_through_many_steps_due_at_the_same_instant_without_a_cap(runtime, clock):
    from tests.support.seeding import seed_open_appeals

    received = receive_appeal(runtime, pit_appeal(clock, "pos-many"), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    seed_open_appeals(received.appeal_id, total=1200, due=600)
    clock.set(at("Thu 2026-12-24 10:00 +0700"))

    report = sweep(runtime, page=70)

    assert (report.steps, report.alerts, report.errors) == (601, 601, 0)
    assert sweep(runtime, page=70).steps == 0
