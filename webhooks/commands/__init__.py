"""Subcommands of `appeals`, one module per area; each module has `register(subparsers)`.

A handler is `fn(args, settings) -> int | None` attached with `set_defaults(handler=fn)`.
"""

from __future__ import annotations

import argparse
from datetime import datetime


class CommandError(Exception):
    """A problem the operator can fix; printed without a traceback, exit status 2."""


def parse_instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a UTC offset, e.g. {value}+07:00")
    return moment


def runtime_for(settings, clock=None):
    from engine.bootstrap import bootstrap
    from engine.policyset import PolicySetError
    from engine.services.encryption_keys import EncryptionKeyError

    try:
        return bootstrap(settings, clock=clock)
    except PolicySetError as exc:
        raise CommandError(f"правила не загружаются: {exc}") from None
    except EncryptionKeyError as exc:
        raise CommandError(f"ключи шифрования: {exc}") from None
    except ValueError as exc:  # a setting the senders refuse (APPEALS_SMTP_URL with a password over smtp://)
        raise CommandError(f"настройки: {exc}") from None


def policy_set_for(settings):
    from engine.policyset import PolicySetError, load_policy_set

    try:
        return load_policy_set(settings.rules_dir)
    except PolicySetError as exc:
        raise CommandError(str(exc)) from None


class LocalTimes:
    """How the administrator's listings show times: «дд.мм.гггг чч:мм» in the region's zone, named once."""

    def __init__(self, rt):
        from engine.wording.staff import zone_words

        self.zone = rt.policy_set.directory.timezone
        self.heading = f"время: {zone_words(self.zone, rt.policy_set.labels, rt.now())}"

    def __call__(self, moment, missing: str = "—") -> str:
        from engine.wording.staff import local_time

        return missing if moment is None else local_time(moment, self.zone)


def print_listing(rt, rows, *, empty: str, header: str, cells, times: bool = True) -> None:
    """One of the administrator's listings: ``empty`` when there are no rows; else (with ``times``) the zone its
    times are in, the Russian ``header`` and a tab-separated line per row, ``cells(row, labels, local)``."""
    if not rows:
        print(empty)
        return
    labels, local = rt.policy_set.labels, LocalTimes(rt)
    if times:
        print(local.heading)
    print(header)
    for row in rows:
        print("\t".join(str(cell) for cell in cells(row, labels, local)))
