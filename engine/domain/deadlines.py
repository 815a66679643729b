"""Deadline policies (data) and the clocks they start for an appeal.

A policy is a named set of clocks; each clock counts an amount of calendar days, working
days, working hours or calendar hours from the receipt or the registration of the appeal.
Policies are parsed strictly from an already-loaded document and carry a content hash so
that an appeal's clocks can stay pinned to the version they started under.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from engine.domain.businesstime import (
    ON_NON_WORKING,
    add_calendar_days,
    add_working_days,
    add_working_hours,
)
from engine.domain.calendar import BusinessCalendar, canonical_hash

CLOCK_KINDS = ("registration", "forward", "notice", "first_response", "interim_answer", "answer", "final_answer")
BASES = ("calendar_days", "working_days", "working_hours", "calendar_hours")
STARTS_FROM = ("received", "registered")
REGIMES = ("fz59", "portal_message", "incident", "other")

_DOCUMENT_KEYS = {"ruleset", "owner", "description", "policies"}
_POLICY_KEYS = {"id", "title", "regime", "description", "clocks", "by_category"}
_CLOCK_KEYS = {"kind", "basis", "amount", "starts_from", "on_non_working", "max_extension_days", "note"}
_OVERRIDE_KEYS = {"category", "subcategory", "amounts", "note"}


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
class DeadlinePolicy:
    id: str
    title: str
    regime: str
    clocks: tuple[ClockSpec, ...]
    version: str
    by_category: tuple[CategoryOverride, ...] = ()

    def clock(self, kind: str) -> ClockSpec:
        for spec in self.clocks:
            if spec.kind == kind:
                return spec
        raise KeyError(f"policy {self.id!r} has no {kind!r} clock")

    def clocks_for(self, category: str | None = None, subcategory: str | None = None) -> tuple[ClockSpec, ...]:
        """The clocks with amounts overridden for (category, subcategory).

        An exact (category, subcategory) entry wins over a category-wide one.
        """
        if category is None:
            return self.clocks
        exact = [o for o in self.by_category if o.category == category and o.subcategory == subcategory]
        wide = [o for o in self.by_category if o.category == category and o.subcategory is None]
        chosen = (exact or wide or [None])[0]
        if chosen is None:
            return self.clocks
        amounts = dict(chosen.amounts)
        return tuple(replace(spec, amount=amounts.get(spec.kind, spec.amount)) for spec in self.clocks)


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


def _fail(policy_id: str, field_name: str, message: str) -> ValueError:
    return ValueError(f"deadline policy {policy_id!r}: {field_name}: {message}")


def _int_field(raw: dict, key: str, policy_id: str, where: str, default: int | None = None, minimum: int = 0) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _fail(policy_id, f"{where}.{key}", f"expected an integer >= {minimum}, got {value!r}")
    return value


def _choice(raw: dict, key: str, allowed: tuple[str, ...], policy_id: str, where: str, default: str | None = None):
    value = raw.get(key, default)
    if value not in allowed:
        raise _fail(policy_id, f"{where}.{key}", f"expected one of {list(allowed)}, got {value!r}")
    return value


def _parse_clock(raw: object, policy_id: str, index: int) -> ClockSpec:
    where = f"clocks[{index}]"
    if not isinstance(raw, dict):
        raise _fail(policy_id, where, "expected a mapping")
    unknown = set(raw) - _CLOCK_KEYS
    if unknown:
        raise _fail(policy_id, f"{where}.{sorted(unknown)[0]}", "unknown field")
    kind = _choice(raw, "kind", CLOCK_KINDS, policy_id, where)
    where = f"clocks[{kind}]"
    basis = _choice(raw, "basis", BASES, policy_id, where)
    if "on_non_working" in raw and basis != "calendar_days":
        raise _fail(policy_id, f"{where}.on_non_working", "applies only to the calendar_days basis")
    return ClockSpec(
        kind=kind,
        basis=basis,
        amount=_int_field(raw, "amount", policy_id, where, minimum=1),
        starts_from=_choice(raw, "starts_from", STARTS_FROM, policy_id, where),
        on_non_working=_choice(raw, "on_non_working", ON_NON_WORKING, policy_id, where, default="next"),
        max_extension_days=_int_field(raw, "max_extension_days", policy_id, where, default=0),
    )


def _parse_override(raw: object, policy_id: str, index: int, kinds: set[str]) -> CategoryOverride:
    where = f"by_category[{index}]"
    if not isinstance(raw, dict):
        raise _fail(policy_id, where, "expected a mapping")
    unknown = set(raw) - _OVERRIDE_KEYS
    if unknown:
        raise _fail(policy_id, f"{where}.{sorted(unknown)[0]}", "unknown field")
    category, subcategory = raw.get("category"), raw.get("subcategory")
    if not isinstance(category, str) or not category:
        raise _fail(policy_id, f"{where}.category", "expected a non-empty string")
    if subcategory is not None and (not isinstance(subcategory, str) or not subcategory):
        raise _fail(policy_id, f"{where}.subcategory", "expected a non-empty string or nothing")
    amounts = raw.get("amounts")
    if not isinstance(amounts, dict) or not amounts:
        raise _fail(policy_id, f"{where}.amounts", "expected a mapping of clock kind to amount")
    for kind, amount in amounts.items():
        if kind not in kinds:
            raise _fail(policy_id, f"{where}.amounts.{kind}", "the policy has no such clock")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
            raise _fail(policy_id, f"{where}.amounts.{kind}", f"expected an integer >= 1, got {amount!r}")
    return CategoryOverride(category, subcategory, tuple(sorted(amounts.items())))


def policy_from_dict(raw: object, index: int = 0) -> DeadlinePolicy:
    """Parse one policy mapping; every error names the policy id and the field."""
    if not isinstance(raw, dict):
        raise ValueError(f"deadline policy #{index}: expected a mapping")
    policy_id = raw.get("id")
    if not isinstance(policy_id, str) or not policy_id:
        raise ValueError(f"deadline policy #{index}: id: expected a non-empty string, got {policy_id!r}")
    unknown = set(raw) - _POLICY_KEYS
    if unknown:
        raise _fail(policy_id, sorted(unknown)[0], "unknown field")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _fail(policy_id, "title", "expected a non-empty string")
    regime = _choice(raw, "regime", REGIMES, policy_id, "policy")
    raw_clocks = raw.get("clocks")
    if not isinstance(raw_clocks, list) or not raw_clocks:
        raise _fail(policy_id, "clocks", "expected a non-empty list")
    clocks = tuple(_parse_clock(c, policy_id, i) for i, c in enumerate(raw_clocks))
    kinds = [c.kind for c in clocks]
    duplicated = sorted({k for k in kinds if kinds.count(k) > 1})
    if duplicated:
        raise _fail(policy_id, "clocks", f"clock kind {duplicated[0]!r} appears more than once")
    raw_overrides = raw.get("by_category") or []
    if not isinstance(raw_overrides, list):
        raise _fail(policy_id, "by_category", "expected a list")
    overrides = tuple(_parse_override(o, policy_id, i, set(kinds)) for i, o in enumerate(raw_overrides))
    keys = [(o.category, o.subcategory) for o in overrides]
    if len(set(keys)) != len(keys):
        raise _fail(policy_id, "by_category", "a (category, subcategory) pair appears more than once")
    content = {
        "id": policy_id,
        "title": title,
        "regime": regime,
        "clocks": [c.canonical() for c in clocks],
        "by_category": [o.canonical() for o in overrides],
    }
    return DeadlinePolicy(
        id=policy_id,
        title=title,
        regime=regime,
        clocks=clocks,
        version=canonical_hash(content),
        by_category=overrides,
    )


def policies_from_document(doc: dict) -> dict[str, DeadlinePolicy]:
    """All policies of a deadlines document, keyed by id."""
    if not isinstance(doc, dict):
        raise ValueError("deadlines document: expected a mapping")
    unknown = set(doc) - _DOCUMENT_KEYS
    if unknown:
        raise ValueError(f"deadlines document: unknown keys {sorted(unknown)}")
    raw_policies = doc.get("policies")
    if not isinstance(raw_policies, list) or not raw_policies:
        raise ValueError("deadlines document: 'policies' must be a non-empty list")
    policies: dict[str, DeadlinePolicy] = {}
    for index, raw in enumerate(raw_policies):
        policy = policy_from_dict(raw, index)
        if policy.id in policies:
            raise _fail(policy.id, "id", "defined more than once")
        policies[policy.id] = policy
    return policies


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
) -> list[ClockDeadline]:
    """Start every clock of ``policy`` for one appeal.

    Clocks that run from registration use ``received_at`` while the appeal is not yet
    registered (``registered_at`` None): the earlier start never gives a later deadline.
    """
    deadlines = []
    for spec in policy.clocks_for(category, subcategory):
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
