"""The centre's picture of the region (/analytics): trends by topic and municipality, repeated addresses,
answer compliance by body over time, the on-time panel and the map, drawn as SVG on the server."""

from __future__ import annotations

import logging

from flask import g, render_template, request

from engine.domain.region_map import MapDataError
from engine.services import trends

from ..auth import visible_bodies, visible_sectors
from ..errors import ApiError
from ..runtime import runtime
from . import bp, charts, page

log = logging.getLogger(__name__)


@bp.app_template_filter("local_date")
def _local_date(value: str | None) -> str:
    """An ISO date (YYYY-MM-DD) as дд.мм.гггг."""
    return f"{value[8:10]}.{value[5:7]}.{value[0:4]}" if value else "—"


@bp.get("/analytics")
@page("curator", "manager", "admin")
def analytics():
    rt = runtime()
    try:
        first, last = trends.local_period(rt, request.args.get("from") or None, request.args.get("to") or None)
    except ValueError as exc:
        raise ApiError(422, "invalid_fields", f"Неверный период: {exc}") from None
    report = trends.trends_report(rt, first=first, last=last, bodies=visible_bodies(), sectors=visible_sectors())
    topics = {line["topic"]: line["name"] for line in report["by_topic"]}
    places = {line["municipality"]: line["name"] for line in report["by_municipality"]}
    try:
        region = trends.region_map(rt)
    except MapDataError as exc:  # changed after startup, which checks it: the rest of the page still helps
        log.error("the region map cannot be drawn: %s", exc)
        region, map_svg = None, None
        map_note = f"Карта не показана: {exc}. Остальные разделы страницы построены как обычно."
    else:
        map_note = None
        map_svg = charts.region_map_svg(region, report["map"]["municipalities"], report["map"]["points"], places,
                                        "Карта обращений", tiles=rt.settings.map_tiles)
    return render_template(
        "analytics.html", report=report, caller=g.caller,
        topic_chart=charts.stacked_weeks(report["weeks"], "by_topic", topics, "Обращения по неделям и темам"),
        place_chart=charts.stacked_weeks(report["weeks"], "by_municipality", places,
                                         "Обращения по неделям и муниципалитетам"),
        on_time_chart=charts.share_bars(report["on_time"]["items"], "Доля в срок по органам"),
        map_svg=map_svg, map_note=map_note, region=region,
    )
