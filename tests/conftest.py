"""Shared fixtures: a database per test (SQLite file or PostgreSQL schema), an injected clock, the app."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

import pytest

from engine.bootstrap import bootstrap
from engine.config import Settings
from engine.policyset import load_policy_set
from engine.store.db import close_database, database
from engine.store.migrations import migrate
from tests.support.paths import RULES_DIR

PG_ADMIN_URL = os.environ.get("APPEALS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


class MovableClock:
    """The time as tests want it; services read it through the runtime."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment.astimezone(UTC)


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def policy_set():
    return load_policy_set(RULES_DIR)


@pytest.fixture(scope="session")
def _postgres_ok():
    ok = postgres_available()
    if not ok and os.environ.get("CI"):
        pytest.fail("PostgreSQL at 127.0.0.1:5432 is required when CI is set")
    return ok


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, _postgres_ok):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'appeals.db'}"
        return
    if not _postgres_ok:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        close_database()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def clock():
    # Monday 2026-11-30 10:00 Asia/Barnaul
    return MovableClock(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url, tmp_path):
    return Settings.from_env(
        {},
        database_url=database_url,
        rules_dir=RULES_DIR,
        mail_dir=tmp_path / "mail",
        public_url="http://appeals.test",
        # most tests look at the routed appeal in the webhook's answer; the default queued mode
        # (stored now, routed by the worker) has its own tests in test_routing_queued.py
        routing="inline",
    )


@pytest.fixture
def runtime(settings, clock, policy_set):
    rt = bootstrap(settings, clock=clock, policy_set=policy_set)
    database.connect(reuse_if_open=True)
    migrate(clock())
    yield rt
    close_database()


@pytest.fixture
def app(runtime):
    from webhooks import create_app

    return create_app(runtime, {"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli_env(monkeypatch, database_url, tmp_path):
    """The `appeals` command line in this process, on a migrated database of its own."""
    from webhooks.cli import main

    monkeypatch.setenv("APPEALS_DATABASE_URL", database_url)
    monkeypatch.setenv("APPEALS_RULES_DIR", str(RULES_DIR))
    monkeypatch.setenv("APPEALS_MAIL_DIR", str(tmp_path / "mail"))
    assert main(["db", "migrate"]) == 0
    yield
    close_database()
