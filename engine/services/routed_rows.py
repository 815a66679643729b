"""What a routed batch writes, made before its write turn (engine.services.routing): the rows of its
decisions, assignments, clocks, appeals, audit lines and search terms; the due times its acknowledgements
name."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from engine.classify.search_terms import document_terms
from engine.store import appeals as store

from .replies import answer_among

if TYPE_CHECKING:
    from engine.runtime import Runtime


def batch_rows(rt: Runtime, plans: list, now: datetime) -> dict:
    """The rows of a batch of planned appeals (`routing.Planned`), by table."""
    reading = rt.policy_set.reading_id
    decisions, assignments, clocks, ladders, appeals, audits, search = [], [], [], {}, [], [], []
    for p in plans:
        d, record = p.decision, p.record
        decisions.append(store.decision_row(record.id, d.to_dict(), now, reading))
        assignments.append({"appeal": record.id, "body": d.body, "role": d.role, "official": p.official,
                            "assigned_at": now})
        for deadline, stopped, ladder in p.clocks:
            clocks.append(clock_row(record.id, deadline, d.body, stopped))
            if ladder is not None:
                ladders[(record.id, deadline.kind)] = ladder
        appeals.append({"id": record.id, "body": d.body, "role": d.role, "topic": d.topic, "priority": d.priority,
                        "policy": d.policy, "municipality": record.municipality or p.place,
                        "repeat_of": p.history.repeat_of if p.history else None, "on_control": d.control,
                        "sector": d.sector})
        audits.append({"at": now, "actor": "system", "action": "appeal.routed", "appeal": record.id,
                       "details": {"body": d.body, "role": d.role, "rule": d.route_rule_id, "version": d.version,
                                   "policy": d.policy, **({"on_control": True} if d.control else {})}})
        search.append((record.id, document_terms(record.text, record.address, record.author_name)))
    return {"decisions": decisions, "assignments": assignments, "clocks": clocks, "ladders": ladders,
            "appeals": appeals, "audits": audits, "search": search}


def dues_as_written(plans: list, rows: dict) -> dict[int, datetime | None]:
    """Each appeal's answer due time from the clocks the batch writes for it (a received appeal has none
    before its routing)."""
    running: dict[int, list] = {}
    for clock in rows["clocks"]:
        if clock["stopped_at"] is None:
            running.setdefault(clock["appeal"], []).append((clock["kind"], clock["due_at"]))
    return {p.record.id: answer_among(running.get(p.record.id, [])) for p in plans}


def clock_row(appeal_id: int, deadline, body: str, stopped) -> dict:
    """The columns `engine.store.clocks.create_clock` writes."""
    return {"appeal": appeal_id, "kind": deadline.kind, "basis": deadline.basis, "policy_id": deadline.policy_id,
            "policy_version": deadline.policy_version, "calendar_version": deadline.calendar_version, "body": body,
            "started_at": deadline.starts_at, "due_at": deadline.due_at, "stopped_at": stopped,
            "amount": deadline.amount or None, "on_non_working": deadline.on_non_working,
            "max_extension_days": deadline.max_extension_days, "waits_for": deadline.waits_for,
            "cap_at": deadline.cap_at, "provisional_years": deadline.provisional_years}
