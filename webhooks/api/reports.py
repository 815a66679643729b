"""GET /api/v1/reports/sla (JSON or ?format=csv) and GET /api/v1/reports/at-risk.

SLA compliance = on_time_closed / (closed + open_overdue) over the clocks due in the period;
the response states the formula and its definitions (see engine.services.reports). Both count
only the appeals the caller may see, the scope of the appeals list (a sector manager: the
sector's bodies), and say so in ``scope``.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from marshmallow import RAISE, Schema, fields, validate

from engine.services import reports, trends

from ..auth import require_role, visible_bodies, visible_sectors
from ..errors import ApiError
from ..runtime import runtime

bp = Blueprint("reports", __name__, url_prefix="/api/v1/reports")

READERS = ("manager", "policy", "admin", "curator")
FILTERS = ("body", "topic", "municipality", "channel", "policy")


class SlaQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    from_ = fields.String(data_key="from", metadata={"description": "YYYY-MM-DD (местный день) или ISO 8601"})
    to = fields.String(metadata={"description": "YYYY-MM-DD включительно или ISO 8601; по умолчанию сейчас"})
    group_by = fields.String(load_default="body", validate=validate.OneOf(reports.GROUPS))
    clock = fields.String(metadata={"description": "виды часов через запятую; по умолчанию answer,final_answer"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))
    body = fields.String()
    topic = fields.String()
    municipality = fields.String()
    channel = fields.String()
    policy = fields.String()


class AtRiskQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    hours = fields.Integer(load_default=8, validate=validate.Range(min=1, max=500),
                           metadata={"description": "горизонт в рабочих часах органа"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


def _csv(text: str, name: str) -> Response:
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/sla")
@require_role(*READERS)
def sla():
    """SLA compliance per body, topic, municipality, channel, policy, clock kind or month.

    compliance = on_time_closed / (closed + open_overdue), over clocks (by default answer and
    final_answer) whose due time falls in [from, to). closed: stopped by now; on_time_closed:
    stopped no later than due; open_overdue: not stopped and past due (a clock paused before its
    due time waits for the author and is pending). Pending clocks are outside the formula.
    Only the appeals in the caller's scope count (a sector manager: the sector's bodies).
    """
    args = SlaQuerySchema().load(request.args.to_dict())
    rt = runtime()
    try:
        start, end = reports.period(rt, args.get("from_"), args.get("to"))
    except ValueError as exc:
        raise ApiError(422, "invalid_fields", str(exc), {"from/to": [str(exc)]}) from None
    kinds = tuple(k.strip() for k in args["clock"].split(",") if k.strip()) if args.get("clock") else \
        reports.DEFAULT_KINDS
    filters = {name: args[name] for name in FILTERS if args.get(name)}
    report = reports.sla_report(rt, start=start, end=end, group_by=args["group_by"], kinds=kinds, filters=filters,
                                bodies=visible_bodies(), sectors=visible_sectors())
    if args["format"] == "csv":
        return _csv(reports.sla_csv(report), f"sla-{args['group_by']}.csv")
    return jsonify(report)


sla.query_schema = SlaQuerySchema


@bp.get("/at-risk")
@require_role(*READERS)
def at_risk():
    """Running clocks that will breach within the next N working hours of their body (default 8).

    Only the appeals in the caller's scope are listed (a sector manager: the sector's bodies).
    """
    args = AtRiskQuerySchema().load(request.args.to_dict())
    report = reports.at_risk(runtime(), working_hours=args["hours"], bodies=visible_bodies(),
                             sectors=visible_sectors())
    if args["format"] == "csv":
        return _csv(reports.at_risk_csv(report), "at-risk.csv")
    return jsonify(report)


at_risk.query_schema = AtRiskQuerySchema


class TrendsQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    from_ = fields.String(data_key="from", metadata={"description": "YYYY-MM-DD, первый местный день периода"})
    to = fields.String(metadata={"description": "YYYY-MM-DD включительно; по умолчанию сегодня (12 недель)"})
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))
    part = fields.String(load_default="weeks", validate=validate.OneOf(trends.CSV_PARTS),
                         metadata={"description": "для CSV: weeks — недельные числа, problems — повторяющиеся "
                                                  "проблемы (инциденты и адреса)"})


@bp.get("/trends")
@require_role(*READERS)
def trends_report():
    """The centre's picture of the region: appeals per week by topic and municipality, change, repeats, SLA.

    Appeals received per week (weeks start on the period's first local day) by topic and by
    municipality, each with the change against the previous period of the same length; the top
    recurring problems: incidents with a report in the period (members, distinct authors, address,
    body, status, link; most authors first) and addresses written in two or more appeals; answer
    compliance by body month by month (the formula of /reports/sla); the on-time panel over answer
    clocks started in the period, open ones included:
    on_time = (on_time_closed + open_on_track) / (closed + open_overdue + open_on_track); the map's
    appeals with coordinates. ``format=csv``: the weekly counts, one row per week and code;
    with ``part=problems`` the incidents and repeated addresses, one row each.
    Only the appeals in the caller's scope count.
    """
    args = TrendsQuerySchema().load(request.args.to_dict())
    rt = runtime()
    try:
        first, last = trends.local_period(rt, args.get("from_"), args.get("to"))
    except ValueError as exc:
        raise ApiError(422, "invalid_fields", str(exc), {"from/to": [str(exc)]}) from None
    report = trends.trends_report(rt, first=first, last=last, bodies=visible_bodies(), sectors=visible_sectors())
    if args["format"] == "csv":
        part = args["part"]
        return _csv(trends.trends_csv(report, part), f"trends-{part}-{report['from']}-{report['to']}.csv"
                    if part != "weeks" else f"trends-{report['from']}-{report['to']}.csv")
    return jsonify(report)


trends_report.query_schema = TrendsQuerySchema
trends_report.responses = {"200": "отчёт (JSON) или недельные числа (CSV)",
                           "422": "неверный период (даты YYYY-MM-DD, не больше 106 недель)"}
