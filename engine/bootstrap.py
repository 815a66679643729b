"""The composition root: builds settings, the database, the policy set and the senders."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from engine.alerts.email import MailDirSender, SmtpSender
from engine.alerts.telegram import TelegramSender
from engine.alerts.webhook import WebhookSender
from engine.config import Settings
from engine.policyset import PolicySet, load_policy_set
from engine.runtime import Runtime, system_clock
from engine.services.rules.reload import PolicySource
from engine.store.db import open_database

log = logging.getLogger(__name__)


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
    policy_set: PolicySet | None = None,
) -> Runtime:
    settings = settings or Settings.from_env()
    open_database(settings.database_url)
    return Runtime(
        settings=settings,
        clock=clock or system_clock,
        senders=senders if senders is not None else default_senders(settings, clock or system_clock),
        policy_source=PolicySource(policy_set or load_policy_set(settings.rules_dir)),
    )
