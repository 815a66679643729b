"""One sweep step for one clock, decided without storage: ``engine.domain.ladder.next_step``.

The clock: 22 working hours of a municipal office (8–12, 13–17), from Tue 28 April 09:00 to the end
of the shortened Thu 30 April (16:00, Barnaul); Fri 1 May is a holiday. Its ladder:

    half-time         half the working time      Wed 2026-04-29 12:00
    one-hour-left     1 working hour before due  Thu 2026-04-30 15:00
    breach            the due time               Thu 2026-04-30 16:00, repeats every 3 working hours
    breach-plus-1wd   1 working day after due    Mon 2026-05-04 17:00
"""

from __future__ import annotations

import pytest
import yaml

from engine.domain.business_calendar import BusinessCalendar
from engine.domain.ladder import ClockState, RepeatState, ladders_from_document, next_step
from engine.policyset.calendars import load_production_calendar, load_working_hours
from tests.domain.test_businesstime import at
from tests.support.paths import RULES_DIR

MUNICIPAL = BusinessCalendar(
    load_production_calendar(RULES_DIR / "calendar"),
    load_working_hours(yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8")))["municipal-office"],
    "Asia/Barnaul")

LADDER = ladders_from_document({"ladders": [{"id": "answer", "levels": [
    {"id": "half-time", "title": "Прошла половина срока", "at": {"share": 0.5}, "notify": ["executor"]},
    {"id": "one-hour-left", "title": "Остался час до срока", "at": {"before_due": {"working_hours": 1}},
     "notify": ["executor"]},
    {"id": "breach", "title": "Срок нарушен", "at": {"breach": True}, "notify": ["head_of_body"],
     "repeat": {"every_working_hours": 3}},
    {"id": "breach-plus-1wd", "title": "Просрочка более рабочего дня", "at": {"after_breach": {"working_days": 1}},
     "notify": ["centre_head"]},
]}]}, roles={"executor", "head_of_body", "centre_head"})[0]
BREACH = 2  # the index of the level that repeats


def clock(next_level: int, *, running: bool = True, breached: bool = False) -> ClockState:
    return ClockState(started=at("Tue 2026-04-28 09:00"), due=at("Thu 2026-04-30 16:00"), basis="working_hours",
                      next_level=next_level, running=running, breached=breached)


def moment(text: str | None):
    return at(text) if text else None


def ids(levels) -> tuple[str, ...]:
    return tuple(level.id for level in levels)


@pytest.mark.parametrize(("now", "next_level", "reached", "superseded", "next_check"), [
    ("Wed 2026-04-29 11:59", 0, None, (), "Wed 2026-04-29 12:00"),
    ("Wed 2026-04-29 12:00", 0, "half-time", (), "Thu 2026-04-30 15:00"),
    ("Thu 2026-04-30 15:30", 1, "one-hour-left", (), "Thu 2026-04-30 16:00"),
    # the breach repeats: its first repeat comes before the next level, after the holiday and the weekend
    ("Thu 2026-04-30 16:00", 2, "breach", (), "Mon 2026-05-04 11:00"),
    # a sweep away for the evening sends the breach alone; the levels below are superseded
    ("Thu 2026-04-30 17:30", 0, "breach", ("half-time", "one-hour-left"), "Mon 2026-05-04 11:00"),
    ("Sat 2026-05-02 10:00", 3, None, (), "Mon 2026-05-04 17:00"),
    ("Mon 2026-05-04 17:00", 0, "breach-plus-1wd", ("half-time", "one-hour-left", "breach"), None),
])
def test_a_step_sends_the_highest_level_reached_and_supersedes_the_ones_below(now, next_level, reached, superseded,
                                                                              next_check):
    step = next_step(clock(next_level), LADDER, MUNICIPAL, RepeatState(), at(now))

    assert (step.reached.id if step.reached else None, ids(step.superseded)) == (reached, superseded)
    assert step.next_check_at == moment(next_check)
    assert step.next_level == (LADDER.levels.index(step.reached) + 1 if step.reached else next_level)
    assert step.sends == (reached is not None) and step.repeat is None and step.repeats_stopped is None


@pytest.mark.parametrize(("now", "already_breached", "breached"), [
    ("Thu 2026-04-30 15:59", False, False),
    ("Thu 2026-04-30 16:00", False, True),
    ("Mon 2026-05-04 09:00", False, True),
    ("Mon 2026-05-04 09:00", True, False),  # recorded at an earlier step
])
def test_the_breach_is_recorded_once_when_the_due_time_has_come(now, already_breached, breached):
    step = next_step(clock(0, breached=already_breached), LADDER, MUNICIPAL, RepeatState(), at(now))

    assert step.breached is breached


def test_a_level_that_repeats_starts_its_repeats_and_one_that_does_not_ends_them():
    breach = next_step(clock(2), LADDER, MUNICIPAL, RepeatState(), at("Thu 2026-04-30 16:00"))
    assert breach.repeat_state == RepeatState(BREACH, 0, at("Thu 2026-04-30 16:00"))

    higher = next_step(clock(3, breached=True), LADDER, MUNICIPAL, RepeatState(BREACH, 2, at("Thu 2026-04-30 16:00")),
                       at("Mon 2026-05-04 17:00"))
    assert higher.reached.id == "breach-plus-1wd" and higher.repeat is None
    assert (higher.repeat_state, higher.next_check_at) == (RepeatState(), None)


@pytest.mark.parametrize(("now", "sent", "repeat", "count", "next_check"), [
    ("Fri 2026-05-01 12:00", 0, None, 0, "Mon 2026-05-04 11:00"),  # a holiday: no working hours pass
    ("Mon 2026-05-04 10:59", 0, None, 0, "Mon 2026-05-04 11:00"),
    ("Mon 2026-05-04 11:00", 0, 1, 1, "Mon 2026-05-04 15:00"),
    # the sweep was away for two repeats: only the latest is sent; the next level comes before the third
    ("Mon 2026-05-04 16:00", 0, 2, 2, "Mon 2026-05-04 17:00"),
    ("Mon 2026-05-04 16:00", 2, None, 2, "Mon 2026-05-04 17:00"),
])
def test_an_unacknowledged_level_sends_its_latest_repeat_due(now, sent, repeat, count, next_check):
    since = at("Thu 2026-04-30 16:00")
    step = next_step(clock(3, breached=True), LADDER, MUNICIPAL, RepeatState(BREACH, sent, since), at(now))

    assert step.reached is None and step.superseded == ()
    assert step.repeat == ((LADDER.levels[BREACH], repeat) if repeat else None)
    assert step.repeat_state == RepeatState(BREACH, count, since)
    assert step.next_check_at == moment(next_check)
    assert step.sends == (repeat is not None)


def test_an_acknowledged_level_stops_repeating():
    step = next_step(clock(3, breached=True), LADDER, MUNICIPAL, RepeatState(BREACH, 1, at("Thu 2026-04-30 16:00")),
                     at("Mon 2026-05-04 15:00"), acknowledged=True)

    assert step.repeats_stopped is LADDER.levels[BREACH] and step.repeat is None and step.sends == 0
    assert step.repeat_state == RepeatState()
    assert step.next_check_at == at("Mon 2026-05-04 17:00")


@pytest.mark.parametrize(("running", "ladder"), [(False, LADDER), (True, None)])
def test_a_clock_that_does_not_run_or_lost_its_ladder_rests_without_a_calendar(running, ladder):
    step = next_step(clock(1, running=running), ladder, None, RepeatState(BREACH, 1, at("Thu 2026-04-30 16:00")),
                     at("Mon 2026-05-04 17:00"))

    assert (step.next_level, step.next_check_at, step.repeat_state) == (1, None, RepeatState())
    assert (step.reached, step.superseded, step.repeat, step.breached, step.sends) == (None, (), None, False, 0)
