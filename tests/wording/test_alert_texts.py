"""The texts of alerts, dead letters and the digest name things, not codes: «срок ответа по 59-ФЗ»
rather than «Срок «answer» по политике fz59», the body's local time rather than a zone id."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from engine.domain.directory import Official, Resolution
from engine.domain.ladder import LadderLevel
from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AlertRecord
from engine.wording.alerts import dead_letter, immediate_alert, level_alert
from engine.wording.digest import overdue_digest
from engine.wording.labels import labels_for
from tests.escalation.test_escalation_and_delivery import at, pit_appeal

GROMOV = Official(id="gromov-ka", name="Громов Константин Андреевич", email="gromov@barnaul.example.ru")
PETROV = Official(id="petrov-ii", name="Петров Иван Ильич", email="petrov@alregn.example.ru")
BREACH = LadderLevel(id="breach", trigger="breach", notify=("head_of_body",), title="Срок нарушен")
ROADS = "barnaul-roads-committee"
CODES = ("answer", "fz59", "Asia/Barnaul", "portal", "breach", "email", ROADS, "head_of_body")


def appeal(text="На ул. Попова огромные ямы"):
    return SimpleNamespace(id=17, channel="portal", text=text)


def answer_clock(policy="fz59"):
    return SimpleNamespace(kind="answer", policy_id=policy, body=ROADS,
                           due_at=datetime(2026, 12, 30, 16, 59, 59, tzinfo=UTC))


def test_a_ladder_alert_names_the_deadline_the_channel_and_the_body(policy_set):
    subject, body = level_alert(appeal(), answer_clock(), BREACH, Resolution(GROMOV, "head_of_body", "head_of_body"),
                                repeat=0, timezone="Asia/Barnaul", labels=labels_for(policy_set))

    assert subject == "[ЦУР] Срок нарушен: обращение №17"
    assert body.splitlines()[:3] == [
        "Срок нарушен.",
        "Обращение №17 (Платформа обратной связи Госуслуг), исполнитель: "
        "Комитет по дорожному хозяйству и транспорту города Барнаула.",
        "Срок ответа по 59-ФЗ: 30.12.2026 23:59 по местному времени органа (UTC+7).",
    ]
    assert not [code for code in CODES if code in body]


def test_a_repeat_to_a_higher_role_says_who_was_passed_over_and_for_whom_a_deputy_acts(policy_set):
    resolution = Resolution(PETROV, "sector_head", "head_of_body", holder=GROMOV, vacant=("head_of_body",))
    subject, body = level_alert(appeal("я" * 600), answer_clock("incident"), BREACH, resolution, repeat=2,
                                timezone="Europe/Moscow", labels=labels_for(policy_set))

    assert subject == "[ЦУР] Повторно (2): Срок нарушен: обращение №17"
    assert ("Срок ответа по политике «Инцидент из социальных сетей»: 30.12.2026 19:59 "
            "по местному времени органа (UTC+3).") in body
    assert "Повторное уведомление №2: предыдущие не подтверждены." in body
    assert ("Должность «Руководитель органа» вакантна или её некому замещать; уведомление направлено "
            "вышестоящему: «Руководитель отраслевого блока ЦУР».") in body
    assert "Вы получаете уведомление как замещающий: Громов Константин Андреевич отсутствует." in body
    assert body.endswith("\n" + "я" * 500 + "…")


def test_an_immediate_alert_names_the_topic_the_body_and_the_time_of_receipt(policy_set):
    fire = SimpleNamespace(id=17, channel="vk", text="Пожар в подъезде",
                           received_at=datetime(2026, 12, 4, 19, 0, tzinfo=UTC))
    decision = SimpleNamespace(topic="housing", body="barnaul-housing-committee")
    resolution = Resolution(PETROV, "centre_head", "centre_head")

    subject, body = immediate_alert(fire, decision, resolution, reason="", timezone="Asia/Barnaul",
                                    labels=labels_for(policy_set))

    assert subject == "[ЦУР] Срочно: обращение №17, ЖКХ"
    assert body.splitlines() == [
        "Немедленное уведомление: этого требуют правила маршрутизации.",
        "Обращение №17 (ВКонтакте) поступило 05.12.2026 02:00 (UTC+7).",
        "Тема: ЖКХ. Исполнитель: Комитет ЖКХ города Барнаула.",
        "",
        "Текст обращения:",
        "Пожар в подъезде",
    ]


def test_a_dead_letter_names_the_level_the_recipient_and_the_channel(policy_set):
    alert = SimpleNamespace(id=5, level="breach", recipient="gromov-ka", channel="email",
                            address="gromov@barnaul.example.ru", appeal_id=17)

    subject, body = dead_letter(alert, error="550 mailbox unavailable", attempts=8, labels=labels_for(policy_set))

    assert subject == "[ЦУР] Уведомление №5 не доставлено"
    assert body.splitlines() == [
        "Уведомление №5 (Срок нарушен) для Громов Константин Андреевич по каналу «электронная почта» "
        "(gromov@barnaul.example.ru) не доставлено после 8 попыток.",
        "Последняя ошибка: 550 mailbox unavailable",
        "Обращение №17.",
        "Проверьте канал доставки и адрес в справочнике.",
    ]


def test_the_digest_names_each_overdue_deadline(policy_set):
    due = datetime(2026, 12, 30, 16, 59, 59, tzinfo=UTC)
    subject, body = overdue_digest("Орлов Дмитрий", [(17, "answer", due, ROADS), (18, "forward", due, "nowhere")],
                                   local=at("Mon 2027-01-11 09:30 +0700"), now=at("Mon 2027-01-11 09:30 +0700"),
                                   timezone="Asia/Barnaul", labels=labels_for(policy_set))

    assert subject == "[ЦУР] Просроченные обращения на 11.01.2027: 2"
    assert body.splitlines()[2:] == [
        "№17 — Комитет по дорожному хозяйству и транспорту города Барнаула: срок ответа истёк 30.12.2026 23:59 "
        "(11 дн. назад)",
        "№18 — nowhere: срок направления по компетенции истёк 30.12.2026 23:59 (11 дн. назад)",
    ]


def test_the_sweep_writes_the_alert_in_these_words(runtime, clock):
    received = receive_appeal(runtime, pit_appeal(clock), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    clock.set(at("Thu 2026-12-31 10:00 +0700"))

    sweep(runtime)

    alert = AlertRecord.get(AlertRecord.level == "breach", AlertRecord.recipient == "gromov-ka")
    assert "Срок ответа по 59-ФЗ: 30.12.2026 23:59 по местному времени органа (UTC+7)." in alert.body
    assert f"Обращение №{received.appeal_id} (Платформа обратной связи Госуслуг)" in alert.body
    assert "«answer»" not in alert.body and "fz59" not in alert.body and "Asia/Barnaul" not in alert.body


def test_durations_are_said_in_russian_with_the_right_plural():
    from datetime import timedelta

    from engine.wording.alerts import duration_words

    assert [duration_words(timedelta(days=d)) for d in (1, 2, 5, 11, 21, 22, 111)] == [
        "1 день", "2 дня", "5 дней", "11 дней", "21 день", "22 дня", "111 дней"]
    assert duration_words(timedelta(days=3, hours=4, minutes=5)) == "3 дня 4 часа"
    assert duration_words(timedelta(hours=1, minutes=21)) == "1 час 21 минуту"
    assert duration_words(timedelta(seconds=10)) == "1 минуту"


def test_given_the_moment_and_the_person_a_ladder_alert_says_how_late_and_who_answers(policy_set):
    subject, body = level_alert(appeal(), answer_clock(), BREACH, Resolution(GROMOV, "head_of_body", "head_of_body"),
                                repeat=0, timezone="Asia/Barnaul", labels=labels_for(policy_set),
                                now=datetime(2027, 1, 2, 19, 0, tzinfo=UTC), responsible="Фёдоров Сергей Петрович")
    early, _ = level_alert(appeal(), answer_clock(), BREACH, Resolution(GROMOV, "head_of_body", "head_of_body"),
                           repeat=0, timezone="Asia/Barnaul", labels=labels_for(policy_set),
                           now=datetime(2026, 12, 28, 16, 0, tzinfo=UTC))

    assert subject == ("[ЦУР] Срок нарушен: обращение №17 — срок ответа по 59-ФЗ, просрочено на 3 дня 2 часа, "
                       "ответственный: Фёдоров Сергей Петрович")
    assert "Просрочено на 3 дня 2 часа." in body and "Ответственный: Фёдоров Сергей Петрович." in body
    assert early == "[ЦУР] Срок нарушен: обращение №17 — срок ответа по 59-ФЗ, до 30.12.2026 23:59"
