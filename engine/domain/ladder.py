"""Escalation ladders: when each level of a clock's ladder falls due, and what the sweep does next.

A ladder is a list of levels placed relative to a clock. Which ladder a clock gets is decided
by the selection rules of rules/escalation.yaml (see engine.rulebook.first_match); this module
knows only the levels, their times and their repeats. ``next_step`` is the whole decision of one
sweep step for one clock; the sweep (engine.services.escalation) loads its inputs and writes what
it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .business_calendar import BusinessCalendar
from .businesstime import add_working_days, add_working_hours, working_time_between

TRIGGERS = ("share", "before_due", "breach", "after_breach")
MAX_REPEAT_SCAN = 10_000  # repeats counted at most in one step, however long the sweep was away
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


@dataclass(frozen=True)
class ClockState:
    """What the sweep knows of one clock and where it stands on its ladder."""

    started: datetime
    due: datetime
    basis: str
    next_level: int  # index of the first level not yet handled
    running: bool = True  # False when stopped, paused or the appeal is finished: the ladder rests
    breached: bool = False  # the breach is already recorded


@dataclass(frozen=True)
class RepeatState:
    """The level that repeats until acknowledged (index), the repeats sent, and when it was first sent."""

    level: int | None = None
    count: int = 0
    since: datetime | None = None


@dataclass(frozen=True)
class EscalationStep:
    """What to do for one clock at one sweep: alerts to write, facts to record, the new state."""

    next_level: int
    next_check_at: datetime | None  # None: nothing left to check until the clock moves
    repeat_state: RepeatState
    reached: LadderLevel | None = None  # the level to alert now
    superseded: tuple[LadderLevel, ...] = ()  # lower levels passed over while catching up (recorded, not sent)
    repeat: tuple[LadderLevel, int] | None = None  # (level, repeat number) to send now
    repeats_stopped: LadderLevel | None = None  # someone acknowledged this level: its repeats end
    breached: bool = False  # the due time has passed and the breach is not recorded yet

    @property
    def sends(self) -> int:
        """How many ladder steps this sends (a level reached, a repeat)."""
        return (self.reached is not None) + (self.repeat is not None)


def next_step(
    clock: ClockState,
    ladder: Ladder | None,
    cal: BusinessCalendar | None,
    repeat: RepeatState,
    now: datetime,
    *,
    acknowledged: bool = False,
) -> EscalationStep:
    """One sweep step for one clock at `now`.

    A clock that does not run (or has no ladder any more) rests: no check time, no repeats, and
    `cal` may be None. Otherwise the highest level reached among those not yet handled is sent
    and the lower ones are superseded; only the highest level reached repeats, so a new level
    ends the repeats of the one below. Without a new level, the repeating level sends its latest
    repeat that has fallen due (one, however long the sweep was away) unless it was
    `acknowledged` (for this deadline version). The next check is the next level's time or the
    next repeat's, whichever comes first.
    """
    if ladder is None or not clock.running:
        return EscalationStep(next_level=clock.next_level, next_check_at=None, repeat_state=RepeatState())
    step = plan(ladder, started=clock.started, due=clock.due, basis=clock.basis, cal=cal, now=now,
                next_level=clock.next_level)
    reached = superseded = send = stopped = None
    if step.reached is not None:
        reached = ladder.levels[step.reached]
        superseded = tuple(ladder.levels[i] for i in step.superseded)
        repeat = RepeatState(step.reached, 0, now) if reached.repeat_hours else RepeatState()
    elif repeat.level is not None:
        level = ladder.levels[repeat.level]
        if acknowledged:
            stopped, repeat = level, RepeatState()
        else:
            count = repeat.count
            while count < MAX_REPEAT_SCAN and repeat_time(level, repeat.since, count + 1, cal) <= now:
                count += 1
            if count > repeat.count:
                send = (level, count)
            repeat = replace(repeat, count=count)
    next_check = step.next_check_at
    if repeat.level is not None:
        upcoming = repeat_time(ladder.levels[repeat.level], repeat.since, repeat.count + 1, cal)
        if upcoming is not None:
            next_check = upcoming if next_check is None else min(next_check, upcoming)
    else:
        repeat = RepeatState()
    return EscalationStep(
        next_level=step.reached + 1 if step.reached is not None else clock.next_level,
        next_check_at=next_check,
        repeat_state=repeat,
        reached=reached,
        superseded=superseded or (),
        repeat=send,
        repeats_stopped=stopped,
        breached=now >= clock.due and not clock.breached,
    )
