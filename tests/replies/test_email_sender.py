"""Letters to residents through the alerts' mail transport: a real SMTP server (aiosmtpd) and the mail folder."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime

import pytest

from engine.alerts.email import MailDirSender, SmtpSender
from engine.alerts.message import DeliveryError
from engine.replies.email import EmailReplySender
from tests.support.replies import outgoing_reply
from tests.support.smtp import SmtpServer, free_port

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
MAIL_FROM = "cur@alregn.example.ru"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def senders():
    """Closes the senders a test opens, as the end of a drain does (an SMTP connection stays open till then)."""
    opened = []
    yield lambda sender: opened.append(sender) or sender
    for sender in opened:
        sender.close()


def header(message, name: str) -> str:
    return str(make_header(decode_header(message[name])))


def letter(**overrides):
    return outgoing_reply("email", {"email": "petrova@example.ru", "name": "Петрова Анна"}, **overrides)


def test_a_letter_goes_through_smtp_in_russian_with_date_and_a_stable_message_id(smtp, senders):
    sender = senders(EmailReplySender(SmtpSender(smtp.url, MAIL_FROM, timeout=5), MAIL_FROM, lambda: NOW))

    receipt = sender.send(letter())
    sender.send(letter())  # a second attempt of the same reply

    first, again = smtp.messages
    assert header(first, "To") == "Петрова Анна <petrova@example.ru>"
    assert header(first, "From") == MAIL_FROM
    assert header(first, "Subject") == "Ваше обращение №17"
    assert parsedate_to_datetime(first["Date"]) == NOW
    assert first["Message-ID"] == again["Message-ID"] == receipt.platform_id
    assert receipt.platform_id.endswith("@alregn.example.ru>")
    assert first["Auto-Submitted"] == "auto-generated"
    assert first.get_content_type() == "text/plain"
    assert first.get_payload(decode=True).decode(first.get_content_charset()) == letter().text + "\n"


def test_the_subject_is_the_replys_own_when_it_has_one(smtp, senders):
    sender = senders(EmailReplySender(SmtpSender(smtp.url, MAIL_FROM, timeout=5), MAIL_FROM, lambda: NOW))

    sender.send(letter(subject="Ответ на обращение №17"))

    assert header(smtp.messages[0], "Subject") == "Ответ на обращение №17"


def test_without_smtp_the_letter_is_written_to_the_mail_folder(tmp_path):
    sender = EmailReplySender(MailDirSender(tmp_path, MAIL_FROM), MAIL_FROM, lambda: NOW)

    receipt = sender.send(letter())

    written = message_from_bytes((tmp_path / "reply-00000007.eml").read_bytes())
    assert written["Message-ID"] == receipt.platform_id
    assert "reply-00000007.eml" in receipt.detail


def test_an_address_the_server_refuses_is_permanent(smtp, senders):
    smtp.refuse("petrova@example.ru")
    sender = senders(EmailReplySender(SmtpSender(smtp.url, MAIL_FROM, timeout=5), MAIL_FROM, lambda: NOW))

    with pytest.raises(DeliveryError) as error:
        sender.send(letter())

    assert error.value.permanent and not error.value.credentials
    assert smtp.messages == []


def test_a_malformed_address_is_permanent_before_anything_is_sent(smtp, senders):
    sender = senders(EmailReplySender(SmtpSender(smtp.url, MAIL_FROM, timeout=5), MAIL_FROM, lambda: NOW))

    with pytest.raises(DeliveryError) as error:
        sender.send(outgoing_reply("email", {"email": "petrova@example.ru\nBcc: all@example.ru"}))

    assert error.value.permanent and smtp.messages == []


def test_a_mail_server_out_of_reach_is_tried_again(senders):
    sender = senders(EmailReplySender(SmtpSender(f"smtp://127.0.0.1:{free_port()}", MAIL_FROM, timeout=2),
                                      MAIL_FROM, lambda: NOW))

    with pytest.raises(DeliveryError) as error:
        sender.send(letter())

    assert not error.value.permanent


def test_a_line_break_in_the_name_or_subject_cannot_add_a_header(tmp_path):
    sender = EmailReplySender(MailDirSender(tmp_path, MAIL_FROM), MAIL_FROM, lambda: NOW)

    sender.send(outgoing_reply("email", {"email": "petrova@example.ru", "name": "Anna\r\nBcc: spy@example.ru"},
                               subject="Reply\nBcc: spy@example.ru"))

    [path] = tmp_path.glob("*.eml")
    written = message_from_bytes(path.read_bytes())
    assert written["Bcc"] is None and "spy" not in "".join(f"{k}:{v}" for k, v in written.items()
                                                             if k not in ("To", "Subject"))
    assert header(written, "To") == '"Anna Bcc: spy@example.ru" <petrova@example.ru>'
    assert header(written, "Subject") == "Reply Bcc: spy@example.ru"


def test_a_cyrillic_address_and_sender_name_are_written_as_mail_systems_read_them(tmp_path):
    mail_from = "ЦУР Алтайского края <cur@alregn.example.ru>"
    sender = EmailReplySender(MailDirSender(tmp_path, mail_from), mail_from, lambda: NOW)

    sender.send(outgoing_reply("email", {"email": "анна@пример.рф", "name": "Петрова Анна"}, appeal_id=18,
                               reply_id=2))
    sender.send(outgoing_reply("email", {"email": "petrova@example.ru", "name": "Петрова Анна"}, appeal_id=19,
                               reply_id=3))

    from email import message_from_string, policy

    cyrillic, latin = (message_from_string(p.read_text("utf-8"), policy=policy.default)  # RFC 6531: UTF-8 headers
                       for p in sorted(tmp_path.glob("*.eml")))
    assert cyrillic["To"].addresses[0].addr_spec == "анна@пример.рф"
    assert str(latin["From"]) == str(cyrillic["From"]) == mail_from
    assert latin["To"].addresses[0].display_name == "Петрова Анна"
    assert latin["Subject"] == "Ваше обращение №19" and cyrillic["Subject"] == "Ваше обращение №18"


def test_one_connection_carries_many_letters_until_closed_and_a_lost_one_is_opened_again():
    """What a drain of the outbox does: every letter over one connection (TLS and a login, where set, once),
    QUIT at the end; a connection lost with a server restart fails its letter (tried again later) and the
    next letter opens a new one."""
    first = SmtpServer().start()
    transport = SmtpSender(first.url, MAIL_FROM, timeout=5)
    sender = EmailReplySender(transport, MAIL_FROM, lambda: NOW)
    for n in range(5):
        sender.send(letter(reply_id=n, appeal_id=100 + n))
    assert (len(first.messages), first.connections) == (5, 1)

    first.stop()  # the server restarts: the connection is gone
    again = SmtpServer(first.port).start()
    try:
        with pytest.raises(DeliveryError):
            sender.send(letter(reply_id=5, appeal_id=105))
        sender.send(letter(reply_id=6, appeal_id=106))
        sender.send(letter(reply_id=7, appeal_id=107))
        sender.close()
        sender.close()  # closing twice is harmless
    finally:
        again.stop()
    assert [header(m, "Subject") for m in again.messages] == ["Ваше обращение №106", "Ваше обращение №107"]
    assert again.connections == 1


@pytest.mark.parametrize(("name", "subject", "key"), [
    ("Петрова Анна", None, "reply:1:acknowledgement"),
    ("", "Ваше обращение принято в работу, ответ будет дан в установленный законом срок — до 28.12.2026", "k"),
    ("Anna Petrova", "Short ASCII subject", "reply:2:final_answer"),
    ("A" * 70, "S" * 90, "x" * 120),  # ASCII too long for one line: folded as compat32 folds it
    ("Ann  Smith", "two  spaces", "tab\there"),
])
def test_a_letter_is_written_byte_for_byte_as_compat32_writes_it(name, subject, key):
    from email.policy import compat32

    from engine.replies.email import build_letter

    reply = outgoing_reply("email", {"email": "petrova@example.ru", "name": name}, subject=subject,
                           idempotency_key=key)
    msg = build_letter(reply, "ЦУР Алтайского края <cur@alregn.example.ru>", NOW)
    assert bytes(msg) == msg.as_bytes(policy=compat32)
    assert msg.as_string() == msg.as_string(policy=compat32)


@pytest.mark.parametrize("length", [1, 10, 20, 21, 22, 23, 24, 25, 30, 45])
def test_a_cyrillic_subject_is_written_as_email_header_writes_it_at_every_length(length):
    """A subject that fits in one encoded word is encoded directly, a longer one by `email.header.Header`;
    either way the letter's Subject line is the one Header alone writes, and it reads back as given."""
    from email.header import Header
    from email.message import Message
    from email.policy import compat32

    from engine.replies.email import build_letter

    subject = ("Обращение №" + "ж" * 60)[:length].strip()
    msg = build_letter(letter(subject=subject), MAIL_FROM, NOW)
    by_header = Message(policy=compat32)
    by_header["Subject"] = Header(subject, "utf-8")
    expected = by_header.as_bytes(policy=compat32).split(b"\n\n")[0]
    written = bytes(msg).split(b"\n\n")[0]
    assert expected in written
    assert header(message_from_bytes(bytes(msg)), "Subject") == subject
