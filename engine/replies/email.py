"""E-mail: a plain Russian letter to the address the resident gave (hotline, generic, Open311 appeals),
through the same transport as staff alerts (``APPEALS_SMTP_URL``, or ``.eml`` files in
``APPEALS_MAIL_DIR``), from ``APPEALS_MAIL_FROM``.

Address (``OutgoingReply.address``): ``email`` and, when known, ``name``. The letter has ``Date`` (the
runtime's clock) and a ``Message-ID`` derived from the idempotency key, the same on every attempt, so a
mail system can drop a copy re-sent after a lost answer; ``Auto-Submitted: auto-generated`` keeps
vacation responders quiet. The subject is ``OutgoingReply.subject`` or «Ваше обращение №<id>». An
address the mail server refuses is permanent; an unreachable server is tried again. The receipt's
``platform_id`` is the Message-ID.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Callable
from datetime import datetime
from email import policy
from email.charset import Charset
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr, parseaddr

from engine.alerts.message import DeliveryError

from .message import OutgoingReply, Receipt

log = logging.getLogger(__name__)

_ADDRESS = re.compile(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+")


def build_letter(reply: OutgoingReply, mail_from: str, now: datetime) -> Message:
    """The letter: a UTF-8 text/plain body, the headers RFC 2047-encoded where they are not ASCII, every
    header one line (a name or subject with a line break cannot add a header). Made with the classic
    ``email.mime`` classes: the ``email.policy.default`` ones cost about 3 ms a letter, more than routing
    the appeal it answers; an address that is not ASCII still takes that path (its header needs it)."""
    address = reply.address.get("email")
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address.strip()):
        raise DeliveryError("e-mail: в адресе ответа нет правильного адреса почты", permanent=True)
    address = address.strip()
    name = _one_line(reply.address.get("name") if isinstance(reply.address.get("name"), str) else "")
    subject = _one_line(reply.subject or f"Ваше обращение №{reply.appeal_id}")
    text = reply.text.rstrip("\n") + "\n"
    if not address.isascii():
        return _international_letter(reply, mail_from, now, address, name, subject, text)
    msg = MIMEText(text, "plain", "utf-8", policy=LETTERS)
    msg["From"] = _sender(mail_from)
    msg["To"] = formataddr((name, address), charset="utf-8") if name else address
    msg["Subject"] = _subject(subject)
    _stamp(msg, reply, mail_from, now)
    return msg


@functools.lru_cache(maxsize=8)
def _sender(mail_from: str) -> str:
    """The From header of every letter from `mail_from` (parsed and encoded once a sender, not once a letter)."""
    sender_name, sender = parseaddr(mail_from)
    return formataddr((_one_line(sender_name), sender), charset="utf-8") if sender else _one_line(mail_from)


_UTF8 = Charset("utf-8")
_ONE_WORD = 78 - len("Subject: ")  # an encoded word this long fits on the Subject's line


def _subject(subject: str) -> str | Header:
    """ASCII as it is; otherwise, when it fits on the Subject's line, the one RFC 2047 word that
    `email.header.Header` would write (made directly: Header measures the text a character at a time, about
    30 µs a letter); else a Header, which compat32 folds into several words."""
    if subject.isascii():
        return subject
    word = _UTF8.header_encode(subject)
    return word if len(word) <= _ONE_WORD else Header(subject, "utf-8")


class _LetterPolicy(Compat32):
    """compat32, but a header that is ASCII and fits on one line is written as it is: compat32 runs every
    header through its folding machinery (`email.header.Header`), which gives such a header back unchanged
    and took most of the time of writing a letter (about 0.3 ms of its 0.5). Any other header is folded
    as compat32 folds it."""

    def fold(self, name, value):
        line = self._one_line(name, value)
        return line if line is not None else super().fold(name, value)

    def fold_binary(self, name, value):
        line = self._one_line(name, value)
        if line is not None:
            return line.encode("ascii")
        if isinstance(value, str):  # the sender's long From, the same in every letter: folded once
            return self._folded(name, value)
        return super().fold_binary(name, value)

    @functools.lru_cache(maxsize=64)  # noqa: B019 - the policy is one module-level object, kept for good
    def _folded(self, name: str, value: str) -> bytes:
        return super().fold_binary(name, value)

    def _one_line(self, name: str, value) -> str | None:
        if (isinstance(value, str) and value.isascii() and value == value.strip()
                and len(name) + 2 + len(value) <= (self.max_line_length or 78)
                and not any(c in value for c in "\r\n\t")):
            return f"{name}: {value}{self.linesep}"
        return None


LETTERS = _LetterPolicy()


def _international_letter(reply: OutgoingReply, mail_from: str, now: datetime, address: str, name: str,
                          subject: str, text: str) -> EmailMessage:
    """A mailbox name that is not ASCII (RFC 6531): the headers are written in UTF-8, and an SMTP server must
    offer SMTPUTF8 to take it."""
    msg = EmailMessage(policy=policy.default.clone(utf8=True))
    msg["From"] = mail_from
    user, _, domain = address.rpartition("@")
    msg["To"] = Address(display_name=name, username=user, domain=domain)
    msg["Subject"] = subject
    _stamp(msg, reply, mail_from, now)
    msg.set_content(text)
    return msg


def _stamp(msg, reply: OutgoingReply, mail_from: str, now: datetime) -> None:
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(reply.idempotency_key, mail_from)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Appeals-Reply"] = reply.idempotency_key


def _one_line(text: str) -> str:
    return " ".join(text.split())


def message_id(idempotency_key: str, mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2].strip(" >") or "appeals-router"
    return f"<reply.{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@{domain}>"


class EmailReplySender:
    """``transport``: the alerts' SmtpSender or MailDirSender (anything with ``deliver(msg, name)``)."""

    def __init__(self, transport, mail_from: str, clock: Callable[[], datetime]):
        self.transport = transport
        self.mail_from = mail_from
        self.clock = clock

    def close(self) -> None:
        """The transport's connection closed (SMTP: one connection carries a drain's letters)."""
        self.transport.close()

    def send(self, reply: OutgoingReply) -> Receipt:
        letter = build_letter(reply, self.mail_from, self.clock())
        detail = self.transport.deliver(letter, f"reply-{reply.reply_id:08d}")
        log.info("reply %s of appeal %s: letter handed over", reply.reply_id, reply.appeal_id)
        return Receipt(platform_id=letter["Message-ID"], detail=detail)
