"""GET /api/v1/alerts (filters: recipient — `me` for the caller's own —, status, acknowledged,
appeal_id; pages with `before`), GET /api/v1/alerts/<id> and POST /api/v1/alerts/<id>/ack."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from engine.services import access
from engine.services.views import alert_view, iso
from engine.store import appeals as appeal_store
from engine.store import outbox
from engine.store.db import write_transaction

from ..auth import require_role
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


def _scope():
    """None for callers who see every alert; else the bodies they see and their own official id."""
    bodies = access.visible_bodies(g.caller, runtime().policy_set.directory)
    return None if bodies is None else (bodies, getattr(g.caller, "official_id", None))


def _int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, "bad_parameter", f"{name} must be an integer", {name: ["not an integer"]}) from None
    if value < 1:
        raise ApiError(400, "bad_parameter", f"{name} must be positive", {name: ["must be positive"]})
    return value


@bp.get("")
@require_role("manager", "admin", "official")
def list_alerts():
    status = request.args.get("status")
    if status and status not in outbox.ALERT_STATUSES:
        raise ApiError(400, "bad_parameter", f"status must be one of {', '.join(outbox.ALERT_STATUSES)}",
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
    rows = outbox.list_alerts(status=status, recipient=recipient, appeal_id=_int_arg("appeal_id"), limit=limit,
                              acknowledged=None if acknowledged is None else acknowledged == "true",
                              after_id=_int_arg("before"), scope=_scope())
    body = {"items": [_view(a) for a in rows]}
    if len(rows) == limit:
        body["next"] = {"before": rows[-1].id}
    return jsonify(body)


@bp.get("/<int:alert_id>")
@require_role("manager", "admin", "official")
def get_alert(alert_id: int):
    alert = outbox.get_alert(alert_id, scope=_scope())
    if alert is None:
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    return jsonify(_view(alert))


@bp.post("/<int:alert_id>/ack")
@require_role("manager", "admin", "official")
def acknowledge(alert_id: int):
    """Acknowledge an alert: repeats of its level for that appeal's clock stop."""
    rt = runtime()
    now = rt.now()
    alert = outbox.get_alert(alert_id, scope=_scope())
    if alert is None:
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    with write_transaction():
        outbox.acknowledge(alert_id, now)
        appeal_store.audit(now, g.caller.actor, "alert.acknowledged", alert.appeal_id, alert=alert_id,
                           level=alert.level)
    return jsonify(_view(outbox.get_alert(alert_id)))
