"""The manager dashboard (/dashboard): counts by status, overdue and at-risk work, SLA by body, alert inbox."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from flask import flash, g, redirect, render_template, url_for

from engine.store import appeal_lists, outbox
from engine.store import appeals as appeal_store
from engine.store.db import write_transaction

from ..auth import visible_bodies
from ..errors import ApiError
from ..runtime import runtime
from . import bp, page

if TYPE_CHECKING:
    from engine.runtime import Runtime

AT_RISK = timedelta(hours=24)
SLA_PERIOD = timedelta(days=90)
ANSWER_CLOCKS = ("answer", "final_answer")
INBOX = 50


@bp.get("/dashboard")
@page("manager", "admin")
def dashboard():
    rt = runtime()
    now = rt.now()
    bodies = visible_bodies()
    names = {b.id: b.name for b in rt.policy_set.directory.bodies.values()}
    overdue = appeal_lists.list_appeals(appeal_lists.AppealQuery(filters={}, bodies=bodies, overdue=True, now=now),
                                  after_id=None, limit=50)
    at_risk = appeal_lists.list_appeals(appeal_lists.AppealQuery(filters={}, bodies=bodies, at_risk_until=now + AT_RISK,
                                                     now=now), after_id=None, limit=50)
    return render_template(
        "dashboard.html", counts=appeal_lists.count_by_status(bodies), overdue=overdue, at_risk=at_risk,
        sla=sla_rows(rt, bodies, names, now), alerts=inbox(bodies), names=names, now=now,
    )


def sla_rows(rt: Runtime, bodies, names: dict, now) -> list[dict]:
    """SLA compliance by body from the reports service (the same numbers as /api/v1/reports/sla)."""
    try:
        from engine.services.reports import sla_report
    except ImportError:  # a build without the reports service: count here
        outcomes = appeal_lists.answer_clock_outcomes(bodies, now - SLA_PERIOD, now, ANSWER_CLOCKS)
        lines = [{"body": b, "on_time_closed": o["met"], "closed": o["met"] + o["missed"],
                  "open_overdue": o["open_overdue"]} for b, o in outcomes.items()]
    else:
        lines = sla_report(rt, start=now - SLA_PERIOD, end=now, group_by="body", bodies=bodies)["items"]
    rows = []
    for line in lines:
        counted = line["closed"] + line["open_overdue"]
        share = round(100 * line["on_time_closed"] / counted) if counted else None
        rows.append({"body": line["body"], "name": names.get(line["body"], line["body"]), "share": share,
                     "met": line["on_time_closed"], "missed": line["closed"] - line["on_time_closed"],
                     "open_overdue": line["open_overdue"]})
    rows.sort(key=lambda r: (r["share"] is None, r["share"] if r["share"] is not None else 0, r["body"]))
    return rows


def inbox(bodies) -> list:
    found = []
    for alert in outbox.list_alerts(status=None, recipient=None, appeal_id=None, limit=500):
        if alert.acknowledged_at is not None or alert.status == "superseded":
            continue
        if bodies is not None and alert.appeal.body not in bodies:
            continue
        found.append(alert)
        if len(found) >= INBOX:
            break
    return found


@bp.post("/alerts/<int:alert_id>/ack")
@page("manager", "admin", "official")
def acknowledge(alert_id: int):
    rt = runtime()
    alert = outbox.get_alert(alert_id)
    bodies = visible_bodies()
    if alert is None or (bodies is not None and alert.appeal.body not in bodies):
        raise ApiError(404, "not_found", "оповещение не найдено")
    now = rt.now()
    with write_transaction():
        outbox.acknowledge(alert_id, now)
        appeal_store.audit(now, g.caller.actor, "alert.acknowledged", alert.appeal_id, alert=alert_id,
                           origin=g.caller.origin)
    flash("Оповещение принято.", "ok")
    return redirect(url_for("web.dashboard") if g.caller.role != "official" else url_for("web.queue"))
