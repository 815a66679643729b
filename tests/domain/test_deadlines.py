"""Deadline policies: the shipped file, strict parsing, versions and computed clocks."""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from engine.domain.business_calendar import BusinessCalendar, WorkingHours
from engine.domain.deadlines import (
    ClockSpec,
    clock_due,
    compute_clocks,
    extended_due,
    interim_clock,
    policy_clocks,
)
from engine.domain.policy_document import policies_from_document
from engine.policyset.calendars import business_calendar_for_body
from tests.support.business_calendars import POLICIES, PRODUCTION
from tests.support.paths import RULES_DIR

DEADLINES = RULES_DIR / "deadline_policies.yaml"
DIRECTORY = yaml.safe_load((RULES_DIR / "directory.yaml").read_text(encoding="utf-8"))
OFFICE = business_calendar_for_body("min-roads", DIRECTORY, PRODUCTION)
BARNAUL = ZoneInfo("Asia/Barnaul")


def at(text: str) -> datetime:
    """``"Thu 2026-04-30 17:30[:ss]"`` in Barnaul time; the weekday must match the date."""
    weekday, day, clock = text.split(" ")
    d = date.fromisoformat(day)
    assert d.strftime("%a") == weekday, f"{text!r}: {day} is a {d.strftime('%a')}"
    parts = [int(p) for p in clock.split(":")]
    return datetime(d.year, d.month, d.day, *parts, tzinfo=BARNAUL)


def raw_document() -> dict:
    return yaml.safe_load(DEADLINES.read_text(encoding="utf-8"))


def due_by_kind(policy_id: str, received: str, registered: str | None) -> dict[str, datetime]:
    clocks = compute_clocks(POLICIES[policy_id], at(received), registered and at(registered), OFFICE)
    return {c.kind: c.due_at for c in clocks}


def test_the_shipped_file_defines_the_required_policies_with_russian_titles():
    assert {"fz59", "fz59-migration", "pos-message", "incident", "incident-high"} <= set(POLICIES)
    for policy in POLICIES.values():
        assert re.search("[а-яА-Я]", policy.title), policy.id


@pytest.mark.parametrize(
    ("policy_id", "kind", "basis", "amount", "starts_from", "extension"),
    [
        ("fz59", "registration", "calendar_days", 3, "received", 0),
        ("fz59", "forward", "calendar_days", 7, "registered", 0),
        ("fz59", "answer", "calendar_days", 30, "registered", 30),
        ("fz59-migration", "forward", "calendar_days", 5, "registered", 0),
        ("fz59-migration", "answer", "calendar_days", 20, "registered", 30),
        ("pos-message", "answer", "calendar_days", 30, "received", 0),
        ("incident", "first_response", "working_hours", 9, "received", 0),
        ("incident", "final_answer", "working_days", 7, "interim", 0),
        ("incident-high", "first_response", "working_hours", 4, "received", 0),
        ("incident-high", "final_answer", "working_days", 7, "interim", 0),
    ],
)
def test_the_shipped_clocks_follow_the_law_and_regional_acts(policy_id, kind, basis, amount, starts_from, extension):
    spec = POLICIES[policy_id].clock(kind)
    assert (spec.basis, spec.amount, spec.starts_from, spec.max_extension_days) == (
        basis,
        amount,
        starts_from,
        extension,
    )


def test_fz59_calendar_clocks_move_to_the_next_working_day():
    assert {s.on_non_working for s in POLICIES["fz59"].clocks} == {"next"}


def test_a_59_fz_appeal_gets_registration_forward_and_answer_deadlines():
    due = due_by_kind("fz59", "Fri 2026-04-03 16:00", "Mon 2026-04-06 10:00")
    assert due == {
        "registration": at("Mon 2026-04-06 23:59:59"),
        "forward": at("Mon 2026-04-13 23:59:59"),
        # 6 April + 30 days is Wednesday 6 May
        "answer": at("Wed 2026-05-06 23:59:59"),
    }


def test_an_answer_due_on_new_years_day_moves_to_the_first_working_day():
    due = due_by_kind("fz59", "Tue 2026-12-01 10:00", "Wed 2026-12-02 10:00")
    assert due["answer"] == at("Mon 2027-01-11 23:59:59")


def test_an_unregistered_appeal_counts_registration_clocks_from_receipt():
    due = due_by_kind("fz59", "Fri 2026-04-03 16:00", None)
    assert due["forward"] == at("Fri 2026-04-10 23:59:59")


def test_an_incident_gets_a_working_hour_first_response_and_no_final_answer_term_before_the_interim_answer():
    # the final answer is due 7 working days after the interim answer: nothing to count at routing
    due = due_by_kind("incident", "Thu 2026-04-30 17:30", None)
    assert due == {"first_response": at("Tue 2026-05-05 10:00")}
    high = due_by_kind("incident-high", "Thu 2026-04-30 15:00", None)
    assert high == {"first_response": at("Mon 2026-05-04 11:00")}


@pytest.mark.parametrize(
    ("received", "interim", "due"),
    [
        # 4-8 May, then 12-13 May (1 and 11 May are off)
        ("Thu 2026-04-30 17:30", "Thu 2026-04-30 17:30", "Wed 2026-05-13 18:00"),
        # counted from the interim answer, not from receipt: 30 Nov - 4 Dec, 7-8 Dec
        ("Fri 2026-11-27 09:00", "Fri 2026-11-27 12:00", "Tue 2026-12-08 18:00"),
        # an interim answer on a Saturday after Russia Day counts from Monday 15 June
        ("Fri 2026-06-12 10:00", "Sat 2026-06-13 10:00", "Tue 2026-06-23 18:00"),
        # 31 December 2026 and 1-8 January 2027 are off: 11-15 and 18-19 January
        ("Thu 2026-12-24 10:00", "Wed 2026-12-30 10:00", "Tue 2027-01-19 18:00"),
    ],
)
def test_the_incident_final_answer_is_due_seven_working_days_after_the_interim_answer(received, interim, due):
    policy = POLICIES["incident"]
    clock = interim_clock(policy, policy.clock("final_answer"), at(interim), at(received), OFFICE)
    assert clock.due_at == at(due)
    assert clock.starts_at == at(interim).astimezone(UTC)
    assert (clock.waits_for, clock.cap_at, clock.policy_version) == (None, None, policy.version)


def capped(hours: int):
    """The incident policy with a hard cap on its final answer, as a policy document would give it."""
    doc = _with("incident", lambda p: p["clocks"][1].update(cap_hours=hours))
    return policies_from_document(doc)["incident"]


def test_with_a_hard_cap_the_final_answer_is_pending_from_routing_and_due_at_the_cap():
    policy = capped(72)
    clocks = {c.kind: c for c in compute_clocks(policy, at("Fri 2026-05-08 10:00"), None, OFFICE)}
    final = clocks["final_answer"]
    # 72 calendar hours from Friday 10:00, through the weekend and the 9-11 May holidays
    assert final.due_at == final.cap_at == at("Mon 2026-05-11 10:00")
    assert (final.waits_for, final.basis, final.amount) == ("interim", "working_days", 7)


@pytest.mark.parametrize(
    ("cap_hours", "received", "interim", "due"),
    [
        # 7 working days end Wednesday 15 April, before the cap (Thursday 16 April 10:00)
        (240, "Mon 2026-04-06 10:00", "Mon 2026-04-06 11:00", "Wed 2026-04-15 18:00"),
        # the cap comes first: Monday 11 May 10:00 (a day off, the cap is calendar hours)
        (72, "Fri 2026-05-08 10:00", "Fri 2026-05-08 12:00", "Mon 2026-05-11 10:00"),
    ],
)
def test_the_final_answer_after_the_interim_one_never_passes_the_hard_cap(cap_hours, received, interim, due):
    policy = capped(cap_hours)
    clock = interim_clock(policy, policy.clock("final_answer"), at(interim), at(received), OFFICE)
    assert clock.due_at == at(due)
    assert clock.cap_at == (at(received) + timedelta(hours=cap_hours)).astimezone(UTC)


def dues(clocks) -> dict[str, datetime | str | None]:
    return {spec.kind: (None if clock is None else "pending" if clock.waits_for else clock.due_at)
            for spec, clock in clocks}


def test_policy_clocks_gives_every_clock_as_routing_then_the_interim_answer_start_them():
    received = at("Thu 2026-04-30 17:30")
    assert dues(policy_clocks(POLICIES["incident"], received, OFFICE)) == {
        "first_response": at("Tue 2026-05-05 10:00"), "final_answer": None}
    assert dues(policy_clocks(capped(72), received, OFFICE)) == {
        "first_response": at("Tue 2026-05-05 10:00"), "final_answer": "pending"}
    started = policy_clocks(POLICIES["incident"], received, OFFICE, interim_at=at("Tue 2026-05-05 09:30"))
    # 7 working days after Tue 5 May: 6, 7, 8, 12, 13, 14, 15 May (11 May is a transferred holiday)
    assert dues(started)["final_answer"] == at("Fri 2026-05-15 18:00")
    assert dues(started)["first_response"] == at("Tue 2026-05-05 10:00")
    bounded = policy_clocks(capped(240), received, OFFICE, interim_at=at("Tue 2026-05-05 09:30"))
    assert dues(bounded)["final_answer"] == at("Sun 2026-05-10 17:30")  # 240 calendar hours after receipt


def test_policy_clocks_extends_only_the_extendable_clocks_within_their_limit():
    received = at("Tue 2026-12-01 10:00")
    plain, extended = (dues(policy_clocks(POLICIES["fz59"], received, OFFICE, extension_days=days)) for days in (0, 30))
    assert extended["answer"] == at("Mon 2027-02-01 23:59:59") != plain["answer"]
    assert (extended["registration"], extended["forward"]) == (plain["registration"], plain["forward"])
    with pytest.raises(ValueError, match=r"не более чем на 30 дн\."):
        policy_clocks(POLICIES["fz59"], received, OFFICE, extension_days=31)
    with pytest.raises(ValueError, match="не допускает продления"):
        policy_clocks(POLICIES["incident"], received, OFFICE, extension_days=1)
    with pytest.raises(ValueError, match="не может быть раньше поступления"):
        policy_clocks(POLICIES["incident"], received, OFFICE, interim_at=at("Mon 2026-11-30 10:00"))
    with pytest.raises(ValueError, match="нет срока, который начинается с промежуточного ответа"):
        policy_clocks(POLICIES["fz59"], received, OFFICE, interim_at=received)


def test_a_hard_cap_changes_the_policy_version_and_its_absence_keeps_the_old_hash():
    assert capped(72).version != POLICIES["incident"].version
    assert "cap_hours" not in POLICIES["incident"].clock("final_answer").canonical()


def test_the_term_of_a_clock_reads_as_words():
    assert POLICIES["incident"].clock("final_answer").describe() == "7 working_days after the interim answer"
    assert capped(72).clock("final_answer").describe() == (
        "7 working_days after the interim answer, at most 72 calendar hours after receipt")
    assert POLICIES["fz59"].clock("answer").describe() == "30 calendar_days after registration"


def test_computed_clocks_are_stored_in_utc_and_pinned_to_their_versions():
    policy = POLICIES["incident"]
    clocks = compute_clocks(policy, at("Mon 2026-03-02 10:00"), None, OFFICE)
    for clock in clocks:
        assert clock.starts_at == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
        assert clock.starts_at.tzinfo is UTC and clock.due_at.tzinfo is UTC
        assert (clock.policy_id, clock.policy_version, clock.calendar_version) == (
            "incident",
            policy.version,
            OFFICE.version,
        )


def test_a_portal_category_can_override_the_answer_term():
    doc = raw_document()
    pos = next(p for p in doc["policies"] if p["id"] == "pos-message")
    pos["by_category"] = [
        {"category": "roads", "amounts": {"answer": 30}},
        {"category": "roads", "subcategory": "pits", "amounts": {"answer": 10}},
    ]
    policy = policies_from_document(doc)["pos-message"]
    assert policy.clocks_for("roads", "pits")[0].amount == 10
    assert policy.clocks_for("roads", "lights")[0].amount == 30
    assert policy.clocks_for("health", None)[0].amount == 30
    clocks = compute_clocks(policy, at("Mon 2026-03-02 10:00"), None, OFFICE, category="roads", subcategory="pits")
    assert clocks[0].due_at == at("Thu 2026-03-12 23:59:59")


def test_an_answer_can_be_extended_once_by_at_most_30_days():
    spec = POLICIES["fz59"].clock("answer")
    registered = at("Mon 2026-03-02 10:00")
    assert extended_due(spec, registered, 30, OFFICE) == at("Mon 2026-05-04 23:59:59")
    with pytest.raises(ValueError, match="продлевается на 1–30 дн"):
        extended_due(spec, registered, 31, OFFICE)
    with pytest.raises(ValueError, match="продлить можно только срок в календарных днях"):
        extended_due(POLICIES["incident"].clock("final_answer"), registered, 1, OFFICE)


def test_a_calendar_hours_clock_counts_wall_time():
    spec = ClockSpec(kind="first_response", basis="calendar_hours", amount=24, starts_from="received")
    assert clock_due(spec, at("Sat 2026-05-09 10:00"), OFFICE) == at("Sun 2026-05-10 10:00")


def test_the_policy_version_follows_content_not_layout():
    doc = raw_document()
    reordered = copy.deepcopy(doc)
    reordered["policies"].reverse()
    for policy in reordered["policies"]:
        policy["clocks"] = [dict(reversed(list(c.items()))) for c in policy["clocks"]]
    again = policies_from_document(reordered)
    assert {k: p.version for k, p in again.items()} == {k: p.version for k, p in POLICIES.items()}
    changed = copy.deepcopy(doc)
    changed["policies"][0]["clocks"][0]["amount"] += 1
    assert policies_from_document(changed)["fz59"].version != POLICIES["fz59"].version
    assert policies_from_document(changed)["incident"].version == POLICIES["incident"].version


def _with(policy_id: str, mutate) -> dict:
    doc = raw_document()
    mutate(next(p for p in doc["policies"] if p["id"] == policy_id))
    return doc


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (_with("fz59", lambda p: p.update(colour="red")), "colour"),
        (_with("fz59", lambda p: p.update(regime="fz-59")), "regime"),
        (_with("fz59", lambda p: p.update(title="")), "title"),
        (_with("fz59", lambda p: p.update(clocks=[])), "clocks"),
        (_with("fz59", lambda p: p["clocks"][0].update(basis="days")), "basis"),
        (_with("fz59", lambda p: p["clocks"][0].update(kind="lunch")), "kind"),
        (_with("fz59", lambda p: p["clocks"][0].update(amount=0)), "amount"),
        (_with("fz59", lambda p: p["clocks"][0].update(amount="3")), "amount"),
        (_with("fz59", lambda p: p["clocks"][0].update(starts_from="posted")), "starts_from"),
        (_with("fz59", lambda p: p["clocks"][0].update(on_non_working="nearest")), "on_non_working"),
        (_with("fz59", lambda p: p["clocks"][0].update(max_extension_days=-1)), "max_extension_days"),
        (_with("fz59", lambda p: p["clocks"][0].update(colour="red")), "colour"),
        (_with("incident", lambda p: p["clocks"][0].update(on_non_working="next")), "on_non_working"),
        (_with("incident", lambda p: p["clocks"].append(dict(p["clocks"][0]))), "clocks"),
        (_with("incident", lambda p: p["clocks"][0].update(cap_hours=24)), "cap_hours"),
        (_with("incident", lambda p: p["clocks"][1].update(cap_hours=0)), "cap_hours"),
        (_with("incident", lambda p: p["clocks"][1].update(cap_hours="72")), "cap_hours"),
        (_with("pos-message", lambda p: p.update(by_category=[{"category": "roads", "amounts": {"x": 1}}])), "amounts"),
    ],
)
def test_an_invalid_policy_is_refused_naming_the_policy_and_the_field(doc, field):
    with pytest.raises(ValueError) as caught:
        policies_from_document(doc)
    policy_id = re.search(r"'([\w-]+)'", str(caught.value)).group(1)
    assert policy_id in POLICIES
    assert field in str(caught.value)


def test_a_policy_id_defined_twice_is_refused():
    doc = raw_document()
    doc["policies"].append(copy.deepcopy(doc["policies"][0]))
    with pytest.raises(ValueError, match=r"'fz59'.*more than once"):
        policies_from_document(doc)


def test_an_unknown_top_level_key_is_refused():
    with pytest.raises(ValueError, match="unknown keys"):
        policies_from_document({**raw_document(), "hit_policy": "first"})


def test_deadlines_follow_the_round_the_clock_desk_schedule():
    desk = BusinessCalendar(PRODUCTION, WorkingHours(windows=((0, 1440),), weekends=True), "Asia/Barnaul")
    clocks = compute_clocks(POLICIES["incident-high"], at("Fri 2026-05-08 22:00"), None, desk)
    assert clocks[0].due_at == at("Sat 2026-05-09 02:00")
