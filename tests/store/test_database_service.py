"""The database as the shell reaches it (engine.services.database), and what monitoring reads of it."""

from __future__ import annotations

from datetime import timedelta

from engine.services import database
from engine.services.escalation import sweep
from engine.services.monitoring import health_report, service_metrics
from engine.store.models import AppealRecord, MigrationRecord
from tests.support.staff import routed


def test_migrating_an_up_to_date_database_applies_nothing(runtime):
    applied = MigrationRecord.select().count()

    assert database.migrate_database(runtime.now()) == []
    assert MigrationRecord.select().count() == applied > 0


def test_a_connection_borrowed_and_released_reads_the_database(runtime):
    database.release()
    database.connect()
    assert AppealRecord.select().count() == 0
    database.release()
    with database.connection():
        assert AppealRecord.select().count() == 0


def test_health_reports_the_rules_version_and_that_nothing_waits(runtime):
    report = health_report(runtime)

    assert report == {"status": "ok", "database": "ok", "rules_version": runtime.policy_set.rulebook.version,
                      "sweep_lag_seconds": 0.0, "routing_waiting": 0, "routing_lag_seconds": 0.0,
                      "calendar_years": [2025, 2026, 2027], "calendar_missing_year": None,
                      "tokens_expiring": [], "warnings": []}


def test_health_reports_a_database_it_cannot_reach_as_degraded(runtime):
    database.open_database("postgresql://appeals@127.0.0.1:9/nothing-listens-here")

    report = health_report(runtime)

    assert (report["status"], report["database"], report["sweep_lag_seconds"]) == ("degraded", "unreachable", None)


def test_metrics_count_alerts_in_every_outbox_state(runtime, clock):
    routed(runtime)
    clock.set(clock() + timedelta(days=40))
    assert service_metrics(runtime)["escalation_due_steps"] >= 1

    sweep(runtime)
    metrics = service_metrics(runtime)

    assert set(metrics["alerts"]) == {"pending", "sent", "dead", "superseded", "digested"}
    assert metrics["alerts"]["pending"] >= 1 and metrics["escalation_due_steps"] == 0
    assert metrics["delivery_lag_seconds"] >= 0 and metrics["routing_waiting"] == 0
