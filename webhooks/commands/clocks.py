"""`appeals clocks recompute` and `appeals report sla|at-risk`: deadlines after a calendar or policy change, and SLA."""

from __future__ import annotations

import json
import sys

from . import CommandError, runtime_for


def register(sub) -> None:
    clocks = sub.add_parser("clocks", help="open deadlines").add_subparsers(dest="clocks_command", required=True)
    p = clocks.add_parser("recompute", help="recount open clocks with the current calendar and policies (audited)")
    p.add_argument("--appeal", type=int, help="only this appeal's clocks")
    p.add_argument("--reason", required=True, help="why (recorded in every clock's audit event)")
    p.add_argument("--actor", default="cli", help="who runs it, for the audit log")
    p.add_argument("--dry-run", action="store_true", help="report what would move, change nothing")
    p.set_defaults(handler=cmd_recompute)

    report = sub.add_parser("report", help="SLA reports").add_subparsers(dest="report_command", required=True)
    p = report.add_parser("sla", help="compliance = on_time_closed / (closed + open_overdue)")
    p.add_argument("--from", dest="start", help="YYYY-MM-DD (local day) or ISO 8601 with offset; default 30 days ago")
    p.add_argument("--to", dest="end", help="YYYY-MM-DD inclusive or ISO 8601 with offset; default now")
    p.add_argument("--group-by", default="body")
    p.add_argument("--clock", help="clock kinds, comma-separated (default answer,final_answer)")
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.set_defaults(handler=cmd_report_sla)
    p = report.add_parser("at-risk", help="running clocks that breach within N working hours")
    p.add_argument("--hours", type=int, default=8)
    p.add_argument("--format", choices=("json", "csv"), default="json")
    p.set_defaults(handler=cmd_report_at_risk)


def cmd_recompute(args, settings):
    from engine.services.database import connection
    from engine.services.recompute import recompute

    rt = runtime_for(settings)
    with connection():
        try:
            report = recompute(rt, actor=args.actor, reason=args.reason, appeal_id=args.appeal, dry_run=args.dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    print(json.dumps({"dry_run": args.dry_run, "policy_set": rt.policy_set.version, **report.as_dict()},
                     ensure_ascii=False))


def cmd_report_sla(args, settings):
    from engine.services import reports
    from engine.services.database import connection

    rt = runtime_for(settings)
    kinds = tuple(k.strip() for k in args.clock.split(",") if k.strip()) if args.clock else reports.DEFAULT_KINDS
    with connection():
        try:
            start, end = reports.period(rt, args.start, args.end)
            report = reports.sla_report(rt, start=start, end=end, group_by=args.group_by, kinds=kinds)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    _print(report, reports.sla_csv, args.format)


def cmd_report_at_risk(args, settings):
    from engine.services import reports
    from engine.services.database import connection

    rt = runtime_for(settings)
    with connection():
        try:
            report = reports.at_risk(rt, working_hours=args.hours)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    _print(report, reports.at_risk_csv, args.format)


def _print(report: dict, to_csv, fmt: str) -> None:
    if fmt == "csv":
        sys.stdout.write(to_csv(report))
    else:
        print(json.dumps(report, ensure_ascii=False, indent=2))
