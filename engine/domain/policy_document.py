"""Strict parsing of the deadlines document (``rules/deadline_policies.yaml``) into policies.

Every error names the policy id and the field. The content hash of a policy (its version)
follows the content, not the layout of the file.
"""

from __future__ import annotations

from engine.domain.businesstime import ON_NON_WORKING
from engine.domain.calendar import canonical_hash
from engine.domain.deadlines import (
    BASES,
    CLOCK_KINDS,
    STARTS_FROM,
    CategoryOverride,
    ClockSpec,
    DeadlinePolicy,
    SpecialOutcome,
)
from engine.domain.vocabulary import FZ59_SPECIALS, REGIMES

_DOCUMENT_KEYS = {"ruleset", "owner", "description", "policies"}
_POLICY_KEYS = {"id", "title", "regime", "description", "clocks", "by_category", "special_outcomes"}
_CLOCK_KEYS = {"kind", "basis", "amount", "starts_from", "on_non_working", "max_extension_days", "cap_hours", "note"}
_OVERRIDE_KEYS = {"category", "subcategory", "amounts", "note"}
_SPECIAL_KEYS = {"outcome", "notice_days", "on_non_working", "without", "note"}


def _fail(policy_id: str, field_name: str, message: str) -> ValueError:
    return ValueError(f"deadline policy {policy_id!r}: {field_name}: {message}")


def _int_field(raw: dict, key: str, policy_id: str, where: str, default: int | None = None, minimum: int = 0) -> int:
    value = raw.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _fail(policy_id, f"{where}.{key}", f"expected an integer >= {minimum}, got {value!r}")
    return value


def _mapping(raw: object, keys: set[str], policy_id: str, where: str) -> dict:
    """raw, checked to be a mapping with no field outside keys."""
    if not isinstance(raw, dict):
        raise _fail(policy_id, where, "expected a mapping")
    unknown = set(raw) - keys
    if unknown:
        raise _fail(policy_id, f"{where}.{sorted(unknown)[0]}", "unknown field")
    return raw


def _items(raw: dict, key: str, policy_id: str, parse, *, required: bool = False) -> tuple:
    """Each entry of the list raw[key], parsed by parse(entry, index); a missing list is empty
    unless required."""
    entries = raw.get(key) if required else raw.get(key) or []
    if not isinstance(entries, list) or (required and not entries):
        raise _fail(policy_id, key, "expected a non-empty list" if required else "expected a list")
    return tuple(parse(entry, i) for i, entry in enumerate(entries))


def _choice(raw: dict, key: str, allowed: tuple[str, ...], policy_id: str, where: str, default: str | None = None):
    value = raw.get(key, default)
    if value not in allowed:
        raise _fail(policy_id, f"{where}.{key}", f"expected one of {list(allowed)}, got {value!r}")
    return value


def _parse_clock(raw: object, policy_id: str, index: int) -> ClockSpec:
    where = f"clocks[{index}]"
    raw = _mapping(raw, _CLOCK_KEYS, policy_id, where)
    kind = _choice(raw, "kind", CLOCK_KINDS, policy_id, where)
    where = f"clocks[{kind}]"
    basis = _choice(raw, "basis", BASES, policy_id, where)
    if "on_non_working" in raw and basis != "calendar_days":
        raise _fail(policy_id, f"{where}.on_non_working", "applies only to the calendar_days basis")
    starts_from = _choice(raw, "starts_from", STARTS_FROM, policy_id, where)
    if "cap_hours" in raw and starts_from != "interim":
        raise _fail(policy_id, f"{where}.cap_hours", "applies only to a clock that starts from the interim answer")
    return ClockSpec(
        kind=kind,
        basis=basis,
        amount=_int_field(raw, "amount", policy_id, where, minimum=1),
        starts_from=starts_from,
        on_non_working=_choice(raw, "on_non_working", ON_NON_WORKING, policy_id, where, default="next"),
        max_extension_days=_int_field(raw, "max_extension_days", policy_id, where, default=0),
        cap_hours=_int_field(raw, "cap_hours", policy_id, where, default=0, minimum=1) if "cap_hours" in raw else 0,
    )


def _parse_override(raw: object, policy_id: str, index: int, kinds: set[str]) -> CategoryOverride:
    where = f"by_category[{index}]"
    raw = _mapping(raw, _OVERRIDE_KEYS, policy_id, where)
    category, subcategory = raw.get("category"), raw.get("subcategory")
    if not isinstance(category, str) or not category:
        raise _fail(policy_id, f"{where}.category", "expected a non-empty string")
    if subcategory is not None and (not isinstance(subcategory, str) or not subcategory):
        raise _fail(policy_id, f"{where}.subcategory", "expected a non-empty string or nothing")
    amounts = raw.get("amounts")
    if not isinstance(amounts, dict) or not amounts:
        raise _fail(policy_id, f"{where}.amounts", "expected a mapping of clock kind to amount")
    for kind in amounts:
        if kind not in kinds:
            raise _fail(policy_id, f"{where}.amounts.{kind}", "the policy has no such clock")
        _int_field(amounts, kind, policy_id, f"{where}.amounts", minimum=1)
    return CategoryOverride(category, subcategory, tuple(sorted(amounts.items())))


def _parse_special(raw: object, policy_id: str, index: int, kinds: set[str]) -> SpecialOutcome:
    where = f"special_outcomes[{index}]"
    raw = _mapping(raw, _SPECIAL_KEYS, policy_id, where)
    outcome = _choice(raw, "outcome", FZ59_SPECIALS, policy_id, where)
    where = f"special_outcomes[{outcome}]"
    without = raw.get("without") or []
    if not isinstance(without, list) or any(k not in kinds for k in without):
        raise _fail(policy_id, f"{where}.without", f"expected a list of the policy's clock kinds, got {without!r}")
    return SpecialOutcome(
        outcome=outcome,
        notice_days=_int_field(raw, "notice_days", policy_id, where, default=0),
        on_non_working=_choice(raw, "on_non_working", ON_NON_WORKING, policy_id, where, default="next"),
        without=tuple(without),
    )


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
    clocks = _items(raw, "clocks", policy_id, lambda c, i: _parse_clock(c, policy_id, i), required=True)
    kinds = [c.kind for c in clocks]
    duplicated = sorted({k for k in kinds if kinds.count(k) > 1})
    if duplicated:
        raise _fail(policy_id, "clocks", f"clock kind {duplicated[0]!r} appears more than once")
    overrides = _items(raw, "by_category", policy_id, lambda o, i: _parse_override(o, policy_id, i, set(kinds)))
    keys = [(o.category, o.subcategory) for o in overrides]
    if len(set(keys)) != len(keys):
        raise _fail(policy_id, "by_category", "a (category, subcategory) pair appears more than once")
    specials = _items(raw, "special_outcomes", policy_id, lambda s, i: _parse_special(s, policy_id, i, set(kinds)))
    outcomes = [s.outcome for s in specials]
    if len(set(outcomes)) != len(outcomes):
        raise _fail(policy_id, "special_outcomes", "an outcome appears more than once")
    content = {
        "id": policy_id,
        "title": title,
        "regime": regime,
        "clocks": [c.canonical() for c in clocks],
        "by_category": [o.canonical() for o in overrides],
    }
    if specials:  # absent from the hash when empty, so older policy versions keep their hash
        content["special_outcomes"] = sorted((s.canonical() for s in specials), key=lambda s: s["outcome"])
    return DeadlinePolicy(
        id=policy_id,
        title=title,
        regime=regime,
        clocks=clocks,
        version=canonical_hash(content),
        by_category=overrides,
        special_outcomes=specials,
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


