"""POST /api/v1/monitor/appeals/<id>/not-an-appeal: a curator or administrator marks an appeal the
watch job made of a VK post or comment as «не обращение» (audited; a case for the complaint stage): the
appeal is closed, its clocks stop and nothing more is sent to the resident. ``…/not-an-appeal/undo``
takes a wrong mark back."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, fields, validate

from engine.services import monitor_marks

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("monitor_marks", __name__, url_prefix="/api/v1/monitor")


class MarkSchema(Schema):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


@bp.post("/appeals/<int:appeal_id>/not-an-appeal")
@require_role(*monitor_marks.MARK_ROLES)
def not_an_appeal(appeal_id: int):
    """Mark a monitored appeal «не обращение»; marking it again changes nothing."""
    data = MarkSchema().load(request.get_json(silent=True) or {})
    try:
        created = monitor_marks.mark_not_an_appeal(runtime(), appeal_id, actor=g.caller.actor,
                                                   comment=data["comment"])
    except monitor_marks.MarkRefused as exc:
        raise ApiError(404 if exc.missing else 409, "not_found" if exc.missing else "refused", str(exc)) from None
    return jsonify({"appeal_id": appeal_id, "marked": True, "new": created, "status": "closed"}), \
        201 if created else 200


class UndoSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=monitor_marks.UNDO_REASON_MAX))


@bp.post("/appeals/<int:appeal_id>/not-an-appeal/undo")
@require_role(*monitor_marks.MARK_ROLES)
def undo_not_an_appeal(appeal_id: int):
    """Take a wrong «не обращение» back: the appeal is worked again with new terms."""
    data = UndoSchema().load(request.get_json(silent=True) or {})
    try:
        return jsonify(monitor_marks.undo_mark(runtime(), appeal_id, actor=g.caller.actor, reason=data["reason"]))
    except monitor_marks.MarkRefused as exc:
        raise ApiError(404 if exc.missing else 409, "not_found" if exc.missing else "refused", str(exc)) from None


undo_not_an_appeal.request_schema = UndoSchema
undo_not_an_appeal.responses = {"200": "отметка снята, обращение снова в работе", "404": "нет такого обращения",
                                "409": "обращение не отмечено или пришло не с наблюдаемой стены"}


not_an_appeal.request_schema = MarkSchema
not_an_appeal.responses = {"201": "отмечено, обращение закрыто", "200": "уже было отмечено",
                           "404": "нет такого обращения",
                           "409": "обращение пришло не с наблюдаемой стены"}
