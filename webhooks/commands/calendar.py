"""`appeals calendar draft YEAR`: a draft of a year's production calendar for staff to check and publish."""

from __future__ import annotations

from pathlib import Path

from . import CommandError


def register(sub) -> None:
    calendar = sub.add_parser("calendar", help="the production calendar").add_subparsers(
        dest="calendar_command", required=True)
    p = calendar.add_parser("draft", help="a YAML draft of a year's calendar from art. 95 and 112 of the Labour "
                                          "Code (and the holidays package when it knows the year)")
    p.add_argument("year", help="the year, e.g. 2028")
    p.add_argument("--output", metavar="FILE", help="write the draft here (e.g. rules/calendar/ru-2028.yaml) "
                                                    "instead of printing it")
    p.add_argument("--force", action="store_true", help="replace FILE when it exists")
    p.add_argument("--without-package", action="store_true", help="ignore the holidays package")
    p.set_defaults(handler=cmd_calendar)


def cmd_calendar(args, settings):
    from engine.services.calendar_draft import draft_text

    try:
        year = int(args.year)
    except ValueError:
        raise CommandError(f"год — целое число, например 2028, а не {args.year!r}") from None
    if not 1900 <= year <= 2999:
        raise CommandError(f"год {year} вне допустимого диапазона 1900–2999")
    text = draft_text(year, use_package=not args.without_package)
    if not args.output:
        print(text, end="")
        return 0
    target = Path(args.output)
    if target.exists() and not args.force:
        raise CommandError(f"файл {target} уже есть: укажите другой или добавьте --force")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"файл {target} не записан: {exc.strerror or exc}") from None
    print(f"проект календаря на {year} год записан в {target}: сверьте его с постановлением Правительства "
          "и опубликуйте вместе с правилами")
    return 0
