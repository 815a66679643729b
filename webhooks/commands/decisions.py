"""What the rules decide, without storing anything: `appeals route` and `appeals deadline`."""

from __future__ import annotations

import json
import sys
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

from . import CommandError, parse_instant, policy_set_for


def register(sub) -> None:
    p = sub.add_parser("route", help="print the routing decision for an appeal without storing it")
    p.add_argument("--json", dest="json_file", required=True, help="a file in the generic appeal format, - for stdin")
    p.add_argument("--explain", action="store_true", help="explain every rule considered")
    p.set_defaults(handler=cmd_route)

    p = sub.add_parser("deadline", help="print the clocks a deadline policy gives for a start time")
    p.add_argument("--policy", required=True)
    p.add_argument("--start", required=True, type=parse_instant)
    p.add_argument("--body", help="the body whose calendar counts (default: the directory's triage_body)")
    p.add_argument("--extend", type=int, default=0, help="extend the answer clock by DAYS (within policy limits)")
    p.add_argument("--category", help="portal message category (the policy's by_category table)")
    p.add_argument("--subcategory")
    p.add_argument("--special", help="59-ФЗ special outcome: unreadable, undeterminable, court_decision, ...")
    p.add_argument("--interim", type=parse_instant,
                   help="when the interim answer is given: counts the clocks that start from it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_deadline)


def cmd_route(args, settings):
    from marshmallow import ValidationError

    from engine.runtime import system_clock
    from webhooks.channels.generic import load_appeal

    text = sys.stdin.read() if args.json_file == "-" else Path(args.json_file).read_text(encoding="utf-8")
    policy = policy_set_for(settings)
    try:
        incoming = load_appeal(json.loads(text), channel="cli", now=system_clock())
    except json.JSONDecodeError as exc:
        raise CommandError(str(exc)) from None
    except ValidationError as exc:
        raise CommandError(f"обращение не годится: {json.dumps(exc.messages, ensure_ascii=False)}") from None
    decision = policy.decide(incoming)
    output = decision.to_dict()
    if not args.explain:
        output.pop("explanation", None)
    print(json.dumps(output, ensure_ascii=False, indent=2))
    if args.explain:
        print(decision.explain_text(policy.labels))  # names beside the codes


def cmd_deadline(args, settings):
    """Every clock of a policy for a receipt at --start. A clock that starts at the interim answer
    is counted from --interim when given (never past its hard cap from --start); without it the
    clock is shown as waiting, with its term in words and its cap, if any."""
    from engine.domain.businesstime import working_time_between
    from engine.domain.deadlines import policy_clocks

    policy_set = policy_set_for(settings)
    policy = policy_set.policies.get(args.policy)
    if policy is None:
        raise CommandError(f"нет политики сроков {args.policy!r}; есть: {', '.join(sorted(policy_set.policies))}")
    body = args.body or policy_set.directory.triage_body
    if body not in policy_set.directory.bodies:
        raise CommandError(f"в справочнике нет органа {body!r}")
    if args.special and policy.special(args.special) is None:
        known = ", ".join(s.outcome for s in policy.special_outcomes) or "ни одного"
        raise CommandError(f"у политики {policy.id} нет особого случая {args.special!r}; есть: {known}")
    cal = policy_set.calendar_for(body)
    zone = ZoneInfo(cal.timezone)
    start = args.start.astimezone(UTC)
    interim = args.interim.astimezone(UTC) if args.interim else None
    if interim is not None and interim < start:
        raise CommandError("--interim не может быть раньше --start")
    try:
        computed = policy_clocks(policy, start, cal, category=args.category, subcategory=args.subcategory,
                                 special=args.special, interim_at=interim, extension_days=args.extend)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    clocks = []
    for spec, clock in computed:
        extension = args.extend if spec.max_extension_days else 0
        cap = spec.cap_at(start)
        line = {"kind": spec.kind, "basis": spec.basis, "amount": spec.amount + extension,
                "extension_days": extension, "starts_from": spec.starts_from, "term": spec.describe(),
                "cap": cap.astimezone(zone).isoformat() if cap else None, "cap_utc": cap.isoformat() if cap else None}
        if clock is None or clock.waits_for:  # waits for an interim answer that --interim did not give
            clocks.append({**line, "starts": None, "due": None, "due_utc": None, "working_seconds": None,
                           "provisional_years": None})
            continue
        clocks.append({
            **line,
            "starts": clock.starts_at.astimezone(zone).isoformat(),
            "due": clock.due_at.astimezone(zone).isoformat(),
            "due_utc": clock.due_at.astimezone(UTC).isoformat(),
            "working_seconds": int(working_time_between(clock.starts_at, clock.due_at, cal).total_seconds()),
            # years counted on the provisional calendar (no official data yet), e.g. "2028"
            "provisional_years": clock.provisional_years,
        })
    if args.json:
        print(json.dumps({"policy": policy.id, "clocks": clocks}, ensure_ascii=False))
        return 0
    _print_clocks(policy_set, policy, cal, start, interim, clocks)
    return 0


def _print_clocks(policy_set, policy, cal, start, interim, clocks) -> None:
    """The clocks of ``appeals deadline`` in words: local times of the body's zone, named once."""
    from engine.wording.staff import local_time, zone_words
    from engine.wording.terms import term_words

    labels, zone = policy_set.labels, cal.timezone
    print(f"{policy.title} ({policy.id}): версия {policy.version}, календарь {cal.version}")
    print(f"время: {zone_words(zone, labels, start)}")
    print(f"начало: {local_time(start, zone)}")
    if interim is not None:
        print(f"промежуточный ответ: {local_time(interim, zone)}")
    for c in clocks:
        term = term_words(c["amount"], c["basis"], c["starts_from"])
        if c["due"] is None:
            cap = f"; не позже {local_time(c['cap'], zone)}" if c["cap"] else ""
            print(f"  {labels('clock', c['kind'])}: {term} — ещё не начат (укажите --interim, чтобы его посчитать)"
                  f"{cap}")
            continue
        hours = f"{c['working_seconds'] / 3600:.1f}".replace(".", ",")
        provisional = (f"; ПРЕДВАРИТЕЛЬНО: нет официального календаря на {c['provisional_years']} год"
                       if c["provisional_years"] else "")
        print(f"  {labels('clock', c['kind'])}: {term} — до {local_time(c['due'], zone)} "
              f"(UTC {local_time(c['due_utc'], 'UTC')}; рабочих часов: {hours}{provisional})")
