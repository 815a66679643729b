"""The clocks of one appeal: read them with their history, and pause, resume, extend or stop one.

    GET  /api/v1/appeals/<id>/clocks
    POST /api/v1/appeals/<id>/clocks/<kind>/pause|resume|extend|stop

The rules (which state allows what, how a pause moves the due time, the 59-ФЗ extension) live in
engine.services.clocks; a refusal is 409 with the reason, a missing or wrong field 422 naming it.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import RAISE, Schema, fields, validate

from engine.services import clocks as service
from engine.services.clock_history import clock_now, clocks_with_history

from ..auth import require_role, visible_appeal
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("clocks", __name__, url_prefix="/api/v1/appeals")

READERS = ("official", "manager", "policy", "admin", "curator")
REASON = validate.Length(min=1, max=2000)


class ClockPauseSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=REASON,
                           metadata={"description": "что запрошено у автора (ожидание уточнения)"})


class ClockResumeSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(validate=REASON, metadata={"description": "например, «уточнение получено»"})


class ClockExtendSchema(Schema):
    class Meta:
        unknown = RAISE

    days = fields.Integer(required=True, strict=True,
                          metadata={"description": "на сколько календарных дней (не больше лимита политики)"})
    reason = fields.String(required=True, validate=REASON, metadata={"description": "причина продления"})
    notice = fields.String(validate=validate.Length(min=1, max=4000),
                           metadata={"description": "текст уведомления автору; по умолчанию составляется сам"})


class ClockStopSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=REASON)


SCHEMAS = {"pause": ClockPauseSchema, "resume": ClockResumeSchema, "extend": ClockExtendSchema,
           "stop": ClockStopSchema}
TITLES = {
    "pause": "Приостановить срок (ожидание уточнения от автора).\nТолько идущие часы; регистрация, "
             "переадресация и уведомление не приостанавливаются.",
    "resume": "Возобновить срок.\nСрок сдвигается на время паузы в единицах часов: рабочее время для "
              "рабочих часов, астрономическое для календарных часов, дни, в которые заходила пауза, "
              "для дневных сроков.",
    "extend": "Продлить срок (59-ФЗ, ч. 2 ст. 12).\nОдин раз, не больше лимита политики, с причиной, "
              "до истечения срока; роли manager и admin. Уведомление автору записывается в журнал.",
    "stop": "Остановить срок (шаг выполнен).",
}


@bp.get("/<int:appeal_id>/clocks")
@require_role(*READERS)
def list_clocks(appeal_id: int):
    """The appeal's clocks: state, due time (UTC and local), remaining working time, versions, history.

    A clock that starts at the interim answer is ``pending`` (``waits_for``: interim) until then:
    due at its hard cap when the policy sets one, otherwise with no due time and ``term`` in words.
    """
    record = visible_appeal(appeal_id)
    return jsonify({"appeal_id": appeal_id, "clocks": clocks_with_history(runtime(), record)})


def _make_view(operation: str):
    @require_role(*service.OPERATOR_ROLES)
    def view(appeal_id: int, kind: str):
        visible_appeal(appeal_id)
        params = request.get_json(silent=True) if request.data else {}
        if not isinstance(params, dict):
            raise ApiError(400, "bad_json", "the body must be a JSON object")
        data = SCHEMAS[operation]().load(params)
        rt = runtime()
        try:
            result = service.operate(rt, appeal_id, kind, operation, data, actor=g.caller.actor, role=g.caller.role)
        except service.ClockRefused as exc:
            status = 403 if exc.code == "forbidden" else 409
            raise ApiError(status, exc.code, exc.reason) from None
        except service.ClockInvalid as exc:
            raise ApiError(422, "invalid_fields", exc.message, {exc.field: [exc.message]}) from None
        except LookupError as exc:
            raise ApiError(404, "not_found", str(exc)) from None
        return jsonify({"result": result, "clock": clock_now(rt, appeal_id, kind)})

    view.__name__ = operation
    view.__doc__ = TITLES[operation]
    view.request_schema = SCHEMAS[operation]
    return view


for _operation in service.OPERATIONS:
    bp.add_url_rule(f"/<int:appeal_id>/clocks/<kind>/{_operation}", endpoint=_operation,
                    view_func=_make_view(_operation), methods=["POST"])
