"""SLA compliance and the at-risk forecast, as dicts for the API and CSV for spreadsheets.

Compliance counts clocks (by default the answer on the merits: ``answer`` and ``final_answer``)
whose due time falls in the period, so each clock belongs to exactly one period:

    compliance = on_time_closed / (closed + open_overdue)

- closed: the clock was stopped (the step was done) by the time of the report;
- on_time_closed: closed no later than its due time;
- open_overdue: still open and past its due time (a clock paused before its due time is waiting
  for the author and counts as pending instead);
- pending: open and not yet due; outside the formula.

Counting open overdue clocks keeps the current period from reading 100 % while late work piles up.

Beside compliance, a quality figure of appeals on the centre's control (engine.services.review):
``returned_answers`` — answers the centre returned to the body for rework in [from, to), with
``reviewed_answers`` (approved or returned in the period) as its base; by body, the body that wrote them.

Both reports take the caller's scope (``bodies``, from ``engine.services.access.visible_bodies``):
only clocks of appeals held by those bodies count, exactly the appeals the caller's appeal list
shows. A manager limited to a sector therefore sees the SLA and the at-risk list of that sector's
bodies only; ``None`` (the centre's managers, policy staff, administrators, the CLI) is every body.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.domain import time_range
from engine.domain.businesstime import add_working_hours, elapsed_share, working_time_between
from engine.store import answers as answer_store
from engine.store import clocks as clock_store

if TYPE_CHECKING:
    from engine.runtime import Runtime

GROUPS = ("body", "topic", "municipality", "channel", "policy", "clock", "month")
DEFAULT_KINDS = ("answer", "final_answer")
FORMULA = "compliance = on_time_closed / (closed + open_overdue)"
DEFINITIONS = {
    "population": "clocks of the chosen kinds whose due time falls in [from, to)",
    "closed": "stopped by the time of the report",
    "on_time_closed": "stopped no later than the due time",
    "open_overdue": "not stopped and past the due time (not counting clocks paused before it)",
    "pending": "not stopped and not yet due, or paused before the due time; outside the formula",
}
SHARE_BASIS = {"calendar_days": "calendar_days", "calendar_hours": "calendar_hours",
               "working_days": "working_days", "working_hours": "working_hours"}


def period(rt: Runtime, start_text: str | None, end_text: str | None, *,
           default_days: int = 30) -> tuple[datetime, datetime]:
    """[start, end) from ISO dates (local days of the region; ``to`` is inclusive) or ISO instants
    with an offset. Defaults: the last ``default_days`` days up to now."""
    zone = ZoneInfo(rt.policy_set.directory_doc.get("timezone") or "UTC")
    now = rt.now()
    end = _instant(end_text, zone, "to", inclusive=True) if end_text else now
    start = _instant(start_text, zone, "from", inclusive=False) if start_text else end - timedelta(days=default_days)
    if start >= end:
        raise ValueError("'from' must be before 'to'")
    return start, end


def _instant(text: str, zone: ZoneInfo, name: str, *, inclusive: bool) -> datetime:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if inclusive else 0)
            moment = datetime.combine(day, datetime.min.time(), tzinfo=zone)
        else:
            moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise ValueError(f"'{name}' must be a date YYYY-MM-DD or an ISO 8601 instant with an offset") from None
    if moment.tzinfo is None:
        raise ValueError(f"'{name}' needs a UTC offset, e.g. {text}+07:00")
    if not time_range.within(moment):
        raise ValueError(f"'{name}' must lie within {time_range.RANGE_TEXT}")
    return moment


def _classify(row: dict, now: datetime) -> str:
    stopped = row["stopped_at"]
    if stopped is not None and stopped <= now:
        return "on_time_closed" if stopped <= row["due_at"] else "closed_late"
    paused = row["paused_since"]
    if paused is not None and paused <= row["due_at"]:
        return "pending"
    return "open_overdue" if row["due_at"] < now else "pending"


def _group_key(row: dict, group_by: str, zone: ZoneInfo) -> str:
    if group_by == "month":
        return row["due_at"].astimezone(zone).strftime("%Y-%m")
    if group_by == "clock":
        return row["kind"]
    return row.get(group_by) or "—"


def scope_of(bodies: frozenset[str] | None) -> list[str] | str:
    """How a report states whose appeals it counts."""
    return "all" if bodies is None else sorted(bodies)


def sla_report(rt: Runtime, *, start: datetime, end: datetime, group_by: str = "body",
               kinds: tuple[str, ...] = DEFAULT_KINDS, filters: dict[str, str] | None = None,
               bodies: frozenset[str] | None = None, sectors: frozenset[str] | None = None) -> dict:
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    now = rt.now()
    zone = ZoneInfo(rt.policy_set.directory_doc.get("timezone") or "UTC")
    rows = clock_store.sla_rows(kinds=tuple(kinds), start=start, end=end, filters=dict(filters or {}),
                                bodies=bodies, sectors=sectors)
    groups: dict[str, dict] = {}
    for row in rows:
        key = _group_key(row, group_by, zone)
        counts = groups.setdefault(key, {"on_time_closed": 0, "closed_late": 0, "open_overdue": 0, "pending": 0})
        counts[_classify(row, now)] += 1
    items = [_line(group_by, key, counts) for key, counts in sorted(groups.items())]
    total = _line(group_by, "total", {name: sum(g[name] for g in groups.values())
                                      for name in ("on_time_closed", "closed_late", "open_overdue", "pending")})
    review = returned_answers(start=start, end=end, bodies=bodies)
    if group_by == "body":
        returned = {row["body"]: row["returned_answers"] for row in review["items"]}
        for line in items:
            line["returned_answers"] = returned.get(line["body"], 0)
        total["returned_answers"] = review["total"]["returned_answers"]
    return {
        "formula": FORMULA,
        "definitions": DEFINITIONS,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "as_of": now.isoformat(),
        "group_by": group_by,
        "clock_kinds": list(kinds),
        "filters": dict(filters or {}),
        "scope": scope_of(bodies),
        "items": items,
        "total": total,
        "answer_review": review,
    }


def returned_answers(*, start: datetime, end: datetime, bodies: frozenset[str] | None = None) -> dict:
    """Answers returned for rework and answers reviewed in [start, end) by body, most returned first."""
    returned = answer_store.returned_by_body(start, end, bodies)
    reviewed = answer_store.reviewed_by_body(start, end, bodies)
    items = [{"body": body, "returned_answers": returned.get(body, 0), "reviewed_answers": count}
             for body, count in reviewed.items()]
    items.sort(key=lambda row: (-row["returned_answers"], row["body"]))
    return {"definition": "returned_answers: answers of appeals on control the centre returned to the body "
                          "for rework in [from, to); reviewed_answers: approved or returned in that period",
            "items": items,
            "total": {"returned_answers": sum(returned.values()), "reviewed_answers": sum(reviewed.values())}}


def _line(group_by: str, key: str, counts: dict) -> dict:
    closed = counts["on_time_closed"] + counts["closed_late"]
    denominator = closed + counts["open_overdue"]
    return {
        group_by: key,
        "on_time_closed": counts["on_time_closed"],
        "closed": closed,
        "open_overdue": counts["open_overdue"],
        "pending": counts["pending"],
        "compliance": round(counts["on_time_closed"] / denominator, 4) if denominator else None,
    }


def sla_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    group_by = report["group_by"]
    columns = [group_by, "on_time_closed", "closed", "open_overdue", "pending", "compliance"]
    if group_by == "body":
        columns.append("returned_answers")
    writer.writerow(columns)
    for line in [*report["items"], report["total"]]:
        writer.writerow(["" if line[c] is None else line[c] for c in columns])
    return out.getvalue()


def at_risk(rt: Runtime, *, working_hours: int, bodies: frozenset[str] | None = None,
            sectors: frozenset[str] | None = None) -> dict:
    """Running clocks that breach within the next ``working_hours`` of their body's working time."""
    if working_hours < 1:
        raise ValueError("working_hours must be at least 1")
    now = rt.now()
    calendars = {body: rt.policy_set.calendar_for(body) for body in rt.policy_set.directory.bodies}
    horizons = {body: add_working_hours(now, timedelta(hours=working_hours), cal) for body, cal in calendars.items()}
    until = max(horizons.values())
    items = []
    for clock, appeal in clock_store.at_risk_rows(after=now, until=until, bodies=bodies, sectors=sectors):
        cal = calendars.get(clock.body) or rt.policy_set.calendar_for(clock.body)
        if clock.due_at > horizons.get(clock.body, until):
            continue
        items.append({
            "appeal_id": appeal.id,
            "clock": clock.kind,
            "body": clock.body,
            "topic": appeal.topic,
            "municipality": appeal.municipality,
            "channel": appeal.channel,
            "due": clock.due_at.astimezone(cal.tz).isoformat(),
            "due_utc": clock.due_at.isoformat(),
            "remaining_working_seconds": int(working_time_between(now, clock.due_at, cal).total_seconds()),
            "elapsed_share": round(elapsed_share(clock.started_at, clock.due_at, now, cal,
                                                 SHARE_BASIS[clock.basis]), 4),
        })
    return {"as_of": now.isoformat(), "working_hours": working_hours, "scope": scope_of(bodies), "items": items,
            "note": "running clocks only; paused clocks do not breach while they wait for the author"}


AT_RISK_COLUMNS = ("appeal_id", "clock", "body", "topic", "municipality", "channel", "due", "due_utc",
                   "remaining_working_seconds", "elapsed_share")


def at_risk_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AT_RISK_COLUMNS)
    for item in report["items"]:
        writer.writerow(["" if item[c] is None else item[c] for c in AT_RISK_COLUMNS])
    return out.getvalue()
