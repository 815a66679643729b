"""Mass incidents: GET /api/v1/incidents (filters like the appeals list) and /api/v1/incidents/<id>
(members with their channels and why each joined, distinct authors, address, assignment, clocks)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import RAISE, Schema, fields, validate

from engine.services.incident_views import IncidentNotFound, incident_detail, list_incidents, visible_incident

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents")

STAFF = ("official", "manager", "policy", "admin", "curator")


class IncidentListQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(validate=validate.OneOf(("open", "closed")),
                           metadata={"description": "open — есть открытые обращения, closed — все закрыты"})
    topic = fields.String(validate=validate.Length(min=1, max=64))
    municipality = fields.String(validate=validate.Length(min=1, max=64))
    body = fields.String(validate=validate.Length(min=1, max=64))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def incident_or_404(incident_id: int):
    try:
        return visible_incident(runtime(), g.caller, incident_id)
    except IncidentNotFound:
        raise ApiError(404, "not_found", f"инцидент №{incident_id} не найден") from None


@bp.get("")
@require_role(*STAFF)
def list_all():
    """Incidents the caller sees (their body or sector), the latest reported first, with pages."""
    args = IncidentListQuerySchema().load(request.args.to_dict())
    return jsonify(list_incidents(runtime(), g.caller, **args))


list_all.query_schema = IncidentListQuerySchema
list_all.responses = {"200": "инциденты, их число и страницы", "400": "неверный параметр"}


@bp.get("/<int:incident_id>")
@require_role(*STAFF)
def get_one(incident_id: int):
    """One incident: its members with their channels and why each joined, distinct authors, address,
    assignment and the clocks of its first member (the incident's routing)."""
    return jsonify(incident_detail(runtime(), incident_or_404(incident_id)))


get_one.responses = {"200": "инцидент с обращениями", "404": "нет такого инцидента или он вне области доступа"}
