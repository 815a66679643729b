"""Clocks that start later than routing: at the interim answer (``start_waiting``: a clock of the incident
regime that is pending until then), and again when an appeal is reopened (``restart_clock``). Each start is
an audited event and arms the clock's ladder; they act inside the caller's transaction
(engine.services.clocks for the operations on a running clock)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.domain.clockterm import term_due, term_provisional
from engine.domain.deadlines import INTERIM, bounded, interim_clock
from engine.store import appeals as store
from engine.store import clocks as clock_store

from .clocks import clock_event, term_of
from .escalation import arm_started

if TYPE_CHECKING:
    from engine.runtime import Runtime


def start_waiting(rt: Runtime, appeal, now, *, actor: str, reason: str, pending: bool = True,
                  event: str = INTERIM) -> list[dict]:
    """Start the appeal's clocks that wait for ``event`` (the interim answer) at ``now``.

    A pending clock (one with a hard cap, stored at routing) gets its term counted from now and
    bounded by the cap (``pending=False`` leaves pending clocks as they are). A clock of the
    appeal's policy that waits for the event and has no row yet (no cap) is created, with the
    policy version active now. Clocks that already started are not touched: the first interim
    answer starts the term, later ones do not move it. Each start is audited and armed.
    """
    rows = {clock.kind: clock for clock in store.clocks_of(appeal.id)}
    started = []
    for clock in rows.values():
        if pending and clock.waits_for == event and clock.stopped_at is None:
            started.append(_start_pending(rt, appeal, clock, now, actor=actor, reason=reason))
    policy = rt.policy_set.policies.get(appeal.policy or "")
    if policy is None:
        return started
    for spec in policy.clocks_for(appeal.category, appeal.subcategory):
        if spec.starts_from != event or spec.kind in rows:
            continue
        cal = rt.policy_set.calendar_for(appeal.body)
        clock = clock_store.create_clock(appeal, interim_clock(policy, spec, now, appeal.received_at, cal),
                                         appeal.body, stopped_at=None)
        arm_started(rt, appeal, clock, now)
        started.append(clock_event(now, actor, "clock.started", appeal, clock, reason=reason, after=event,
                              due=clock.due_at.isoformat(), cap=clock.cap_at.isoformat() if clock.cap_at else None,
                              policy_version=clock.policy_version, amount=clock.amount))
    return started


def _start_pending(rt: Runtime, appeal, clock, now, *, actor: str, reason: str) -> dict:
    amount, on_non_working, _ = term_of(rt, clock, appeal)
    cal = rt.policy_set.calendar_for(clock.body)
    due = bounded(term_due(clock.basis, amount, now, cal, on_non_working=on_non_working), clock.cap_at)
    before, event = clock.due_at, clock.waits_for
    changes = {"started_at": now, "waits_for": None, "due_at": due, "calendar_version": cal.version, "follows": None,
               "deadline_version": clock.deadline_version + 1,
               "provisional_years": term_provisional(clock.basis, now, due, cal)}
    if clock.breached_at is not None and due > now:
        changes["breached_at"] = None
    clock_store.update_clock(clock, **changes)
    arm_started(rt, appeal, clock, now)
    return clock_event(now, actor, "clock.started", appeal, clock, reason=reason, after=event,
                  due_before=before.isoformat(), due=due.isoformat(),
                  cap=clock.cap_at.isoformat() if clock.cap_at else None, deadline_version=clock.deadline_version)


def restart_clock(rt: Runtime, appeal, clock, now, *, actor: str, reason: str) -> dict:
    """A new term for a clock of a reopened appeal: counted from ``now`` in the clock's own term
    (amount and non-working-day rule as pinned), in the calendar of the body that holds the appeal.

    The old term is over: its stop, breach, pause credit, extension and hard cap do not carry
    over (the new term can be extended once again). ``deadline_version`` goes up and the ladder
    is re-armed, so the reopened appeal escalates like a new one.
    """
    amount, on_non_working, _ = term_of(rt, clock, appeal)
    body = appeal.body or clock.body
    cal = rt.policy_set.calendar_for(body)
    due = term_due(clock.basis, amount, now, cal, on_non_working=on_non_working)
    before = {"started_before": clock.started_at.isoformat(), "due_before": clock.due_at.isoformat(),
              "stopped_before": clock.stopped_at.isoformat() if clock.stopped_at else None,
              "extension_days_before": clock.extension_days}
    clock_store.update_clock(clock, started_at=now, due_at=due, body=body, stopped_at=None, breached_at=None,
                             paused_since=None, pause_credit=0, extension_days=0, waits_for=None, cap_at=None,
                             follows=None,
                             calendar_version=cal.version, deadline_version=clock.deadline_version + 1,
                             provisional_years=term_provisional(clock.basis, now, due, cal))
    arm_started(rt, appeal, clock, now)
    return clock_event(now, actor, "clock.restarted", appeal, clock, reason=reason, **before, due=due.isoformat(),
                  deadline_version=clock.deadline_version)
