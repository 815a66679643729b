"""The daily digest: each manager gets, once a working day, the list of what is overdue in their area."""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.store import escalations
from engine.store.db import write_transaction
from engine.wording.digest import overdue_digest

from .notify import enqueue_for

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

MANAGER_ROLES = ("head_of_body", "sector_head", "centre_head", "curator")
DIGEST_LEVEL = "daily-digest"


def send_digests(rt: Runtime) -> int:
    """Write today's digests to the outbox (once per manager and day); returns how many were written."""
    now = rt.now()
    policy = rt.policy_set
    directory = policy.directory
    local = now.astimezone(ZoneInfo(directory.timezone))
    office = policy.calendar_for(directory.triage_body)  # the centre's working days
    if local.hour < rt.settings.digest_hour or not office.is_working_day(local.date()):
        return 0
    overdue = escalations.overdue_clocks(now)
    by_body: dict[str, list[tuple]] = defaultdict(list)
    for appeal_id, body, kind, due in overdue:
        by_body[body].append((appeal_id, kind, due))
    written = 0
    managers = {o.id: o for role in MANAGER_ROLES for o in directory.holders(role)}
    with write_transaction():
        for manager in managers.values():
            area = directory.area_of(manager)
            items = sorted(((*item, body) for body, rows in by_body.items() if area is None or body in area
                            for item in rows), key=lambda item: item[2])
            if not items:
                continue
            acting = directory.acting_for(manager, local.date()) or manager
            subject, body = overdue_digest(manager.name, items, local=local, now=now, timezone=directory.timezone,
                                           labels=policy.labels)
            written += enqueue_for(rt, acting, key=f"digest:{manager.id}:{local.date().isoformat()}", now=now,
                                   not_before=now, appeal=None, clock=None, level=DIGEST_LEVEL, role="manager",
                                   subject=subject, body=body)
    if written:
        log.info("daily digests: %s written for %s", written, local.date())
    return written

