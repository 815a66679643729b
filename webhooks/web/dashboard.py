"""The manager dashboard (/dashboard): counts by status, overdue and at-risk work, SLA by body, alert inbox;
and acknowledging an alert from a page."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from engine.services import inbox
from engine.services.overview import manager_overview

from ..errors import ApiError
from ..runtime import runtime
from . import bp, page


@bp.get("/dashboard")
@page("manager", "admin")
def dashboard():
    return render_template("dashboard.html", **manager_overview(runtime(), g.caller))


@bp.post("/alerts/<int:alert_id>/ack")
@page("manager", "admin", "official")
def acknowledge(alert_id: int):
    rt = runtime()
    try:
        if not inbox.offered_to(rt, g.caller, inbox.find_alert(rt, g.caller, alert_id)):
            raise ApiError(403, "forbidden", "это оповещение адресовано не вам и не тому, кого вы замещаете")
        inbox.acknowledge_alert(rt, g.caller, alert_id)
    except inbox.AlertNotFound:
        raise ApiError(404, "not_found", "оповещение не найдено") from None
    flash("Оповещение принято.", "ok")
    return redirect(url_for("web.dashboard") if g.caller.role != "official" else url_for("web.queue"))
