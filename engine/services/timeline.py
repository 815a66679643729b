"""An appeal's history in one list: received, routed (with the explanation), assigned, clocks, alerts, actions."""

from __future__ import annotations

from engine.store import actions as clock_store
from engine.store import appeals as store
from engine.store import outbox
from engine.wording.labels import LABELS, REJECT_REASONS, Labels
from engine.wording.notices import reply_published

from .views import decision_text


def iso(value):
    return value.isoformat() if value else None


def timeline(appeal_id: int, labels: Labels) -> list[dict]:
    """Audit events in order; each routing event carries its decision's explanation (named with `labels`, the
    policy set's); then alerts."""
    decisions = iter(clock_store.decisions_of(appeal_id))
    events: list[dict] = []
    for row in store.audit_trail(appeal_id):
        details = {k: v for k, v in (row.details or {}).items() if k != "origin"}
        if row.action == "appeal.reject" and details.get("reason") in REJECT_REASONS:
            details.setdefault("reason_text", REJECT_REASONS[details["reason"]])
        if row.action in ("appeal.routed", "appeal.reroute"):
            decision = next(decisions, None)
            if decision is not None:
                details["explanation"] = decision_text(decision, labels)
        title = LABELS.event(row.action, details)
        if row.action.startswith("reply."):
            title = _reply_title(row.action, details, title)
        events.append({"at": iso(row.at), "kind": row.action, "title": title,
                       "actor": row.actor, "details": details})
    for alert in outbox.list_alerts(status=None, recipient=None, appeal_id=appeal_id):
        events.append({"at": iso(alert.created_at), "kind": "alert", "title": f"Оповещение: {alert.subject}",
                       "actor": "system", "details": {"alert": alert.id, "level": alert.level,
                                                      "recipient_role": alert.role, "status": alert.status}})
    return sorted(events, key=lambda e: e["at"] or "")  # stable: same-instant events keep their order


def _reply_title(action: str, details: dict, title: str) -> str:
    """«Ответ автору опубликован в VK (комментарий 4060): Уведомление о приёме» — with the platform's id, only
    for what the platform accepted; the others name the kind of message (and why it is not sent)."""
    kind = LABELS("message_kind", details.get("message_kind")) or None
    if action == "reply.sent":
        return reply_published(details.get("route"), details.get("platform_id"), kind)
    title = f"{title}: {kind}" if kind else title
    why = details.get("why") or details.get("error")
    return f"{title} ({why})" if why else title
