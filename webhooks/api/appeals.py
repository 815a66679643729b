"""GET /api/v1/appeals and /api/v1/appeals/<id>."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine.services.views import appeal_detail, appeal_summary, decision_view
from engine.store import appeals as store

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("appeals", __name__, url_prefix="/api/v1/appeals")

FILTERS = ("channel", "status", "body", "topic", "municipality", "priority", "policy")
STAFF = ("official", "manager", "policy", "admin")


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
    unknown = set(request.args) - set(FILTERS) - {"limit", "cursor"}
    if unknown:
        raise ApiError(400, "bad_parameter", "unknown parameters: " + ", ".join(sorted(unknown)),
                       {name: ["unknown parameter"] for name in sorted(unknown)})
    limit = _int_arg("limit", 50)
    cursor = _int_arg("cursor", None)
    filters = {name: request.args[name] for name in FILTERS if name in request.args}
    rows = store.list_appeals(filters=filters, after_id=cursor, limit=limit)
    next_cursor = rows[-1].id if len(rows) == min(limit, store.PAGE_LIMIT) else None
    return jsonify({"items": [appeal_summary(r) for r in rows], "next_cursor": next_cursor})


@bp.get("/<int:appeal_id>")
@require_role(*STAFF)
def get_appeal(appeal_id: int):
    record = store.get_appeal(appeal_id)
    if record is None:
        raise ApiError(404, "not_found", f"no appeal {appeal_id}")
    return jsonify(appeal_detail(runtime(), record))


@bp.get("/<int:appeal_id>/decision")
@require_role(*STAFF)
def get_decision(appeal_id: int):
    if store.get_appeal(appeal_id) is None:
        raise ApiError(404, "not_found", f"no appeal {appeal_id}")
    return jsonify(decision_view(store.latest_decision(appeal_id)))
