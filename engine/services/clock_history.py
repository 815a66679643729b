"""An appeal's clocks as staff read them: each clock's state with its history from the audit log,
the clocks that still wait for the interim answer, and one clock as it stands after an operation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.domain.vocabulary import OPEN_STATUSES
from engine.store import appeals as store

from .views import clock_view, waiting_views

if TYPE_CHECKING:
    from engine.runtime import Runtime


def clocks_with_history(rt: Runtime, record) -> list[dict]:
    """The appeal's clocks: state, due time (UTC and local), remaining working time, versions, history.

    A clock that starts at the interim answer is ``pending`` (``waits_for``: interim) until then:
    due at its hard cap when the policy sets one, otherwise with no due time and ``term`` in words.
    """
    now = rt.now()
    history: dict[str, list] = {}
    for event in store.audit_trail(record.id):
        if event.action.startswith("clock.") and "clock" in event.details:
            history.setdefault(event.details["clock"], []).append(
                {"at": event.at.isoformat(), "event": event.action.removeprefix("clock."), "actor": event.actor,
                 **{k: v for k, v in event.details.items() if k != "clock"}})
    items = []
    rows = store.clocks_of(record.id)
    for clock in rows:
        view = clock_view(rt, clock, now)
        events = history.get(clock.kind, [])
        view["history"] = [*_creation(record, clock, events), *events]
        items.append(view)
    if record.status in OPEN_STATUSES:
        items += [{**view, "history": []} for view in waiting_views(rt, record, rows)]
    return items


def _creation(record, clock, events: list[dict]) -> list[dict]:
    """The history's first entry: how the clock row came to be, when no audit event says so.

    Routing records its clocks by their rows (no audit row per clock): a clock started then
    began at its row's start, kept in ``started_before`` once a reopening restarted it; a
    pending clock (hard cap, waiting for the interim answer) was created at receipt. A clock
    created at the interim answer (or by a final answer without one) has its audited start.
    """
    first = events[0] if events else None
    if first and first["event"] == "started" and "due_before" not in first:
        return []
    entry = {"actor": "system", "policy_version": clock.policy_version, "amount": clock.amount}
    if clock.waits_for or any(e["event"] == "started" for e in events):
        return [{"at": record.received_at.isoformat(), "event": "created", "waits_for": "interim", **entry}]
    restarted = next((e for e in events if e["event"] == "restarted"), None)
    start = restarted["started_before"] if restarted else clock.started_at.isoformat()
    return [{"at": start, "event": "started", **entry}]


def clock_now(rt: Runtime, appeal_id: int, kind: str) -> dict:
    """The appeal's clock of this kind as it stands now (after an operation on it)."""
    clock = next(c for c in store.clocks_of(appeal_id) if c.kind == kind)
    return clock_view(rt, clock, rt.now())
