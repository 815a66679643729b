"""The daily digest: each manager gets, once a working day, the list of what is overdue in their area."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.store import escalations
from engine.store.db import write_transaction

from .notify import enqueue_for

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

MANAGER_ROLES = ("head_of_body", "sector_head", "centre_head", "curator")
DIGEST_LEVEL = "daily-digest"
MAX_LINES = 100


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
            subject, body = _compose(rt, manager, items, local, now)
            written += enqueue_for(rt, acting, key=f"digest:{manager.id}:{local.date().isoformat()}", now=now,
                                   not_before=now, appeal=None, clock=None, level=DIGEST_LEVEL, role="manager",
                                   subject=subject, body=body)
    if written:
        log.info("daily digests: %s written for %s", written, local.date())
    return written


def _compose(rt: Runtime, manager, items, local: datetime, now: datetime) -> tuple[str, str]:
    directory = rt.policy_set.directory
    zone = ZoneInfo(directory.timezone)
    subject = f"[ЦУР] Просроченные обращения на {local:%d.%m.%Y}: {len(items)}"
    lines = [f"{manager.name}, в вашей зоне ответственности просрочено сроков: {len(items)}.", ""]
    for appeal_id, kind, due, body in items[:MAX_LINES]:
        days = (now - due).days
        body_name = directory.bodies[body].name if body in directory.bodies else body
        lines.append(f"№{appeal_id} — {body_name}: срок «{kind}» истёк {due.astimezone(zone):%d.%m.%Y %H:%M}"
                     + (f" ({days} дн. назад)" if days else ""))
    if len(items) > MAX_LINES:
        lines.append(f"… и ещё {len(items) - MAX_LINES}.")
    return subject, "\n".join(lines)
