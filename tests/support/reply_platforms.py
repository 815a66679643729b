"""The platforms replies go out to, all local and real: a VK API, a Telegram Bot API, an SMTP server and a
generic channel's callback receiver, with channels registered for them and the runtime's reply senders
pointed at them; ``deliver`` runs the reply delivery job as the worker does."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from engine.bootstrap import default_reply_senders
from engine.replies.pacing import Pacer
from engine.services import credentials
from engine.services.reply_delivery import deliver_replies
from engine.store import author_messages

from .http_receivers import WebhookReceiver
from .smtp import SmtpServer
from .telegram_api import FakeTelegramBotApi
from .telegram_updates import SECRET as TELEGRAM_SECRET
from .vk_api import FakeVkApi
from .vk_callback import GROUP
from .vk_callback import SECRET as VK_SECRET

VK_TOKEN = "vk1.a.community-token-for-replies"
BOT_TOKEN = "8000000001:AAE-replies_token"
CALLBACK_SECRET = "portal-callback-secret"


@dataclass
class Platforms:
    vk: FakeVkApi
    telegram: FakeTelegramBotApi
    smtp: SmtpServer
    callback: WebhookReceiver

    def stop(self) -> None:
        for server in (self.vk, self.telegram, self.callback):
            server.stop()
        self.smtp.stop()


def start_platforms(clock) -> Platforms:
    return Platforms(vk=FakeVkApi(VK_TOKEN, group_id=GROUP).start(), telegram=FakeTelegramBotApi(BOT_TOKEN).start(),
                     smtp=SmtpServer().start(), callback=WebhookReceiver(CALLBACK_SECRET, clock).start())


def point_runtime_at(rt, platforms: Platforms) -> None:
    """The runtime's reply senders talk to the local platforms; waits for a turn are not slept."""
    settings = dataclasses.replace(rt.settings, vk_api_url=platforms.vk.url, telegram_api_url=platforms.telegram.url,
                                   smtp_url=platforms.smtp.url)
    rt.reply_senders = default_reply_senders(settings, rt.clock, Pacer(sleep=lambda seconds: None))


def add_channels(rt, platforms: Platforms) -> None:
    """gov-vk (the community, with its token), cur-bot (the bot, with its token), portal (a generic channel
    with a callback URL) and city-app (Open311)."""
    now = rt.now()
    credentials.add_channel(now, "gov-vk", "vk", VK_SECRET, confirmation="a1b2c3d4", group_id=GROUP,
                            api_token=VK_TOKEN)
    credentials.add_channel(now, "cur-bot", "telegram", TELEGRAM_SECRET, api_token=BOT_TOKEN)
    credentials.add_channel(now, "portal", "generic", CALLBACK_SECRET, callback_url=platforms.callback.url + "/replies")
    credentials.add_channel(now, "city-app", "open311", "open311-key-for-tests")


def deliver(rt):
    return deliver_replies(rt)


def outgoing(appeal_id: int, kind: str | None = None) -> list:
    return [m for m in author_messages.of_appeal(appeal_id) if m.direction == "out" and kind in (None, m.kind)]
