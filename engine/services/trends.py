"""The centre's picture of the region (/analytics, GET /api/v1/reports/trends): appeals per week by topic
and by municipality with the change against the previous period of the same length, the top recurring
problems (the incidents grouping found and the addresses that keep coming back), answer compliance by
body month by month, the on-time panel and the map's points.

Periods are local days of the region (the directory's time zone); weeks start on the period's first
day. Only appeals in the caller's scope count (``bodies`` and ``sectors`` from engine.services.access).

The on-time panel counts answer clocks started in the period, open ones included:
    on_time = (on_time_closed + open_on_track) / (closed + open_overdue + open_on_track)
so it reads something from the first day, when no 30-day answer has come due yet; the SLA by month
keeps the strict formula of engine.services.reports (clocks due in the month, open ones not yet due
left out).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from engine.domain import time_range
from engine.domain.region_map import RegionMap
from engine.policyset.region_map_file import map_path, read_region_map
from engine.store import trends as store

from .reports import DEFAULT_KINDS, FORMULA, returned_answers, scope_of

if TYPE_CHECKING:
    from engine.runtime import Runtime

MAX_WEEKS = 106  # two years
DEFAULT_WEEKS = 12
REPEATS_LISTED = 15
INCIDENTS_LISTED = 15
INCIDENTS_READ = 200  # incidents read at a time while the caller's scope picks the ones listed
POINTS_LISTED = 5000
ON_TIME_FORMULA = "on_time = (on_time_closed + open_on_track) / (closed + open_overdue + open_on_track)"
ON_TIME_DEFINITIONS = {
    "population": "answer clocks (answer, final_answer) started in [from, to), whatever their due time",
    "on_time_closed": "stopped no later than the due time",
    "closed": "stopped by now, on time or late",
    "open_overdue": "not stopped and past the due time (not counting clocks paused before it)",
    "open_on_track": "not stopped and not yet due, or waiting for the author since before the due time",
}


def local_period(rt: Runtime, start_text: str | None, end_text: str | None) -> tuple[date, date]:
    """[first day, last day] of the period, local days; default: the last twelve weeks up to today."""
    zone = _zone(rt)
    today = rt.now().astimezone(zone).date()
    try:
        last = date.fromisoformat(end_text) if end_text else today
        first = date.fromisoformat(start_text) if start_text else last - timedelta(days=7 * DEFAULT_WEEKS - 1)
    except ValueError:
        raise ValueError("'from' and 'to' must be dates YYYY-MM-DD") from None
    except OverflowError:  # twelve weeks before the first day there is
        raise ValueError(f"'from' and 'to' must lie within {time_range.RANGE_TEXT}") from None
    if first > last:
        raise ValueError("'from' must not be after 'to'")
    if not (time_range.EARLIEST.date() <= first and last < time_range.LATEST.date()):
        raise ValueError(f"'from' and 'to' must lie within {time_range.RANGE_TEXT}")
    if (last - first).days + 1 > 7 * MAX_WEEKS:
        raise ValueError(f"the period is at most {MAX_WEEKS} weeks")
    return first, last


def trends_report(rt: Runtime, *, first: date, last: date, bodies: frozenset[str] | None = None,
                  sectors: frozenset[str] | None = None) -> dict:
    zone = _zone(rt)
    now = rt.now()
    labels = rt.policy_set.labels
    scope = {"bodies": bodies, "sectors": sectors}
    days = (last - first).days + 1
    start, end = _instant(first, zone), _instant(last + timedelta(days=1), zone)
    previous_start = _instant(first - timedelta(days=days), zone)

    weeks = []
    current_topics: dict[str, int] = {}
    current_places: dict[str, int] = {}
    week_start = first
    while week_start <= last:
        week_end = min(week_start + timedelta(days=7), last + timedelta(days=1))
        rows = store.counts_by_topic_and_place(_instant(week_start, zone), _instant(week_end, zone), **scope)
        by_topic, by_place = _split(rows)
        for key, n in by_topic.items():
            current_topics[key] = current_topics.get(key, 0) + n
        for key, n in by_place.items():
            current_places[key] = current_places.get(key, 0) + n
        weeks.append({"start": week_start.isoformat(), "end": (week_end - timedelta(days=1)).isoformat(),
                      "total": sum(by_topic.values()), "by_topic": by_topic, "by_municipality": by_place})
        week_start = week_end
    previous_topics, previous_places = _split(store.counts_by_topic_and_place(previous_start, start, **scope))
    place_names = _place_names(rt)

    total = sum(current_topics.values())
    previous_total = sum(previous_topics.values())
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": zone.key,
        "previous": {"from": (first - timedelta(days=days)).isoformat(), "to": (first - timedelta(days=1)).isoformat()},
        "as_of": now.isoformat(),
        "scope": scope_of(bodies),
        "total": _change(total, previous_total),
        "weeks": weeks,
        "by_topic": _compared(current_topics, previous_topics, "topic", lambda c: labels("topic", c)),
        "by_municipality": _compared(current_places, previous_places, "municipality",
                                     lambda c: place_names.get(c, c)),
        "repeats": [
            {"municipality": m, "municipality_name": place_names.get(m, m) if m else "", "address": address,
             "topic": topic, "topic_name": labels("topic", topic), "appeals": n, "authors": authors,
             "first": first_at.isoformat(), "last": last_at.isoformat()}
            for m, address, topic, n, authors, first_at, last_at in store.repeated_addresses(
                start, end, limit=REPEATS_LISTED, **scope)
        ],
        "incidents": _incidents(rt, start, end, bodies, sectors),
        "sla_by_body": _sla_by_month(rt, first, last, zone, now, scope),
        "returned_answers": _returned(rt, start, end, previous_start, bodies),
        "on_time": _on_time(rt, start, end, now, scope),
        "map": {
            "points": [{"id": i, "lat": lat, "long": long, "topic": topic, "municipality": m}
                       for i, lat, long, topic, m in store.located(start, end, limit=POINTS_LISTED, **scope)],
            "municipalities": dict(sorted(current_places.items())),
        },
    }


def _incidents(rt: Runtime, start: datetime, end: datetime, bodies: frozenset[str] | None,
               sectors: frozenset[str] | None) -> list[dict]:
    """The top recurring problems that grouping found: incidents with a report in the period, the most
    distinct authors first (then members, then the latest report), those the caller may open (the scope of
    engine.services.incident_views: the incident's body, or its sector block by topic and body)."""
    labels, policy = rt.policy_set.labels, rt.policy_set
    place_names = _place_names(rt)
    found: list[dict] = []
    offset = 0
    while len(found) < INCIDENTS_LISTED:
        batch = store.incidents_reported(start, end, limit=INCIDENTS_READ, offset=offset)
        for incident in batch:
            if bodies is not None and incident.body not in bodies and not (
                    sectors and policy.sector_of(incident.topic, incident.body) in sectors):
                continue
            found.append({
                "id": incident.id, "members": incident.members, "authors": incident.authors,
                "municipality": incident.municipality,
                "municipality_name": place_names.get(incident.municipality, incident.municipality or ""),
                "address": incident.address or "", "topic": incident.topic,
                "topic_name": labels("topic", incident.topic),
                "body": incident.body, "body_name": labels("body", incident.body) if incident.body else "",
                "status": incident.status, "status_name": labels("incident_status", incident.status),
                "first": incident.first_report_at.isoformat(), "last": incident.last_report_at.isoformat(),
                "link": f"{rt.settings.public_url}/incidents/{incident.id}",
            })
            if len(found) == INCIDENTS_LISTED:
                break
        if len(batch) < INCIDENTS_READ:
            break
        offset += INCIDENTS_READ
    return found


def _split(rows) -> tuple[dict[str, int], dict[str, int]]:
    by_topic: dict[str, int] = {}
    by_place: dict[str, int] = {}
    for topic, place, n in rows:
        by_topic[topic or "—"] = by_topic.get(topic or "—", 0) + n
        by_place[place or "—"] = by_place.get(place or "—", 0) + n
    return by_topic, by_place


def _change(count: int, previous: int) -> dict:
    return {"count": count, "previous": previous, "change": count - previous,
            "change_pct": round((count - previous) / previous * 100, 1) if previous else None}


def _compared(current: dict, previous: dict, key: str, name) -> list[dict]:
    codes = sorted(set(current) | set(previous), key=lambda c: (-current.get(c, 0), -previous.get(c, 0), c))
    return [{key: code, "name": name(code) if code != "—" else "не определено",
             **_change(current.get(code, 0), previous.get(code, 0))} for code in codes]


def _sla_by_month(rt: Runtime, first: date, last: date, zone: ZoneInfo, now: datetime, scope: dict) -> dict:
    months = []
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        months.append((month, following))
        month = following
    by_body: dict[str, list] = {}
    for index, (month_start, month_end) in enumerate(months):
        rows = store.clock_outcomes_by_body(kinds=DEFAULT_KINDS, now=now,
                                            due_from=_instant(max(month_start, first), zone),
                                            due_to=_instant(min(month_end, last + timedelta(days=1)), zone), **scope)
        for body, on_time, late, overdue, _open in rows:
            cells = by_body.setdefault(body, [None] * len(months))
            denominator = on_time + late + overdue
            cells[index] = {"on_time_closed": on_time, "closed": on_time + late, "open_overdue": overdue,
                            "compliance": round(on_time / denominator, 4) if denominator else None}
    labels = rt.policy_set.labels
    return {
        "formula": FORMULA,
        "population": "answer clocks (answer, final_answer) due in the month, as GET /api/v1/reports/sla counts them",
        "months": [m.strftime("%Y-%m") for m, _ in months],
        "items": [{"body": body, "name": labels("body", body), "months": cells}
                  for body, cells in sorted(by_body.items(), key=lambda item: labels("body", item[0]))],
    }


def _returned(rt: Runtime, start: datetime, end: datetime, previous_start: datetime,
              bodies: frozenset[str] | None) -> dict:
    """Answers the centre returned for rework, per body, in the period and in the previous one."""
    now_ = returned_answers(start=start, end=end, bodies=bodies)
    before = {row["body"]: row["returned_answers"]
              for row in returned_answers(start=previous_start, end=start, bodies=bodies)["items"]}
    labels = rt.policy_set.labels
    items = [{**row, "name": labels("body", row["body"]), "previous_returned": before.get(row["body"], 0)}
             for row in now_["items"]]
    return {"definition": now_["definition"], "items": items, "total": now_["total"]}


def _on_time(rt: Runtime, start: datetime, end: datetime, now: datetime, scope: dict) -> dict:
    rows = store.clock_outcomes_by_body(kinds=DEFAULT_KINDS, now=now, started_from=start, started_to=end, **scope)
    labels = rt.policy_set.labels
    items = [_on_time_line(body, labels("body", body), counts) for body, *counts in rows]
    sums = [sum(row[i] for row in rows) for i in range(1, 5)]
    return {"formula": ON_TIME_FORMULA, "definitions": ON_TIME_DEFINITIONS,
            "items": sorted(items, key=lambda line: (line["share"] is None, line["share"] or 0)),
            "total": _on_time_line("total", "Все органы", sums)}


def _on_time_line(body: str, name: str, counts) -> dict:
    on_time, late, overdue, on_track = counts
    denominator = on_time + late + overdue + on_track
    return {"body": body, "name": name, "on_time_closed": on_time, "closed": on_time + late,
            "open_overdue": overdue, "open_on_track": on_track,
            "share": round((on_time + on_track) / denominator, 4) if denominator else None}


CSV_PARTS = ("weeks", "problems")


def trends_csv(report: dict, part: str = "weeks") -> str:
    """``weeks``: the weekly counts, one row per week and topic or municipality (the shape a spreadsheet
    pivots); ``problems``: the top recurring problems, the incidents (most authors first) then the repeated
    addresses (most appeals first), one row each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if part == "problems":
        writer.writerow(["kind", "incident_id", "municipality", "address", "topic", "body", "status", "appeals",
                         "authors", "first", "last", "link"])
        for i in report["incidents"]:
            writer.writerow(["incident", i["id"], i["municipality"] or "", i["address"], i["topic"], i["body"] or "",
                             i["status"], i["members"], i["authors"], i["first"], i["last"], i["link"]])
        for r in report["repeats"]:
            writer.writerow(["address", "", r["municipality"] or "", r["address"], r["topic"] or "", "", "",
                             r["appeals"], r["authors"], r["first"], r["last"], ""])
        return out.getvalue()
    writer.writerow(["week_start", "week_end", "dimension", "code", "appeals"])
    for week in report["weeks"]:
        for dimension, counts in (("topic", week["by_topic"]), ("municipality", week["by_municipality"])):
            for code, n in sorted(counts.items()):
                writer.writerow([week["start"], week["end"], dimension, code, n])
    return out.getvalue()


def region_map(rt: Runtime) -> RegionMap:
    """The region's map from the rules folder (rules/map/altai-krai.geojson): the real outline, approximate areas.
    MapDataError (Russian) when the file is missing or broken."""
    return read_region_map(map_path(rt.settings.rules_dir))


def _place_names(rt: Runtime) -> dict[str, str]:
    reader = rt.policy_set.reader
    names = dict(reader.gazetteer.titles) if reader else {}
    names.update(rt.policy_set.directory.municipalities)
    return names


def _zone(rt: Runtime) -> ZoneInfo:
    return ZoneInfo(rt.policy_set.directory_doc.get("timezone") or "UTC")


def _instant(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)
