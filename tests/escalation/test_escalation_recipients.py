"""Roles become people when the alert is written: deputies, vacancies, channels and quiet hours."""

from __future__ import annotations

from datetime import date

import pytest

from engine.services.delivery import deliver_pending
from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AlertRecord, AuditRecord
from tests.support.appeals import pit_appeal
from tests.support.moments import at
from tests.support.rules_copy import edited_policy, official


class Outbox:
    """A sender that keeps what it is given."""

    def __init__(self):
        self.sent = []

    def send(self, alert):
        self.sent.append(alert)
        return f"kept {len(self.sent)}"


@pytest.fixture
def route_pit(runtime, clock):
    def route(external_id="pos-1"):
        received = receive_appeal(runtime, pit_appeal(clock, external_id), "{}", actor="test")
        assert route_appeal(runtime, received.appeal_id)
        return received.appeal_id
    return route


def alerts(level=None):
    query = AlertRecord.select().order_by(AlertRecord.id)
    if level:
        query = query.where(AlertRecord.level == level)
    return list(query)


def test_an_absent_head_s_breach_alert_goes_to_their_deputy_and_says_so(runtime, clock, route_pit, tmp_path):
    def gromov_on_leave(doc):
        official(doc, "gromov-ka").update(deputies=["fedorov-sp"],
                                          out_of_office=[{"from": date(2026, 12, 28), "to": date(2027, 1, 10)}])
    runtime.policy_set = edited_policy(tmp_path, directory=gromov_on_leave)
    route_pit()
    clock.set(at("Thu 2026-12-31 10:00 +0700"))

    sweep(runtime)

    breach = alerts("breach")
    assert [(a.recipient, a.role) for a in breach] == [("fedorov-sp", "head_of_body")]
    assert "как замещающий: Громов Константин Андреевич отсутствует" in breach[0].body
    [audit] = [a for a in AuditRecord.select().where(AuditRecord.action == "alert.pending")
               if a.details["level"] == "breach"]
    assert audit.details["deputy_for"] == "gromov-ka"


def test_when_the_absence_is_over_the_holder_is_alerted_again(runtime, clock, route_pit, tmp_path):
    def gromov_on_leave(doc):
        official(doc, "gromov-ka").update(deputies=["fedorov-sp"],
                                          out_of_office=[{"from": date(2026, 12, 1), "to": date(2026, 12, 20)}])
    runtime.policy_set = edited_policy(tmp_path, directory=gromov_on_leave)
    route_pit()
    clock.set(at("Thu 2026-12-31 10:00 +0700"))

    sweep(runtime)

    assert [a.recipient for a in alerts("breach")] == ["gromov-ka"]


def test_a_vacant_role_passes_the_alert_up_and_the_message_says_which_role_was_vacant(runtime, clock, route_pit,
                                                                                          tmp_path):
    def no_heads(doc):
        official(doc, "gromov-ka")["positions"] = []
        official(doc, "zaitsev-ro")["positions"] = [{"role": "executor", "body": "barnaul-admin"}]
        official(doc, "orlov-dm").pop("alert_hours")
    runtime.policy_set = edited_policy(tmp_path, directory=no_heads)
    route_pit()
    clock.set(at("Thu 2026-12-31 10:00 +0700"))

    sweep(runtime)

    rows = alerts("breach")
    assert sorted((a.recipient, a.role, a.channel) for a in rows) == [
        ("orlov-dm", "sector_head", "email"), ("orlov-dm", "sector_head", "telegram")]
    assert "«Руководитель органа» вакантна" in rows[0].body
    assert rows[1].idempotency_key == rows[0].idempotency_key + ":via:telegram"


def test_nobody_to_alert_is_recorded_rather_than_lost_silently(runtime, clock, route_pit, tmp_path):
    def nobody(doc):
        for person in doc["officials"]:
            if person["id"] != "fedorov-sp":
                person["positions"] = []
    runtime.policy_set = edited_policy(tmp_path, directory=nobody)
    route_pit()
    clock.set(at("Thu 2026-12-31 10:00 +0700"))

    sweep(runtime)

    assert alerts("breach") == []
    assert AuditRecord.select().where(AuditRecord.action == "alert.no_recipient").count() == 1


def test_a_non_urgent_alert_waits_for_the_recipient_s_next_working_period(runtime, clock, route_pit, tmp_path):
    def fedorov_quiet(doc):
        official(doc, "fedorov-sp")["alert_hours"] = "municipal-office"
    runtime.policy_set = edited_policy(tmp_path, directory=fedorov_quiet)
    runtime.senders["email"] = kept = Outbox()
    route_pit()
    clock.set(at("Thu 2026-12-24 21:30 +0700"))  # 75 % of the term falls in the evening

    sweep(runtime)
    assert deliver_pending(runtime).sent == 0
    [warning] = alerts("three-quarters")
    assert warning.next_attempt_at == at("Fri 2026-12-25 08:00 +0700")

    clock.set(at("Fri 2026-12-25 07:59 +0700"))
    assert deliver_pending(runtime).sent == 0
    clock.set(at("Fri 2026-12-25 08:00 +0700"))
    assert deliver_pending(runtime).sent == 1
    assert [m.level for m in kept.sent] == ["three-quarters"]


def test_an_urgent_level_ignores_quiet_hours(runtime, clock, route_pit, tmp_path):
    def urgent_breach(doc):
        ladder = next(lad for lad in doc["ladders"] if lad["id"] == "answer")
        next(lv for lv in ladder["levels"] if lv["id"] == "breach")["urgent"] = True

    def gromov_quiet(doc):
        official(doc, "gromov-ka")["alert_hours"] = "municipal-office"
    runtime.policy_set = edited_policy(tmp_path, directory=gromov_quiet, escalation=urgent_breach)
    route_pit()
    clock.set(at("Thu 2026-12-31 10:00 +0700"))  # a day off

    sweep(runtime)

    [breach] = alerts("breach")
    assert breach.next_attempt_at == clock()


def test_quiet_hours_wait_over_the_new_year_holidays(runtime, clock, route_pit, tmp_path):
    def gromov_quiet(doc):
        official(doc, "gromov-ka")["alert_hours"] = "regional-office"
    runtime.policy_set = edited_policy(tmp_path, directory=gromov_quiet)
    route_pit()
    clock.set(at("Thu 2026-12-31 10:00 +0700"))

    sweep(runtime)

    [breach] = alerts("breach")
    assert breach.next_attempt_at == at("Mon 2027-01-11 09:00 +0700")


def test_a_manager_reading_two_channels_gets_the_alert_on_both_once(runtime, clock, route_pit, tmp_path):
    def gromov_two_channels(doc):
        official(doc, "gromov-ka").update(telegram_chat_id=555, channels=["telegram", "email"])
    runtime.policy_set = edited_policy(tmp_path, directory=gromov_two_channels)
    route_pit()
    clock.set(at("Thu 2026-12-31 10:00 +0700"))

    sweep(runtime)
    sweep(runtime)

    assert sorted((a.channel, a.address) for a in alerts("breach")) == [
        ("email", "gromov@barnaul.example.ru"), ("telegram", "555")]
