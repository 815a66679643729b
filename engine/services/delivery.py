"""Delivery: drain the outbox through each alert's channel, with retries and a dead-letter state.

An alert is claimed before it is sent (a conditional update), so two workers never send the
same row; a worker that dies after claiming leaves the alert due again when the claim lapses.
What the channel answered is kept as the delivery receipt. A failed alert is tried again after the
platform's ``retry_after`` (Telegram 429, a webhook's Retry-After) or an exponential backoff, whichever is
later. An alert that fails
APPEALS_DELIVERY_MAX_ATTEMPTS times (or is refused for good) is dead-lettered, and the
administrator is told through their own channels.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from engine.alerts.message import DeliveryError, OutgoingAlert
from engine.store import appeals as store
from engine.store import outbox
from engine.store.db import write_transaction
from engine.wording.alerts import dead_letter

from .accept_links import accept_url, link_valid_until
from .notify import enqueue_for

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

BASE_DELAY = 30  # seconds before the first retry; doubles each attempt
MAX_DELAY = 6 * 3600
CLAIM_SECONDS = 300  # a claimed alert is due again after this, should its worker have died
ADMIN_ROLE = "administrator"
DEAD_LETTER_LEVEL = "dead-letter"


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0


def retry_delay(attempts: int, rng: random.Random) -> timedelta:
    """Exponential backoff with full jitter between half and the whole step."""
    step = min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    return timedelta(seconds=step * (0.5 + rng.random() / 2))


def deliver_pending(rt: Runtime, *, page: int = 100, rng: random.Random | None = None) -> DeliveryReport:
    rng = rng or random.Random()
    now = rt.now()
    report = DeliveryReport()
    cursor = 0
    while True:
        batch = outbox.pending(now, after_id=cursor, limit=page)
        if not batch:
            return report
        for alert in batch:
            cursor = alert.id
            with write_transaction():
                claimed = outbox.claim(alert.id, now, now + timedelta(seconds=CLAIM_SECONDS))
            if claimed:
                _deliver(rt, alert, now, rng, report)


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


def _deliver(rt: Runtime, alert, now, rng, report: DeliveryReport) -> None:
    sender = rt.senders.get(alert.channel)
    try:
        if sender is None:
            raise DeliveryError(f"no sender configured for channel {alert.channel!r}")
        receipt = sender.send(outgoing(rt, alert, now))
    except DeliveryError as exc:
        attempts = alert.attempts + 1
        dead = exc.permanent or attempts >= rt.settings.delivery_max_attempts
        with write_transaction():
            outbox.mark_failed(alert.id, error=str(exc), dead=dead,
                               next_attempt_at=None if dead else now + max(retry_delay(attempts, rng),
                                                                           timedelta(seconds=exc.retry_after or 0)))
            store.audit(now, "system", "alert.dead" if dead else "alert.retry", alert.appeal_id,
                        alert=alert.id, attempts=attempts)
            if dead:
                _tell_administrator(rt, alert, str(exc), attempts, now)
        report.dead += dead
        report.failed += not dead
        log.warning("alert %s (appeal %s): delivery failed, attempt %s%s: %s", alert.id, alert.appeal_id,
                    attempts, ", dead-lettered" if dead else "", exc)
        return
    with write_transaction():
        outbox.mark_sent(alert.id, now, receipt=str(receipt)[:2000] if receipt else None)
        store.audit(now, "system", "alert.sent", alert.appeal_id, alert=alert.id, receipt=receipt)
    report.sent += 1


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
