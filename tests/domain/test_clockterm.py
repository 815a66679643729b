"""Pause credit and the prolonged term, counted in each clock's own basis; 59-ФЗ special outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.domain.businesstime import working_time_between
from engine.domain.clockterm import pause_credit, term_due
from engine.domain.deadlines import compute_clocks
from engine.domain.vocabulary import FZ59_SPECIALS
from engine.rulebook.vocabulary import OUTCOMES
from tests.support.business_calendars import MUNICIPAL, OFFICE, POLICIES
from tests.support.moments import at


@pytest.mark.parametrize(
    ("basis", "paused", "resumed", "credit"),
    [
        ("calendar_days", "Mon 2026-04-13 10:00", "Mon 2026-04-13 17:00", 0),
        ("calendar_days", "Mon 2026-04-13 23:00", "Tue 2026-04-14 01:00", 1),
        ("calendar_days", "Thu 2026-04-30 10:00", "Tue 2026-05-05 09:00", 5),
        ("working_days", "Thu 2026-04-30 10:00", "Tue 2026-05-05 09:00", 2),  # 1-3 May are off
        ("working_days", "Fri 2026-04-10 10:00", "Sun 2026-04-12 10:00", 0),
        ("working_hours", "Mon 2026-04-06 11:00", "Mon 2026-04-06 15:00", 3 * 3600),  # lunch 13-14
        ("working_hours", "Thu 2026-04-30 16:00", "Mon 2026-05-04 10:00", 2 * 3600),  # 30 Apr ends at 17:00
        ("calendar_hours", "Fri 2026-04-10 18:00", "Mon 2026-04-13 09:00", 63 * 3600),
    ],
)
def test_a_pause_credits_the_time_it_took_in_the_clock_basis(basis, paused, resumed, credit):
    assert pause_credit(basis, at(paused), at(resumed), OFFICE) == credit


@pytest.mark.parametrize(
    ("basis", "amount", "start", "extension", "credit", "due"),
    [
        ("calendar_days", 30, "Mon 2026-04-06 10:00", 0, 0, "Wed 2026-05-06 23:59:59"),
        ("calendar_days", 30, "Mon 2026-04-06 10:00", 30, 0, "Fri 2026-06-05 23:59:59"),
        ("calendar_days", 30, "Mon 2026-04-06 10:00", 0, 3, "Tue 2026-05-12 23:59:59"),  # 9 and 11 May are off
        ("working_days", 7, "Thu 2026-04-30 17:30", 0, 1, "Thu 2026-05-14 18:00"),
        ("working_hours", 9, "Thu 2026-04-30 17:30", 0, 3600, "Tue 2026-05-05 11:00"),
        ("calendar_hours", 24, "Sat 2026-05-09 10:00", 0, 1800, "Sun 2026-05-10 10:30"),
    ],
)
def test_a_term_is_counted_from_the_start_with_its_extension_and_credit(basis, amount, start, extension, credit,
                                                                         due):
    got = term_due(basis, amount, at(start), OFFICE, extension_days=extension, credit=credit)
    assert got == at(due)


def test_only_a_calendar_day_term_can_be_extended():
    with pytest.raises(ValueError, match="cannot be extended"):
        term_due("working_hours", 9, at("Mon 2026-04-06 10:00"), OFFICE, extension_days=1)


@settings(max_examples=60, deadline=None)
@given(
    start_minutes=st.integers(min_value=0, max_value=60 * 24 * 60),
    pause_offset=st.integers(min_value=0, max_value=5 * 24 * 60),
    pause_length=st.integers(min_value=0, max_value=10 * 24 * 60),
    amount=st.integers(min_value=1, max_value=40),
)
def test_a_resumed_working_hours_clock_contains_its_term_plus_the_paused_working_time(start_minutes, pause_offset,
                                                                                      pause_length, amount):
    start = at("Mon 2026-03-02 00:00") + timedelta(minutes=start_minutes)
    paused = start + timedelta(minutes=pause_offset)
    resumed = paused + timedelta(minutes=pause_length)
    credit = pause_credit("working_hours", paused, resumed, MUNICIPAL)
    due = term_due("working_hours", amount, start, MUNICIPAL, credit=credit)

    assert working_time_between(start, due, MUNICIPAL) == timedelta(hours=amount, seconds=credit)
    assert due >= term_due("working_hours", amount, start, MUNICIPAL)


def test_the_special_outcomes_match_the_rulebook_vocabulary():
    assert {special.outcome for special in POLICIES["fz59"].special_outcomes} == set(FZ59_SPECIALS)
    assert all(special in OUTCOMES["fz59_special"].description for special in FZ59_SPECIALS)


@pytest.mark.parametrize("outcome", ["unreadable", "undeterminable", "court_decision", "already_answered"])
def test_a_notice_outcome_adds_a_seven_day_notice_clock_and_keeps_the_answer(outcome):
    clocks = compute_clocks(POLICIES["fz59"], at("Fri 2026-04-03 16:00"), at("Mon 2026-04-06 10:00"), OFFICE,
                            special=outcome)

    due = {c.kind: c.due_at for c in clocks}
    assert due["notice"] == at("Mon 2026-04-13 23:59:59")
    assert "answer" in due


def test_an_anonymous_appeal_gets_no_answer_clock_and_an_obscene_one_keeps_every_clock():
    anonymous = compute_clocks(POLICIES["fz59"], at("Mon 2026-04-06 10:00"), None, OFFICE, special="anonymous")
    obscene = compute_clocks(POLICIES["fz59"], at("Mon 2026-04-06 10:00"), None, OFFICE, special="obscene")

    assert [c.kind for c in anonymous] == ["registration", "forward"]
    assert [c.kind for c in obscene] == ["registration", "forward", "answer"]


def test_an_outcome_the_policy_does_not_declare_changes_nothing():
    plain = compute_clocks(POLICIES["incident"], at("Mon 2026-04-06 10:00"), None, OFFICE)
    special = compute_clocks(POLICIES["incident"], at("Mon 2026-04-06 10:00"), None, OFFICE, special="unreadable")

    assert plain == special
