"""GET /api/v1/appeals and /api/v1/appeals/<id>."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, g, jsonify, request

from engine.domain import time_range
from engine.services.actions import allowed_actions
from engine.services.appeal_queries import appeal_list, latest_decision
from engine.services.timeline import timeline
from engine.services.views import appeal_detail, appeal_summary

from ..auth import require_role, visible_appeal
from ..bounded_json import MAX_INT
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
    if not 1 <= number <= MAX_INT:
        raise ApiError(400, "bad_parameter", f"{name} must be from 1 to {MAX_INT}", {name: ["out of range"]})
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
    at_risk = _flag("at_risk")
    hours = _int_arg("at_risk_hours", AT_RISK_HOURS)
    rows, next_cursor = appeal_list(
        runtime(), g.caller,
        filters={name: request.args[name] for name in FILTERS if name in request.args},
        overdue=_flag("overdue"),
        at_risk_hours=hours if at_risk else None,
        received_from=_instant_arg("received_from"),
        received_to=_instant_arg("received_to"),
        after_id=cursor,
        limit=limit,
    )
    return jsonify({"items": [appeal_summary(r) for r in rows], "next_cursor": next_cursor})


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
    if not time_range.within(moment):
        raise ApiError(400, "bad_parameter", f"{name} must lie within {time_range.RANGE_TEXT}",
                       {name: ["out of range"]})
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.get("/<int:appeal_id>")
@require_role(*STAFF)
def get_appeal(appeal_id: int):
    record = visible_appeal(appeal_id)
    view = appeal_detail(runtime(), record)
    view["timeline"] = timeline(appeal_id)
    view["allowed_actions"] = allowed_actions(record.status, g.caller.role)
    return jsonify(view)


@bp.get("/<int:appeal_id>/decision")
@require_role(*STAFF)
def get_decision(appeal_id: int):
    visible_appeal(appeal_id)
    return jsonify(latest_decision(appeal_id))
