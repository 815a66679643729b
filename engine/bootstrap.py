"""The composition root: builds settings, the database, the policy set and the senders."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from engine.alerts.email import MailDirSender, SmtpSender
from engine.alerts.telegram import TelegramSender
from engine.alerts.webhook import WebhookSender
from engine.config import Settings
from engine.policyset import PolicySet, load_policy_set
from engine.services.rules_reload import PolicySource
from engine.store.db import open_database

log = logging.getLogger(__name__)


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """What services need to act: settings, a clock, the current policy set and the senders."""

    settings: Settings
    clock: Callable[[], datetime]
    senders: dict
    policy_source: PolicySource  # the published rules version, followed within seconds
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def policy(self) -> PolicySet:
        return self.policy_source.current()

    @policy.setter
    def policy(self, value: PolicySet) -> None:
        self.policy_source.replace(value)

    def now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return timezone-aware datetimes")
        return now


def default_senders(settings: Settings, clock: Callable[[], datetime] = system_clock) -> dict:
    """One sender per configured channel; an alert for a channel without one is retried, then dead-lettered."""
    if settings.smtp_url:
        email = SmtpSender(settings.smtp_url, settings.mail_from)
    else:
        email = MailDirSender(settings.mail_dir, settings.mail_from)
    senders = {"email": email}
    if settings.telegram_bot_token:
        senders["telegram"] = TelegramSender(settings.telegram_api_url, settings.telegram_bot_token)
    if settings.alert_webhook_secret:
        senders["webhook"] = WebhookSender(settings.alert_webhook_secret, clock)
    return senders


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    senders: dict | None = None,
    policy: PolicySet | None = None,
) -> Runtime:
    settings = settings or Settings.from_env()
    open_database(settings.database_url)
    return Runtime(
        settings=settings,
        clock=clock or system_clock,
        senders=senders if senders is not None else default_senders(settings, clock or system_clock),
        policy_source=PolicySource(policy or load_policy_set(settings.rules_dir)),
    )
