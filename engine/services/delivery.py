"""Delivery: drain the alert outbox through each alert's channel, with retries and a dead-letter state.

The claim, the retries and the dead letter are engine.services.outbox_drain's: an alert is claimed before it
is sent, so two workers never send the same row; a worker that dies after claiming leaves the alert due
again when the claim lapses. What the channel answered is kept as the delivery receipt. A failed alert is
tried again after the platform's ``retry_after`` (Telegram 429, a webhook's Retry-After) or an exponential
backoff, whichever is later. An alert that fails APPEALS_DELIVERY_MAX_ATTEMPTS times (or is refused for
good) is dead-lettered, and the administrator is told through their own channels.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.alerts.message import DeliveryError, OutgoingAlert
from engine.store import appeals as store
from engine.store import outbox as alerts
from engine.wording.alerts import dead_letter

from .accept_links import accept_url, link_valid_until
from .notify import enqueue_for
from .outbox_drain import Failure, Outbox, drain

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

ADMIN_ROLE = "administrator"
DEAD_LETTER_LEVEL = "dead-letter"


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0


def deliver_pending(rt: Runtime, *, page: int = 100, rng: random.Random | None = None) -> DeliveryReport:
    outbox = Outbox(due=alerts.pending, claim=alerts.claim, send=lambda alert, now: _send(rt, alert, now),
                    sent=_sent, failed=lambda failure: _failed(rt, failure), log=log,
                    describe=lambda alert: f"alert {alert.id} (appeal {alert.appeal_id})",
                    senders=tuple(rt.senders.values()))
    return drain(outbox, DeliveryReport(), now=rt.now(), max_attempts=rt.settings.delivery_max_attempts,
                 page=page, rng=rng or random.Random())


def outgoing(rt: Runtime, alert, now=None) -> OutgoingAlert:
    """The alert as it leaves: links to the staff page of the appeal (a digest: the queue of overdue
    appeals) and, for an alert about one appeal, the one-click «Принять» link."""
    now = now or rt.now()
    base = rt.settings.public_url
    page = f"/appeals/{alert.appeal_id}" if alert.appeal_id is not None else "/queue?overdue=true&sort=due"
    link = base + page
    accept = alert.appeal_id is not None and alert.acknowledged_at is None
    return OutgoingAlert(
        alert_id=alert.id,
        idempotency_key=alert.idempotency_key,
        channel=alert.channel,
        address=alert.address,
        recipient_name=rt.policy_set.labels("official", alert.recipient),
        subject=alert.subject,
        body=alert.body,
        link=link,
        appeal_id=alert.appeal_id,
        level=alert.level,
        role=alert.role,
        ack_link=f"{base}/api/v1/alerts/{alert.id}/ack",
        accept_link=accept_url(rt, alert.id, alert.recipient, now) if accept else "",
        accept_until=link_valid_until(rt, now) if accept else "",
        date=now,
    )


def _send(rt: Runtime, alert, now) -> str | None:
    sender = rt.senders.get(alert.channel)
    if sender is None:
        raise DeliveryError(f"отправка по каналу «{rt.policy_set.labels('channel', alert.channel)}» не настроена "
                            "на сервере")
    return sender.send(outgoing(rt, alert, now))


def _sent(sent: list, now) -> None:
    for alert, receipt in sent:  # staff alerts come a few at a time: a statement each
        alerts.mark_sent(alert.id, now, receipt=str(receipt)[:2000] if receipt else None)
    store.audit_many([store.audit_row(now, "system", "alert.sent", alert.appeal_id, alert=alert.id, receipt=receipt)
                      for alert, receipt in sent])


def _failed(rt: Runtime, failure: Failure) -> None:
    alert, now = failure.row, failure.now
    alerts.mark_failed(alert.id, error=str(failure.error), dead=failure.dead, next_attempt_at=failure.later)
    store.audit(now, "system", "alert.dead" if failure.dead else "alert.retry", alert.appeal_id,
                alert=alert.id, attempts=failure.attempts)
    if failure.dead:
        _tell_administrator(rt, alert, str(failure.error), failure.attempts, now)


def _tell_administrator(rt: Runtime, alert, error: str, attempts: int, now) -> None:
    """A dead letter alerts the administrators (never about their own dead letters)."""
    if alert.level == DEAD_LETTER_LEVEL:
        log.error("alert %s to the administrator is dead: %s", alert.id, error)
        return
    admins = rt.policy_set.directory.holders(ADMIN_ROLE)
    if not admins:
        log.error("alert %s is dead and the directory names no %s", alert.id, ADMIN_ROLE)
        return
    subject, body = dead_letter(alert, error=error, attempts=attempts, labels=rt.policy_set.labels)
    for admin in admins:
        enqueue_for(rt, admin, key=f"dead-letter:alert:{alert.id}:to:{admin.id}", now=now, not_before=now,
                    appeal=alert.appeal_id, clock=alert.clock_id, level=DEAD_LETTER_LEVEL, role=ADMIN_ROLE,
                    subject=subject, body=body)
