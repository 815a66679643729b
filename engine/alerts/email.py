"""E-mail senders: SMTP when configured, otherwise .eml files in a folder.

Each sender sends an alert (``send``) and, through ``deliver``, any ready message: the letters to
residents (engine/replies/email.py) go out the same way."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from datetime import UTC, datetime
from email.message import EmailMessage, Message
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


# scheme → (default port, how the connection is protected)
SMTP_SCHEMES = {"smtp": (25, None), "smtp+starttls": (587, "starttls"), "smtps": (465, "tls")}


class SmtpSender:
    """SMTP as APPEALS_SMTP_URL says: ``smtp://`` in the clear (no login), ``smtp+starttls://`` with
    STARTTLS required before anything else, ``smtps://`` with TLS from the first byte. A user and
    password are accepted only with one of the last two: a password never crosses the network in
    clear text. The server's certificate is verified (the system's CAs, or ``ca_file``)."""

    def __init__(self, smtp_url: str, mail_from: str, timeout: float = 10.0, *, ca_file: str | None = None):
        url = urlparse(smtp_url)
        if url.scheme not in SMTP_SCHEMES:
            schemes = ", ".join(f"{scheme}://" for scheme in SMTP_SCHEMES)
            raise ValueError(f"APPEALS_SMTP_URL: схема адреса — одна из {schemes}")
        default_port, self.protection = SMTP_SCHEMES[url.scheme]
        self.host = url.hostname or "localhost"
        self.port = url.port or default_port
        self.ssl = self.protection == "tls"
        self.user = unquote(url.username) if url.username else None
        self.password = unquote(url.password) if url.password else None
        if (self.user or self.password) and self.protection is None:
            raise ValueError("APPEALS_SMTP_URL: имя и пароль передаются только по TLS: укажите "
                             "smtp+starttls://user:password@host:587 или smtps://user:password@host:465")
        self.context = ssl.create_default_context(cafile=ca_file or None) if self.protection else None
        self.mail_from = mail_from
        self.timeout = timeout
        self._lock = threading.Lock()  # one letter at a time on the connection
        self._smtp: smtplib.SMTP | None = None

    def send(self, alert: OutgoingAlert) -> str:
        return self.deliver(build_email(alert, self.mail_from), f"alert-{alert.alert_id:08d}")

    def deliver(self, msg: Message, name: str) -> str:
        """Hand ``msg`` to the SMTP server; ``name`` is the maildir sender's file name, unused here. The
        connection (TLS and login included) stays open for the next letter until ``close``: a drain of
        the outbox hands all its letters over one connection. A connection that failed is not reused."""
        with self._lock:
            try:
                smtp = self._smtp or self._connect()
                refused = smtp.send_message(msg)
            except smtplib.SMTPRecipientsRefused as exc:  # smtplib reset the transaction: the connection goes on
                raise DeliveryError(f"почтовый сервер {self.host}:{self.port} отклонил получателя: "
                                    f"{', '.join(sorted(exc.recipients))}", permanent=True) from exc
            except DeliveryError:
                self._drop()
                raise
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                raise DeliveryError(f"почтовый сервер {self.host}:{self.port}: {_reason(exc)}") from exc
        if refused:
            raise DeliveryError(f"почтовый сервер {self.host}:{self.port} отклонил получателей: "
                                f"{', '.join(sorted(refused))}", permanent=True)
        return f"smtp accepted {msg['Message-ID']}"

    def close(self) -> None:
        """Say goodbye to the server (QUIT) and close the connection, if one is open."""
        with self._lock:
            if self._smtp is not None:
                with contextlib.suppress(OSError, smtplib.SMTPException):  # gone already: only closing matters
                    self._smtp.quit()
                self._drop()

    def _connect(self) -> smtplib.SMTP:
        if self.ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        self._smtp = smtp
        if self.protection == "starttls":
            smtp.ehlo()
            if not smtp.has_extn("starttls"):  # never fall back to clear text
                raise DeliveryError(f"почтовый сервер {self.host}:{self.port} не предлагает STARTTLS; "
                                    "письмо не отправлено")
            smtp.starttls(context=self.context)
            smtp.ehlo()
        if self.user:
            smtp.login(self.user, self.password or "")
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None


def _reason(exc: Exception) -> str:
    """Why the SMTP server could not be reached or refused the letter, in words staff read."""
    if isinstance(exc, ConnectionRefusedError):
        return "соединение отклонено"
    if isinstance(exc, TimeoutError):
        return "нет ответа за отведённое время"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"сертификат сервера не прошёл проверку ({exc.verify_message})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "сервер не принял имя и пароль"
    if isinstance(exc, smtplib.SMTPResponseException):
        said = exc.smtp_error  # bytes from the server, a str from smtplib itself ("Line too long.")
        return f"сервер ответил {exc.smtp_code}: {said.decode(errors='replace') if isinstance(said, bytes) else said}"
    return f"ошибка соединения ({type(exc).__name__}: {exc})"


class MailDirSender:
    """Writes each e-mail to a file: the laptop default, so nothing needs an SMTP server."""

    def __init__(self, folder: Path, mail_from: str):
        self.folder = Path(folder)
        self.mail_from = mail_from

    def send(self, alert: OutgoingAlert) -> str:
        return self.deliver(build_email(alert, self.mail_from), f"alert-{alert.alert_id:08d}")

    def close(self) -> None:
        """Nothing stays open between letters."""

    def deliver(self, msg: Message, name: str) -> str:
        """Write ``msg`` to ``<folder>/<name>.eml``."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.eml"
        path.write_bytes(bytes(msg))
        log.info("%s written to %s", name, path)
        return f"file {path}"
