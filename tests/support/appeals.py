"""Appeals as the service tests receive them: a pit in a Barnaul road (59-ФЗ) and a burst pipe (an
incident), received at the test clock's time; clocks read back by kind."""

from __future__ import annotations

from engine.domain.appeal import Author, IncomingAppeal
from engine.services.access import Caller
from engine.services.actions import perform
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import ClockRecord
from tests.support.moments import at

HOUSING_OFFICIAL = Caller(token_id=None, role="official", label=None, user="belova-na")
CENTRE_CURATOR = Caller(token_id=None, role="curator", label=None, user="curator")


def pit_appeal(clock, external_id="pos-1", *, regime="fz59", author_type="citizen", category="roads") -> IncomingAppeal:
    return IncomingAppeal(
        channel="portal",
        external_id=external_id,
        text="На ул. Попова огромные ямы, провал асфальта",
        received_at=clock(),
        author=Author(name="Анна Кравцова", type=author_type, contact="anna@example.ru"),
        municipality="barnaul",
        category=category,
        fz59=regime == "fz59",
        regime=regime,
    )


def burst_pipe(clock, urgency="normal", external_id="vk-1") -> IncomingAppeal:
    return IncomingAppeal(
        channel="vk", external_id=external_id, text="Во дворе дома 5 по ул. Ленина прорвало трубу, течёт вода",
        received_at=clock(), author=Author(name="Игорь Седов"), municipality="barnaul", category="housing",
        regime="incident", urgency=urgency,
    )


def routed_pit(runtime, clock, external_id="pos-1", **changes) -> int:
    """A pit appeal (see `pit_appeal` for the changes it takes) received and routed now; its id."""
    received = receive_appeal(runtime, pit_appeal(clock, external_id, **changes), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    return received.appeal_id


def taken_incident(runtime, clock, external_id="vk-1") -> int:
    """A burst pipe in Barnaul received Mon 2026-11-30 10:00 (the housing committee works 8-12, 13-17):
    policy `incident`, first response due Tue 1 Dec 11:00; taken at once by the housing official."""
    clock.set(at("Mon 2026-11-30 10:00 +0700"))
    received = receive_appeal(runtime, burst_pipe(clock, external_id=external_id), "{}", actor="test")
    assert route_appeal(runtime, received.appeal_id)
    perform(runtime, received.appeal_id, "take", {}, HOUSING_OFFICIAL)
    return received.appeal_id


def answer(runtime, appeal_id: int, kind: str, *, approve: bool = True) -> dict:
    """The housing official answers (`interim` or `final`). An incident is on the centre's control
    (rules/routing/control.yaml): its answer is a draft, which the curator approves at once — the
    answer is published at the same moment — unless ``approve`` is False."""
    result = perform(runtime, appeal_id, "answer", {"kind": kind, "text": "Ответ жителю."}, HOUSING_OFFICIAL)
    if approve and result.get("review"):
        return perform(runtime, appeal_id, "approve_answer", {}, CENTRE_CURATOR)
    return result


def clock_row(appeal_id: int, kind: str) -> ClockRecord | None:
    """The appeal's clock of that kind, or None."""
    return ClockRecord.get_or_none((ClockRecord.appeal == appeal_id) & (ClockRecord.kind == kind))
