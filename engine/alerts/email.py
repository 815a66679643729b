"""E-mail senders: SMTP when configured, otherwise .eml files in a folder.

Each sender sends an alert (``send``) and, through ``deliver``, any ready message: the letters to
residents (engine/replies/email.py) go out the same way."""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from html import escape
from pathlib import Path
from urllib.parse import unquote, urlparse

from .message import DeliveryError, OutgoingAlert

log = logging.getLogger(__name__)


def build_email(alert: OutgoingAlert, mail_from: str) -> EmailMessage:
    """The letter: plain text and HTML alternatives, with Date, a stable Message-ID and the alert's key."""
    msg = EmailMessage()
    msg["From"] = mail_from
    msg["To"] = formataddr((alert.recipient_name, alert.address))
    msg["Subject"] = alert.subject
    msg["Date"] = format_datetime(alert.date or datetime.now(UTC))
    # a stable Message-ID lets mail systems drop a re-delivered copy
    msg["Message-ID"] = make_msgid(idstring=alert.idempotency_key.replace(":", "."), domain="appeals-router")
    msg["X-Appeals-Alert"] = alert.idempotency_key
    msg.set_content(alert.text())
    msg.add_alternative(html_body(alert), subtype="html")
    return msg


def html_body(alert: OutgoingAlert) -> str:
    """The HTML part: the body's paragraphs (escaped), the page link and the «Принять» button-link."""
    paragraphs = "".join(f"<p>{_linked(line)}</p>" for line in alert.body.splitlines() if line.strip())
    open_text = "Открыть обращение" if alert.appeal_id else "Открыть список"
    links = [f'<a href="{escape(alert.link)}">{open_text}</a>']
    if alert.accept_link:
        until = f" <small>(ссылка действует {escape(alert.accept_until)}; вход не нужен)</small>" \
            if alert.accept_until else ""
        links.append(f'<a href="{escape(alert.accept_link)}" style="display:inline-block;padding:6px 14px;'
                     f'background:#1f5fa8;color:#fff;text-decoration:none;border-radius:4px">Принять</a>{until}')
    return (f'<html><body style="font-family:sans-serif">{paragraphs}'
            f'<p>{" &nbsp; ".join(links)}</p></body></html>')


def _linked(line: str) -> str:
    """A line of the body, escaped; an address of ours at its end becomes a link."""
    head, _, tail = line.rpartition(" ")
    if tail.startswith(("http://", "https://")):
        return f'{escape(head)} <a href="{escape(tail)}">{escape(tail)}</a>'
    return escape(line)


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
