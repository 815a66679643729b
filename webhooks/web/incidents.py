"""Mass incidents on the staff pages: the open incidents block (queue and dashboard), the incident page
(/incidents/<id>) with its members, and detaching a member that does not belong."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from engine.domain.region_map import MapDataError
from engine.services.action_errors import ActionInvalid, ActionRefused
from engine.services.incident_actions import DETACHERS, detach_member
from engine.services.incident_views import IncidentNotFound, incident_detail, list_incidents, visible_incident
from engine.services.trends import region_map

from ..errors import ApiError
from ..runtime import runtime
from . import bp, page
from .charts import region_map_svg

SHOWN = 10  # open incidents listed on the queue and the dashboard


def open_incidents() -> dict:
    """The caller's open incidents, the latest reported first, for the block on the queue and the dashboard."""
    return list_incidents(runtime(), g.caller, status="open", limit=SHOWN)


@bp.app_context_processor
def _incidents_block():
    return {"open_incidents": open_incidents}


def _incident(incident_id: int):
    try:
        return visible_incident(runtime(), g.caller, incident_id)
    except IncidentNotFound:
        raise ApiError(404, "not_found", f"инцидент №{incident_id} не найден") from None


@bp.get("/incidents/<int:incident_id>")
@page("official", "manager", "policy", "admin", "curator")
def incident(incident_id: int):
    rt = runtime()
    detail = incident_detail(rt, _incident(incident_id))
    drawn = None
    if detail["map_point"] is not None:
        point = {"id": detail["lead_appeal_id"], **detail["map_point"]}
        names = {detail["municipality"]: rt.policy_set.labels("municipality", detail["municipality"])}
        try:
            region = region_map(rt)
        except MapDataError:  # the incident's facts are shown; only its place on the map is not
            region = None
        if region is not None:
            drawn = region_map_svg(region, {detail["municipality"]: detail["members"]}, [point], names,
                                   f"Инцидент № {detail['id']} на карте края",
                                   tiles=rt.settings.map_tiles)
    return render_template("incident.html", incident=detail, can_detach=g.caller.role in DETACHERS, drawn=drawn)


@bp.post("/incidents/<int:incident_id>/detach")
@page(*DETACHERS)
def detach(incident_id: int):
    _incident(incident_id)
    try:
        appeal_id = int(request.form.get("appeal_id", ""))
    except ValueError:
        raise ApiError(422, "invalid_fields", "не указано обращение") from None
    try:
        detach_member(runtime(), incident_id, appeal_id, request.form.get("reason", ""), g.caller)
    except (ActionRefused, ActionInvalid) as exc:
        flash(getattr(exc, "reason", None) or getattr(exc, "message", str(exc)), "error")
    else:
        flash(f"Обращение №{appeal_id} откреплено от инцидента.", "ok")
    return redirect(url_for("web.incident", incident_id=incident_id))
