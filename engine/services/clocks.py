"""Operations on one clock: start, pause, resume, extend, stop. Every change is an audited event.

State checks come first; a refused operation raises ClockRefused (HTTP 409, or 403 for a role
that may not do it) and a malformed one ClockInvalid (HTTP 422, naming the field).

A moved due time is always counted from the clock's start (``engine.domain.clockterm``):
amount + extension + pause credit in the clock's basis, with the body's current calendar; the
calendar version used is recorded on the clock and in the audit event. Whenever the due time
moves, ``deadline_version`` goes up and the escalation ladder is re-armed, so alerts for the
old due time are never repeated and alerts for the new one fire.

A clock that starts at the interim answer (the incident regime) is *pending* until then: with a
hard cap it exists from routing, due at the cap, and neither pauses nor extends; without one it
has no row yet. ``start_waiting`` starts it at the interim answer: the term counted from that
moment, never later than the cap. ``restart_clock`` gives an answer clock a new term when an
appeal is reopened. Both are engine.services.clock_starts.

Functions named ``*_clock`` act inside the caller's transaction on a clock it has read (and
locked); ``operate`` is the transactional entry point the API uses.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from engine.domain.clockterm import (
    EXTENDABLE_BASES,
    NOT_PAUSABLE,
    credit_unit,
    pause_credit,
    term_due,
    term_provisional,
)
from engine.domain.deadlines import bounded
from engine.store import appeals as store
from engine.store import clocks as clock_store
from engine.store.db import write_transaction
from engine.wording.labels import LABELS

from .escalation import rearm_clock
from .incident_clocks import after_lead_change, tell_members_extended
from .replies import announce

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)

OPERATOR_ROLES = ("official", "manager", "admin")
# 59-ФЗ art. 12 part 2: the head of the body (or an authorised official) prolongs the term.
# The staff API gives that authority to manager and admin tokens.
EXTEND_ROLES = ("manager", "admin")


class ClockRefused(Exception):
    """The clock's state or the law does not allow the operation; ``reason`` says why."""

    def __init__(self, reason: str, code: str = "conflict"):
        super().__init__(reason)
        self.reason = reason
        self.code = code


class ClockInvalid(ValueError):
    """A parameter is missing or wrong; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def state_of(clock) -> str:
    if clock.stopped_at is not None:
        return "stopped"
    if getattr(clock, "waits_for", None):
        return "pending"
    return "paused" if clock.paused_since is not None else "running"


def term_of(rt: Runtime, clock, appeal) -> tuple[int, str, int]:
    """(amount, on_non_working, max_extension_days) the clock started with.

    Clocks stored before their term was kept take it from the current policy.
    """
    if clock.amount is not None:
        return clock.amount, clock.on_non_working or "next", clock.max_extension_days or 0
    policy = rt.policy_set.policies.get(clock.policy_id)
    spec = next((s for s in policy.clocks_for(appeal.category, appeal.subcategory) if s.kind == clock.kind), None) \
        if policy else None
    if spec is None:
        raise ClockRefused(f"{_name(rt, clock)} не определён: в политике сроков «{_policy(rt, clock)}» "
                           "такого срока нет")
    return spec.amount, spec.on_non_working, spec.max_extension_days


def move_due(rt: Runtime, clock, appeal, now: datetime, **changes) -> tuple[datetime, datetime]:
    """Apply ``changes`` (extension_days, pause_credit, ...) and the due time they give; re-arm.

    Returns (due before, due after).
    """
    amount, on_non_working, _ = term_of(rt, clock, appeal)
    cal = rt.policy_set.calendar_for(clock.body)
    extension = changes.get("extension_days", clock.extension_days)
    credit = changes.get("pause_credit", clock.pause_credit)
    due = bounded(term_due(clock.basis, amount, clock.started_at, cal, on_non_working=on_non_working,
                           extension_days=extension, credit=credit), clock.cap_at)
    before = clock.due_at
    changes["calendar_version"] = cal.version
    changes["provisional_years"] = term_provisional(clock.basis, clock.started_at, due, cal)
    if due != before:
        changes.update(due_at=due, deadline_version=clock.deadline_version + 1)
    clock_store.update_clock(clock, **changes)
    if due != before:
        rearm_clock(rt, clock, now)
    return before, due


REASON_FOR = {"pause": "приостановки срока", "extend": "продления срока", "stop": "остановки срока"}


def _name(rt: Runtime, clock) -> str:
    """«срок ответа»: a clock's name in a refusal."""
    return rt.policy_set.labels("clock", clock.kind)


def _policy(rt: Runtime, clock) -> str:
    return rt.policy_set.labels("policy", clock.policy_id)


def _state(clock) -> str:
    return LABELS("clock_state", state_of(clock))


def _local(rt: Runtime, clock, moment) -> str:
    return f"{moment.astimezone(rt.policy_set.calendar_for(clock.body).tz):%d.%m.%Y %H:%M}"


def _require_reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ClockInvalid("reason", f"укажите причину {REASON_FOR.get(what, what)}")
    return text


def _not_following(rt: Runtime, appeal, clock) -> None:
    """A member's clock that follows its incident's clock is changed through the incident's (its first
    member's); engine.services.incident_clocks."""
    if getattr(clock, "follows", None) is not None:
        raise ClockRefused(f"{_name(rt, clock)} обращения №{appeal.id} следует сроку инцидента №{appeal.incident_id}: "
                           "приостанавливают, возобновляют и продлевают срок первого обращения инцидента")


def clock_event(now, actor: str, action: str, appeal, clock, **details) -> dict:
    """Audit a change of the appeal's clock and log it; the change as the API reports it."""
    details = {"clock": clock.kind, **details}
    store.audit(now, actor, action, appeal.id, **details)
    log.info("appeal %s: %s %s by %s", appeal.id, action, clock.kind, actor)
    return {"appeal_id": appeal.id, "event": action, **details}


def pause_clock(rt: Runtime, appeal, clock, now, *, actor: str, reason: str | None = None, **_) -> dict:
    """Waiting for the author's clarification: the clock stops counting until resumed."""
    reason = _require_reason(reason, "pause")
    _not_following(rt, appeal, clock)
    if clock.kind in NOT_PAUSABLE:
        raise ClockRefused(f"{_name(rt, clock)} не приостанавливается: он меряет собственный шаг органа")
    if state_of(clock) != "running":
        raise ClockRefused(f"{_name(rt, clock)} сейчас {_state(clock)}; приостановить можно только идущий срок")
    clock_store.update_clock(clock, paused_since=now)
    rearm_clock(rt, clock, now)  # no checks while paused
    return clock_event(now, actor, "clock.paused", appeal, clock, reason=reason, due=clock.due_at.isoformat())


def resume_clock(rt: Runtime, appeal, clock, now, *, actor: str, reason: str | None = None, **_) -> dict:
    """The clarification arrived: the due time moves by the paused time counted in the clock's basis."""
    _not_following(rt, appeal, clock)
    if state_of(clock) != "paused":
        raise ClockRefused(f"{_name(rt, clock)} сейчас {_state(clock)}; возобновить можно только срок на паузе")
    cal = rt.policy_set.calendar_for(clock.body)
    paused_since = clock.paused_since
    credit = pause_credit(clock.basis, paused_since, now, cal)
    wall = int((now - paused_since).total_seconds())
    before, due = move_due(rt, clock, appeal, now, paused_since=None, pause_credit=clock.pause_credit + credit,
                           paused_total_seconds=clock.paused_total_seconds + wall)
    return clock_event(now, actor, "clock.resumed", appeal, clock, reason=(reason or "").strip() or None,
                  paused_since=paused_since.isoformat(), paused_seconds=wall, credit=credit,
                  credit_unit=credit_unit(clock.basis),
                  due_before=before.isoformat(), due=due.isoformat(), deadline_version=clock.deadline_version)


def extend_clock(rt: Runtime, appeal, clock, now, *, actor: str, role: str, days=None, reason: str | None = None,
                 notice: str | None = None, **_) -> dict:
    """59-ФЗ: prolong the term once, by at most the policy's limit, with a reason; the author is told (the
    notice is queued for their channel; the timeline says so when the platform accepts it)."""
    if role not in EXTEND_ROLES:
        allowed = ", ".join(LABELS("staff_role", r) for r in EXTEND_ROLES)
        raise ClockRefused(f"роль «{LABELS('staff_role', role)}» не продлевает сроки; это делает руководитель "
                           f"органа ({allowed})", code="forbidden")
    reason = _require_reason(reason, "extend")
    _not_following(rt, appeal, clock)
    if not isinstance(days, int) or isinstance(days, bool):
        raise ClockInvalid("days", "число дней должно быть целым")
    _, _, limit = term_of(rt, clock, appeal)
    if clock.basis not in EXTENDABLE_BASES or limit <= 0:
        raise ClockRefused(f"политика сроков «{_policy(rt, clock)}» не разрешает продлевать {_name(rt, clock)}")
    if clock.waits_for:
        raise ClockRefused(f"{_name(rt, clock)} ещё не начат: он начнётся после промежуточного ответа")
    if clock.stopped_at is not None:
        raise ClockRefused(f"{_name(rt, clock)} остановлен")
    if clock.extension_days:
        raise ClockRefused(f"{_name(rt, clock)} уже продлён на {clock.extension_days} дн.; срок продлевается "
                           "только один раз")
    if now > clock.due_at:
        raise ClockRefused(f"{_name(rt, clock)} истёк {_local(rt, clock, clock.due_at)}; о продлении решают до "
                           "его окончания")
    if not 1 <= days <= limit:
        raise ClockInvalid("days", f"число дней — от 1 до {limit}")
    before, due = move_due(rt, clock, appeal, now, extension_days=days)
    event = clock_event(now, actor, "clock.extended", appeal, clock, days=days, reason=reason,
                   due_before=before.isoformat(), due=due.isoformat(), deadline_version=clock.deadline_version)
    queued = announce(rt, appeal, "extended", now, fields={"days": str(days), "reason": reason, "due": due},
                      key=f"appeal:{appeal.id}:extended:{clock.kind}:v{clock.deadline_version}", actor=actor,
                      text=notice)
    tell_members_extended(rt, clock, now, fields={"days": str(days), "reason": reason, "due": due}, actor=actor,
                          text=notice)
    text = queued.text if queued is not None else None
    return {**event, "author_notice": text}


def stop_clocks(rt: Runtime, appeal, now, *, actor: str, reason: str,
                kinds: tuple[str, ...] | None = None) -> list[str]:
    """Stop every running clock of the appeal (or those of ``kinds``); the kinds stopped."""
    stopped = []
    for clock in store.clocks_of(appeal.id):
        if clock.stopped_at is None and (kinds is None or clock.kind in kinds):
            stop_clock(rt, appeal, clock, now, actor=actor, reason=reason)
            stopped.append(clock.kind)
    return stopped


def stop_clock(rt: Runtime, appeal, clock, now, *, actor: str, reason: str | None = None, **_) -> dict:
    """The step is done (or no longer required); a paused clock is resumed first."""
    reason = _require_reason(reason, "stop")
    if clock.stopped_at is not None:
        raise ClockRefused(f"{_name(rt, clock)} уже остановлен")
    if clock.paused_since is not None and getattr(clock, "follows", None) is not None:
        clock_store.update_clock(clock, paused_since=None)  # the incident's pause; its due time stays
    elif clock.paused_since is not None:
        resume_clock(rt, appeal, clock, now, actor=actor, reason="stopped while paused")
    clock_store.update_clock(clock, stopped_at=now)
    rearm_clock(rt, clock, now)
    return clock_event(now, actor, "clock.stopped", appeal, clock, reason=reason, due=clock.due_at.isoformat(),
                  on_time=now <= clock.due_at)


OPERATIONS = {"pause": pause_clock, "resume": resume_clock, "extend": extend_clock, "stop": stop_clock}


def operate(rt: Runtime, appeal_id: int, kind: str, operation: str, params: dict, *, actor: str, role: str) -> dict:
    """Do one operation at ``rt.now()`` in one transaction; LookupError when appeal or clock is missing."""
    if operation not in OPERATIONS:
        raise ClockInvalid("operation", f"нет такой операции со сроком: {operation!r}")
    if role not in OPERATOR_ROLES:
        raise ClockRefused(f"роль «{LABELS('staff_role', role)}» не меняет сроки", code="forbidden")
    now = rt.now()
    with write_transaction():
        appeal = store.get_appeal(appeal_id, for_update=True)
        if appeal is None:
            raise LookupError(f"no appeal {appeal_id}")
        clock = clock_store.get_clock(appeal_id, kind, for_update=True)
        if clock is None:
            raise LookupError(f"appeal {appeal_id} has no {kind} clock")
        result = OPERATIONS[operation](rt, appeal, clock, now, actor=actor, role=role, **params)
        after_lead_change(rt, appeal, now)  # an incident's clock: its members follow
        return result
