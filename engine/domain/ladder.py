"""Escalation ladders: when each level of a clock's ladder falls due, and which one applies now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .businesstime import add_working_days, add_working_hours, working_time_between
from .calendar import BusinessCalendar

TRIGGERS = ("share", "before_due", "breach", "after_breach")
WORKING_BASES = ("working_days", "working_hours")


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


@dataclass(frozen=True)
class Ladder:
    id: str
    description: str
    clock_kinds: tuple[str, ...]
    levels: tuple[LadderLevel, ...]
    policies: tuple[str, ...] = ()

    def applies_to(self, clock_kind: str, policy_id: str) -> bool:
        if clock_kind not in self.clock_kinds:
            return False
        return not self.policies or policy_id in self.policies


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
        levels = tuple(_level(ladder_id, lv, roles) for lv in raw.get("levels") or [])
        if not levels:
            raise LadderError(f"escalation: ladder {ladder_id}: no levels")
        ladders.append(
            Ladder(
                id=ladder_id,
                description=raw.get("description", ""),
                clock_kinds=tuple(raw.get("clock_kinds") or ()),
                policies=tuple(raw.get("policies") or ()),
                levels=levels,
            )
        )
    return ladders


def _level(ladder_id: str, raw: dict, roles: set[str]) -> LadderLevel:
    where = f"escalation: ladder {ladder_id}: level {raw.get('id')!r}"
    at = raw.get("at") or {}
    if len(at) != 1 or next(iter(at)) not in TRIGGERS:
        raise LadderError(f"{where}: field at: one of {', '.join(TRIGGERS)} expected")
    trigger, value = next(iter(at.items()))
    notify = tuple(raw.get("notify") or ())
    unknown = [r for r in notify if r not in roles]
    if not notify or unknown:
        raise LadderError(f"{where}: field notify: unknown or missing roles {unknown}")
    level = LadderLevel(id=raw["id"], trigger=trigger, notify=notify, title=raw.get("title", raw["id"]))
    if trigger == "share":
        if not (isinstance(value, int | float) and 0 < value < 1):
            raise LadderError(f"{where}: field at.share: a number between 0 and 1 expected")
        return LadderLevel(**{**level.__dict__, "share": float(value)})
    if trigger == "before_due":
        return LadderLevel(**{**level.__dict__, "working_hours": float(value["working_hours"])})
    if trigger == "after_breach":
        return LadderLevel(**{**level.__dict__, "working_days": int(value["working_days"])})
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
