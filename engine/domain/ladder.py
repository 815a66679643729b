"""Escalation ladders: when each level of a clock's ladder falls due, and which one applies now.

A ladder is a list of levels placed relative to a clock. Which ladder a clock gets is decided
by the selection rules of rules/escalation.yaml (see engine.rulebook.first_match); this module
knows only the levels and their times.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .businesstime import add_working_days, add_working_hours, working_time_between
from .calendar import BusinessCalendar

TRIGGERS = ("share", "before_due", "breach", "after_breach")
WORKING_BASES = ("working_days", "working_hours")
LEVEL_FIELDS = {"id", "title", "at", "notify", "urgent", "repeat"}


class LadderError(ValueError):
    pass


@dataclass(frozen=True)
class LadderLevel:
    id: str
    trigger: str
    notify: tuple[str, ...]
    share: float = 0.0
    working_hours: float = 0.0
    working_days: int = 0
    title: str = ""
    urgent: bool = False  # urgent levels ignore the recipients' quiet hours
    repeat_hours: float = 0.0  # repeat every N working hours until acknowledged (0: never)


@dataclass(frozen=True)
class Ladder:
    id: str
    description: str
    levels: tuple[LadderLevel, ...]

    def level(self, level_id: str) -> LadderLevel | None:
        return next((lv for lv in self.levels if lv.id == level_id), None)


@dataclass(frozen=True)
class LadderPlan:
    """What the sweep should do for one clock at `now`."""

    reached: int | None  # index of the highest level whose time has come, if any
    superseded: tuple[int, ...]  # lower levels passed over while catching up
    next_check_at: datetime | None  # time of the next level still ahead


def ladders_from_document(doc: dict, *, roles: set[str]) -> list[Ladder]:
    ladders = []
    seen = set()
    for raw in doc.get("ladders") or []:
        ladder_id = raw.get("id")
        if not ladder_id or ladder_id in seen:
            raise LadderError(f"escalation: ladder id missing or duplicate: {ladder_id!r}")
        seen.add(ladder_id)
        unknown = set(raw) - {"id", "description", "levels"}
        if unknown:
            raise LadderError(f"escalation: ladder {ladder_id}: unknown fields {sorted(unknown)}")
        levels = tuple(_level(ladder_id, lv, roles) for lv in raw.get("levels") or [])
        if not levels:
            raise LadderError(f"escalation: ladder {ladder_id}: no levels")
        ids = [lv.id for lv in levels]
        if len(ids) != len(set(ids)):
            raise LadderError(f"escalation: ladder {ladder_id}: duplicate level ids {ids}")
        ladders.append(Ladder(id=ladder_id, description=raw.get("description", ""), levels=levels))
    return ladders


def _level(ladder_id: str, raw: dict, roles: set[str]) -> LadderLevel:
    where = f"escalation: ladder {ladder_id}: level {raw.get('id')!r}"
    unknown = set(raw) - LEVEL_FIELDS
    if unknown:
        raise LadderError(f"{where}: unknown fields {sorted(unknown)}; expected {', '.join(sorted(LEVEL_FIELDS))}")
    at = raw.get("at") or {}
    if len(at) != 1 or next(iter(at)) not in TRIGGERS:
        raise LadderError(f"{where}: field at: one of {', '.join(TRIGGERS)} expected")
    trigger, value = next(iter(at.items()))
    notify = tuple(raw.get("notify") or ())
    unknown_roles = [r for r in notify if r not in roles]
    if not notify or unknown_roles:
        raise LadderError(f"{where}: field notify: unknown or missing roles {unknown_roles}")
    urgent = raw.get("urgent", False)
    if not isinstance(urgent, bool):
        raise LadderError(f"{where}: field urgent: true or false expected")
    repeat = raw.get("repeat")
    repeat_hours = 0.0
    if repeat is not None:
        hours = repeat.get("every_working_hours") if isinstance(repeat, dict) else None
        if not isinstance(hours, int | float) or isinstance(hours, bool) or hours <= 0 or len(repeat) != 1:
            raise LadderError(f"{where}: field repeat: {{every_working_hours: N}} with N > 0 expected")
        repeat_hours = float(hours)
    level = LadderLevel(id=raw["id"], trigger=trigger, notify=notify, title=raw.get("title", raw["id"]),
                        urgent=urgent, repeat_hours=repeat_hours)
    if trigger == "share":
        if not (isinstance(value, int | float) and 0 < value < 1):
            raise LadderError(f"{where}: field at.share: a number between 0 and 1 expected")
        return replace(level, share=float(value))
    if trigger == "before_due":
        hours = value.get("working_hours") if isinstance(value, dict) else None
        if not isinstance(hours, int | float) or hours <= 0:
            raise LadderError(f"{where}: field at.before_due: {{working_hours: N}} expected")
        return replace(level, working_hours=float(hours))
    if trigger == "after_breach":
        days = value.get("working_days") if isinstance(value, dict) else None
        if not isinstance(days, int) or days <= 0:
            raise LadderError(f"{where}: field at.after_breach: {{working_days: N}} expected")
        return replace(level, working_days=days)
    return level


def level_time(
    level: LadderLevel, started: datetime, due: datetime, basis: str, cal: BusinessCalendar
) -> datetime:
    if level.trigger == "breach":
        return due
    if level.trigger == "after_breach":
        return add_working_days(due, level.working_days, cal)
    if level.trigger == "before_due":
        total = working_time_between(started, due, cal)
        ahead = total - timedelta(hours=level.working_hours)
        return add_working_hours(started, max(ahead, timedelta(0)), cal)
    if basis in WORKING_BASES:
        total = working_time_between(started, due, cal)
        return add_working_hours(started, total * level.share, cal)
    return started + (due - started) * level.share


def plan(
    ladder: Ladder,
    *,
    started: datetime,
    due: datetime,
    basis: str,
    cal: BusinessCalendar,
    now: datetime,
    next_level: int,
) -> LadderPlan:
    """Pick the highest level reached at `now` among those not yet handled."""
    times = [level_time(lv, started, due, basis, cal) for lv in ladder.levels]
    reached = None
    for index in range(next_level, len(times)):
        if times[index] <= now:
            reached = index
    superseded = tuple(range(next_level, reached)) if reached is not None else ()
    following = (reached + 1) if reached is not None else next_level
    next_check = times[following] if following < len(times) else None
    return LadderPlan(reached=reached, superseded=superseded, next_check_at=next_check)


def repeat_time(level: LadderLevel, fired_at: datetime, count: int, cal: BusinessCalendar) -> datetime | None:
    """When repeat number `count` (1, 2, …) of a level first sent at `fired_at` falls due."""
    if not level.repeat_hours:
        return None
    return add_working_hours(fired_at, timedelta(hours=level.repeat_hours * count), cal)


def quiet_until(moment: datetime, cal: BusinessCalendar) -> datetime:
    """`moment` if it lies in working time, otherwise the start of the next working period."""
    return add_working_hours(moment, timedelta(0), cal)
