"""The sweep turns due ladder steps into alerts once; delivery sends them by SMTP, retrying."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

import pytest

from engine.alerts.email import SmtpSender
from engine.services.delivery import deliver_pending
from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AlertRecord, ClockRecord
from tests.support.appeals import pit_appeal
from tests.support.moments import at
from tests.support.smtp import SmtpServer, free_port

pytestmark = pytest.mark.both_databases


@pytest.fixture
def routed_appeal(runtime, clock):
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    return received.appeal_id


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


def alerts_by_status(status):
    return sorted((a.level, a.role, a.recipient) for a in AlertRecord.select().where(AlertRecord.status == status))


def test_nothing_is_sent_before_three_quarters_of_the_answer_time(runtime, clock, routed_appeal):
    clock.set(at("Tue 2026-12-22 10:00 +0700"))

    report = sweep(runtime)

    assert report.alerts == 0
    assert AlertRecord.select().count() == 0


def test_each_ladder_step_alerts_its_role_once_however_often_the_sweep_runs(runtime, clock, routed_appeal):
    clock.set(at("Thu 2026-12-24 10:00 +0700"))
    sweep(runtime)
    sweep(runtime)
    assert alerts_by_status("pending") == [("three-quarters", "executor", "fedorov-sp")]

    clock.set(at("Thu 2026-12-31 10:00 +0700"))  # due Wed 30 Dec 23:59:59 has passed
    sweep(runtime)
    sweep(runtime)
    assert alerts_by_status("pending") == [
        ("breach", "head_of_body", "gromov-ka"),
        ("three-quarters", "executor", "fedorov-sp"),
    ]
    assert ClockRecord.get(ClockRecord.kind == "answer").breached_at is not None

    # 31 Dec, 1-8 Jan and the weekend are days off: one working day after breach ends
    # Mon 11 Jan 17:00 (the city committee works 8-17)
    clock.set(at("Mon 2027-01-11 16:59 +0700"))
    assert sweep(runtime).alerts == 0
    clock.set(at("Mon 2027-01-11 17:00 +0700"))
    sweep(runtime)
    assert ("breach-plus-1wd", "centre_head", "petrov-ii") in alerts_by_status("pending")
    assert AlertRecord.select().count() == 3


def test_after_downtime_only_the_highest_level_reached_is_sent(runtime, clock, routed_appeal):
    clock.set(at("Wed 2027-01-13 12:00 +0700"))

    report = sweep(runtime)

    assert alerts_by_status("pending") == [("breach-plus-1wd", "centre_head", "petrov-ii")]
    assert alerts_by_status("superseded") == [
        ("breach", "head_of_body", "gromov-ka"),
        ("three-quarters", "executor", "fedorov-sp"),
    ]
    assert report.superseded == 2


def test_an_answered_appeal_gets_no_alert(runtime, clock, routed_appeal):
    from engine.store.models import AppealRecord

    AppealRecord.update(status="answered").where(AppealRecord.id == routed_appeal).execute()
    clock.set(at("Thu 2026-12-31 10:00 +0700"))

    sweep(runtime)

    assert AlertRecord.select().count() == 0


def test_the_sweep_reports_its_lag(runtime, clock, routed_appeal):
    clock.set(at("Thu 2026-12-24 10:00 +0700"))

    report = sweep(runtime)

    assert report.lag_seconds > 0
    assert sweep(runtime).lag_seconds == 0


def plain_text(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")


def test_alerts_are_mailed_once_in_russian_with_a_link(runtime, clock, routed_appeal, smtp):
    runtime.senders["email"] = SmtpSender(smtp.url, "cur@example.ru")
    clock.set(at("Thu 2026-12-24 10:00 +0700"))
    sweep(runtime)

    assert deliver_pending(runtime).sent == 1
    assert deliver_pending(runtime).sent == 0

    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"].endswith("<fedorov@barnaul.example.ru>")
    assert "Прошло 75 % срока" in str(make_header(decode_header(message["Subject"])))
    text = plain_text(message)
    assert "ямы" in text
    assert "30.12.2026 23:59" in text
    assert f"http://appeals.test/appeals/{routed_appeal}" in text  # the staff page, not the JSON API
    assert AlertRecord.get().status == "sent"


def test_an_smtp_outage_delays_alerts_but_loses_none(runtime, clock, routed_appeal):
    port = free_port()
    runtime.senders["email"] = SmtpSender(f"smtp://127.0.0.1:{port}", "cur@example.ru", timeout=2)
    clock.set(at("Wed 2027-01-13 12:00 +0700"))
    sweep(runtime)

    first = deliver_pending(runtime)
    assert (first.sent, first.failed) == (0, 1)
    alert = AlertRecord.get(AlertRecord.status == "pending")
    assert alert.attempts == 1 and alert.next_attempt_at > clock()
    assert deliver_pending(runtime).failed == 0  # not retried before its time

    server = SmtpServer(port).start()
    try:
        clock.set(at("Wed 2027-01-13 13:00 +0700"))
        assert deliver_pending(runtime).sent == 1
        assert deliver_pending(runtime).sent == 0
        assert len(server.messages) == 1
    finally:
        server.stop()


def test_an_alert_that_keeps_failing_is_dead_lettered(runtime, clock, routed_appeal):
    runtime.senders["email"] = SmtpSender(f"smtp://127.0.0.1:{free_port()}", "cur@example.ru", timeout=2)
    clock.set(at("Wed 2027-01-13 12:00 +0700"))
    sweep(runtime)
    for _ in range(runtime.settings.delivery_max_attempts):
        deliver_pending(runtime)
        clock.set(clock() + timedelta(hours=7))  # past the longest backoff

    alert = AlertRecord.get(AlertRecord.level == "breach-plus-1wd")
    assert alert.status == "dead"
    assert alert.attempts == runtime.settings.delivery_max_attempts
