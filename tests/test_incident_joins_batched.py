"""A routed batch whose appeals join one incident writes its members' rows, their clocks following the
incident's and their audit lines together, not once per join; what it writes is what routing the appeals one
by one writes (tests/test_routing_batches.py, tests/test_routing_acknowledgement_due.py)."""

from __future__ import annotations

from datetime import timedelta

import peewee
import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.services import routing
from engine.services.intake import receive_appeal
from engine.store.models import AppealRecord, AuditRecord, ClockRecord
from tests.test_routing_acknowledgement_due import PITS

pytestmark = pytest.mark.both_databases


def test_a_batch_writes_the_members_of_an_incident_together(runtime, clock, monkeypatch):
    ids = []
    for n in range(12):  # twelve authors at one street: the incident's priority rises at three and at ten
        clock.set(clock() + timedelta(minutes=10))
        incoming = IncomingAppeal(channel="portal", external_id=f"pit-{n}", text=PITS[n % 3].format(n=100 + n),
                                  received_at=clock(), author=Author(name=f"Автор {n}"), author_id=f"portal:{n}",
                                  municipality="barnaul", regime="incident")
        ids.append(receive_appeal(runtime, incoming, "{}", actor="test").appeal_id)
    statements = []
    real = peewee.Database.execute_sql
    monkeypatch.setattr(peewee.Database, "execute_sql",
                        lambda self, sql, *a, **k: statements.append(sql) or real(self, sql, *a, **k))

    assert routing.route_pending(runtime) == 12

    members = list(AppealRecord.select().where(AppealRecord.id.in_(ids)).order_by(AppealRecord.id))
    assert {m.incident_id for m in members} != {None} and len({m.incident_id for m in members}) == 1
    lead = ids[0]
    joined = AuditRecord.select().where(AuditRecord.appeal.in_(ids) & (AuditRecord.action == "appeal.joined_incident"))
    assert sorted(a.appeal_id for a in joined) == ids
    # every member but the first follows the incident's clock, and its audit line says so
    following = {c.appeal_id for c in ClockRecord.select().where(ClockRecord.appeal.in_(ids)
                                                                 & ClockRecord.follows.is_null(False))}
    assert following == set(ids[1:])
    assert all(a.details.get("clocks_follow") for a in joined if a.appeal_id != lead)
    raised = AuditRecord.select().where(AuditRecord.appeal.in_(ids)
                                        & (AuditRecord.action == "incident.priority_raised"))
    assert raised.count() > 0  # the case is the one it is about: the members were written before each rise

    member_writes = [sql for sql in statements if sql.startswith('UPDATE "appeal_record" SET')
                     and '"incident_id" = ' in sql.split(" WHERE ")[0]]  # setting the incident, not by it
    assert member_writes
    follows = [sql for sql in statements if sql.startswith('UPDATE "clock_record"') and '"follows"' in sql]
    join_lines = [sql for sql in statements if sql.startswith('INSERT INTO "audit_record"')]
    # written when the priority rises (at three and at ten authors) and at the end of the batch: the lead's row
    # and the others' (the street's key) are two statements; one join at a time wrote twelve of each
    assert len(member_writes) <= 6
    assert len(follows) <= 3 + 2  # and all members follow again when a rise re-arms the terms
    # the members' lines (three times), the rises' and their re-armed terms' (twice each), the batch's «routed»
    assert len(join_lines) <= 3 + 2 + 2 + 1
