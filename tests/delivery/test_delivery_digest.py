"""The daily digest: once a working day, each manager gets what is overdue in their area."""

from __future__ import annotations

import pytest

from engine.services.digest import send_digests
from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AlertRecord, AppealRecord
from tests.support.appeals import pit_appeal
from tests.support.moments import at
from tests.support.rules_copy import edited_policy, official


@pytest.fixture
def overdue_pit(runtime, clock):
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    return received.appeal_id


def digests():
    return sorted((a.recipient, a.channel) for a in AlertRecord.select().where(AlertRecord.level == "daily-digest"))


def test_each_manager_of_the_area_gets_one_digest_a_day(runtime, clock, overdue_pit):
    clock.set(at("Mon 2027-01-11 09:30 +0700"))  # the answer was due on 30 December

    assert send_digests(runtime) > 0
    assert send_digests(runtime) == 0

    assert digests() == [("gromov-ka", "email"), ("orlov-dm", "email"), ("orlov-dm", "telegram"),
                         ("petrov-ii", "email"), ("sokolova-ev", "email"), ("zaitsev-ro", "email")]
    digest = AlertRecord.get(AlertRecord.recipient == "orlov-dm", AlertRecord.channel == "email",
                             AlertRecord.level == "daily-digest")
    assert digest.appeal_id is None
    assert digest.subject == "[ЦУР] Просроченные обращения на 11.01.2027: 1"
    assert f"№{overdue_pit} — Комитет по дорожному хозяйству и транспорту города Барнаула" in digest.body
    assert "30.12.2026 23:59" in digest.body

    clock.set(at("Tue 2027-01-12 09:30 +0700"))
    send_digests(runtime)
    assert len(digests()) == 12


def test_no_digest_before_the_hour_on_days_off_or_when_nothing_is_overdue(runtime, clock, overdue_pit):
    clock.set(at("Mon 2027-01-11 08:59 +0700"))
    assert send_digests(runtime) == 0
    clock.set(at("Sat 2027-01-16 10:00 +0700"))
    assert send_digests(runtime) == 0
    AppealRecord.update(status="answered").where(AppealRecord.id == overdue_pit).execute()
    clock.set(at("Mon 2027-01-18 10:00 +0700"))
    assert send_digests(runtime) == 0


def test_an_absent_manager_s_digest_goes_to_their_deputy(runtime, clock, overdue_pit, tmp_path):
    from datetime import date

    def petrov_away(doc):
        official(doc, "petrov-ii")["out_of_office"] = [{"from": date(2027, 1, 11), "to": date(2027, 1, 15)}]
    runtime.policy_set = edited_policy(tmp_path, directory=petrov_away)
    clock.set(at("Mon 2027-01-11 09:30 +0700"))

    send_digests(runtime)

    keys = {a.idempotency_key: a.recipient for a in AlertRecord.select().where(AlertRecord.level == "daily-digest")}
    assert keys["digest:petrov-ii:2027-01-11"] == "sokolova-ev"


def test_a_digest_is_not_confused_with_escalation_alerts(runtime, clock, overdue_pit):
    clock.set(at("Mon 2027-01-11 09:30 +0700"))
    sweep(runtime)
    send_digests(runtime)

    levels = {a.level for a in AlertRecord.select()}
    assert "daily-digest" in levels and "breach" in levels


def test_the_digest_follows_the_working_days_of_the_triage_desk_the_directory_names(runtime, clock, overdue_pit,
                                                                                     tmp_path):
    def round_the_clock_triage(doc):
        doc["triage_body"] = "barnaul-emergency-desk"  # works weekends too
    clock.set(at("Sat 2027-01-16 10:00 +0700"))
    assert send_digests(runtime) == 0

    runtime.policy_set = edited_policy(tmp_path, directory=round_the_clock_triage)

    assert send_digests(runtime) > 0
