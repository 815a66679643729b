"""E-mail senders: SMTP when configured, otherwise .eml files in a folder.

Each sender sends an alert (``send``) and, through ``deliver``, any ready message: the letters to
residents (engine/replies/email.py) go out the same way."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlparse

from .message import DeliveryError, OutgoingAlert

log = logging.getLogger(__name__)


def build_email(alert: OutgoingAlert, mail_from: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = formataddr((alert.recipient_name, alert.address))
    msg["Subject"] = alert.subject
    # a stable Message-ID lets mail systems drop a re-delivered copy
    msg["Message-ID"] = make_msgid(idstring=alert.idempotency_key.replace(":", "."), domain="appeals-router")
    msg["X-Appeals-Alert"] = alert.idempotency_key
    msg.set_content(alert.text())
    ack = f"<p>Подтвердить получение: POST {escape(alert.ack_link)}</p>" if alert.ack_link else ""
    html_body = "".join(f"<p>{escape(line)}</p>" for line in alert.body.splitlines() if line.strip())
    msg.add_alternative(
        f'<html><body>{html_body}<p><a href="{escape(alert.link)}">Открыть обращение</a></p>{ack}</body></html>',
        subtype="html",
    )
    return msg


class SmtpSender:
    def __init__(self, smtp_url: str, mail_from: str, timeout: float = 10.0):
        url = urlparse(smtp_url)
        self.host = url.hostname or "localhost"
        self.port = url.port or (465 if url.scheme == "smtps" else 25)
        self.ssl = url.scheme == "smtps"
        self.user = unquote(url.username) if url.username else None
        self.password = unquote(url.password) if url.password else None
        self.mail_from = mail_from
        self.timeout = timeout

    def send(self, alert: OutgoingAlert) -> str:
        return self.deliver(build_email(alert, self.mail_from), f"alert-{alert.alert_id:08d}")

    def deliver(self, msg: EmailMessage, name: str) -> str:
        """Hand ``msg`` to the SMTP server; ``name`` is the maildir sender's file name, unused here."""
        factory = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        try:
            with factory(self.host, self.port, timeout=self.timeout) as smtp:
                if self.user:
                    smtp.login(self.user, self.password or "")
                refused = smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"smtp {self.host}:{self.port}: recipient refused: {exc}", permanent=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"smtp {self.host}:{self.port}: {exc}") from exc
        if refused:
            raise DeliveryError(f"smtp {self.host}:{self.port}: refused {sorted(refused)}", permanent=True)
        return f"smtp accepted {msg['Message-ID']}"


class MailDirSender:
    """Writes each e-mail to a file: the laptop default, so nothing needs an SMTP server."""

    def __init__(self, folder: Path, mail_from: str):
        self.folder = Path(folder)
        self.mail_from = mail_from

    def send(self, alert: OutgoingAlert) -> str:
        return self.deliver(build_email(alert, self.mail_from), f"alert-{alert.alert_id:08d}")

    def deliver(self, msg: EmailMessage, name: str) -> str:
        """Write ``msg`` to ``<folder>/<name>.eml``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.eml"
        path.write_bytes(bytes(msg))
        log.info("%s written to %s", name, path)
        return f"file {path}"
