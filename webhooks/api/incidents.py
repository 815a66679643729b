"""Mass incidents: GET /api/v1/incidents (filters like the appeals list) and /api/v1/incidents/<id>
(members with their channels and why each joined, distinct authors, address, assignment, clocks);
POST …/<id>/actions/answer (one answer to all), …/approve_answer (the centre's review) and …/detach."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import RAISE, Schema, fields, validate

from engine.services.action_errors import ActionInvalid, ActionRefused
from engine.services.actions import TRANSITIONS
from engine.services.incident_actions import (
    DETACHERS,
    answer_incident,
    approve_incident_answer,
    detach_member,
    return_incident_answer,
)
from engine.services.incident_views import IncidentNotFound, incident_detail, list_incidents, visible_incident

from ..auth import require_role
from ..errors import ApiError
from ..runtime import runtime
from .actions import AnswerSchema, ApproveAnswerSchema, ReturnAnswerSchema

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


class DetachSchema(Schema):
    class Meta:
        unknown = RAISE

    appeal_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                               metadata={"description": "обращение, которое не относится к инциденту"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "почему оно не относится к инциденту"})


def _body() -> dict:
    params = request.get_json(silent=True) if request.data else {}
    if not isinstance(params, dict):
        raise ApiError(400, "bad_json", "тело запроса должно быть объектом JSON")
    return params


def _run(incident_id: int, do, *args):
    incident_or_404(incident_id)
    try:
        return do(runtime(), incident_id, *args, g.caller)
    except ActionRefused as exc:
        raise ApiError(409, exc.code, exc.reason) from None
    except ActionInvalid as exc:
        raise ApiError(422, "invalid_fields", exc.message, {exc.field: [exc.message]}) from None
    except LookupError:
        raise ApiError(404, "not_found", f"инцидент №{incident_id} не найден") from None


@bp.post("/<int:incident_id>/actions/answer")
@require_role(*TRANSITIONS["answer"].roles)
def answer(incident_id: int):
    """One answer to all: every open member is answered with the text (a member still «routed» is taken
    first); on control each answer waits for review; each author gets it once, on their own channel."""
    data = AnswerSchema().load(_body())
    return jsonify(_run(incident_id, answer_incident, data))


answer.request_schema = AnswerSchema
answer.responses = {"200": "ответ дан каждому открытому обращению инцидента (или ждёт проверки)",
                    "404": "нет такого инцидента", "409": "ни одно обращение не допускает ответ"}


@bp.post("/<int:incident_id>/actions/approve_answer")
@require_role(*TRANSITIONS["approve_answer"].roles)
def approve_answer(incident_id: int):
    """The centre approves the answer waiting for review in every member: it is published to each author."""
    data = ApproveAnswerSchema().load(_body())
    return jsonify(_run(incident_id, approve_incident_answer, data))


approve_answer.request_schema = ApproveAnswerSchema
approve_answer.responses = {"200": "ответ опубликован каждому автору", "404": "нет такого инцидента",
                            "409": "нет ответов, ожидающих проверки"}


@bp.post("/<int:incident_id>/actions/return_answer")
@require_role(*TRANSITIONS["return_answer"].roles)
def return_answer(incident_id: int):
    """The centre returns the answer waiting for review in every member to the official, with remarks."""
    data = ReturnAnswerSchema().load(_body())
    return jsonify(_run(incident_id, return_incident_answer, data))


return_answer.request_schema = ReturnAnswerSchema
return_answer.responses = {"200": "ответ возвращён на доработку во всех обращениях", "404": "нет такого инцидента",
                           "409": "нет ответов, ожидающих проверки"}


@bp.post("/<int:incident_id>/actions/detach")
@require_role(*DETACHERS)
def detach(incident_id: int):
    """Take a member that does not belong out of the incident (audited with who and why)."""
    data = DetachSchema().load(_body())
    return jsonify(_run(incident_id, detach_member, data["appeal_id"], data["reason"]))


detach.request_schema = DetachSchema
detach.responses = {"200": "обращение откреплено", "404": "нет такого инцидента",
                    "409": "первое обращение инцидента открепить нельзя", "422": "обращение не из этого инцидента"}
