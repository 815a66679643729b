"""GET /api/v1/alerts and POST /api/v1/alerts/<id>/ack."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from engine.services.views import alert_view
from engine.store import appeals as appeal_store
from engine.store import outbox
from engine.store.db import write_transaction

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts")

STATUSES = ("pending", "sent", "dead", "superseded")


@bp.get("")
@require_role("manager", "admin", "official")
def list_alerts():
    status = request.args.get("status")
    if status and status not in STATUSES:
        raise ApiError(400, "bad_parameter", f"status must be one of {', '.join(STATUSES)}",
                       {"status": ["unknown status"]})
    rows = outbox.list_alerts(status=status, recipient=request.args.get("recipient"), appeal_id=None)
    return jsonify({"items": [alert_view(a) for a in rows]})


@bp.post("/<int:alert_id>/ack")
@require_role("manager", "admin", "official")
def acknowledge(alert_id: int):
    rt = runtime()
    now = rt.now()
    alert = outbox.get_alert(alert_id)
    if alert is None:
        raise ApiError(404, "not_found", f"no alert {alert_id}")
    with write_transaction():
        outbox.acknowledge(alert_id, now)
        appeal_store.audit(now, f"token:{g.caller.token_id}", "alert.acknowledged", alert.appeal_id,
                           alert=alert_id)
    return jsonify(alert_view(outbox.get_alert(alert_id)))
