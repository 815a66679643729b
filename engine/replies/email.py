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

import hashlib
import logging
import re
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from engine.alerts.message import DeliveryError

from .message import OutgoingReply, Receipt

log = logging.getLogger(__name__)

_ADDRESS = re.compile(r"[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+")


def build_letter(reply: OutgoingReply, mail_from: str, now: datetime) -> EmailMessage:
    address = reply.address.get("email")
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address.strip()):
        raise DeliveryError("e-mail: в адресе ответа нет правильного адреса почты", permanent=True)
    name = reply.address.get("name")
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = formataddr((name, address.strip())) if isinstance(name, str) and name.strip() else address.strip()
    msg["Subject"] = reply.subject or f"Ваше обращение №{reply.appeal_id}"
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(reply.idempotency_key, mail_from)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Appeals-Reply"] = reply.idempotency_key
    msg.set_content(reply.text.rstrip("\n") + "\n")
    return msg


def message_id(idempotency_key: str, mail_from: str) -> str:
    domain = mail_from.rpartition("@")[2].strip(" >") or "appeals-router"
    return f"<reply.{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@{domain}>"


class EmailReplySender:
    """``transport``: the alerts' SmtpSender or MailDirSender (anything with ``deliver(msg, name)``)."""

    def __init__(self, transport, mail_from: str, clock: Callable[[], datetime]):
        self.transport = transport
        self.mail_from = mail_from
        self.clock = clock

    def send(self, reply: OutgoingReply) -> Receipt:
        letter = build_letter(reply, self.mail_from, self.clock())
        detail = self.transport.deliver(letter, f"reply-{reply.reply_id:08d}")
        log.info("reply %s of appeal %s: letter handed over", reply.reply_id, reply.appeal_id)
        return Receipt(platform_id=letter["Message-ID"], detail=detail)
