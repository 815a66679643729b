"""Reply delivery: drain the replies queued for residents (author messages ``pending``) through the sender
of each route, once each, never lost.

- A reply is claimed before it is sent (a conditional update), so two workers never send the same row;
  a worker that dies after claiming leaves it due again when the claim lapses. Its idempotency key
  travels with it (VK ``random_id``/``guid``, the e-mail's Message-ID, the callback's header), so a
  platform can drop a repeat sent after a lost answer.
- Accepted: the reply is ``sent`` with the id the platform gave it, and the timeline says «Ответ автору
  опубликован в VK (комментарий 4060)» — only then.
- Refused for now (VK 6/9/29, Telegram 429, a 5xx, out of reach): tried again after the platform's
  ``retry_after`` or an exponential backoff, whichever is later, up to APPEALS_DELIVERY_MAX_ATTEMPTS.
  Our own pacer's «not yet» (engine.replies.pacing.Deferred) sends nothing and costs no attempt.
- Refused for good (comments closed, the bot blocked) or out of attempts: dead-lettered with the reason in
  Russian; the administrators are told.
- The channel's credentials refused (VK 5, Telegram 401, no token): dead-lettered, and the
  administrators get ONE alert per channel and token, however many replies fail on it.

The claim, the retries and the dead letter are engine.services.outbox_drain's, as for staff alerts.
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.alerts.message import DeliveryError
from engine.replies.message import OutgoingReply
from engine.store import appeals as store
from engine.store import author_messages
from engine.wording.labels import LABELS
from engine.wording.notices import reply_dead_letter

from .credentials import find_channel
from .delivery import ADMIN_ROLE, DEAD_LETTER_LEVEL
from .notify import enqueue_for
from .outbox_drain import Failure, Outbox, drain

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class ReplyReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    deferred: int = 0


def deliver_replies(rt: Runtime, *, page: int = 100, rng: random.Random | None = None) -> ReplyReport:
    channels: dict = {}  # channel name -> its row (credentials), read once per page of replies
    came_by: dict[int, str] = {}  # appeal id -> the name of its channel, for the page's replies

    def due(now, **page_of):
        channels.clear()  # a token replaced meanwhile is used from the next page on
        page = author_messages.due(now, **page_of)
        came_by.clear()
        came_by.update(store.channels_of(m.appeal_id for m in page))  # one query for the page, not one a reply
        return page

    outbox = Outbox(due=due, claim=author_messages.claim,
                    send=lambda message, now: _send(rt, message, channels, came_by),
                    sent=_sent, failed=lambda failure: _failed(rt, failure), postpone=author_messages.postpone,
                    still_due=author_messages.still_pending,
                    log=log, describe=lambda message: f"reply {message.id} of appeal {message.appeal_id}",
                    senders=tuple(rt.reply_senders.values()))
    return drain(outbox, ReplyReport(), now=rt.now(), max_attempts=rt.settings.delivery_max_attempts,
                 page=page, rng=rng or random.Random(), clock=rt.clock)


def outgoing(rt: Runtime, message, channel_name: str, channel) -> OutgoingReply:
    """The reply as its sender takes it: `channel_name` the appeal's channel, `channel` its row (or None)."""
    details = message.details or {}
    return OutgoingReply(
        reply_id=message.id,
        idempotency_key=message.idempotency_key,
        appeal_id=message.appeal_id,
        kind=message.kind,
        route=message.route,
        channel=channel_name,
        address=message.address or {},
        text=message.text,
        subject=details.get("subject"),
        token=channel.api_token if channel else None,
        secret=channel.secret if channel else None,
        payload={"body": {"id": details["body"], "name": details.get("body_name")} if details.get("body") else None,
                 "due": details.get("due")},
    )


def _send(rt: Runtime, message, channels: dict, came_by: dict[int, str]):
    sender = rt.reply_senders.get(message.route)
    if sender is None:
        raise DeliveryError(f"ответы по маршруту «{LABELS('route', message.route)}» не отправляются",
                            permanent=True)
    channel_name = came_by.get(message.appeal_id)
    if channel_name not in channels:
        channels[channel_name] = find_channel(channel_name)
    return sender.send(outgoing(rt, message, channel_name, channels[channel_name]))


def _sent(sent: list, now) -> None:
    author_messages.mark_sent_many({message.id: receipt.platform_id for message, receipt in sent}, now)
    store.audit_many([store.audit_row(now, "system", "reply.sent", message.appeal_id, message=message.id,
                                      message_kind=message.kind, route=message.route,
                                      platform_id=receipt.platform_id) for message, receipt in sent])
    for message, _ in sent:
        log.info("reply %s of appeal %s delivered (%s)", message.id, message.appeal_id, message.route)


def _failed(rt: Runtime, failure: Failure) -> None:
    message, exc, now, later = failure.row, failure.error, failure.now, failure.later
    author_messages.mark_failed(message.id, error=str(exc), next_attempt_at=later, dead=failure.dead)
    store.audit(now, "system", "reply.dead" if failure.dead else "reply.retry", message.appeal_id,
                message=message.id, message_kind=message.kind, route=message.route, attempts=failure.attempts,
                error=str(exc)[:500], **({"retry_at": later.isoformat()} if later else {}))
    if failure.dead:
        channel_name = store.channel_of(message.appeal_id)
        _tell_administrator(rt, message, channel_name, find_channel(channel_name), exc, failure.attempts, now)


def _tell_administrator(rt: Runtime, message, channel_name: str, channel, exc: DeliveryError, attempts: int,
                        now) -> None:
    admins = rt.policy_set.directory.holders(ADMIN_ROLE)
    if not admins:
        log.error("reply %s is dead and the directory names no %s", message.id, ADMIN_ROLE)
        return
    if exc.credentials:  # one alert per channel and token: every reply on it fails the same way
        token = (channel.api_token or "") if channel else ""
        about = f"reply-credentials:{channel_name}:{hashlib.sha256(token.encode()).hexdigest()[:16]}"
    else:
        about = f"reply:{message.id}"
    subject, body = reply_dead_letter(appeal_id=message.appeal_id, message_id=message.id,
                                      kind_title=LABELS("message_kind", message.kind),
                                      route_title=LABELS("route", message.route), channel=channel_name,
                                      error=str(exc), attempts=attempts, credentials=exc.credentials)
    for admin in admins:
        enqueue_for(rt, admin, key=f"dead-letter:{about}:to:{admin.id}", now=now, not_before=now,
                    appeal=message.appeal_id, clock=None, level=DEAD_LETTER_LEVEL,
                    role=ADMIN_ROLE, subject=subject, body=body)
