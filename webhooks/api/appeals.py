"""GET /api/v1/appeals and /api/v1/appeals/<id>."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, g, jsonify, request

from engine.services.actions import allowed_actions
from engine.services.timeline import timeline
from engine.services.views import appeal_detail, appeal_summary, decision_view
from engine.store import appeal_lists
from engine.store import appeals as store

from ..auth import can_see, require_role, visible_bodies
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("appeals", __name__, url_prefix="/api/v1/appeals")

FILTERS = ("channel", "status", "body", "topic", "municipality", "priority", "policy")
STAFF = ("official", "manager", "policy", "admin")
DEADLINE_FILTERS = ("overdue", "at_risk", "at_risk_hours", "received_from", "received_to")
AT_RISK_HOURS = 24


def _int_arg(name: str, default: int | None) -> int | None:
    value = request.args.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ApiError(400, "bad_parameter", f"{name} must be an integer", {name: ["not an integer"]}) from None
    if number < 1:
        raise ApiError(400, "bad_parameter", f"{name} must be positive", {name: ["must be positive"]})
    return number


@bp.get("")
@require_role(*STAFF)
def list_appeals():
    unknown = set(request.args) - set(FILTERS) - set(DEADLINE_FILTERS) - {"limit", "cursor"}
    if unknown:
        raise ApiError(400, "bad_parameter", "unknown parameters: " + ", ".join(sorted(unknown)),
                       {name: ["unknown parameter"] for name in sorted(unknown)})
    limit = _int_arg("limit", 50)
    cursor = _int_arg("cursor", None)
    rows = appeal_lists.list_appeals(appeal_query(), after_id=cursor, limit=limit)
    next_cursor = rows[-1].id if len(rows) == min(limit, appeal_lists.PAGE_LIMIT) else None
    return jsonify({"items": [appeal_summary(r) for r in rows], "next_cursor": next_cursor})


def appeal_query() -> appeal_lists.AppealQuery:
    """Filters from the query string, limited to the bodies the caller may see."""
    now = runtime().now()
    at_risk = _flag("at_risk")
    hours = _int_arg("at_risk_hours", AT_RISK_HOURS)
    return appeal_lists.AppealQuery(
        filters={name: request.args[name] for name in FILTERS if name in request.args},
        bodies=visible_bodies(),
        overdue=_flag("overdue"),
        at_risk_until=now + timedelta(hours=hours) if at_risk else None,
        received_from=_instant_arg("received_from"),
        received_to=_instant_arg("received_to"),
        now=now,
    )


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise ApiError(400, "bad_parameter", f"{name} must be true or false", {name: ["not a boolean"]})
    return value in ("true", "1")


def _instant_arg(name: str) -> datetime | None:
    """An ISO 8601 date (midnight UTC) or date-time with an offset."""
    value = request.args.get(name)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(400, "bad_parameter", f"{name} must be an ISO 8601 date or date-time",
                       {name: ["not ISO 8601"]}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.get("/<int:appeal_id>")
@require_role(*STAFF)
def get_appeal(appeal_id: int):
    record = store.get_appeal(appeal_id)
    if record is None or not can_see(record):
        raise ApiError(404, "not_found", f"no appeal {appeal_id}")
    view = appeal_detail(runtime(), record)
    view["timeline"] = timeline(appeal_id)
    view["allowed_actions"] = allowed_actions(record.status, g.caller.role)
    return jsonify(view)


@bp.get("/<int:appeal_id>/decision")
@require_role(*STAFF)
def get_decision(appeal_id: int):
    record = store.get_appeal(appeal_id)
    if record is None or not can_see(record):
        raise ApiError(404, "not_found", f"no appeal {appeal_id}")
    return jsonify(decision_view(store.latest_decision(appeal_id)))
