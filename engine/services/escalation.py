"""The escalation sweep: every due ladder step becomes alerts in the outbox, exactly once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.domain.ladder import level_time, plan
from engine.store import appeals as store
from engine.store import escalations, outbox
from engine.store.db import write_transaction

log = logging.getLogger(__name__)

CLOSED_STATUSES = ("answered", "closed", "rejected")
# who takes over a level whose role is vacant: the next role up
ROLE_CHAIN = ("executor", "head_of_body", "sector_head", "centre_head", "curator")
PAGE = 200


@dataclass
class SweepReport:
    steps: int = 0
    alerts: int = 0
    superseded: int = 0
    errors: int = 0
    lag_seconds: float = 0.0


def sweep(rt, *, page: int = PAGE) -> SweepReport:
    """Process every due step at `rt.now()`, page after page until none is left."""
    now = rt.now()
    report = SweepReport(lag_seconds=lag_seconds(now))
    cursor = 0
    while True:
        ids = escalations.due_ids(now, after_id=cursor, limit=page)
        if not ids:
            break
        for escalation_id in ids:
            cursor = escalation_id
            try:
                _step(rt, escalation_id, now, report)
            except Exception:
                report.errors += 1
                log.exception("escalation %s: step failed; it stays due for the next sweep", escalation_id)
    if report.steps or report.errors:
        log.info("sweep at %s: %s steps, %s alerts, %s superseded, %s errors, lag %.0f s", now.isoformat(),
                 report.steps, report.alerts, report.superseded, report.errors, report.lag_seconds)
    return report


def lag_seconds(now: datetime) -> float:
    oldest = escalations.oldest_due(now)
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def _step(rt, escalation_id: int, now: datetime, report: SweepReport) -> None:
    with write_transaction():
        row = escalations.claim(escalation_id, now)
        if row is None:
            return  # handled meanwhile, or held by another worker
        clock = row.clock
        appeal = store.get_appeal(clock.appeal_id)
        ladder = next((lad for lad in rt.policy.ladders if lad.id == row.ladder_id), None)
        if ladder is None or clock.stopped_at or clock.paused_since or appeal.status in CLOSED_STATUSES:
            escalations.advance(row, next_level=row.next_level, next_check_at=None, now=now)
            return
        cal = rt.policy.calendar_for(clock.body)
        step = plan(ladder, started=clock.started_at, due=clock.due_at, basis=clock.basis, cal=cal,
                    now=now, next_level=row.next_level)
        if step.reached is not None:
            report.steps += 1
            for index in step.superseded:
                report.superseded += _write_level(rt, appeal, clock, ladder.levels[index], cal, now,
                                                  status="superseded")
            report.alerts += _write_level(rt, appeal, clock, ladder.levels[step.reached], cal, now,
                                          status="pending")
        if now >= clock.due_at and clock.breached_at is None:
            escalations.mark_breached(clock, clock.due_at)
            store.audit(now, "system", "clock.breached", appeal.id, clock=clock.kind,
                        due=clock.due_at.isoformat())
        next_level = step.reached + 1 if step.reached is not None else row.next_level
        escalations.advance(row, next_level=next_level, next_check_at=step.next_check_at, now=now)


def _write_level(rt, appeal, clock, level, cal, now, *, status: str) -> int:
    written = 0
    directory = rt.policy.directory
    for role in level.notify:
        official, taken_by = _resolve(directory, role, clock.body, appeal.topic)
        if official is None or not official.email:
            store.audit(now, "system", "alert.no_recipient", appeal.id, clock=clock.kind, level=level.id,
                        role=role)
            continue
        key = f"appeal:{appeal.id}:clock:{clock.kind}:level:{level.id}:v{clock.deadline_version}:role:{role}"
        subject, body = _compose(rt, appeal, clock, level, cal, role, taken_by)
        inserted = outbox.enqueue(
            now=now,
            status=status,
            idempotency_key=key,
            appeal=appeal.id,
            clock=clock.id,
            level=level.id,
            role=taken_by,
            recipient=official.id,
            address=official.email,
            channel="email",
            subject=subject,
            body=body,
        )
        if inserted:
            written += 1
            store.audit(now, "system", f"alert.{status}", appeal.id, clock=clock.kind, level=level.id,
                        role=taken_by, recipient=official.id)
            log.info("appeal %s: alert %s for %s (%s) %s", appeal.id, level.id, official.id, taken_by, status)
    return written


def _resolve(directory, role: str, body: str, sector: str | None):
    chain = ROLE_CHAIN[ROLE_CHAIN.index(role):] if role in ROLE_CHAIN else (role,)
    for candidate in chain:
        official = directory.resolve(candidate, body=body, sector=sector)
        if official is not None:
            return official, candidate
    return None, role


def _compose(rt, appeal, clock, level, cal, role: str, taken_by: str) -> tuple[str, str]:
    zone = ZoneInfo(cal.timezone)
    body_name = rt.policy.directory.bodies[clock.body].name if clock.body in rt.policy.directory.bodies else clock.body
    due_local = clock.due_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
    excerpt = appeal.text if len(appeal.text) <= 500 else appeal.text[:500] + "…"
    subject = f"[ЦУР] {level.title}: обращение №{appeal.id}"
    lines = [
        f"{level.title}.",
        f"Обращение №{appeal.id} ({appeal.channel}), исполнитель: {body_name}.",
        f"Срок «{clock.kind}» по политике {clock.policy_id}: {due_local} ({cal.timezone}).",
    ]
    if taken_by != role:
        lines.append(f"Должность «{rt.policy.directory.roles.get(role, role)}» вакантна; уведомление направлено "
                     f"вышестоящему: «{rt.policy.directory.roles.get(taken_by, taken_by)}».")
    lines += ["", "Текст обращения:", excerpt]
    return subject, "\n".join(lines)


def rearm_clock(rt, clock, now: datetime) -> None:
    """After a clock's due time moved (extension, pause, recompute; the caller has bumped its
    deadline_version): levels now ahead fire again for the new version, levels already passed
    stay passed. Runs inside the caller's transaction."""
    row = escalations.for_clock(clock.id)
    if row is None:
        return
    ladder = next((lad for lad in rt.policy.ladders if lad.id == row.ladder_id), None)
    if ladder is None or clock.stopped_at:
        escalations.advance(row, next_level=row.next_level, next_check_at=None, now=now)
        return
    cal = rt.policy.calendar_for(clock.body)
    times = [level_time(lv, clock.started_at, clock.due_at, clock.basis, cal) for lv in ladder.levels]
    first_ahead = next((i for i, t in enumerate(times) if t > now), len(times))
    next_level = min(row.next_level, first_ahead)
    next_check = None if clock.paused_since else (times[next_level] if next_level < len(times) else None)
    escalations.advance(row, next_level=next_level, next_check_at=next_check, now=now)
