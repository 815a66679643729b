"""Appeals, clocks and alerts as plain dicts for the API and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.domain.businesstime import working_time_between
from engine.domain.clockterm import credit_unit
from engine.domain.deadlines import INTERIM
from engine.domain.vocabulary import OPEN_STATUSES
from engine.rulebook.model import explanation_text
from engine.store import appeals as store
from engine.store import outbox
from engine.wording.labels import Labels
from engine.wording.notices import provisional_note

from .clocks import state_of
from .conversation import author_view, conversation_view
from .review import answers_view

if TYPE_CHECKING:
    from engine.runtime import Runtime

# an appeal in these states may still get its interim answer


def iso(value):
    return value.isoformat() if value else None


def appeal_summary(record) -> dict:
    return {
        "id": record.id,
        "channel": record.channel,
        "external_id": record.external_id,
        "status": record.status,
        "received_at": iso(record.received_at),
        "registered_at": iso(record.registered_at),
        "body": record.body,
        "role": record.role,
        "topic": record.topic,
        "sector": record.sector,
        "priority": record.priority,
        "policy": record.policy,
        "municipality": record.municipality,
        "on_control": bool(record.on_control),
        "incident_id": record.incident_id,
        "text": record.text,
    }


def clock_view(rt: Runtime, clock, now) -> dict:
    """A clock as staff see it. While paused, the remaining working time is frozen at the pause.

    A pending clock (it starts at the interim answer; stored from routing because it has a hard
    cap) shows the cap as its due time and ``waits_for``: "interim".
    """
    cal = rt.policy_set.calendar_for(clock.body)
    zone = ZoneInfo(cal.timezone)
    running = clock.stopped_at is None
    counted_to = clock.paused_since or now
    remaining = working_time_between(counted_to, clock.due_at, cal) if running and clock.due_at > counted_to else None
    overdue = running and counted_to > clock.due_at
    state = state_of(clock)
    return {
        "kind": clock.kind,
        "basis": clock.basis,
        "amount": clock.amount,
        "policy": clock.policy_id,
        "policy_version": clock.policy_version,
        "calendar_version": clock.calendar_version,
        "body": clock.body,
        "started_at": iso(clock.started_at) if not clock.waits_for else None,
        "due": clock.due_at.astimezone(zone).isoformat(),
        "due_utc": iso(clock.due_at),
        "timezone": cal.timezone,
        "deadline_version": clock.deadline_version,
        "state": state,
        "waits_for": clock.waits_for,
        "cap": clock.cap_at.astimezone(zone).isoformat() if clock.cap_at else None,
        "cap_utc": iso(clock.cap_at),
        "stopped_at": iso(clock.stopped_at),
        "breached": bool(clock.breached_at) or overdue,
        # an incident member's clock that takes its incident's due time, pause and breach (incident_clocks.py)
        "follows_incident": getattr(clock, "follows", None) is not None,
        "remaining_working_seconds": int(remaining.total_seconds()) if remaining is not None else None,
        "paused_since": iso(clock.paused_since),
        "paused_total_seconds": clock.paused_total_seconds,
        "pause_credit": clock.pause_credit,
        "pause_credit_unit": credit_unit(clock.basis),
        "extension_days": clock.extension_days,
        "max_extension_days": clock.max_extension_days,
        # counted on the provisional calendar beyond the official data (engine/domain/calendar.py)
        "provisional": bool(clock.provisional_years),
        "provisional_years": [int(y) for y in clock.provisional_years.split(",")] if clock.provisional_years else [],
        "provisional_note": provisional_note(clock.provisional_years),
    }


def waiting_views(rt: Runtime, record, clocks) -> list[dict]:
    """The clocks of the appeal's policy that wait for the interim answer and have not been
    created (no hard cap): shown as pending, with no due time and the term in words."""
    policy = rt.policy_set.policies.get(record.policy or "")
    if policy is None or record.body is None:
        return []
    have = {c.kind for c in clocks}
    timezone = rt.policy_set.calendar_for(record.body).timezone
    return [
        {"kind": spec.kind, "basis": spec.basis, "amount": spec.amount, "policy": policy.id,
         "policy_version": policy.version, "calendar_version": None, "body": record.body, "started_at": None,
         "due": None, "due_utc": None, "timezone": timezone, "deadline_version": None, "state": "pending",
         "waits_for": spec.starts_from, "term": spec.describe(), "cap": None, "cap_utc": None, "stopped_at": None,
         "breached": False, "remaining_working_seconds": None, "paused_since": None, "paused_total_seconds": 0,
         "pause_credit": 0, "pause_credit_unit": credit_unit(spec.basis),
         "extension_days": 0, "max_extension_days": spec.max_extension_days,
         "provisional": False, "provisional_years": [], "provisional_note": None}
        for spec in policy.clocks_for(record.category, record.subcategory)
        if spec.starts_from == INTERIM and spec.kind not in have
    ]


def alert_view(alert) -> dict:
    return {
        "id": alert.id,
        "appeal_id": alert.appeal_id,
        "level": alert.level,
        "role": alert.role,
        "recipient": alert.recipient,
        "channel": alert.channel,
        "status": alert.status,
        "attempts": alert.attempts,
        "subject": alert.subject,
        "created_at": iso(alert.created_at),
        "sent_at": iso(alert.sent_at),
        "acknowledged_at": iso(alert.acknowledged_at),
        "last_error": alert.last_error,
    }


def appeal_detail(rt: Runtime, record) -> dict:
    now = rt.now()
    decision = store.latest_decision(record.id)
    assignment = store.current_assignment(record.id)
    view = appeal_summary(record)
    view.update(
        {
            "author": author_view(record),
            "link": record.link,
            "address": record.address,
            "category": record.category,
            "subcategory": record.subcategory,
            "regime": record.regime,
            "urgency": record.urgency,
            "attachments": record.attachments,
            "routing_attempts": record.routing_attempts,
            "decision": decision_view(decision, rt.policy_set.labels),
            "assignment": {
                "body": assignment.body,
                "role": assignment.role,
                "official": assignment.official,
                "assigned_at": iso(assignment.assigned_at),
            } if assignment else None,
            "clocks": _clocks(rt, record, now),
            "alerts": [alert_view(a) for a in outbox.list_alerts(status=None, recipient=None,
                                                                  appeal_id=record.id)],
            "conversation": conversation_view(rt, record),
            "answers": answers_view(record.id),
        }
    )
    return view


def _clocks(rt: Runtime, record, now) -> list[dict]:
    rows = store.clocks_of(record.id)
    waiting = waiting_views(rt, record, rows) if record.status in OPEN_STATUSES else []
    return [clock_view(rt, c, now) for c in rows] + waiting


def decision_text(decision, labels: Labels) -> str:
    """A stored decision's explanation as text for people: rendered from the explanation it stored, with the
    names `labels` give (a policy set's: `PolicySet.labels`); a decision stored before m0036 kept its text,
    which is read as it was."""
    if decision.explanation_text:
        return decision.explanation_text
    return explanation_text({
        "version": decision.ruleset_version, "body": decision.body, "role": decision.role,
        "policy": decision.policy, "priority": decision.priority, "topic": decision.topic, "tags": decision.tags,
        "control": decision.on_control, "explanation": decision.explanation}, labels)


def decision_view(decision, labels: Labels) -> dict | None:
    if decision is None:
        return None
    return {
        "ruleset_version": decision.ruleset_version,
        "rule": decision.route_rule_id,
        "rule_ids": decision.rule_ids,
        "body": decision.body,
        "role": decision.role,
        "policy": decision.policy,
        "priority": decision.priority,
        "topic": decision.topic,
        "tags": decision.tags,
        "explanation": decision.explanation,
        "explanation_text": decision_text(decision, labels),
        "decided_at": iso(decision.decided_at),
    }


def deadlines_brief(rt: Runtime, appeal_id: int) -> list[dict]:
    now = rt.now()
    return [
        {k: v for k, v in clock_view(rt, c, now).items() if k in ("kind", "due", "due_utc", "state", "provisional")}
        for c in store.clocks_of(appeal_id)
    ]
