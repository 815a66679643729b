"""Alert e-mails a person can act on, through a real SMTP server (aiosmtpd): the staff page of the appeal,
a one-click «Принять» link (signed, expiring, single-use, no login, audited as the recipient), a subject
and body naming the person responsible, the deadline in words, the local due time and how overdue it is;
plain-text and HTML parts; Date and Message-ID headers."""

from __future__ import annotations

import re
from datetime import timedelta
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime

import pytest

from engine.alerts.email import SmtpSender
from engine.services.delivery import deliver_pending
from engine.services.encryption_keys import generated_key
from engine.services.escalation import sweep
from engine.store import appeals as appeal_store
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


def part(message, kind: str) -> str:
    for piece in message.walk():
        if piece.get_content_type() == kind:
            return piece.get_payload(decode=True).decode(piece.get_content_charset() or "utf-8")
    raise AssertionError(f"no {kind} part")


@pytest.fixture
def breach_letter(runtime, clock, smtp):
    """The head of the roads committee's letter: the answer deadline (Wed 30 Dec 23:59 +07) passed
    a day and ten hours ago."""
    appeal_id = routed(runtime)
    clock.set(at("Fri 2027-01-01 10:00 +0700"))
    sweep(runtime)
    deliver_pending(runtime)
    [letter] = [m for m in smtp.messages if "gromov@" in m["To"]]
    return appeal_id, letter


def test_the_letter_names_the_person_responsible_the_deadline_and_how_overdue_it_is(runtime, breach_letter):
    appeal_id, letter = breach_letter
    subject = str(make_header(decode_header(letter["Subject"])))
    text = part(letter, "text/plain")
    html = part(letter, "text/html")
    responsible = runtime.policy_set.labels("official", appeal_store.current_assignment(appeal_id).official)

    assert responsible and responsible != appeal_store.current_assignment(appeal_id).official
    assert subject == (f"[ЦУР] Срок нарушен: обращение №{appeal_id} — срок ответа по 59-ФЗ, "
                       f"просрочено на 1 день 10 часов, ответственный: {responsible}")
    assert "Срок ответа по 59-ФЗ: 30.12.2026 23:59 по местному времени органа (UTC+7)." in text
    assert "Просрочено на 1 день 10 часов." in text
    assert f"Ответственный: {responsible}." in text
    assert f"Открыть обращение: http://appeals.test/appeals/{appeal_id}" in text
    assert "/api/v1/" not in text and "POST" not in text
    assert f'href="http://appeals.test/appeals/{appeal_id}"' in html and ">Принять</a>" in html
    assert parsedate_to_datetime(letter["Date"]) == at("Fri 2027-01-01 10:00 +0700")
    assert re.fullmatch(r"<[^@>]+@appeals-router>", letter["Message-ID"])


def accept_path(letter) -> str:
    link = re.search(r"Принять \(без входа, одним нажатием, до (\d\d\.\d\d\.\d{4} \d\d:\d\d) \(UTC\+7\)\): (\S+)",
                     part(letter, "text/plain"))
    assert link, part(letter, "text/plain")
    assert link.group(1) == "04.01.2027 10:00"  # 72 hours
    assert link.group(2).startswith("http://appeals.test/alerts/accept/")
    return link.group(2).removeprefix("http://appeals.test")


def test_the_accept_link_works_once_without_a_login_and_is_audited_as_the_recipient(client, breach_letter):
    appeal_id, letter = breach_letter
    path = accept_path(letter)
    alert = AlertRecord.get(AlertRecord.recipient == "gromov-ka")

    shown = client.get(path)
    assert shown.status_code == 200 and 'id="accept-form"' in shown.get_data(as_text=True)
    assert AlertRecord.get_by_id(alert.id).acknowledged_at is None  # opening the page alone changes nothing

    first = client.post(path)
    second = client.post(path)
    again = client.get(path)

    assert first.status_code == 200 and "Оповещение принято" in first.get_data(as_text=True)
    assert AlertRecord.get_by_id(alert.id).acknowledged_at is not None
    [entry] = [e for e in appeal_store.audit_trail(appeal_id) if e.action == "alert.acknowledged"]
    assert entry.actor == "official:gromov-ka"
    assert (entry.details["alert"], entry.details["via"], entry.details["origin"]) == (alert.id, "email-link",
                                                                                      "127.0.0.1")
    for answer in (second, again):
        page = answer.get_data(as_text=True)
        assert "Ссылка уже использована" in page and "01.01.2027 10:00" in page
        assert "Громов Константин Андреевич" in page


def test_an_expired_or_forged_link_acknowledges_nothing(client, clock, breach_letter):
    _, letter = breach_letter
    path = accept_path(letter)
    payload, signature = path.removeprefix("/alerts/accept/").split(".")
    forged = f"/alerts/accept/{payload}.{'A' * len(signature)}"

    assert client.post(forged).status_code == 404
    assert "Ссылка недействительна" in client.get("/alerts/accept/nonsense").get_data(as_text=True)
    clock.set(clock() + timedelta(hours=72))
    expired = client.post(path)
    assert expired.status_code == 410 and "Срок действия ссылки истёк" in expired.get_data(as_text=True)
    assert AlertRecord.select().where(AlertRecord.acknowledged_at.is_null(False)).count() == 0


def test_without_a_secret_key_links_are_signed_with_the_installations_encryption_key(runtime, monkeypatch):
    """The worker writes the letter and the web service, another process, checks the link: with
    APPEALS_SECRET_KEY empty both derive the key from the encryption key they share, not from a
    key of their own process."""
    from dataclasses import replace

    from engine.services import accept_links

    runtime.settings = replace(runtime.settings, secret_key="")
    routed(runtime)
    alert_id = 1
    token = accept_links.accept_token(runtime, alert_id, "gromov-ka", runtime.now())
    monkeypatch.setattr(accept_links, "_process_key", b"another process")
    accept_links._shared_material.cache_clear()
    assert accept_links._claim(runtime, token) is not None

    runtime.settings = replace(runtime.settings, encryption_keys=generated_key())
    assert accept_links._claim(runtime, token) is None  # another installation's key: not ours


def test_a_drain_hands_all_its_letters_over_one_connection_and_closes_it(runtime, clock, smtp):
    """Every letter of the breach goes over one SMTP connection (one TLS handshake and login where they are
    set, not one per letter), closed when the drain ends."""
    routed(runtime)
    clock.set(at("Fri 2027-01-01 10:00 +0700"))
    sweep(runtime)

    report = deliver_pending(runtime)

    assert report.sent == len(smtp.messages) >= 2
    assert smtp.connections == 1
    assert runtime.senders["email"]._smtp is None  # closed at the end of the drain
