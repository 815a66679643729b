"""A page built from several reads shows one moment: while a worker commits a routed batch between
the reads, the appeal page does not show the appeal «received» next to the decision and the
acknowledgement of its routing (seen on PostgreSQL, where each statement otherwise reads afresh)."""

from __future__ import annotations

import threading

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.services.database import consistent_read
from engine.services.intake import receive_appeal, route_appeal
from engine.store.db import database, is_postgres, write_transaction
from engine.store.models import AppealRecord, DecisionRecord

pytestmark = pytest.mark.both_databases


def received(runtime, clock) -> int:
    incoming = IncomingAppeal(channel="vk", external_id="snapshot-1", text="На ул. Попова огромные ямы",
                              received_at=clock(), author=Author(name="Житель"), author_id="vk:1",
                              municipality="barnaul", regime="incident")
    return receive_appeal(runtime, incoming, "{}", actor="test").appeal_id


def in_another_thread(job) -> None:
    failures = []

    def run():
        try:
            job()
        except Exception as exc:  # reported in the test's thread
            failures.append(exc)
        finally:
            database.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    assert not failures, failures


def test_reads_inside_see_the_moment_of_their_first_read(runtime, clock):
    appeal_id = received(runtime, clock)
    with consistent_read():
        status = AppealRecord.get_by_id(appeal_id).status
        in_another_thread(lambda: route_appeal(runtime, appeal_id))  # committed while the page is being read
        decisions = DecisionRecord.select().where(DecisionRecord.appeal == appeal_id).count()
        status_again = AppealRecord.get_by_id(appeal_id).status
    assert (status, decisions, status_again) == ("received", 0, "received")
    # outside, the next read sees the routed appeal
    assert AppealRecord.get_by_id(appeal_id).status == "routed"
    assert DecisionRecord.select().where(DecisionRecord.appeal == appeal_id).count() == 1


def test_without_it_a_later_read_sees_the_commit(runtime, clock):
    """What the snapshot is for: the same reads outside it mix two moments."""
    appeal_id = received(runtime, clock)
    status = AppealRecord.get_by_id(appeal_id).status
    in_another_thread(lambda: route_appeal(runtime, appeal_id))
    decisions = DecisionRecord.select().where(DecisionRecord.appeal == appeal_id).count()
    assert (status, decisions) == ("received", 1)


def test_it_reads_only(runtime, clock):
    appeal_id = received(runtime, clock)
    if is_postgres():  # SQLite has no read-only transaction; the API and pages only read inside it
        with pytest.raises(Exception, match="read-only"), consistent_read():
            AppealRecord.update(status="closed").where(AppealRecord.id == appeal_id).execute()
    assert AppealRecord.get_by_id(appeal_id).status == "received"


def test_inside_a_transaction_it_joins_it(runtime, clock):
    appeal_id = received(runtime, clock)
    with write_transaction():
        AppealRecord.update(last_error="x").where(AppealRecord.id == appeal_id).execute()
        with consistent_read():
            assert AppealRecord.get_by_id(appeal_id).last_error == "x"
