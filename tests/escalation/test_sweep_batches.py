"""A sweep batch reads what its alerts need for all its steps at once: the assignee named in every
alert is read with one query per batch, not one per step, and the alerts say the same."""

from __future__ import annotations

from dataclasses import replace

import peewee
import pytest

from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_appeal
from engine.store.models import AlertRecord, AppealRecord, EscalationRecord
from tests.escalation.test_escalation_and_delivery import pit_appeal


@pytest.mark.both_databases
def test_the_assignees_of_a_batch_are_read_once_and_named_in_every_alert(runtime, clock, monkeypatch):
    appeals = []
    streets = ("Попова", "Малахова", "Антона Петрова", "Ленина", "Молодёжной", "Горького")
    for n, street in enumerate(streets):  # six places: six appeals of their own, none an incident's member
        pit = replace(pit_appeal(clock, f"batch-{n}"), text=f"На ул. {street} огромные ямы, провал асфальта")
        received = receive_appeal(runtime, pit, "{}", actor="test")
        assert route_appeal(runtime, received.appeal_id)
        appeals.append(received.appeal_id)
    assert not AppealRecord.select().where(AppealRecord.incident_id.is_null(False)).exists()
    # the moment their first steps fall due (a later sweep would fold the alerts into catch-up letters)
    clock.set(min(row.next_check_at for row in EscalationRecord.select()))
    statements = []
    real = peewee.Database.execute_sql
    monkeypatch.setattr(peewee.Database, "execute_sql",
                        lambda self, sql, *a, **k: statements.append(sql) or real(self, sql, *a, **k))

    report = sweep(runtime)

    assert report.alerts >= len(appeals)
    assignment_reads = [sql for sql in statements if 'FROM "assignment_record"' in sql]
    assert len(assignment_reads) == 1, assignment_reads
    subjects = {a.appeal_id: a.subject for a in AlertRecord.select().where(AlertRecord.appeal.in_(appeals))}
    assert set(subjects) == set(appeals)
    assert all("ответственный: " in subject for subject in subjects.values()), subjects
