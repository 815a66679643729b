"""A rule's notify_now: a routed report of danger alerts the roles it names at once, through the outbox,
resolved through the directory, once per appeal and role."""

from __future__ import annotations

import email
from datetime import date
from email import policy

import pytest

from engine.alerts.telegram import TelegramSender
from engine.domain.appeal import Author, IncomingAppeal
from engine.services.access import Caller
from engine.services.actions import perform
from engine.services.delivery import deliver_pending
from engine.services.intake import receive_appeal, route_appeal
from engine.services.notify_now import NOTIFY_NOW_LEVEL
from engine.store.models import AlertRecord, AuditRecord
from tests.escalation.test_escalation_and_delivery import at
from tests.support.http_receivers import TelegramBotApi
from tests.support.rules_copy import edited_policy, official

FIRE = "Пожар в подъезде, жильцы в опасности"
TOKEN = "123456:notify-now"
MANAGER = Caller(token_id=None, role="manager", label="Дежурный ЦУР", user="duty-manager")


def fire_report(clock, external_id="vk-fire-1", text=FIRE) -> IncomingAppeal:
    return IncomingAppeal(channel="vk-monitor", external_id=external_id, text=text, received_at=clock(),
                          author=Author(name="Ольга Ким"), municipality="barnaul", regime="incident")


def route(runtime, incoming) -> int:
    received = receive_appeal(runtime, incoming, "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    return received.appeal_id


def immediate_alerts():
    return list(AlertRecord.select().where(AlertRecord.level == NOTIFY_NOW_LEVEL).order_by(AlertRecord.id))


@pytest.fixture
def telegram(runtime):
    server = TelegramBotApi(TOKEN).start()
    runtime.senders["telegram"] = TelegramSender(server.url, TOKEN, timeout=5)
    yield server
    server.stop()


def test_a_routed_fire_report_writes_immediate_alerts_to_the_sector_and_centre_heads(runtime, clock, settings,
                                                                                       telegram):
    clock.set(at("Sat 2026-12-05 02:00 +0700"))  # a night off: quiet hours would hold a non-urgent alert

    appeal_id = route(runtime, fire_report(clock))

    alerts = immediate_alerts()
    # the housing sector head reads Telegram and e-mail; the centre head e-mail
    assert sorted((a.role, a.recipient, a.channel, a.address) for a in alerts) == [
        ("centre_head", "petrov-ii", "email", "petrov@cur.example.ru"),
        ("sector_head", "belova-na", "email", "belova@cur.example.ru"),
        ("sector_head", "belova-na", "telegram", "100200302"),
    ]
    assert {a.idempotency_key for a in alerts} == {
        f"appeal:{appeal_id}:notify_now:role:centre_head",
        f"appeal:{appeal_id}:notify_now:role:sector_head",
        f"appeal:{appeal_id}:notify_now:role:sector_head:via:telegram",
    }
    assert all(a.appeal_id == appeal_id and a.clock_id is None and a.status == "pending" for a in alerts)
    assert all(a.next_attempt_at == clock() for a in alerts)  # urgent: not held until Monday morning
    alert = alerts[0]
    assert alert.subject == f"[ЦУР] Срочно: обращение №{appeal_id}, ЖКХ"
    assert "Немедленное уведомление: Угроза жизни — пожар, обрушение, запах газа; немедленно уведомить " \
           "руководство." in alert.body
    assert "Тема: ЖКХ. Исполнитель: Комитет ЖКХ города Барнаула." in alert.body
    assert f"Обращение №{appeal_id} (vk-monitor) поступило 05.12.2026 02:00 (UTC+7)." in alert.body
    assert alert.body.endswith(f"Текст обращения:\n{FIRE}")
    audits = AuditRecord.select().where(AuditRecord.action == "alert.pending").order_by(AuditRecord.id)
    assert sorted((a.details["role"], a.details["recipient"], a.details["rule"], a.details["level"])
                  for a in audits) == [("centre_head", "petrov-ii", "signal-danger", NOTIFY_NOW_LEVEL),
                                       ("sector_head", "belova-na", "signal-danger", NOTIFY_NOW_LEVEL)]

    report = deliver_pending(runtime)

    assert (report.sent, report.failed, report.dead) == (3, 0, 0)
    mails = {}
    for path in sorted((settings.mail_dir).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        mails[message["To"].addresses[0].addr_spec] = message
    assert sorted(mails) == ["belova@cur.example.ru", "petrov@cur.example.ru"]
    assert mails["petrov@cur.example.ru"]["Subject"] == f"[ЦУР] Срочно: обращение №{appeal_id}, ЖКХ"
    text = mails["petrov@cur.example.ru"].get_body(("plain",)).get_content()
    assert "Угроза жизни" in text and FIRE in text
    [message] = telegram.received
    assert message["chat"]["id"] == 100200302 and FIRE in message["text"]
    assert {a.status for a in immediate_alerts()} == {"sent"}


def test_routing_again_or_rerouting_does_not_alert_the_same_role_twice(runtime, clock, telegram):
    appeal_id = route(runtime, fire_report(clock))
    assert len(immediate_alerts()) == 3

    assert route_appeal(runtime, appeal_id) is False
    result = perform(runtime, appeal_id, "reroute", {"reason": "проверка после правки правил"}, MANAGER)

    assert result["rule_ids"].count("signal-danger") == 1
    assert len(immediate_alerts()) == 3
    assert AuditRecord.select().where(AuditRecord.action == "alert.pending").count() == 2


def test_a_reroute_whose_new_decision_asks_for_it_alerts_at_once(runtime, clock, policy_set, tmp_path, telegram):
    def without_notify_now(doc):
        next(r for r in doc["rules"] if r["id"] == "signal-danger")["then"].pop("notify_now")
    runtime.policy_set = edited_policy(tmp_path, **{"routing/signals": without_notify_now})
    appeal_id = route(runtime, fire_report(clock))
    assert immediate_alerts() == []

    runtime.policy_set = policy_set  # the rules that ask for it are published
    perform(runtime, appeal_id, "reroute", {"reason": "правило об угрозе жизни дополнено"}, MANAGER)

    assert sorted({(a.role, a.recipient) for a in immediate_alerts()}) == [
        ("centre_head", "petrov-ii"), ("sector_head", "belova-na")]


def test_an_absent_centre_head_s_immediate_alert_goes_to_their_deputy_and_says_so(runtime, clock, tmp_path,
                                                                                  telegram):
    def petrov_on_leave(doc):
        official(doc, "petrov-ii")["out_of_office"] = [{"from": date(2026, 11, 23), "to": date(2026, 12, 6)}]
    runtime.policy_set = edited_policy(tmp_path, directory=petrov_on_leave)

    appeal_id = route(runtime, fire_report(clock))

    centre = [a for a in immediate_alerts() if a.role == "centre_head"]
    assert [(a.recipient, a.address) for a in centre] == [("sokolova-ev", "sokolova@cur.example.ru")]
    assert "как замещающий: Петров Иван Ильич отсутствует" in centre[0].body
    [audit] = [a for a in AuditRecord.select().where(AuditRecord.action == "alert.pending")
               if a.details["role"] == "centre_head"]
    assert audit.details["deputy_for"] == "petrov-ii" and audit.appeal_id == appeal_id


def test_a_vacant_sector_head_passes_the_immediate_alert_up_once(runtime, clock, tmp_path, telegram):
    def no_housing_head(doc):
        official(doc, "belova-na")["positions"] = [{"role": "sector_head", "sector": "waste"}]
    runtime.policy_set = edited_policy(tmp_path, directory=no_housing_head)

    route(runtime, fire_report(clock))

    # sector_head is vacant and passes to the centre head, who is also asked directly: one alert
    assert [(a.role, a.recipient) for a in immediate_alerts()] == [("centre_head", "petrov-ii")]
    assert "вакантна" in immediate_alerts()[0].body


def test_an_appeal_no_rule_marks_as_dangerous_alerts_nobody_at_routing(runtime, clock):
    route(runtime, fire_report(clock, text="На ул. Попова огромные ямы, провал асфальта"))

    assert AlertRecord.select().count() == 0
