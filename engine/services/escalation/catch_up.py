"""After downtime, one letter per person: a sweep that catches up (its oldest due step is older than
APPEALS_CATCHUP_MINUTES) may write many alerts at once — fourteen for one deputy governor — and
supersede the levels of executors and heads of bodies, who would hear nothing. Once the sweep has
written them, the alerts of each person (and channel) are folded into one catch-up letter listing
the appeals with their deadlines and how overdue they are; the alerts that were to be sent become
"digested" (still acknowledgeable, each with its own «Принять» link in the letter), the superseded
ones keep their state. A person with a single alert and nothing passed over gets that alert as usual.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

from engine.store import appeals as store
from engine.store import outbox
from engine.store.db import write_transaction
from engine.wording.catch_up import CatchUpItem, catch_up_letter

from ..accept_links import accept_url, link_valid_until
from ..notify import deliver_from, responsible_names

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

CATCH_UP_LEVEL = "catch-up"


def is_catch_up(rt: Runtime, lag_seconds: float) -> bool:
    return lag_seconds > rt.settings.catchup_minutes * 60


def fold_catch_up(rt: Runtime, now: datetime) -> int:
    """Fold what the sweep at `now` wrote into one letter per person and channel; returns the letters."""
    letters = 0
    with write_transaction():
        groups: dict[tuple[str, str, str], list] = defaultdict(list)
        for alert, clock in outbox.written_by_sweep(now):
            groups[(alert.recipient, alert.channel, alert.address)].append((alert, clock))
        for (recipient, channel, address), group in groups.items():
            if len(group) == 1 and group[0][0].status == "pending":
                continue  # one alert, nothing passed over: it goes out as it is
            letters += _letter(rt, recipient, channel, address, group, now)
    if letters:
        log.info("catch-up sweep at %s: %s letters in place of separate alerts", now.isoformat(), letters)
    return letters


def _letter(rt: Runtime, recipient: str, channel: str, address: str, group: list, now: datetime) -> int:
    policy = rt.policy_set
    official = policy.directory.officials.get(recipient)
    subject, body = catch_up_letter(policy.labels("official", recipient), _items(rt, recipient, group, now), now=now,
                                    timezone=policy.directory.timezone, accept_until=link_valid_until(rt, now),
                                    labels=policy.labels)
    key = f"catch-up:{now.isoformat()}:{recipient}" + ("" if channel == "email" else f":via:{channel}")
    outbox.enqueue(now=now, not_before=deliver_from(rt, official, now, urgent=False) if official else now,
                   idempotency_key=key, recipient=recipient, address=address, channel=channel, appeal=None,
                   clock=None, level=CATCH_UP_LEVEL, role=group[0][0].role, subject=subject, body=body)
    letter = outbox.find_by_key(key)
    outbox.fold_into([alert.id for alert, _ in group], letter.id)
    for alert, _ in group:
        store.audit(now, "system", "alert.digested", alert.appeal_id, alert=alert.id, letter=letter.id,
                    level=alert.level, recipient=recipient, superseded=alert.status == "superseded")
    return 1


def _items(rt: Runtime, recipient: str, group: list, now: datetime) -> list[CatchUpItem]:
    """One line per appeal and clock (the alert to be sent rather than a superseded one), oldest due first."""
    chosen: dict[tuple[int, int], tuple] = {}
    for alert, clock in group:
        key = (alert.appeal_id, clock.id)
        if key not in chosen or (chosen[key][0].status == "superseded" and alert.status == "pending"):
            chosen[key] = (alert, clock)
    base = rt.settings.public_url
    names = responsible_names(rt, {alert.appeal_id for alert, _ in chosen.values()})
    items = [
        CatchUpItem(appeal_id=alert.appeal_id, body=clock.body, clock_kind=clock.kind, policy_id=clock.policy_id,
                    due_at=clock.due_at, timezone=rt.policy_set.calendar_for(clock.body).timezone, level=alert.level,
                    passed_over=alert.status == "superseded", page=f"{base}/appeals/{alert.appeal_id}",
                    accept=accept_url(rt, alert.id, recipient, now) if alert.status == "pending" else "",
                    responsible=names.get(alert.appeal_id))
        for alert, clock in chosen.values()
    ]
    return sorted(items, key=lambda item: (item.due_at, item.appeal_id))
