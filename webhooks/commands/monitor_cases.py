"""`appeals rules cases --from-marks`: the «не обращение» marks as cases of the complaint stage."""

from __future__ import annotations

import sys

import yaml

from . import CommandError, runtime_for


def add_cases_command(cmds) -> None:
    p = cmds.add_parser("cases", help="cases made of staff marks: --from-marks prints the «не обращение» marks "
                                      "as cases for rules/routing/monitoring_test.yaml")
    p.add_argument("--from-marks", action="store_true", required=True)
    p.set_defaults(handler=cmd_cases)


def cmd_cases(args, settings):
    from engine.services.database import connection
    from engine.services.monitor_marks import cases_from_marks

    runtime_for(settings)
    with connection():
        cases = cases_from_marks()
    if not cases:
        raise CommandError("отметок «не обращение» пока нет")
    sys.stdout.write(yaml.safe_dump({"cases": cases}, allow_unicode=True, sort_keys=False, width=120))
    return 0
