"""GET/POST /api/v1/saved-filters and DELETE /api/v1/saved-filters/<id>: the caller's own saved
searches of the appeal list («мои просроченные»)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, fields, validate

from engine.services import saved_filters

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime
from .appeal_search_args import read_search
from .appeals import STAFF

bp = Blueprint("saved_filters", __name__, url_prefix="/api/v1/saved-filters")


class SavedFilterSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=saved_filters.NAME_CHARS))
    query = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                        metadata={"description": "параметры списка обращений, как у GET /api/v1/appeals"})


@bp.get("")
@require_role(*STAFF)
def list_filters():
    """The caller's saved filters, by name."""
    return jsonify({"items": saved_filters.my_filters(g.caller)})


@bp.post("")
@require_role(*STAFF)
def save_filter():
    """Save the list's parameters under a name (the same name replaces the filter)."""
    data = SavedFilterSchema().load(request.get_json(silent=True) or {})
    read_search(data["query"])  # a parameter the list would refuse is refused now (400)
    try:
        kept = saved_filters.save_filter(runtime(), g.caller, data["name"], data["query"])
    except saved_filters.SavedFilterRefused as exc:
        raise ApiError(409, "refused", str(exc)) from None
    return jsonify(kept), 201


save_filter.request_schema = SavedFilterSchema
save_filter.responses = {"201": "фильтр сохранён", "400": "параметр списка неизвестен или неверен",
                         "409": "слишком много фильтров"}


@bp.delete("/<int:filter_id>")
@require_role(*STAFF)
def delete_filter(filter_id: int):
    """Delete one of the caller's saved filters."""
    try:
        saved_filters.delete_filter(g.caller, filter_id)
    except saved_filters.SavedFilterNotFound:
        raise ApiError(404, "not_found", f"no saved filter {filter_id}") from None
    return "", 204


delete_filter.responses = {"204": "удалён", "404": "нет такого фильтра у вызывающего"}
