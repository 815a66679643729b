"""GET /api/v1/appeals (search, filters, sort, pages), its export to CSV or XLSX, and /api/v1/appeals/<id>."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from engine.services.actions import allowed_actions
from engine.services.appeal_export import EXPORT_LIMIT, export_csv, export_xlsx, record_export
from engine.services.appeal_queries import latest_decision
from engine.services.appeal_search import every_match, search_appeals
from engine.services.database import consistent_read
from engine.services.timeline import timeline
from engine.services.views import appeal_detail, appeal_summary, iso

from ..auth import require_role, visible_appeal
from ..runtime import runtime
from .appeal_search_args import AppealExportQuerySchema, AppealSearchQuerySchema, read_search

bp = Blueprint("appeals", __name__, url_prefix="/api/v1/appeals")

STAFF = ("official", "manager", "policy", "admin", "curator")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("")
@require_role(*STAFF)
def list_appeals():
    """Appeals the caller sees: search, filters, sort and pages.

    `q` finds every word of the text, address or author's name in any of its forms («яма» finds «ямы»),
    an appeal's number or the author's e-mail or phone; `total` counts everything found. Pages by
    `page` and `limit`, or (newest first) by `next_cursor`."""
    search, _ = read_search(request.args)
    found = search_appeals(runtime(), g.caller, search)
    return jsonify({
        "items": [dict(appeal_summary(record), due=iso(due)) for record, due in found.items],
        "total": found.total, "page": found.page, "pages": found.pages, "next_cursor": found.next_cursor,
    })


list_appeals.query_schema = AppealSearchQuerySchema
list_appeals.responses = {"200": "найденные обращения, их число и страницы", "400": "неверный параметр"}


@bp.get("/export")
@require_role(*STAFF)
def export_appeals():
    """The list as the same search finds it, as a CSV or an Excel (XLSX) file with Russian column names.

    At most 10 000 appeals; times in the region's time zone."""
    search, data = read_search(request.args, schema=AppealExportQuerySchema)
    rt = runtime()
    rows = list(every_match(rt, g.caller, search, limit=EXPORT_LIMIT))
    stamp = rt.now().strftime("%Y%m%d-%H%M")
    if data["format"] == "csv":
        body, mimetype = export_csv(rt, rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = export_xlsx(rt, rows), XLSX
    record_export(rt, g.caller, file_format=data["format"], query=request.args.to_dict(), rows=len(rows))
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="appeals-{stamp}.{data["format"]}"'})


export_appeals.query_schema = AppealExportQuerySchema
export_appeals.responses = {"200": "файл CSV (разделитель «;», UTF-8 с BOM) или XLSX", "400": "неверный параметр"}


@bp.get("/<int:appeal_id>")
@require_role(*STAFF)
def get_appeal(appeal_id: int):
    with consistent_read():  # the record, its decision, conversation and timeline of one moment
        record = visible_appeal(appeal_id)
        rt = runtime()
        view = appeal_detail(rt, record)
        view["timeline"] = timeline(appeal_id, rt.policy_set.labels)
    view["allowed_actions"] = allowed_actions(record.status, g.caller.role, record.on_control)
    return jsonify(view)


@bp.get("/<int:appeal_id>/decision")
@require_role(*STAFF)
def get_decision(appeal_id: int):
    visible_appeal(appeal_id)
    return jsonify(latest_decision(appeal_id, runtime().policy_set.labels))
