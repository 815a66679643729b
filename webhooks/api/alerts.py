"""GET /api/v1/alerts (filters: recipient — `me` for the caller's own —, status, acknowledged,
appeal_id; pages with `before`), GET /api/v1/alerts/<id> and POST /api/v1/alerts/<id>/ack."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from engine.services import inbox
from engine.services.views import alert_view, iso

from ..auth import require_role
from ..bounded_json import MAX_INT
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts")

MAX_LIMIT = 500


def _view(alert) -> dict:
    view = alert_view(alert)
    view.update({
        "address": alert.address,
        "deadline_version": alert.deadline_version,
        "repeat": alert.repeat,
        "next_attempt_at": iso(alert.next_attempt_at) if alert.status == "pending" else None,
        "receipt": alert.receipt,
        "acknowledged": alert.acknowledged_at is not None,
    })
    return view


def _int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad_parameter", f"{name} must be an integer", {name: ["not an integer"]}) from None
    if not 1 <= value <= MAX_INT:
        raise ApiError(400, "bad_parameter", f"{name} must be from 1 to {MAX_INT}", {name: ["out of range"]})
    return value


@bp.get("")
@require_role("manager", "admin", "official")
def list_alerts():
    status = request.args.get("status")
    if status and status not in inbox.ALERT_STATUSES:
        raise ApiError(400, "bad_parameter", f"status must be one of {', '.join(inbox.ALERT_STATUSES)}",
                       {"status": ["unknown status"]})
    recipient = request.args.get("recipient")
    if recipient == "me":
        recipient = getattr(g.caller, "official_id", None)
        if not recipient:
            raise ApiError(400, "bad_parameter", "this caller is not an official of the directory; name the recipient",
                           {"recipient": ["no official for this caller"]})
    acknowledged = request.args.get("acknowledged")
    if acknowledged not in (None, "true", "false"):
        raise ApiError(400, "bad_parameter", "acknowledged must be true or false", {"acknowledged": ["not a boolean"]})
    limit = min(_int_arg("limit", 200), MAX_LIMIT)
    rows = inbox.list_alerts(runtime(), g.caller, status=status, recipient=recipient, appeal_id=_int_arg("appeal_id"),
                             acknowledged=None if acknowledged is None else acknowledged == "true",
                             before=_int_arg("before"), limit=limit)
    body = {"items": [_view(a) for a in rows]}
    if len(rows) == limit:
        body["next"] = {"before": rows[-1].id}
    return jsonify(body)


@bp.get("/<int:alert_id>")
@require_role("manager", "admin", "official")
def get_alert(alert_id: int):
    try:
        return jsonify(_view(inbox.find_alert(runtime(), g.caller, alert_id)))
    except inbox.AlertNotFound:
        raise ApiError(404, "not_found", f"no alert {alert_id}") from None


@bp.post("/<int:alert_id>/ack")
@require_role("manager", "admin", "official")
def acknowledge(alert_id: int):
    """Acknowledge an alert: repeats of its level for that appeal's clock stop."""
    try:
        return jsonify(_view(inbox.acknowledge_alert(runtime(), g.caller, alert_id)))
    except inbox.AlertNotFound:
        raise ApiError(404, "not_found", f"no alert {alert_id}") from None
