"""`appeals rules vocabulary|test|check|publish|export|versions|history|diff|rollback|simulate`."""

from __future__ import annotations

import getpass
import json
import re
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from . import CommandError, policy_set_for, runtime_for
from .monitor_cases import add_cases_command
from .simulation_report import print_summary


def register(sub) -> None:
    rules = sub.add_parser("rules", help="routing rules: vocabulary, tests, checks, versions, backtest")
    cmds = rules.add_subparsers(dest="rules_command", required=True)
    p = cmds.add_parser("vocabulary", help="facts, operators and outcomes (then) of the rule language, as tables")
    p.add_argument("--json", action="store_true")
    p.add_argument("--markdown", action="store_true",
                   help="the vocabulary section of rules/README.md, a worked example for each operator and outcome")
    p.add_argument("--write", type=Path, metavar="README",
                   help="with --markdown: replace that section of README (between its markers) instead of printing it")
    p.set_defaults(handler=cmd_vocabulary)
    p = cmds.add_parser("test", help="run every case of every *_test.yaml (routing, escalation, deadline policies); "
                                      "non-zero exit on a failure")
    p.add_argument("dir", nargs="?", type=Path)
    p.set_defaults(handler=cmd_test)
    p = cmds.add_parser("check", help="schema, references, engine limits, static analysis, coverage, cases")
    p.add_argument("dir", nargs="?", type=Path)
    p.add_argument("--json", action="store_true")
    p.add_argument("--verbose", action="store_true", help="also list overlaps (information)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds the trial build may take")
    p.set_defaults(handler=cmd_check)
    p = cmds.add_parser("publish", help="store the folder as a new version and make it active (if it passes)")
    p.add_argument("dir", type=Path)
    p.add_argument("--comment", required=True)
    p.add_argument("--author", help="who publishes (default: the login name)")
    p.set_defaults(handler=cmd_publish)
    p = cmds.add_parser("export", help="write the active (or a given) version into a folder")
    p.add_argument("dir", nargs="?", type=Path)
    p.add_argument("--version", type=int)
    p.add_argument("--clean", action="store_true", help="delete YAML files the version does not have")
    p.set_defaults(handler=cmd_export)
    p = cmds.add_parser("versions", help="stored versions, newest first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_versions)
    p = cmds.add_parser("history", help="every publish and rollback: who, when, why")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_history)
    p = cmds.add_parser("diff", help="rule-level difference of two versions")
    p.add_argument("old", type=int)
    p.add_argument("new", type=int)
    p.set_defaults(handler=cmd_diff)
    p = cmds.add_parser("rollback", help="make an earlier version active again")
    p.add_argument("version", type=int)
    p.add_argument("--reason", required=True)
    p.add_argument("--author")
    p.set_defaults(handler=cmd_rollback)
    p = cmds.add_parser("simulate", help="replay stored appeals through a draft and the active version")
    p.add_argument("dir", type=Path)
    p.add_argument("--since", default="30d", help="how far back: 30d, 12h, 2w (default 30d)")
    p.add_argument("--limit", type=int)
    p.add_argument("--workers", type=int, help="processes to replay in (default: one per core for large runs)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_simulate)
    add_cases_command(cmds)


def _table(rows: list[dict]) -> str:
    keys = list(rows[0])
    widths = {k: max(len(k), *(len(str(r[k])) for r in rows)) for k in keys}
    lines = [" | ".join(k.ljust(widths[k]) for k in keys), "-+-".join("-" * widths[k] for k in keys)]
    lines += [" | ".join(str(r[k]).ljust(widths[k]) for k in keys) for r in rows]
    return "\n".join(lines)


VOCABULARY_TITLES = {"facts": "ФАКТЫ (when)", "operators": "ОПЕРАТОРЫ (op)", "outcomes": "ДЕЙСТВИЯ ПРАВИЛА (then)"}


def cmd_vocabulary(args, settings):
    from engine.rulebook import fact_table, operator_table, outcome_table
    from engine.rulebook.vocabulary_doc import vocabulary_markdown, with_vocabulary

    if args.write and not args.markdown:
        raise CommandError("--write указывается вместе с --markdown")
    if args.markdown:
        if not args.write:
            print(vocabulary_markdown())
            return 0
        try:
            text = args.write.read_text(encoding="utf-8")
            args.write.write_text(with_vocabulary(text), encoding="utf-8")
        except (OSError, ValueError) as exc:
            raise CommandError(f"{args.write}: {exc}") from None
        print(f"{args.write}: раздел словаря обновлён")
        return 0
    tables = {"facts": fact_table(), "operators": operator_table(), "outcomes": outcome_table()}
    if args.json:
        print(json.dumps(tables, ensure_ascii=False, indent=2))
        return 0
    for key, rows in tables.items():
        print(f"{VOCABULARY_TITLES[key]}\n{_table(rows)}\n")
    return 0


def cmd_test(args, settings):
    from engine.rulebook.cases import run_cases

    folder = args.dir or settings.rules_dir
    policy = policy_set_for(settings.__class__.from_env(rules_dir=folder) if args.dir else settings)
    report = run_cases(policy, folder)
    for r in report.results:
        mark = "ок  " if r.passed else "СБОЙ"
        print(f"{mark} {r.file}: {r.name}" + ("" if r.passed else "\n       " + "\n       ".join(r.failures)))
    for e in report.errors:
        print(f"ОШИБКА {e}")
    print(f"\n{report.totals()}")
    for line in report.gaps():
        print(line)
    return 0 if report.ok else 1


def cmd_check(args, settings):
    from engine.services.rules.check import check_folder

    report = check_folder(args.dir or settings.rules_dir, timeout=args.timeout)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return 0 if report.ok else 1
    print(format_check(report, verbose=args.verbose))
    return 0 if report.ok else 1


def format_check(report, *, verbose: bool = False) -> str:
    lines = [f"версия правил {report.version or '—'}: правил {report.rules}"]
    shown = [f for f in report.findings if verbose or f.level != "info"]
    lines += [f.text() for f in shown]
    info = sum(f.level == "info" for f in report.findings)
    if info and not verbose:
        lines.append(f"(пересечений правил: {info}, это сведения; --verbose перечисляет их)")
    lines += [f"СБОЙ    случай {c['file']}: {c['case']}: {'; '.join(c['failures'])}" for c in report.cases_failed]
    lines += [f"ОШИБКА  {e}" for e in report.case_errors]
    if report.uncovered_rules:
        lines.append("ВНИМАНИЕ правила, которые не проверяет ни один случай: " + ", ".join(report.uncovered_rules))
    if report.uncovered_policies:
        lines.append("ВНИМАНИЕ политики сроков без случаев: " + ", ".join(report.uncovered_policies))
    if report.coverage:
        gaps = report.coverage["to_fallback"]
        lines.append(f"покрытие: {len(gaps)} из {report.coverage['combinations']} сочетаний тема × муниципалитет "
                     f"уходят в {report.coverage['fallback_rule']}")
        lines += [f"  {g['topic']} × {g['municipality']}" for g in gaps]
    if report.build_seconds is not None:
        lines.append(f"сборка движка (дочерний процесс): {report.build_seconds:.2f} с; "
                     f"случаи: {report.cases_passed} пройдено, {len(report.cases_failed)} не пройдено")
    lines.append("ОК: правила можно публиковать" if report.ok
                 else "НЕ ОК: исправьте ошибки выше, иначе правила не опубликовать")
    return "\n".join(lines)


def _actor(args) -> str:
    return f"cli:{args.author or getpass.getuser()}"


@contextmanager
def _refusals(show_report: bool = False):
    """A refused rules operation becomes a CommandError (the check's findings on stderr first)."""
    from engine.services.rules.versions import RulesRefused

    try:
        yield
    except RulesRefused as exc:
        if show_report and exc.report is not None:
            print(format_check(exc.report), file=sys.stderr)
        raise CommandError(str(exc)) from None


def _stored(settings, call, *, show_report: bool = False):
    """``call(runtime)`` on the database of these settings, refusals as a CommandError."""
    from engine.services.database import connection

    rt = runtime_for(settings)
    with connection(), _refusals(show_report):
        return call(rt)


def _read_folder(folder: Path) -> dict[str, str]:
    from engine.domain.region_map import MapDataError
    from engine.policyset.region_map_file import check_folder_map
    from engine.rulebook.snapshot import SnapshotError, read_tree

    try:
        check_folder_map(folder)  # the map is not stored with a version: the folder's must be sound
        return read_tree(folder)
    except (SnapshotError, MapDataError) as exc:
        raise CommandError(str(exc)) from None


def _print_items(items: list[dict], as_json: bool, line) -> None:
    if as_json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return
    for item in items:
        print(line(item))


def cmd_publish(args, settings):
    from engine.services.rules import versions

    files = _read_folder(args.dir)
    def call(rt):
        return versions.publish(files, actor=_actor(args), comment=args.comment, now=rt.now(), folder=rt.policy_set)

    version, _ = _stored(settings, call, show_report=True)
    print(f"опубликована версия {version['id']} (правила {version['rules_version']}); она действует")
    return 0


def cmd_export(args, settings):
    from engine.services.rules import versions

    target = args.dir or settings.rules_dir
    version, extra = _stored(settings, lambda rt: versions.export(target, args.version, clean=args.clean))
    print(f"версия {version['id']} записана в {target}")
    for rel in extra:
        print(f"{'удалён' if args.clean else 'нет в версии'}: {rel}")
    return 0


def cmd_versions(args, settings):
    from engine.services.rules import versions

    def line(v: dict) -> str:
        return f"{'*' if v['active'] else ' '} {v['id']:>4}  {v['created_at']}  {v['author']}  {v['comment']}"

    _print_items(_stored(settings, lambda rt: versions.versions()), args.json, line)
    return 0


def cmd_history(args, settings):
    from engine.services.rules import versions

    _print_items(_stored(settings, lambda rt: versions.history()), args.json,
                 lambda a: f"{a['at']}  {a['action']:<8} version {a['version']:>4}  {a['actor']}: {a['reason']}")
    return 0


def cmd_diff(args, settings):
    from engine.services.rules import versions

    print(json.dumps(_stored(settings, lambda rt: versions.diff(args.old, args.new)), ensure_ascii=False, indent=2))
    return 0


def cmd_rollback(args, settings):
    from engine.services.rules import versions

    version = _stored(settings, lambda rt: versions.rollback(args.version, actor=_actor(args), reason=args.reason,
                                                          now=rt.now()))
    print(f"версия {version['id']} снова действует")
    return 0


def parse_since(text: str) -> timedelta:
    m = re.fullmatch(r"(\d+)([hdw])", text.strip())
    if not m:
        raise CommandError(f"--since: нужно число и h, d или w (например, 30d), а не {text!r}")
    n, unit = int(m.group(1)), m.group(2)
    return {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]


def cmd_simulate(args, settings):
    from engine.services.rules import backtest

    since = parse_since(args.since)
    files = _read_folder(args.dir)

    def progress(done: int, total: int) -> None:
        print(f"\rвоспроизведено {done} из {total}", end="", file=sys.stderr, flush=True)

    rt, result = _stored(settings, lambda rt: (rt, backtest.simulate_draft(
        files, rt.policy_set, since=rt.now() - since, limit=args.limit, progress=progress, workers=args.workers)))
    print(file=sys.stderr)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print_summary(rt, result)
    return 0
