"""Deadline policies (data) and the clocks they start for an appeal.

A policy is a named set of clocks; each clock counts an amount of calendar days, working
days, working hours or calendar hours from the receipt or the registration of the appeal.
Policies carry a content hash so that an appeal's clocks stay pinned to the version they
started under; ``engine.domain.policy_document`` parses them strictly from a loaded document.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from engine.domain.businesstime import (
    add_calendar_days,
    add_working_days,
    add_working_hours,
)
from engine.domain.calendar import BusinessCalendar

CLOCK_KINDS = ("registration", "forward", "notice", "first_response", "interim_answer", "answer", "final_answer")
BASES = ("calendar_days", "working_days", "working_hours", "calendar_hours")
STARTS_FROM = ("received", "registered")
REGIMES = ("fz59", "portal_message", "incident", "other")

# Special outcomes of 59-ФЗ (art. 11) a routing decision may carry; see rules/deadlines.yaml.
SPECIAL_OUTCOMES = ("unreadable", "undeterminable", "court_decision", "already_answered", "anonymous", "obscene")


@dataclass(frozen=True)
class ClockSpec:
    """One clock of a policy: ``amount`` units of ``basis`` counted from ``starts_from``."""

    kind: str
    basis: str
    amount: int
    starts_from: str
    on_non_working: str = "next"
    max_extension_days: int = 0

    def canonical(self) -> dict:
        return {
            "kind": self.kind,
            "basis": self.basis,
            "amount": self.amount,
            "starts_from": self.starts_from,
            "on_non_working": self.on_non_working,
            "max_extension_days": self.max_extension_days,
        }


@dataclass(frozen=True)
class CategoryOverride:
    """Different clock amounts for a (category, subcategory) of portal messages.

    ``subcategory`` None matches every subcategory of the category.
    """

    category: str
    subcategory: str | None
    amounts: tuple[tuple[str, int], ...]

    def canonical(self) -> dict:
        return {"category": self.category, "subcategory": self.subcategory, "amounts": dict(self.amounts)}


@dataclass(frozen=True)
class SpecialOutcome:
    """How a 59-ФЗ special outcome changes the clocks: a notice clock added, clocks left out."""

    outcome: str
    notice_days: int = 0
    on_non_working: str = "next"
    without: tuple[str, ...] = ()

    def notice_clock(self) -> ClockSpec | None:
        if not self.notice_days:
            return None
        return ClockSpec(kind="notice", basis="calendar_days", amount=self.notice_days, starts_from="registered",
                         on_non_working=self.on_non_working)

    def canonical(self) -> dict:
        return {"outcome": self.outcome, "notice_days": self.notice_days, "on_non_working": self.on_non_working,
                "without": list(self.without)}


@dataclass(frozen=True)
class DeadlinePolicy:
    id: str
    title: str
    regime: str
    clocks: tuple[ClockSpec, ...]
    version: str
    by_category: tuple[CategoryOverride, ...] = ()
    special_outcomes: tuple[SpecialOutcome, ...] = ()

    def clock(self, kind: str) -> ClockSpec:
        for spec in self.clocks:
            if spec.kind == kind:
                return spec
        raise KeyError(f"policy {self.id!r} has no {kind!r} clock")

    def special(self, outcome: str | None) -> SpecialOutcome | None:
        return next((s for s in self.special_outcomes if s.outcome == outcome), None)

    def clocks_for(
        self, category: str | None = None, subcategory: str | None = None, special: str | None = None
    ) -> tuple[ClockSpec, ...]:
        """The clocks with amounts overridden for (category, subcategory) and changed by a special outcome.

        An exact (category, subcategory) entry wins over a category-wide one. A special outcome
        the policy declares leaves out its ``without`` clocks and adds its notice clock.
        """
        clocks = self.clocks
        if category is not None:
            exact = [o for o in self.by_category if o.category == category and o.subcategory == subcategory]
            wide = [o for o in self.by_category if o.category == category and o.subcategory is None]
            chosen = (exact or wide or [None])[0]
            if chosen is not None:
                amounts = dict(chosen.amounts)
                clocks = tuple(replace(spec, amount=amounts.get(spec.kind, spec.amount)) for spec in clocks)
        outcome = self.special(special)
        if outcome is not None:
            notice = outcome.notice_clock()
            clocks = tuple(s for s in clocks if s.kind not in outcome.without and s.kind != "notice")
            clocks += (notice,) if notice else ()
        return clocks


@dataclass(frozen=True)
class ClockDeadline:
    """A started clock: when it started, when it is due, and under which versions."""

    kind: str
    basis: str
    starts_at: datetime
    due_at: datetime
    policy_id: str
    policy_version: str
    calendar_version: str
    max_extension_days: int = 0
    amount: int = 0
    on_non_working: str = "next"


def clock_due(spec: ClockSpec, start: datetime, cal: BusinessCalendar) -> datetime:
    """When one clock started at ``start`` is due (UTC)."""
    if spec.basis == "calendar_days":
        return add_calendar_days(start, spec.amount, cal, spec.on_non_working)
    if spec.basis == "working_days":
        return add_working_days(start, spec.amount, cal)
    if spec.basis == "working_hours":
        return add_working_hours(start, timedelta(hours=spec.amount), cal)
    if spec.basis == "calendar_hours":
        if start.tzinfo is None:
            raise ValueError("start must be a timezone-aware datetime")
        return (start + timedelta(hours=spec.amount)).astimezone(UTC)
    raise ValueError(f"unknown clock basis {spec.basis!r}")


def compute_clocks(
    policy: DeadlinePolicy,
    received_at: datetime,
    registered_at: datetime | None,
    cal: BusinessCalendar,
    category: str | None = None,
    subcategory: str | None = None,
    special: str | None = None,
) -> list[ClockDeadline]:
    """Start every clock of ``policy`` for one appeal.

    Clocks that run from registration use ``received_at`` while the appeal is not yet
    registered (``registered_at`` None): the earlier start never gives a later deadline.
    """
    deadlines = []
    for spec in policy.clocks_for(category, subcategory, special):
        start = registered_at if spec.starts_from == "registered" and registered_at is not None else received_at
        deadlines.append(
            ClockDeadline(
                kind=spec.kind,
                basis=spec.basis,
                starts_at=start.astimezone(UTC),
                due_at=clock_due(spec, start, cal),
                policy_id=policy.id,
                policy_version=policy.version,
                calendar_version=cal.version,
                max_extension_days=spec.max_extension_days,
                amount=spec.amount,
                on_non_working=spec.on_non_working,
            )
        )
    return deadlines


def extended_due(spec: ClockSpec, start: datetime, extension_days: int, cal: BusinessCalendar) -> datetime:
    """The due time of a calendar-days clock extended once by ``extension_days``.

    The term is recounted from the start as ``amount + extension_days`` days, so the
    non-working-day rule applies to the new end only.
    """
    if spec.basis != "calendar_days":
        raise ValueError(f"clock {spec.kind!r} counts {spec.basis}; only calendar-day clocks can be extended")
    if not 1 <= extension_days <= spec.max_extension_days:
        raise ValueError(
            f"clock {spec.kind!r} can be extended by 1..{spec.max_extension_days} days, not {extension_days}"
        )
    return add_calendar_days(start, spec.amount + extension_days, cal, spec.on_non_working)
