"""POST /api/v1/appeals/<id>/actions/<action>: what officials, managers, curators and policy staff do with an appeal.

Each action has its own request schema; the state machine lives in engine.services.actions and
answers 409 with the reason when the appeal's state does not allow the action.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, fields, validate

from engine.services import actions
from engine.services.appeal_queries import latest_decision
from engine.services.timeline import timeline
from engine.wording.labels import LABELS, REJECT_REASONS

from ..auth import require_role, visible_appeal
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("actions", __name__, url_prefix="/api/v1/appeals")

TEXT = validate.Length(min=1, max=20000)
READERS = ("official", "manager", "policy", "admin", "curator")


class EmptyActionSchema(Schema):
    comment = fields.String(validate=validate.Length(max=2000), metadata={"description": "комментарий"})


class AnswerSchema(Schema):
    kind = fields.String(load_default="final", validate=validate.OneOf(("interim", "final")),
                         metadata={"description": "interim — промежуточный ответ, final — ответ по существу"})
    text = fields.String(required=True, validate=TEXT)


class ClarificationSchema(Schema):
    text = fields.String(required=True, validate=TEXT, metadata={"description": "что должен уточнить автор"})


class ExtendSchema(Schema):
    days = fields.Integer(required=True, validate=validate.Range(min=1, max=366))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ForwardSchema(Schema):
    body = fields.String(required=True, metadata={"description": "id органа из справочника"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    late_reason = fields.String(validate=validate.Length(max=2000),
                                metadata={"description": "обязательна, если семидневный срок переадресации истёк"})


class RejectSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(tuple(REJECT_REASONS)))
    comment = fields.String(validate=validate.Length(max=2000))


class ReopenSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class RerouteSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "почему обращение направляется заново по действующим правилам"})


class ApproveAnswerSchema(Schema):
    text = fields.String(validate=TEXT, metadata={
        "description": "исправленный текст ответа; без него публикуется текст исполнителя"})


class ReturnAnswerSchema(Schema):
    remarks = fields.String(required=True, validate=validate.Length(min=1, max=5000),
                            metadata={"description": "замечания исполнителю: что исправить в ответе"})


class ControlSchema(Schema):
    reason = fields.String(validate=validate.Length(max=2000), metadata={"description": "почему (в историю)"})


ACTION_SCHEMAS: dict[str, type[Schema]] = {
    "take": EmptyActionSchema,
    "answer": AnswerSchema,
    "request_clarification": ClarificationSchema,
    "resume": EmptyActionSchema,
    "extend": ExtendSchema,
    "forward": ForwardSchema,
    "reject": RejectSchema,
    "close": EmptyActionSchema,
    "reopen": ReopenSchema,
    "reroute": RerouteSchema,
    "approve_answer": ApproveAnswerSchema,
    "return_answer": ReturnAnswerSchema,
    "put_on_control": ControlSchema,
    "release_control": ControlSchema,
}


def run_action(appeal_id: int, name: str, params: dict) -> dict:
    """Check scope, validate, perform; shared by the API and the web pages."""
    visible_appeal(appeal_id)
    data = ACTION_SCHEMAS[name]().load(params)
    try:
        return actions.perform(runtime(), appeal_id, name, data, g.caller)
    except actions.ActionRefused as exc:
        raise ApiError(409, exc.code, exc.reason) from None
    except actions.ActionInvalid as exc:
        raise ApiError(422, "invalid_fields", exc.message, {exc.field: [exc.message]}) from None
    except LookupError:
        raise ApiError(404, "not_found", f"обращение №{appeal_id} не найдено") from None


def _make_view(name: str):
    transition = actions.TRANSITIONS[name]

    @require_role(*transition.roles)
    def view(appeal_id: int):
        params = request.get_json(silent=True) if request.data else {}
        if not isinstance(params, dict):
            raise ApiError(400, "bad_json", "the body must be a JSON object")
        result = run_action(appeal_id, name, params)
        if name == "reroute":  # the new decision with its explanation, as GET …/decision shows it
            result["decision"] = latest_decision(appeal_id, runtime().policy_set.labels)
        return jsonify(result)

    view.__name__ = name
    view.__doc__ = f"{LABELS('action', name)}. Допустимо в состояниях: {', '.join(transition.source)}."
    view.request_schema = ACTION_SCHEMAS[name]
    return view


for _name in actions.TRANSITIONS:
    bp.add_url_rule(f"/<int:appeal_id>/actions/{_name}", endpoint=_name, view_func=_make_view(_name),
                    methods=["POST"])


@bp.get("/<int:appeal_id>/actions")
@require_role(*READERS)
def available(appeal_id: int):
    """Actions the caller may take on the appeal now, and the art. 11 reasons for a rejection."""
    record = visible_appeal(appeal_id)
    return jsonify({
        "status": record.status,
        "actions": [{"name": n, "title": LABELS("action", n)}
                    for n in actions.allowed_actions(record.status, g.caller.role, record.on_control)],
        "reject_reasons": REJECT_REASONS,
    })


@bp.get("/<int:appeal_id>/timeline")
@require_role(*READERS)
def appeal_timeline(appeal_id: int):
    """The appeal's history: received, routed with explanation, assigned, clocks, alerts, actions."""
    visible_appeal(appeal_id)
    return jsonify({"items": timeline(appeal_id, runtime().policy_set.labels)})
