"""Incidents as plain dicts for the API and the staff pages: the list, and one incident with its
members (their channels, why each joined), distinct authors, address, assignment and clocks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.domain.region_map import MapDataError
from engine.store import appeals as store
from engine.store import incidents as incident_store

from .access import Caller, in_scope, visible_bodies
from .credentials import find_channel
from .trends import region_map
from .views import _clocks, iso

if TYPE_CHECKING:
    from engine.runtime import Runtime

class IncidentNotFound(LookupError):
    pass


def incident_summary(incident) -> dict:
    return {
        "id": incident.id,
        "status": incident.status,
        "topic": incident.topic,
        "municipality": incident.municipality,
        "address": incident.address,
        "street": incident.street,
        "house": incident.house,
        "lat": incident.lat,
        "long": incident.long,
        "members": incident.members,
        "authors": incident.authors,
        "first_report_at": iso(incident.first_report_at),
        "last_report_at": iso(incident.last_report_at),
        "body": incident.body,
        "role": incident.role,
        "priority": incident.priority,
        "policy": incident.policy,
        "lead_appeal_id": incident.lead,
    }


def _visible(rt: Runtime, caller: Caller, incident) -> bool:
    sector = rt.policy_set.sector_of(incident.topic, incident.body)
    return in_scope(caller, rt.policy_set.directory, incident.body, sector)


def list_incidents(rt: Runtime, caller: Caller, *, status=None, topic=None, municipality=None, body=None,
                   page: int = 1, limit: int = 50) -> dict:
    """One page of the incidents the caller sees. A caller who sees every body is paged by the database; a
    narrower scope (bodies and the sector blocks that topics decide) is applied to every matching incident,
    never to the latest few hundred only, so the total and the later pages stay true."""
    filters = {"status": status, "topic": topic, "municipality": municipality, "body": body}
    start = (page - 1) * limit
    if visible_bodies(caller, rt.policy_set.directory) is None:
        rows, total = incident_store.listing(**filters, limit=limit, offset=start)
    else:
        every, _ = incident_store.listing(**filters, limit=None)
        seen = [r for r in every if _visible(rt, caller, r)]
        rows, total = seen[start:start + limit], len(seen)
    return {"items": [incident_summary(r) for r in rows], "total": total, "page": page,
            "pages": max(1, -(-total // limit))}


def visible_incident(rt: Runtime, caller: Caller, incident_id: int):
    incident = incident_store.get(incident_id)
    if incident is None or not _visible(rt, caller, incident):
        raise IncidentNotFound(f"инцидент №{incident_id} не найден")
    return incident


def map_point(rt: Runtime, incident) -> dict | None:
    """Where the incident is drawn: its coordinates, else its municipality's centre on the region's map
    (`approximate`); None when neither is known."""
    if incident.lat is not None and incident.long is not None:
        return {"lat": incident.lat, "long": incident.long, "approximate": False}
    try:
        centres = {c.id: c.at for c in region_map(rt).centres}
    except MapDataError:  # no map file, or a broken one: the incident is not drawn
        return None
    at = centres.get(incident.municipality)
    return {"lat": at[1], "long": at[0], "approximate": True} if at else None


def incident_detail(rt: Runtime, incident) -> dict:
    view = incident_summary(incident)
    members = incident_store.members(incident.id)
    reasons = incident_store.join_reasons([m.id for m in members])
    lead = store.get_appeal(incident.lead)
    kinds = {name: (found.kind if (found := find_channel(name)) else None) for name in {m.channel for m in members}}
    view.update({
        "map_point": map_point(rt, incident),
        "assignment": {"body": incident.body, "role": incident.role, "official": incident.official},
        "clocks": _clocks(rt, lead, rt.now()) if lead is not None else [],
        "member_appeals": [{
            "id": m.id,
            "channel": m.channel,
            "channel_kind": kinds.get(m.channel),  # vk, telegram, …: the route its author is answered on
            "author_id": m.author_id,
            "status": m.status,
            "priority": m.priority,
            "received_at": iso(m.received_at),
            "text": m.text,
            "why_joined": reasons.get(m.id, []),
        } for m in members],
    })
    return view
