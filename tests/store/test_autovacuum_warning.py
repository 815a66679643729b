"""A worker on a PostgreSQL server without autovacuum says so at start: the rows it moves on stay in the
tables and their indexes and the planner has no statistics, so its polls slow down as they grow."""

from __future__ import annotations

import logging

import pytest

from engine.services import database as database_service
from engine.store.db import connection, database, is_postgres

pytestmark = pytest.mark.both_databases


def test_it_reads_the_servers_own_setting(runtime):
    with connection():
        setting = (database.execute_sql("SELECT setting FROM pg_settings WHERE name = 'autovacuum'").fetchone()[0]
                   if is_postgres() else None)
    assert database_service.autovacuum_off() is (setting is not None and setting != "on")


@pytest.mark.parametrize("off", [True, False])
def test_the_worker_warns_at_start_only_when_it_is_off(runtime, monkeypatch, caplog, off):
    from webhooks import serving

    monkeypatch.setattr(database_service, "autovacuum_off", lambda: off)
    monkeypatch.setattr(serving, "settle", lambda rt: None)
    monkeypatch.setattr(serving.sys, "setswitchinterval", lambda _: None)
    with caplog.at_level(logging.WARNING, logger=serving.log.name):
        serving.settle_worker(runtime)
    warned = [r.getMessage() for r in caplog.records if "autovacuum off" in r.getMessage()]
    sqlite = runtime.settings.database_url.startswith("sqlite")
    assert len(warned) == (0 if sqlite or not off else 1)  # SQLite has no autovacuum to miss
    if warned:
        assert "VACUUM ANALYZE" in warned[0] and "docs/operations.md" in warned[0]
