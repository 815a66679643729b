"""Appeals, clocks and alerts as plain dicts for the API and the CLI."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from engine.domain.businesstime import working_time_between
from engine.store import appeals as store
from engine.store import outbox


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
        "priority": record.priority,
        "policy": record.policy,
        "municipality": record.municipality,
        "text": record.text,
    }


def clock_view(rt, clock, now) -> dict:
    """A clock as staff see it. While paused, the remaining working time is frozen at the pause."""
    cal = rt.policy.calendar_for(clock.body)
    zone = ZoneInfo(cal.timezone)
    running = clock.stopped_at is None
    counted_to = clock.paused_since or now
    remaining = working_time_between(counted_to, clock.due_at, cal) if running and clock.due_at > counted_to else None
    overdue = running and counted_to > clock.due_at
    return {
        "kind": clock.kind,
        "basis": clock.basis,
        "amount": clock.amount,
        "policy": clock.policy_id,
        "policy_version": clock.policy_version,
        "calendar_version": clock.calendar_version,
        "body": clock.body,
        "started_at": iso(clock.started_at),
        "due": clock.due_at.astimezone(zone).isoformat(),
        "due_utc": iso(clock.due_at),
        "timezone": cal.timezone,
        "deadline_version": clock.deadline_version,
        "state": "stopped" if clock.stopped_at else ("paused" if clock.paused_since else "running"),
        "stopped_at": iso(clock.stopped_at),
        "breached": bool(clock.breached_at) or overdue,
        "remaining_working_seconds": int(remaining.total_seconds()) if remaining is not None else None,
        "paused_since": iso(clock.paused_since),
        "paused_total_seconds": clock.paused_total_seconds,
        "pause_credit": clock.pause_credit,
        "pause_credit_unit": "days" if clock.basis.endswith("_days") else "seconds",
        "extension_days": clock.extension_days,
        "max_extension_days": clock.max_extension_days,
    }


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


def appeal_detail(rt, record) -> dict:
    now = rt.now()
    decision = store.latest_decision(record.id)
    assignment = store.current_assignment(record.id)
    view = appeal_summary(record)
    view.update(
        {
            "author": {"name": record.author_name, "type": record.author_type},
            "address": record.address,
            "category": record.category,
            "subcategory": record.subcategory,
            "regime": record.regime,
            "urgency": record.urgency,
            "attachments": record.attachments,
            "routing_attempts": record.routing_attempts,
            "decision": decision_view(decision),
            "assignment": {
                "body": assignment.body,
                "role": assignment.role,
                "official": assignment.official,
                "assigned_at": iso(assignment.assigned_at),
            } if assignment else None,
            "clocks": [clock_view(rt, c, now) for c in store.clocks_of(record.id)],
            "alerts": [alert_view(a) for a in outbox.list_alerts(status=None, recipient=None,
                                                                  appeal_id=record.id)],
        }
    )
    return view


def decision_view(decision) -> dict | None:
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
        "explanation_text": decision.explanation_text,
        "decided_at": iso(decision.decided_at),
    }


def deadlines_brief(rt, appeal_id: int) -> list[dict]:
    now = rt.now()
    return [
        {k: v for k, v in clock_view(rt, c, now).items() if k in ("kind", "due", "due_utc", "state")}
        for c in store.clocks_of(appeal_id)
    ]
