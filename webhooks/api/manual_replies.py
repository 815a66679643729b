"""POST /api/v1/replies/<id>/published-by-hand: the operator posted a reply task's text by hand
(«опубликовано вручную»); who and when are recorded and audited. The answer of an appeal on control
that the task carries counts from that moment (its clocks stop then)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, fields, validate

from engine.services import manual_replies

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("manual_replies", __name__, url_prefix="/api/v1/replies")


class PublishedSchema(Schema):
    link = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500),
                         metadata={"description": "ссылка на опубликованный комментарий"})
    published_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                        metadata={"description": "когда опубликовано (по умолчанию — сейчас)"})


@bp.post("/<int:reply_id>/published-by-hand")
@require_role(*manual_replies.ROLES)
def published_by_hand(reply_id: int):
    """Mark a reply task (route manual) published by hand."""
    data = PublishedSchema().load(request.get_json(silent=True) or {})
    try:
        return jsonify(manual_replies.published_by_hand(runtime(), reply_id, actor=g.caller.actor, link=data["link"],
                                                        at=data["published_at"]))
    except manual_replies.TaskRefused as exc:
        if exc.invalid:
            raise ApiError(422, "invalid_fields", str(exc), {"published_at": [str(exc)]}) from None
        raise ApiError(404 if exc.missing else 409, "not_found" if exc.missing else "conflict", str(exc)) from None


published_by_hand.request_schema = PublishedSchema
published_by_hand.responses = {"200": "задача выполнена: кто и когда", "404": "нет такого ответа",
                               "422": "время публикации в будущем или раньше задачи",
                               "409": "ответ не ждёт ручной публикации"}
