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
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from engine.alerts.message import DeliveryError
from engine.replies.message import OutgoingReply
from engine.replies.pacing import Deferred
from engine.store import appeals as store
from engine.store import author_messages
from engine.store.db import write_transaction
from engine.wording.labels import LABELS
from engine.wording.notices import reply_dead_letter

from .credentials import find_channel
from .delivery import ADMIN_ROLE, CLAIM_SECONDS, DEAD_LETTER_LEVEL, retry_delay
from .notify import enqueue_for

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
    rng = rng or random.Random()
    now = rt.now()
    report = ReplyReport()
    cursor = 0
    while True:
        batch = author_messages.due(now, after_id=cursor, limit=page)
        if not batch:
            return report
        for message in batch:
            cursor = message.id
            with write_transaction():
                claimed = author_messages.claim(message.id, now, now + timedelta(seconds=CLAIM_SECONDS))
            if claimed:
                _deliver(rt, message, now, rng, report)


def outgoing(rt: Runtime, message, channel) -> OutgoingReply:
    details = message.details or {}
    appeal = store.get_appeal(message.appeal_id)
    return OutgoingReply(
        reply_id=message.id,
        idempotency_key=message.idempotency_key,
        appeal_id=message.appeal_id,
        kind=message.kind,
        route=message.route,
        channel=appeal.channel,
        address=message.address or {},
        text=message.text,
        subject=details.get("subject"),
        token=channel.api_token if channel else None,
        secret=channel.secret if channel else None,
        payload={"body": {"id": details["body"], "name": details.get("body_name")} if details.get("body") else None,
                 "due": details.get("due")},
    )


def _deliver(rt: Runtime, message, now, rng, report: ReplyReport) -> None:
    sender = rt.reply_senders.get(message.route)
    channel_name = store.get_appeal(message.appeal_id).channel
    channel = find_channel(channel_name)
    try:
        if sender is None:
            raise DeliveryError(f"ответы по маршруту «{LABELS('route', message.route)}» не отправляются",
                                permanent=True)
        receipt = sender.send(outgoing(rt, message, channel))
    except Deferred as exc:
        with write_transaction():
            author_messages.postpone(message.id, now + timedelta(seconds=exc.retry_after))
        report.deferred += 1
        return
    except DeliveryError as exc:
        _failed(rt, message, channel_name, channel, exc, now, rng, report)
        return
    with write_transaction():
        author_messages.mark_sent(message.id, now, platform_id=receipt.platform_id)
        store.audit(now, "system", "reply.sent", message.appeal_id, message=message.id, message_kind=message.kind,
                    route=message.route, platform_id=receipt.platform_id)
    report.sent += 1
    log.info("reply %s of appeal %s delivered (%s)", message.id, message.appeal_id, message.route)


def _failed(rt: Runtime, message, channel_name: str, channel, exc: DeliveryError, now, rng,
            report: ReplyReport) -> None:
    attempts = message.attempts + 1
    dead = exc.permanent or attempts >= rt.settings.delivery_max_attempts
    later = None
    if not dead:
        later = now + max(retry_delay(attempts, rng), timedelta(seconds=exc.retry_after or 0))
    with write_transaction():
        author_messages.mark_failed(message.id, error=str(exc), next_attempt_at=later, dead=dead)
        store.audit(now, "system", "reply.dead" if dead else "reply.retry", message.appeal_id, message=message.id,
                    message_kind=message.kind, route=message.route, attempts=attempts, error=str(exc)[:500],
                    **({"retry_at": later.isoformat()} if later else {}))
        if dead:
            _tell_administrator(rt, message, channel_name, channel, exc, attempts, now)
    report.dead += dead
    report.failed += not dead
    log.warning("reply %s of appeal %s: delivery failed, attempt %s%s: %s", message.id, message.appeal_id, attempts,
                ", dead-lettered" if dead else "", exc)


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
