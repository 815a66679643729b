"""GET /api/v1/replies: replies to residents (filters: status — `dead` for the undelivered —, appeal_id;
pages with `before`), and POST /api/v1/replies/<id>/retry: send a dead reply again. Administrators only."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from engine.services import reply_letters

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime
from .alerts import MAX_LIMIT, _int_arg

bp = Blueprint("replies", __name__, url_prefix="/api/v1/replies")


@bp.get("")
@require_role("admin")
def list_replies():
    status = request.args.get("status")
    if status and status not in reply_letters.REPLY_STATUSES:
        raise ApiError(400, "bad_parameter", f"status must be one of {', '.join(reply_letters.REPLY_STATUSES)}",
                       {"status": ["unknown status"]})
    limit = min(_int_arg("limit", 200), MAX_LIMIT)
    items = reply_letters.list_replies(runtime(), status=status, appeal_id=_int_arg("appeal_id"),
                                       before=_int_arg("before"), limit=limit)
    body = {"items": items}
    if len(items) == limit:
        body["next"] = {"before": items[-1]["id"]}
    return jsonify(body)


@bp.post("/<int:reply_id>/retry")
@require_role("admin")
def retry(reply_id: int):
    """A dead reply is due again now, once its cause is fixed (the channel's token, the address)."""
    try:
        return jsonify(reply_letters.send_again(runtime(), reply_id, actor=g.caller.actor))
    except reply_letters.ReplyNotFound:
        raise ApiError(404, "not_found", f"no reply {reply_id}") from None
    except reply_letters.ReplyNotDead as exc:
        raise ApiError(409, "conflict", str(exc)) from None


list_replies.responses = {"200": "{items: [reply], next?: {before}}; a reply: id, appeal_id, kind, kind_title, "
                                 "route, route_title, status, status_title, attempts, error, text, platform_id",
                          "400": "an unknown status or a bad number"}
retry.responses = {"200": "the reply, pending again", "404": "no such reply", "409": "the reply is not dead"}
