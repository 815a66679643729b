"""GET/POST /api/v1/watch and DELETE /api/v1/watch/<id>: an administrator manages the public VK walls
the worker reads for complaints (the same as `appeals watch list/add/remove`)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, fields, validate

from engine.services import watching

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("watch", __name__, url_prefix="/api/v1/watch")


class WatchSchema(Schema):
    target = fields.String(required=True, validate=validate.Length(min=4, max=140),
                           metadata={"description": "vk:<короткое имя или id>; id сообщества отрицательный"})
    municipality = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    every = fields.String(load_default="5m", validate=validate.Length(max=16),
                          metadata={"description": "как часто читать: 5m, 90s, 1h"})


@bp.get("")
@require_role("admin")
def list_watches():
    """Watched walls: target, title, municipality, period, when read last, what was found, why unreadable."""
    return jsonify({"items": [row.as_json() for row in watching.list_watches(runtime())]})


@bp.post("")
@require_role("admin")
def add_watch():
    """Watch a wall (audited); the name is resolved through VK. Adding it again changes its settings."""
    data = WatchSchema().load(request.get_json(silent=True) or {})
    try:
        row, created = watching.add_watch(runtime(), data["target"], municipality=data["municipality"],
                                          every=data["every"], actor=g.caller.actor)
    except watching.WatchError as exc:
        raise ApiError(422, "refused", str(exc)) from None
    return jsonify(row.as_json()), 201 if created else 200


add_watch.request_schema = WatchSchema
add_watch.responses = {"201": "стена добавлена", "200": "настройки стены изменены",
                       "422": "имя неизвестно VK, неверный период или муниципалитет"}


@bp.delete("/<int:watch_id>")
@require_role("admin")
def remove_watch(watch_id: int):
    """Stop reading a wall (audited); its appeals stay."""
    if not watching.remove_watch(runtime(), watch_id, actor=g.caller.actor):
        raise ApiError(404, "not_found", f"no watch {watch_id}")
    return "", 204


remove_watch.responses = {"204": "стена больше не читается", "404": "нет такой стены"}
