"""GET requests/<id> and GET requests: one service request, and the list of requests with the
specification's filters; each as Open311 shows a request (status, agency, expected time)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from flask import request

from engine.domain import time_range
from engine.services import open311
from engine.services.views import clock_view
from engine.wording.staff import zone_words

from ...runtime import runtime
from .. import open311 as endpoint  # the package: MAX_RESULTS, read at each request
from .answers import Open311Error, answer, route
from .catalogue import check_jurisdiction, services_of

if TYPE_CHECKING:
    from engine.runtime import Runtime

DEFAULT_SPAN = timedelta(days=90)  # the list's default window, and the widest one allowed


@route("GET", "/requests/<request_id>")
def get_request(request_id: str, fmt: str):
    rt = runtime()
    found = open311.find_request(int(request_id)) if request_id.isdigit() and len(request_id) < 18 else None
    if found is None:
        raise Open311Error(404, f"no service request {request_id!r}")
    appeal, clocks = found
    reply = open311.latest_replies([appeal.id]).get(appeal.id)
    return answer([request_view(rt, appeal, clocks, reply)], "service_requests", "request")


@route("GET", "/requests")
def list_requests(fmt: str):
    """GET Service Requests: `service_request_id` (comma list; the other filters are then ignored),
    `service_code` (comma list), `start_date`/`end_date` (ISO 8601; at most 90 days apart, the last 90
    days by default), `status` (open, closed, or both comma separated); newest first, at most 1000."""
    rt = runtime()
    now = rt.now()
    args = request.args
    check_jurisdiction(rt, args.get("jurisdiction_id"))
    ids = _list(args, "service_request_id")
    cap = endpoint.MAX_RESULTS
    query = {"ids": None, "categories": None, "start": None, "end": None, "closed": None}
    if ids:
        if len(ids) > cap:
            raise Open311Error(400, f"service_request_id: at most {cap} ids")
        query["ids"] = [int(i) for i in ids if i.isdigit() and len(i) < 18]
    else:
        start, end = _date(rt, args, "start_date"), _date(rt, args, "end_date")
        if start is None and end is None:
            end = now
        start = start if start is not None else end - DEFAULT_SPAN
        end = end if end is not None else start + DEFAULT_SPAN
        if start > end:
            raise Open311Error(400, "start_date is after end_date")
        if end - start > DEFAULT_SPAN:
            raise Open311Error(400, "start_date and end_date may not span more than 90 days")
        statuses = set(_list(args, "status"))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status: expected open, closed or both, comma separated")
        query.update(categories=_list(args, "service_code"), start=start, end=end,
                     closed=None if len(statuses) != 1 else statuses == {"closed"})
    found = open311.list_requests(limit=cap, **query)
    replies = open311.latest_replies([a.id for a, _ in found])
    return answer([request_view(rt, a, clocks, replies.get(a.id)) for a, clocks in found], "service_requests",
                  "request")


def _list(args, name: str) -> list[str]:
    """A parameter given comma separated and/or repeated, without blanks or repeats."""
    values = [v.strip() for given in args.getlist(name) for v in given.split(",")]
    return list(dict.fromkeys(v for v in values if v))


def _date(rt: Runtime, args, name: str) -> datetime | None:
    value = args.get(name)
    if not value:
        return None
    try:
        if len(value) == 10:  # a date alone: midnight in the region's zone
            moment = datetime.combine(date.fromisoformat(value), time(), ZoneInfo(rt.policy_set.directory.timezone))
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name}: expected ISO 8601, e.g. 2026-11-30T10:00:00+07:00") from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name}: give the time zone offset, e.g. +07:00 or Z")
    if not time_range.within(moment):
        raise Open311Error(400, f"{name}: expected a time within {time_range.RANGE_TEXT}")
    return moment


def request_view(rt: Runtime, appeal, clocks, reply=None) -> dict:
    """A stored appeal as an Open311 service request; times in the responsible body's zone.

    ``status`` is open or closed (GeoReport v2); ``status_notes`` the latest message to the resident (what
    rules/replies.yaml made of the acknowledgement, the answer…), else the status in Russian;
    ``service_notice`` the term in words; ``expected_datetime`` its due time (the answer's term, else the
    first response's while the answer's waits for an interim answer); ``updated_datetime`` the last change
    of the appeal or of its messages."""
    policy_set = rt.policy_set
    zone = ZoneInfo(policy_set.calendar_for(appeal.body).timezone if appeal.body else policy_set.directory.timezone)
    now = rt.now()
    views = [clock_view(rt, c, now) for c in clocks]
    term = expected_term(views)
    body = rt.policy_set.directory.bodies.get(appeal.body) if appeal.body else None
    topic = services_of(rt).get(appeal.category) if appeal.category else None
    closed = open311.is_closed(appeal.status)
    updated = max(filter(None, (appeal.updated_at, reply.created_at if reply else None,
                                reply.sent_at if reply else None)))
    return {
        "service_request_id": str(appeal.id),
        "status": "closed" if closed else "open",
        "status_notes": reply.text if reply else sentence(policy_set.labels("status", appeal.status)),
        "service_name": topic.name if topic else None,
        "service_code": appeal.category,
        "description": appeal.text,
        "agency_responsible": body.name if body else None,
        "service_notice": None if closed or term is None else term_notice(rt, term, body),
        "requested_datetime": appeal.received_at.astimezone(zone).isoformat(),
        "updated_datetime": updated.astimezone(zone).isoformat(),
        "expected_datetime": term["due"] if term else None,
        "address": appeal.address,
        "address_id": None,
        "zipcode": None,
        "lat": appeal.lat,
        "long": appeal.long,
        "media_url": (appeal.attachments or [None])[0],
    }


ANSWER_TERMS = ("answer", "final_answer")


def expected_term(views: list[dict]) -> dict | None:
    """The clock whose due time the request expects: the answer's (a pending one counts only once it started),
    else the earliest running one, else (all stopped) the answer's as it was."""
    running = [v for v in views if v["stopped_at"] is None and not v["waits_for"]]
    for kind in ANSWER_TERMS:
        found = next((v for v in running if v["kind"] == kind), None)
        if found:
            return found
    if running:
        return min(running, key=lambda v: v["due_utc"])
    return next((v for v in views if v["kind"] in ANSWER_TERMS), None) or (views[-1] if views else None)


def term_notice(rt: Runtime, term: dict, body) -> str:
    """«Срок ответа по 59-ФЗ — до 30.12.2026 23:59 (барнаульское время (UTC+7)), отвечает …»: the zone by its
    Russian name, as a resident reads it."""
    due = datetime.fromisoformat(term["due"])
    words = sentence(rt.policy_set.labels.deadline(term["kind"], term["policy"]))
    text = f"{words} — до {due:%d.%m.%Y %H:%M} ({zone_words(term['timezone'], rt.policy_set.labels, due)})"
    return f"{text}; отвечает {body.name}" if body else text


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
