"""On PostgreSQL a pooled connection given back just now is taken again without asking the server whether it
lives (peewee's pool sends ``SELECT 1`` before every checkout: a round trip before each request and job); one
that sat idle is asked, and one whose server process ended is never handed out twice."""

from __future__ import annotations

import threading

import pytest

from engine.store import db
from engine.store.db import connection, database

pytestmark = pytest.mark.postgres_only


def job(statement: str = "SELECT pg_backend_pid()"):
    """What a request or worker job does: take a connection in a thread of its own, run one statement, give the
    connection back. Its answer, or the exception it raised."""
    got: dict = {}

    def run():
        try:
            with connection():
                got["answer"] = database.execute_sql(statement).fetchone()[0]
        except Exception as exc:  # the caller looks at it
            got["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return got.get("error", got.get("answer"))


@pytest.fixture
def asked(runtime, monkeypatch):
    """The times the pool asked the server whether a connection lives."""
    pool, calls = database.obj, []
    real = pool._adapter.is_connection_closed
    monkeypatch.setattr(pool._adapter, "is_connection_closed", lambda conn: calls.append(1) or real(conn))
    return calls


def test_a_connection_given_back_just_now_is_taken_without_a_round_trip(asked, monkeypatch):
    first = job()
    assert job() == first  # the same server process: the pool's connection, taken again
    assert asked == []
    monkeypatch.setattr(db, "ASK_AFTER_IDLE_SECONDS", 0.0)  # every connection now counts as idle
    assert job() == first
    assert asked == [1]


def test_an_idle_connection_whose_server_process_ended_is_dropped_and_the_job_gets_a_new_one(asked, monkeypatch):
    first = job()
    assert database.execute_sql("SELECT pg_terminate_backend(%s)", (first,)).fetchone()[0] is True
    monkeypatch.setattr(db, "ASK_AFTER_IDLE_SECONDS", 0.0)

    second = job()

    assert isinstance(second, int) and second != first
    assert asked == [1]


def test_a_connection_lost_within_the_second_fails_its_statement_as_unavailable_and_is_not_handed_out_again(asked):
    first = job()
    assert database.execute_sql("SELECT pg_terminate_backend(%s)", (first,)).fetchone()[0] is True

    lost = job()

    assert isinstance(lost, Exception) and db.is_unavailable(lost)  # a webhook hears 503 and is sent again
    third = job()
    assert isinstance(third, int) and third != first
