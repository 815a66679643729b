"""Explicit, audited recomputation of open clocks with the current calendar and policies.

Clocks keep the calendar and policy versions they started under: publishing a new calendar or
policy moves nothing by itself. Staff run ``recompute`` (CLI ``appeals clocks recompute``) when
a correction must reach open deadlines. For each open clock it takes the current policy's term
for the clock (amount with the appeal's category override, non-working-day rule, extension
limit), keeps the extension and the pause credit the clock earned, counts the due time from the
start with the body's current calendar, and re-pins the versions. A clock whose policy no longer
has its kind keeps its own term and only takes the new calendar; a clock whose basis changed is
left alone and reported. A moved due time bumps ``deadline_version`` and re-arms the ladder; the
clocks of incident members that follow a moved clock take its new due time (a follower's own due
time is not recomputed while it follows).
A hard cap (calendar hours from receipt) is fixed when the clock is created: a recomputed due
time never passes it, and a clock still waiting for the interim answer stays due at its cap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

from engine.domain.clockterm import term_due, term_provisional
from engine.domain.deadlines import bounded
from engine.store import clocks as clock_store
from engine.store.db import write_transaction

from . import incident_clocks
from .escalation import rearm_clock

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

PAGE = 500


@dataclass
class RecomputeReport:
    examined: int = 0
    moved: int = 0
    repinned: int = 0
    unchanged: int = 0
    skipped: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"examined": self.examined, "moved": self.moved, "repinned": self.repinned,
                "unchanged": self.unchanged, "skipped": self.skipped}


def recompute(rt: Runtime, *, actor: str, reason: str, appeal_id: int | None = None, page: int = PAGE,
              dry_run: bool = False) -> RecomputeReport:
    """Recompute every open clock (or those of one appeal), one transaction per page.

    Clocks given the same changes are updated by one statement, and a page's audit events are
    written by one statement, so a calendar correction reaches 100k open clocks in seconds.
    """
    if not (reason or "").strip():
        raise ValueError("a reason is required to recompute deadlines")
    reason = reason.strip()
    now = rt.now()
    report = RecomputeReport()
    cursor = 0
    calendars: dict[str, object] = {}
    while True:
        ids = clock_store.open_clock_ids(after_id=cursor, limit=page, appeal_id=appeal_id)
        if not ids:
            break
        cursor = ids[-1]
        with write_transaction():
            planned = []
            for clock in clock_store.clock_terms(ids):
                if clock.stopped_at is not None:
                    continue
                report.examined += 1
                change = _plan(rt, clock, now, calendars, report)
                if change is not None:
                    planned.append((clock, *change))
            if not dry_run:
                _apply(rt, planned, now, actor, reason)
    log.info("recompute by %s (%s): %s examined, %s moved, %s re-pinned, %s skipped", actor, reason,
             report.examined, report.moved, report.repinned, len(report.skipped))
    return report


def _plan(rt: Runtime, clock, now, calendars, report) -> tuple[dict, datetime] | None:
    """The changes for one clock and its new due time, or None when nothing changes."""
    policy = rt.policy_set.policies.get(clock.policy_id)
    spec = None
    if policy is not None:
        spec = next((s for s in policy.clocks_for(clock.category, clock.subcategory) if s.kind == clock.kind), None)
    if spec is not None and spec.basis != clock.basis:
        report.skipped.append({"appeal_id": clock.appeal_id, "clock": clock.kind,
                               "why": f"the policy now counts {spec.basis}, the clock counts {clock.basis}"})
        return None
    if spec is None and clock.amount is None:
        report.skipped.append({"appeal_id": clock.appeal_id, "clock": clock.kind,
                               "why": "the clock's term is unknown"})
        return None
    amount = spec.amount if spec else clock.amount
    on_non_working = spec.on_non_working if spec else (clock.on_non_working or "next")
    cal = calendars.get(clock.body)
    if cal is None:
        cal = calendars[clock.body] = rt.policy_set.calendar_for(clock.body)
    if clock.waits_for and clock.cap_at is not None:
        due = clock.cap_at  # not started: only the cap is due
    else:
        due = bounded(term_due(clock.basis, amount, clock.started_at, cal, on_non_working=on_non_working,
                               extension_days=clock.extension_days if clock.basis == "calendar_days" else 0,
                               credit=clock.pause_credit), clock.cap_at)
    changes = {
        "amount": amount,
        "on_non_working": on_non_working,
        "max_extension_days": spec.max_extension_days if spec else clock.max_extension_days,
        "policy_version": policy.version if spec else clock.policy_version,
        "calendar_version": cal.version,
        "provisional_years": term_provisional(clock.basis, clock.started_at, due, cal),
    }
    if getattr(clock, "follows", None) is not None:
        due = clock.due_at  # a member's clock follows its incident's (engine.services.incident_clocks)
    if due == clock.due_at and all(getattr(clock, name) == value for name, value in changes.items()):
        report.unchanged += 1
        return None
    if due != clock.due_at:
        changes["due_at"] = due
        if clock.breached_at is not None and due > now:
            changes["breached_at"] = None
        report.moved += 1
    else:
        report.repinned += 1
    return changes, due


def _apply(rt: Runtime, planned, now, actor: str, reason: str) -> None:
    groups: dict[tuple, list[int]] = {}
    for clock, changes, _ in planned:
        groups.setdefault(tuple(sorted(changes.items())), []).append(clock.id)
    for key, ids in groups.items():
        changes = dict(key)
        clock_store.update_clocks(ids, changes, bump_version="due_at" in changes)
    events = []
    for clock, changes, due in planned:
        moved = "due_at" in changes
        version = clock.deadline_version + 1 if moved else clock.deadline_version
        events.append({"at": now, "actor": actor, "action": "clock.recomputed", "appeal": clock.appeal_id,
                       "details": {"clock": clock.kind, "reason": reason, "due_before": clock.due_at.isoformat(),
                                   "due": due.isoformat(), "deadline_version": version,
                                   "policy_version_before": clock.policy_version,
                                   "policy_version": changes["policy_version"],
                                   "calendar_version_before": clock.calendar_version,
                                   "calendar_version": changes["calendar_version"],
                                   "amount_before": clock.amount, "amount": changes["amount"],
                                   "provisional_years_before": clock.provisional_years,
                                   "provisional_years": changes["provisional_years"]}})
        if moved:
            rearm_clock(rt, SimpleNamespace(**{**vars(clock), **changes, "deadline_version": version}), now)
    clock_store.audit_many(events)
    incident_clocks.clocks_moved(rt, [clock.id for clock, changes, _ in planned if "due_at" in changes], now)
