"""What the manager dashboard shows, within the caller's scope: appeals by status, overdue and at-risk
work, answer-deadline compliance by body over the last 90 days, answers the centre returned for rework by
body over the same 90 days, and the unacknowledged alerts."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from engine.store import appeal_lists

from .access import Caller, visible_bodies, visible_sectors
from .inbox import alert_inbox, offered_to
from .reply_letters import list_replies
from .reports import returned_answers, sla_report

if TYPE_CHECKING:
    from engine.runtime import Runtime

AT_RISK = timedelta(hours=24)
SLA_PERIOD = timedelta(days=90)
LISTED = 50  # appeals in each of the overdue and at-risk lists


def manager_overview(rt: Runtime, caller: Caller) -> dict:
    """counts (status → appeals), overdue and at_risk (appeal records), sla (rows by body, worst
    first), returned (answers returned for rework and reviewed, by body, most returned first), alerts
    (alert records), acceptable (ids of the alerts «Принять» is offered on), names (body id → name), now,
    and for the administrator dead_replies (replies to residents that could not be delivered, with the reason)."""
    now = rt.now()
    bodies = visible_bodies(caller, rt.policy_set.directory)
    sectors = visible_sectors(caller)
    names = {b.id: b.name for b in rt.policy_set.directory.bodies.values()}
    overdue = appeal_lists.list_appeals(
        appeal_lists.AppealQuery(filters={}, bodies=bodies, sectors=sectors, overdue=True, now=now),
        after_id=None, limit=LISTED)
    at_risk = appeal_lists.list_appeals(
        appeal_lists.AppealQuery(filters={}, bodies=bodies, sectors=sectors, at_risk_until=now + AT_RISK, now=now),
        after_id=None, limit=LISTED)
    returned = [{**row, "name": names.get(row["body"], row["body"])}
                for row in returned_answers(start=now - SLA_PERIOD, end=now, bodies=bodies)["items"]]
    # replies to residents that could not be delivered: the administrator's to fix (a token, an address)
    dead_replies = list_replies(rt, status="dead", appeal_id=None, before=None, limit=LISTED) \
        if caller.role == "admin" else []
    alerts = alert_inbox(bodies, sectors=sectors)
    return {"counts": appeal_lists.count_by_status(bodies, sectors), "overdue": overdue, "at_risk": at_risk,
            "sla": sla_by_body(rt, bodies, names, sectors), "returned": returned, "alerts": alerts,
            "names": names, "now": now, "dead_replies": dead_replies,
            "acceptable": {a.id for a in alerts if offered_to(rt, caller, a)}}


def sla_by_body(rt: Runtime, bodies: frozenset[str] | None, names: dict[str, str],
                sectors: frozenset[str] | None = None) -> list[dict]:
    """SLA compliance by body from the reports service (the same numbers as /api/v1/reports/sla),
    as a share in per cent (None with nothing counted), lowest first."""
    now = rt.now()
    lines = sla_report(rt, start=now - SLA_PERIOD, end=now, group_by="body", bodies=bodies,
                       sectors=sectors)["items"]
    rows = []
    for line in lines:
        counted = line["closed"] + line["open_overdue"]
        share = round(100 * line["on_time_closed"] / counted) if counted else None
        rows.append({"body": line["body"], "name": names.get(line["body"], line["body"]), "share": share,
                     "met": line["on_time_closed"], "missed": line["closed"] - line["on_time_closed"],
                     "open_overdue": line["open_overdue"]})
    rows.sort(key=lambda r: (r["share"] is None, r["share"] if r["share"] is not None else 0, r["body"]))
    return rows
