"""After the worker was down, a catch-up sweep sends one letter per person listing their overdue appeals
(with how long each is overdue) instead of one e-mail per alert, and the people whose levels were
passed over are told too; through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from email.header import decode_header, make_header

import pytest

from engine.alerts.email import SmtpSender
from engine.services.delivery import deliver_pending
from engine.services.escalation import sweep
from engine.store.models import AlertRecord
from tests.support.moments import at
from tests.support.smtp import SmtpServer
from tests.support.staff import routed

pytestmark = pytest.mark.both_databases


@pytest.fixture
def smtp(runtime):
    server = SmtpServer().start()
    runtime.senders["email"] = SmtpSender(server.url, "cur@example.ru", timeout=5)
    yield server
    server.stop()


def letters_by_person(smtp) -> dict[str, tuple[str, str]]:
    found = {}
    for message in smtp.messages:
        address = message["To"].split("<")[-1].rstrip(">")
        assert address not in found, f"{address} got two letters"
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        found[address] = (str(make_header(decode_header(message["Subject"]))),
                          text.get_payload(decode=True).decode("utf-8"))
    return found


def test_a_catch_up_sends_one_letter_per_person_and_tells_the_passed_over(runtime, clock, smtp):
    ids = [routed(runtime, text=f"Яма на дороге, участок {n}", external_id=f"pit-{n}") for n in range(3)]
    clock.set(at("Wed 2027-01-13 12:00 +0700"))  # the worker was down since before the 75 % mark

    report = sweep(runtime)
    deliver_pending(runtime)
    letters = letters_by_person(smtp)

    ladder = list(AlertRecord.select().where(AlertRecord.clock.is_null(False)))
    reached = {a.address for a in ladder if a.status == "digested"}  # the level reached, for each clock
    people = {(a.recipient, a.channel) for a in ladder}
    # the executor, the head of the body, the sector head passed over; the centre head reached: one letter
    # per person (and per channel: the sector head reads Telegram too)
    assert len(people) == 5 and report.letters == 5 and report.superseded == 9
    assert sorted(letters) == sorted({a.address for a in ladder if a.channel == "email"}) == [
        "fedorov@barnaul.example.ru", "gromov@barnaul.example.ru", "orlov@cur.example.ru", "petrov@cur.example.ru"]
    assert reached == {"petrov@cur.example.ru"}
    subject, text = letters["petrov@cur.example.ru"]
    assert subject == "[ЦУР] Сводка после перерыва в оповещениях: 3 обращения, просрочено: 3"
    for appeal_id in ids:
        assert (f"№{appeal_id} — Комитет по дорожному хозяйству и транспорту города Барнаула: срок ответа по 59-ФЗ "
                "30.12.2026 23:59, просрочено на 13 дней 12 часов; ответственный: Федоров Сергей Петрович.") in text
        assert f"Открыть: http://appeals.test/appeals/{appeal_id}" in text
    assert text.count("Принять (без входа): http://appeals.test/alerts/accept/") == 3
    _, told = letters["fedorov@barnaul.example.ru"]
    assert told.count("просрочено на 13 дней 12 часов") == 3
    assert "к этому времени наступил следующий, оповещены вышестоящие" in told and "Принять" not in told
    # the alerts themselves: the centre head's are listed (not sent one by one), the others stay superseded
    assert sorted({(a.level, a.status) for a in ladder}) == [
        ("breach", "superseded"), ("breach-plus-1wd", "superseded"), ("breach-plus-2wd", "digested"),
        ("three-quarters", "superseded")]
    assert all(a.receipt and a.receipt.startswith("в сводке: уведомление №") for a in ladder)
    assert sweep(runtime).letters == 0 and deliver_pending(runtime).sent == 0  # once


def test_an_alert_listed_in_the_letter_is_accepted_by_its_own_link(runtime, clock, client, smtp):
    first = routed(runtime, text="Яма", external_id="pit-1")
    routed(runtime, text="Ещё яма", external_id="pit-2")
    clock.set(at("Wed 2027-01-13 12:00 +0700"))
    sweep(runtime)
    deliver_pending(runtime)
    _, text = letters_by_person(smtp)["petrov@cur.example.ru"]
    block = text.split(f"№{first} — ")[1].split("\n№")[0]
    link = re.search(r"Принять \(без входа\): http://appeals\.test(\S+)", block).group(1)

    assert "Оповещение принято" in client.post(link).get_data(as_text=True)

    accepted = AlertRecord.get((AlertRecord.appeal == first) & (AlertRecord.status == "digested"))
    assert accepted.acknowledged_at is not None and accepted.recipient == "petrov-ii"
    others = AlertRecord.select().where((AlertRecord.appeal != first) & AlertRecord.acknowledged_at.is_null(False))
    assert others.count() == 0
    assert "Ссылка уже использована" in client.post(link).get_data(as_text=True)


def test_a_person_with_a_single_alert_and_nothing_passed_over_gets_it_as_usual(runtime, clock, smtp):
    routed(runtime)
    clock.set(at("Thu 2026-12-24 10:00 +0700"))  # the 75 % level, hours after it fell due

    report = sweep(runtime)
    deliver_pending(runtime)

    assert report.letters == 0
    [(subject, _)] = letters_by_person(smtp).values()
    assert subject.startswith("[ЦУР] Прошло 75 % срока")
