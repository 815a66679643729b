"""The acknowledgements of a routed batch, queued together after the batch's incidents are joined, each name
the answer's due time their appeal had when routing it one by one would have told the resident: an incident
whose priority rises with its authors moves its members' terms, and only the appeals routed after that see it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.services import routing
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AppealRecord, AuthorMessageRecord
from tests.test_routing_batches import ROUTED_COLUMNS, unroute

pytestmark = pytest.mark.both_databases

PITS = ["Не вывозят мусор с контейнерной площадки, ул. Попова, {n}",
        "На ул. Попова у дома {n} мусор не вывозят уже неделю, контейнеры переполнены",
        "Мусор не вывозят, ул. Попова, {n}, площадка завалена"]


def acknowledgements(ids: list[int]) -> dict[int, tuple]:
    return {m.appeal_id: (m.idempotency_key, m.text, m.details, m.status) for m in AuthorMessageRecord.select()
            .where(AuthorMessageRecord.appeal.in_(ids) & (AuthorMessageRecord.kind == "acknowledgement"))}


def test_each_acknowledgement_of_a_batch_names_the_due_time_routing_one_by_one_names(runtime, clock):
    ids = []
    for n in range(12):  # twelve authors: the incident's priority rises at three and at ten
        clock.set(clock() + timedelta(minutes=10))
        incoming = IncomingAppeal(channel="portal", external_id=f"pit-{n}", text=PITS[n % 3].format(n=100 + n),
                                  received_at=clock(), author=Author(name=f"Автор {n}"), author_id=f"portal:{n}",
                                  municipality="barnaul", regime="incident")
        ids.append(receive_appeal(runtime, incoming, "{}", actor="test").appeal_id)
    originals = {a.id: {name: getattr(a, name) for name in (*ROUTED_COLUMNS, "updated_at")}
                 for a in AppealRecord.select().where(AppealRecord.id.in_(ids))}

    assert all(route_appeal(runtime, appeal_id) for appeal_id in ids)
    one_by_one = acknowledgements(ids)
    unroute(ids, originals)
    assert routing.route_pending(runtime) == len(ids)
    batched = acknowledgements(ids)

    assert set(one_by_one) == set(ids)
    assert batched == one_by_one
    # the case is the one it is about: the terms told moved while the incident grew
    assert len({details["due"] for _, _, details, _ in one_by_one.values()}) > 1


def test_a_batch_composes_acknowledgements_before_its_write_and_still_audits_one_switched_off(runtime, clock):
    """The worker composes a batch's acknowledgements before it takes the write turn: an anonymous 59-ФЗ
    appeal's is switched off (its audit line written with the batch), a named author's is queued naming the
    body and the due time, as routing each alone does."""
    ids = []
    for n, author in enumerate([Author(type="anonymous"), Author(name="Иван Петров", contact="ivan@example.ru")]):
        clock.set(clock() + timedelta(minutes=10))
        incoming = IncomingAppeal(channel="portal", external_id=f"ack-{n}", text=PITS[0].format(n=200 + n),
                                  received_at=clock(), author=author, municipality="barnaul", regime="fz59")
        ids.append(receive_appeal(runtime, incoming, "{}", actor="test").appeal_id)
    originals = {a.id: {name: getattr(a, name) for name in (*ROUTED_COLUMNS, "updated_at")}
                 for a in AppealRecord.select().where(AppealRecord.id.in_(ids))}

    assert all(route_appeal(runtime, appeal_id) for appeal_id in ids)
    alone = acknowledgements(ids), switched_off(ids)
    unroute(ids, originals)
    assert routing.route_pending(runtime) == 2
    batched = acknowledgements(ids), switched_off(ids)

    assert batched == alone
    anonymous, named = ids
    assert set(batched[0]) == {named} and "ответ будет дан до" in batched[0][named][1]
    assert batched[1] == [(anonymous, "anonymous")]


def switched_off(ids: list[int]) -> list[tuple]:
    from engine.store.models import AuditRecord

    return [(a.appeal_id, "anonymous" if "анонимное" in a.details["why"] else a.details["why"])
            for a in AuditRecord.select().where(AuditRecord.appeal.in_(ids)
                                                & (AuditRecord.action == "reply.switched_off"))]
