"""The appeal card (/appeals/<id>) with its action forms."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from engine.classify.matching import in_place
from engine.services import monitor_marks
from engine.services.actions import REVIEW_ACTIONS, TRANSITIONS, allowed_actions
from engine.services.database import consistent_read
from engine.services.timeline import timeline
from engine.services.views import appeal_detail
from engine.wording.labels import LABELS, REJECT_REASONS
from engine.wording.staff import routing_sentence, rule_title

from ..api.actions import ACTION_SCHEMAS, run_action
from ..auth import visible_appeal
from ..errors import ApiError
from ..field_messages import field_name, russian_messages
from ..runtime import runtime
from . import bp, page
from .formatting import use_zone

FORM_FIELDS = {name: set(schema().fields) for name, schema in ACTION_SCHEMAS.items()}


@bp.app_template_filter("answer_kind")
def _answer_kind(kind: str) -> str:
    return LABELS("answer_kind", kind)


@bp.app_template_filter("answer_status")
def _answer_status(status: str) -> str:
    return LABELS("answer_status", status)


@bp.get("/appeals/<int:appeal_id>")
@page("official", "manager", "policy", "admin", "curator")
def appeal(appeal_id: int):
    with consistent_read():  # the record and everything shown with it of one moment
        return _appeal_page(appeal_id)


def _appeal_page(appeal_id: int):
    rt = runtime()
    record = visible_appeal(appeal_id)
    detail = appeal_detail(rt, record)
    if record.body in rt.policy_set.directory.bodies:
        use_zone(rt.policy_set.calendar_for(record.body).timezone)
    names = allowed_actions(record.status, g.caller.role, record.on_control)
    draft = _draft(detail)
    if draft is None:  # approved, waiting for the operator to post it by hand: nothing left to review
        names = [n for n in names if n not in REVIEW_ACTIONS]
    rulebook = rt.policy_set.rulebook
    why = routing_sentence(detail["decision"], rt.policy_set.labels, municipality=record.municipality,
                           rule_titles={rid: rule_title(rule.description) or rid
                                        for rid, rule in rulebook.rules.items()}, in_place=in_place)
    return render_template(
        "appeal.html", appeal=detail, record=record, events=timeline(appeal_id, rt.policy_set.labels), why=why,
        draft=draft,
        actions=[(n, LABELS("action", n)) for n in names], reject_reasons=REJECT_REASONS,
        bodies=rt.policy_set.directory.bodies,
        may_mark=monitor_marks.may_mark(record, g.caller.role), marked=monitor_marks.is_marked(appeal_id),
    )


def _draft(detail: dict) -> dict | None:
    return next((a for a in reversed(detail["answers"]) if a["status"] == "review"), None)


@bp.post("/appeals/<int:appeal_id>/do/<name>")
@page("official", "manager", "admin", "curator")
def act(appeal_id: int, name: str):
    if name not in TRANSITIONS:
        raise ApiError(404, "not_found", "нет такого действия")
    params = {k: v for k, v in request.form.items() if k in FORM_FIELDS[name] and v != ""}
    if "days" in params:
        params["days"] = params["days"].strip()
    try:
        run_action(appeal_id, name, params)
    except ValidationError as exc:
        flash("Проверьте поля: " + "; ".join(f"{field_name(k)}: {', '.join(map(str, v))}" for k, v in _messages(exc)),
              "error")
    except ApiError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(f"Готово: {LABELS('action', name)}.", "ok")
    return redirect(url_for("web.appeal", appeal_id=appeal_id))


def _messages(exc: ValidationError):
    messages = russian_messages(exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages})
    return sorted((k, v if isinstance(v, list) else [v]) for k, v in messages.items())
