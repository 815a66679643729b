"""A database that drops out answers 503 with Retry-After (JSON), so a channel retries, and the next
request reconnects: on PostgreSQL a terminated backend (pg_terminate_backend), on SQLite a database
locked by another program longer than the busy timeout."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest

from engine.services import credentials
from engine.store.db import database
from engine.store.models import AppealRecord
from tests.conftest import PG_ADMIN_URL
from tests.support.signing import body_of, signed_headers
from tests.support.staff import bearer

SECRET = "drop-secret"


@pytest.fixture
def setup(runtime):
    credentials.add_channel(runtime.now(), "portal", "generic", SECRET)
    return bearer(credentials.create_token(runtime.now(), "admin"))


def appeal(client, clock, n: int):
    raw = body_of({"external_id": f"drop-{n}", "text": "Яма на дороге в Барнауле", "municipality": "barnaul"})
    headers = signed_headers(SECRET, raw, int(clock().timestamp()))
    return client.post("/webhooks/generic/portal", data=raw, headers=headers)


def terminate_this_threads_backend() -> None:
    """The connection this thread holds (and the next request in this thread reuses) is killed by
    the server, as a failover or an administrator would."""
    pid = database.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0] is True


def assert_retry_later(answer):
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.headers["Retry-After"] == "5"
    assert answer.get_json()["error"]["code"] == "database_unavailable"


@pytest.mark.postgres_only
def test_a_terminated_connection_answers_503_and_the_next_request_reconnects(client, clock, setup):
    terminate_this_threads_backend()
    assert_retry_later(client.get("/api/v1/appeals", headers=setup))

    assert client.get("/api/v1/appeals", headers=setup).status_code == 200


@pytest.mark.postgres_only
def test_a_webhook_on_a_dropped_connection_is_503_stores_nothing_and_its_retry_is_stored(client, clock, setup):
    terminate_this_threads_backend()
    assert_retry_later(appeal(client, clock, 1))
    assert AppealRecord.select().count() == 0

    assert appeal(client, clock, 1).status_code == 202
    assert AppealRecord.select().count() == 1


def test_a_sqlite_database_locked_by_another_program_answers_503_then_serves_again(client, clock, setup,
                                                                                   database_url):
    database.execute_sql("PRAGMA busy_timeout = 50")  # this thread's connection, reused by the request
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        assert_retry_later(appeal(client, clock, 1))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert AppealRecord.select().count() == 0

    assert appeal(client, clock, 1).status_code == 202
    assert AppealRecord.select().count() == 1
