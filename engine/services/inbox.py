"""Alerts as staff read them: the outbox within the caller's scope, one alert, the dashboard's inbox,
and acknowledging an alert (from the API or a staff page alike).

A caller sees the alerts about appeals of the bodies they see (engine.services.access) and, for a
sector head, of the appeals in her sector blocks, and the alerts addressed to them as an official of
the directory wherever the appeal is.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from engine.store import appeals as appeal_store
from engine.store import outbox
from engine.store.db import write_transaction

from .access import Caller, visible_bodies, visible_sectors

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

ALERT_STATUSES = outbox.ALERT_STATUSES
INBOX_SIZE = 50  # alerts the dashboard's inbox shows
INBOX_SCANNED = 500  # the latest alerts the inbox looks through


class AlertNotFound(LookupError):
    """No such alert, or none the caller may see (its existence is not revealed)."""


def alert_scope(rt: Runtime, caller: Caller) -> tuple[frozenset[str], str | None, frozenset[str] | None] | None:
    """None for callers who see every alert; else the bodies they see, their own official id and the
    sector blocks whose appeals they see besides those bodies (a sector head's: an appeal's block comes
    from its topic as well as its body), as the appeal lists scope them."""
    bodies = visible_bodies(caller, rt.policy_set.directory)
    return None if bodies is None else (bodies, caller.official_id, visible_sectors(caller))


def list_alerts(rt: Runtime, caller: Caller, *, status: str | None = None, recipient: str | None = None,
                appeal_id: int | None = None, acknowledged: bool | None = None, before: int | None = None,
                limit: int = 200) -> list:
    """The caller's alerts, newest first; `before` pages on from an alert id."""
    return outbox.list_alerts(status=status, recipient=recipient, appeal_id=appeal_id, limit=limit,
                              acknowledged=acknowledged, after_id=before, scope=alert_scope(rt, caller))


def find_alert(rt: Runtime, caller: Caller, alert_id: int):
    """The alert when the caller may see it, else AlertNotFound."""
    alert = outbox.get_alert(alert_id, scope=alert_scope(rt, caller))
    if alert is None:
        raise AlertNotFound(f"no alert {alert_id}")
    return alert


def acknowledge_alert(rt: Runtime, caller: Caller, alert_id: int):
    """Acknowledge an alert the caller may see: repeats of its level for that appeal's clock stop.

    The first acknowledgement is the one kept and audited (`alert.acknowledged`, with who, the
    level and from where); acknowledging it again changes nothing. Returns the alert as stored."""
    find_alert(rt, caller, alert_id)
    now = rt.now()
    with write_transaction():
        alert = outbox.get_alert(alert_id)
        if outbox.acknowledge(alert_id, now):
            appeal_store.audit(now, caller.actor, "alert.acknowledged", alert.appeal_id, alert=alert_id,
                               level=alert.level, **({"origin": caller.origin} if caller.origin else {}))
            log.info("appeal %s: alert %s acknowledged", alert.appeal_id, alert_id)
    return outbox.get_alert(alert_id)


def offered_to(rt: Runtime, caller: Caller, alert) -> bool:
    """Is «Принять» offered to the caller for this alert? To an administrator and to an official of the
    body, always; to a manager only when the alert is addressed to them, or to someone they stand in for
    today (that person is away and the manager is the deputy acting)."""
    if caller.role != "manager":
        return True
    mine = caller.official_id
    if not mine or not alert.recipient:
        return False
    if alert.recipient == mine:
        return True
    directory = rt.policy_set.directory
    holder = directory.officials.get(alert.recipient)
    if holder is None:
        return False
    today = rt.now().astimezone(rt.policy_set.calendar_for(alert.appeal.body).tz).date() \
        if alert.appeal_id and alert.appeal.body in directory.bodies else rt.now().date()
    acting = directory.acting_for(holder, today)
    return acting is not None and acting.id == mine


def alert_inbox(bodies: frozenset[str] | None, *, size: int = INBOX_SIZE,
                sectors: frozenset[str] | None = None) -> list:
    """The newest alerts nobody acknowledged and the sweep did not supersede, about appeals of
    `bodies` (None: every body) or of the sector blocks `sectors` — the scope GET /api/v1/alerts applies
    (outbox.list_alerts) —: at most `size`, from the latest INBOX_SCANNED such alerts."""
    scope = None if bodies is None else (bodies, None, sectors)
    found = []
    for alert in outbox.list_alerts(status=None, recipient=None, appeal_id=None, limit=INBOX_SCANNED,
                                    acknowledged=False, scope=scope):
        if alert.status == "superseded" or alert.appeal_id is None:
            continue  # a letter about several appeals (a digest) is not acknowledged itself
        found.append(alert)
        if len(found) >= size:
            break
    return found
