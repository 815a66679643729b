"""The queue page (/queue): the caller's appeals found by words, number or contact, filtered, sorted and
paged; without conditions, the open ones by their nearest due time. Saved filters of the caller
(«мои просроченные») and the export of the list as CSV or XLSX (the API's export, same parameters)."""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, url_for

from engine.domain.vocabulary import PRIORITIES, STATUSES
from engine.services import saved_filters
from engine.services.appeal_search import search_appeals
from engine.services.credentials import list_channels
from engine.wording.alerts import utc_offset

from ..api.appeal_search_args import read_search
from ..errors import ApiError
from ..runtime import runtime
from . import bp, page

DEFAULT = {"status": "open", "sort": "due"}  # the queue as it opens: what is still to do, soonest due first
FIELD_TITLES = {"q": "поиск", "channel": "канал", "status": "статус", "body": "орган", "topic": "тема",
                "municipality": "муниципальное образование", "priority": "приоритет", "overdue": "просрочено",
                "on_control": "на контроле",
                "at_risk": "срок на исходе", "at_risk_hours": "часов до срока", "received_from": "поступило с",
                "received_to": "поступило по", "sort": "порядок", "page": "страница", "limit": "на странице",
                "cursor": "продолжение"}
SORT_TITLES = {"due": "ближайший срок первым", "newest": "сначала новые", "oldest": "сначала старые"}
STATUS_GROUP_TITLES = {"open": "все незавершённые", "closed": "все завершённые"}


def _query(args) -> dict[str, str]:
    return {k: v for k, v in args.items() if v != "" and k != "page"}


@bp.get("/queue")
@page("official", "manager", "admin")
def queue():
    rt = runtime()
    directory = rt.policy_set.directory
    asked = _query(request.args)
    numbered = {"page": request.args["page"]} if request.args.get("page") else {}
    try:
        search, _ = read_search({**(asked or DEFAULT), **numbered}, zone=directory.timezone)
    except ApiError as exc:
        wrong = ", ".join(FIELD_TITLES.get(k, k) for k in sorted(exc.fields or {}))
        flash(f"Условия поиска не поняты ({wrong}); показаны открытые обращения.", "error")
        asked = {}
        search, _ = read_search(DEFAULT)
    found = search_appeals(rt, g.caller, search)
    now = rt.now()
    labels = rt.policy_set.labels
    shown = asked or DEFAULT
    items = [{"appeal": a, "due": due, "overdue": due is not None and due < now} for a, due in found.items]
    return render_template(
        "queue.html", items=items, found=found, now=now, labels=labels, asked=shown, searched=bool(asked),
        zone=utc_offset(now.astimezone(ZoneInfo(directory.timezone))), options=_options(rt), sort_titles=SORT_TITLES,
        filters=saved_filters.my_filters(g.caller),
        page_url=lambda n: url_for("web.queue") + "?" + urlencode({**shown, "page": n}),
        export_url=lambda fmt: url_for("appeals.export_appeals") + "?" + urlencode({**shown, "format": fmt}),
    )


def _options(rt) -> dict[str, list[tuple[str, str]]]:
    """(code, Russian name) for each filter with a closed list of values."""
    policy = rt.policy_set
    labels = policy.labels
    directory = policy.directory
    topics = sorted(labels.tables.get("topic", {}).items(), key=lambda item: item[1])
    return {
        "status": [(k, v) for k, v in STATUS_GROUP_TITLES.items()] + [(s, labels("status", s)) for s in STATUSES],
        "body": sorted(((b.id, b.name) for b in directory.bodies.values()), key=lambda item: item[1]),
        "topic": topics,
        "municipality": sorted(directory.municipalities.items(), key=lambda item: item[1]),
        "channel": sorted(((c.name, labels("channel", c.name)) for c in list_channels()), key=lambda item: item[1]),
        "priority": [(p, labels("priority", p)) for p in PRIORITIES],
        "on_control": [("true", "на контроле"), ("false", "не на контроле")],
    }


@bp.post("/queue/filters")
@page("official", "manager", "admin")
def save_filter():
    query = {k: v for k, v in request.form.items() if k not in ("csrf_token", "name") and v != ""}
    try:
        read_search(query)
        kept = saved_filters.save_filter(runtime(), g.caller, request.form.get("name", ""), query)
    except ApiError:
        flash("Фильтр не сохранён: условия поиска не поняты.", "error")
        return redirect(url_for("web.queue"))
    except saved_filters.SavedFilterRefused as exc:
        flash(f"Фильтр не сохранён: {exc}.", "error")
        return redirect(url_for("web.queue") + "?" + urlencode(query))
    flash(f"Фильтр «{kept['name']}» сохранён.", "ok")
    return redirect(url_for("web.queue") + "?" + urlencode(kept["query"]))


@bp.post("/queue/filters/<int:filter_id>/delete")
@page("official", "manager", "admin")
def delete_filter(filter_id: int):
    try:
        saved_filters.delete_filter(g.caller, filter_id)
    except saved_filters.SavedFilterNotFound:
        raise ApiError(404, "not_found", "такого фильтра у вас нет") from None
    flash("Фильтр удалён.", "ok")
    return redirect(url_for("web.queue"))
