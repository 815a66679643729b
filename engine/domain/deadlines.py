"""Deadline policies (data) and the clocks they start for an appeal.

A policy is a named set of clocks; each clock counts an amount of calendar days, working
days, working hours or calendar hours from the receipt or the registration of the appeal, or
from the interim answer (the incident regime: "final answer within N working days after the
interim one"). Policies carry a content hash so that an appeal's clocks stay pinned to the
version they started under; ``engine.domain.policy_document`` parses them strictly from a
loaded document.

A clock that starts at the interim answer does not run before it. It may carry a hard cap
(``cap_hours``): calendar hours from the receipt that its due time never passes, whenever the
interim answer comes. With a cap the clock exists from routing as *pending*: due at the cap,
waiting for the interim answer (``ClockDeadline.waits_for``); without one there is nothing to
count until the interim answer, and ``compute_clocks`` leaves it out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from engine.domain.business_calendar import BusinessCalendar
from engine.domain.businesstime import (
    add_calendar_days,
)
from engine.domain.clockterm import term_due, term_provisional

CLOCK_KINDS = ("registration", "forward", "notice", "first_response", "interim_answer", "answer", "final_answer")
BASES = ("calendar_days", "working_days", "working_hours", "calendar_hours")
STARTS_FROM = ("received", "registered", "interim")
# the event that starts a clock counted from something other than receipt or registration
INTERIM = "interim"


@dataclass(frozen=True)
class ClockSpec:
    """One clock of a policy: ``amount`` units of ``basis`` counted from ``starts_from``."""

    kind: str
    basis: str
    amount: int
    starts_from: str
    on_non_working: str = "next"
    max_extension_days: int = 0
    cap_hours: int = 0  # 0: no cap; else calendar hours from receipt the due time never passes

    def canonical(self) -> dict:
        content = {
            "kind": self.kind,
            "basis": self.basis,
            "amount": self.amount,
            "starts_from": self.starts_from,
            "on_non_working": self.on_non_working,
            "max_extension_days": self.max_extension_days,
        }
        if self.cap_hours:  # absent when unset, so policies without a cap keep their hash
            content["cap_hours"] = self.cap_hours
        return content

    def cap_at(self, received_at: datetime) -> datetime | None:
        """The hard cap counted from the receipt (UTC), or None without one."""
        if not self.cap_hours:
            return None
        if received_at.tzinfo is None:
            raise ValueError("received_at must be a timezone-aware datetime")
        return (received_at + timedelta(hours=self.cap_hours)).astimezone(UTC)

    def describe(self) -> str:
        """The term in words, e.g. "7 working_days after the interim answer, at most 72 h after receipt"."""
        origin = {"received": "receipt", "registered": "registration", "interim": "the interim answer"}
        text = f"{self.amount} {self.basis} after {origin[self.starts_from]}"
        if self.cap_hours:
            text += f", at most {self.cap_hours} calendar hours after receipt"
        return text


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
    waits_for: str | None = None  # "interim": pending, due at the cap until the interim answer
    cap_at: datetime | None = None
    provisional_years: str | None = None  # years counted on the provisional calendar ("2028")


def bounded(due: datetime, cap_at: datetime | None) -> datetime:
    """A due time never later than the hard cap."""
    return due if cap_at is None or due <= cap_at else cap_at


def clock_due(spec: ClockSpec, start: datetime, cal: BusinessCalendar) -> datetime:
    """When one clock started at ``start`` is due (UTC)."""
    return term_due(spec.basis, spec.amount, start, cal, on_non_working=spec.on_non_working)


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
    A clock that starts at the interim answer is pending, due at its cap, when it has one, and
    left out when it has none (``interim_clock`` starts it).
    """
    deadlines = []
    for spec in policy.clocks_for(category, subcategory, special):
        if spec.starts_from == INTERIM:
            cap_at = spec.cap_at(received_at)
            if cap_at is not None:
                deadlines.append(_clock(policy, spec, received_at, cap_at, cal, waits_for=INTERIM, cap_at=cap_at))
            continue
        start = registered_at if spec.starts_from == "registered" and registered_at is not None else received_at
        deadlines.append(_clock(policy, spec, start, clock_due(spec, start, cal), cal))
    return deadlines


def interim_clock(policy: DeadlinePolicy, spec: ClockSpec, interim_at: datetime, received_at: datetime,
                  cal: BusinessCalendar) -> ClockDeadline:
    """A clock of ``spec`` started by the interim answer at ``interim_at``, bounded by its cap."""
    cap_at = spec.cap_at(received_at)
    return _clock(policy, spec, interim_at, bounded(clock_due(spec, interim_at, cal), cap_at), cal, cap_at=cap_at)


def _clock(policy: DeadlinePolicy, spec: ClockSpec, start: datetime, due: datetime, cal: BusinessCalendar,
           **extra) -> ClockDeadline:
    return ClockDeadline(kind=spec.kind, basis=spec.basis, starts_at=start.astimezone(UTC), due_at=due,
                         policy_id=policy.id, policy_version=policy.version, calendar_version=cal.version,
                         max_extension_days=spec.max_extension_days, amount=spec.amount,
                         on_non_working=spec.on_non_working,
                         provisional_years=term_provisional(spec.basis, start, due, cal), **extra)


def extended_due(spec: ClockSpec, start: datetime, extension_days: int, cal: BusinessCalendar) -> datetime:
    """The due time of a calendar-days clock extended once by ``extension_days``.

    The term is recounted from the start as ``amount + extension_days`` days, so the
    non-working-day rule applies to the new end only.
    """
    if spec.basis != "calendar_days":
        raise ValueError(f"срок {spec.kind!r} считается не в календарных днях ({spec.basis}); "
                         "продлить можно только срок в календарных днях")
    if not 1 <= extension_days <= spec.max_extension_days:
        raise ValueError(
            f"срок {spec.kind!r} продлевается на 1–{spec.max_extension_days} дн., а не на {extension_days}"
        )
    return add_calendar_days(start, spec.amount + extension_days, cal, spec.on_non_working)


def policy_clocks(
    policy: DeadlinePolicy,
    received_at: datetime,
    cal: BusinessCalendar,
    *,
    category: str | None = None,
    subcategory: str | None = None,
    special: str | None = None,
    interim_at: datetime | None = None,
    extension_days: int = 0,
) -> list[tuple[ClockSpec, ClockDeadline | None]]:
    """Every clock of ``policy`` for an appeal received and registered at ``received_at``, as
    routing starts them (``compute_clocks``); the clocks that start at the interim answer started
    at ``interim_at`` as the answer action starts them (``interim_clock``), and the extendable
    clocks prolonged by ``extension_days`` as an extension moves them (``term_due``, bounded by
    the cap). Each clock comes with its spec; a clock still waiting for the interim answer is
    None, or pending (``waits_for``) when it has a cap. ValueError names what is not allowed.
    """
    specs = policy.clocks_for(category, subcategory, special)
    if extension_days < 0:
        raise ValueError("продление — положительное число дней")
    if interim_at is not None:
        if interim_at < received_at:
            raise ValueError("промежуточный ответ не может быть раньше поступления")
        if not any(spec.starts_from == INTERIM for spec in specs):
            raise ValueError(f"у политики сроков {policy.id} нет срока, который начинается с промежуточного ответа")
    extendable = [spec for spec in specs if spec.max_extension_days]
    if extension_days and not extendable:
        raise ValueError(f"политика сроков {policy.id} не допускает продления")
    started = {clock.kind: clock for clock in compute_clocks(policy, received_at, received_at, cal, category=category,
                                                              subcategory=subcategory, special=special)}
    out = []
    for spec in specs:
        clock = started.get(spec.kind)
        if spec.starts_from == INTERIM and interim_at is not None:
            clock = interim_clock(policy, spec, interim_at, received_at, cal)
        if extension_days and spec in extendable and clock is not None and not clock.waits_for:
            if extension_days > spec.max_extension_days:
                limit = spec.max_extension_days
                raise ValueError(f"политика сроков {policy.id} допускает продление не более чем на {limit} дн.")
            due = term_due(spec.basis, spec.amount, clock.starts_at, cal, on_non_working=spec.on_non_working,
                           extension_days=extension_days)
            clock = replace(clock, due_at=bounded(due, clock.cap_at),
                            provisional_years=term_provisional(spec.basis, clock.starts_at, due, cal))
        out.append((spec, clock))
    return out
