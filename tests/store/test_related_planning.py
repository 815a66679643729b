"""On PostgreSQL a batch's repeat lookups are planned for their values each time they run (never a prepared
statement's generic plan)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.store.db import database
from engine.store.models import AppealRecord
from tests.support.related import neighbourhood, store

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def batch(runtime):
    """Two authors' earlier appeals on a topic, then a batch of three of theirs."""
    store(runtime, [(f"vk:{n % 2}", timedelta(days=n % 20 + 1), "roads") for n in range(40)], "earlier")
    ids = store(runtime, [("vk:0", timedelta(minutes=3), None), ("vk:1", timedelta(minutes=2), None),
                          ("vk:0", timedelta(minutes=1), None)], "batch")
    return list(AppealRecord.select().where(AppealRecord.id.in_(ids)).order_by(AppealRecord.id))


def test_on_postgresql_the_batch_repeat_lookups_are_planned_for_their_values_each_time(batch):
    """psycopg prepares a statement run five times on a connection, and PostgreSQL may then keep a generic
    plan that guesses a few rows for any range of moments (the `received_at` index, every appeal of the
    window compared with the batch's authors): the batch's repeat lookups are never prepared; a statement
    run as usual is, after five runs (what makes the first assertion mean something)."""
    from engine.store.db import execute_as_planned_now

    def prepared() -> list[str]:
        return [row[0] for row in database.execute_sql("SELECT statement FROM pg_prepared_statements").fetchall()]

    for _ in range(8):
        database.execute_sql("SELECT count(*) FROM appeal_record WHERE received_at >= %s", (batch[0].received_at,))
        execute_as_planned_now("SELECT count(*) FROM appeal_record WHERE id >= %s", (batch[0].id,)).fetchall()
        found = neighbourhood(batch)
    assert any("received_at >=" in s and "count(*)" in s for s in prepared())
    assert not any("id >=" in s for s in prepared())
    assert not any('"author_id" IN' in s for s in prepared()), prepared()
    assert found.counted  # the core was counted: both lookups ran
