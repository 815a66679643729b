"""The appeal card (/appeals/<id>) with its action forms."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from engine.services.actions import TRANSITIONS, allowed_actions
from engine.services.timeline import timeline
from engine.services.views import appeal_detail
from engine.wording.labels import LABELS, REJECT_REASONS

from ..api.actions import ACTION_SCHEMAS, run_action
from ..auth import visible_appeal
from ..errors import ApiError
from ..runtime import runtime
from . import bp, page

FORM_FIELDS = {name: set(schema().fields) for name, schema in ACTION_SCHEMAS.items()}


def local(moment, zone: str | None = None) -> str:
    if moment is None:
        return "—"
    tz = ZoneInfo(zone or runtime().policy_set.directory.timezone)
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


@bp.app_template_filter("local")
def _local_filter(moment, zone: str | None = None) -> str:
    return local(moment, zone)


@bp.app_template_filter("local_iso")
def _local_iso(value: str | None) -> str:
    return local(datetime.fromisoformat(value)) if value else "—"


HIDDEN_DETAILS = {"calendar_version", "policy_version", "basis", "stopped", "status_before", "deadline_version",
                  "explanation", "credit_unit"}


@bp.app_template_filter("shown_details")
def _shown_details(details: dict) -> list[tuple[str, object]]:
    return [(k, v) for k, v in details.items() if k not in HIDDEN_DETAILS and v not in (None, "", [], {})]


@bp.app_template_filter("status_title")
def _status_title(status: str) -> str:
    return LABELS("status", status)


@bp.get("/appeals/<int:appeal_id>")
@page("official", "manager", "policy", "admin")
def appeal(appeal_id: int):
    rt = runtime()
    record = visible_appeal(appeal_id)
    detail = appeal_detail(rt, record)
    names = allowed_actions(record.status, g.caller.role)
    return render_template(
        "appeal.html", appeal=detail, record=record, events=timeline(appeal_id),
        actions=[(n, LABELS("action", n)) for n in names], reject_reasons=REJECT_REASONS,
        bodies=rt.policy_set.directory.bodies,
    )


@bp.post("/appeals/<int:appeal_id>/do/<name>")
@page("official", "manager", "admin")
def act(appeal_id: int, name: str):
    if name not in TRANSITIONS:
        raise ApiError(404, "not_found", "нет такого действия")
    params = {k: v for k, v in request.form.items() if k in FORM_FIELDS[name] and v != ""}
    if "days" in params:
        params["days"] = params["days"].strip()
    try:
        run_action(appeal_id, name, params)
    except ValidationError as exc:
        flash("Проверьте поля: " + "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in _messages(exc)), "error")
    except ApiError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(f"Готово: {LABELS('action', name)}.", "ok")
    return redirect(url_for("web.appeal", appeal_id=appeal_id))


def _messages(exc: ValidationError):
    messages = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
    return sorted((k, v if isinstance(v, list) else [v]) for k, v in messages.items())
