"""Delivery: drain the outbox through each alert's channel, with retries and a dead-letter state."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from engine.alerts.message import DeliveryError, OutgoingAlert
from engine.store import appeals as store
from engine.store import outbox
from engine.store.db import write_transaction

log = logging.getLogger(__name__)

BASE_DELAY = 30  # seconds before the first retry; doubles each attempt
MAX_DELAY = 6 * 3600


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0


def retry_delay(attempts: int, rng: random.Random) -> timedelta:
    """Exponential backoff with full jitter between half and the whole step."""
    step = min(BASE_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    return timedelta(seconds=step * (0.5 + rng.random() / 2))


def deliver_pending(rt, *, page: int = 100, rng: random.Random | None = None) -> DeliveryReport:
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
            _deliver(rt, alert, now, rng, report)


def _deliver(rt, alert, now, rng, report: DeliveryReport) -> None:
    sender = rt.senders.get(alert.channel)
    message = OutgoingAlert(
        alert_id=alert.id,
        idempotency_key=alert.idempotency_key,
        channel=alert.channel,
        address=alert.address,
        recipient_name=alert.recipient,
        subject=alert.subject,
        body=alert.body,
        link=f"{rt.settings.public_url}/api/v1/appeals/{alert.appeal_id}",
    )
    try:
        if sender is None:
            raise DeliveryError(f"no sender configured for channel {alert.channel!r}")
        sender.send(message)
    except DeliveryError as exc:
        attempts = alert.attempts + 1
        dead = attempts >= rt.settings.delivery_max_attempts
        with write_transaction():
            outbox.mark_failed(alert.id, error=str(exc), dead=dead,
                               next_attempt_at=None if dead else now + retry_delay(attempts, rng))
            store.audit(now, "system", "alert.dead" if dead else "alert.retry", alert.appeal_id,
                        alert=alert.id, attempts=attempts)
        report.dead += dead
        report.failed += not dead
        log.warning("alert %s (appeal %s): delivery failed, attempt %s: %s", alert.id, alert.appeal_id,
                    attempts, exc)
        return
    with write_transaction():
        outbox.mark_sent(alert.id, now)
        store.audit(now, "system", "alert.sent", alert.appeal_id, alert=alert.id)
    report.sent += 1
