"""The composition root: builds settings, the database, the policy set, the alert senders and the
reply senders."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from engine import log_privacy
from engine.alerts.email import MailDirSender, SmtpSender
from engine.alerts.telegram import TelegramSender
from engine.alerts.webhook import WebhookSender
from engine.config import Settings
from engine.policyset import PolicySet, load_policy_set
from engine.replies.callback import CallbackReplySender
from engine.replies.email import EmailReplySender
from engine.replies.pacing import Pacer
from engine.replies.telegram import TelegramReplySender
from engine.replies.vk import VkReplySender
from engine.runtime import Runtime, system_clock
from engine.services.encryption_keys import install_keys
from engine.services.rules.reload import PolicySource
from engine.store.db import open_database

log = logging.getLogger(__name__)


def mail_transport(settings: Settings) -> SmtpSender | MailDirSender:
    """SMTP when configured, otherwise .eml files: alerts and letters to residents go the same way."""
    if settings.smtp_url:
        return SmtpSender(settings.smtp_url, settings.mail_from, ca_file=settings.smtp_ca_file)
    return MailDirSender(settings.mail_dir, settings.mail_from)


def default_senders(settings: Settings, clock: Callable[[], datetime] = system_clock) -> dict:
    """One sender per configured channel; an alert for a channel without one is retried, then dead-lettered."""
    senders = {"email": mail_transport(settings)}
    if settings.telegram_bot_token:
        senders["telegram"] = TelegramSender(settings.telegram_api_url, settings.telegram_bot_token)
    if settings.alert_webhook_secret:
        senders["webhook"] = WebhookSender(settings.alert_webhook_secret, clock)
    return senders


def default_reply_senders(settings: Settings, clock: Callable[[], datetime] = system_clock,
                          pacer: Pacer | None = None) -> dict:
    """A sender per reply route; each channel's token, secret and callback URL travel with the reply.
    One pacer keeps every VK and Telegram token of this process under the platforms' rates."""
    pacer = pacer or Pacer()
    vk = VkReplySender(settings.vk_api_url, pacer, calls_per_second=settings.vk_calls_per_second)
    return {
        "vk_comment": vk,
        "vk_message": vk,
        "telegram": TelegramReplySender(settings.telegram_api_url, pacer,
                                        messages_per_second=settings.telegram_messages_per_second),
        "email": EmailReplySender(mail_transport(settings), settings.mail_from, clock),
        "callback": CallbackReplySender(clock),
    }


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    senders: dict | None = None,
    reply_senders: dict | None = None,
    policy_set: PolicySet | None = None,
) -> Runtime:
    settings = settings or Settings.from_env()
    clock = clock or system_clock
    log_privacy.install()  # before anything logs: no personal data in any log line
    install_keys(settings)  # channel credentials are encrypted at rest with these
    open_database(settings.database_url)
    return Runtime(
        settings=settings,
        clock=clock,
        senders=senders if senders is not None else default_senders(settings, clock),
        policy_source=PolicySource(policy_set or load_policy_set(settings.rules_dir)),
        reply_senders=reply_senders if reply_senders is not None else default_reply_senders(settings, clock),
    )
