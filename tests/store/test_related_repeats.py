"""A batch's repeats: the author's appeals that every lookup of the batch can see are counted by the database,
not read row by row, so a resident with many appeals does not make each of the batch's lookups ask again; every
lookup the batch answers gives what the database's own lookup gives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.store import related
from engine.store.models import AppealRecord
from tests.support.related import WINDOW, neighbourhood, store

pytestmark = pytest.mark.both_databases


@pytest.fixture
def batch(runtime, monkeypatch):
    """Appeals of the last 40 days (some older than the window, some on another topic), then a batch of
    five received in the last minutes; the first of the batch is routed already (routed again, it must not
    count itself); PREFETCH_ROWS small so that the earlier appeals overflow it many times."""
    monkeypatch.setattr(related, "PREFETCH_ROWS", 20)
    earlier = [("vk:1", timedelta(hours=7 * n + 1), "roads") for n in range(130)]  # 38 days: some outside
    earlier += [("vk:1", timedelta(hours=5 * n + 2), "heating") for n in range(30)]
    earlier += [("vk:2", timedelta(days=d), "roads") for d in (29, 3)] + [(None, timedelta(days=2), "roads")]
    earlier += [("vk:2", timedelta(days=30, minutes=3), "roads")]  # inside the first lookups' windows only
    earlier += [("vk:4", timedelta(days=10), "heating")] * 2 + [("vk:4", timedelta(days=5), "heating")]  # a tie
    store(runtime, earlier, "earlier")
    ids = store(runtime, [("vk:1", timedelta(minutes=4), "roads"), ("vk:2", timedelta(minutes=3), None),
                          ("vk:1", timedelta(minutes=2), None), ("vk:3", timedelta(minutes=1), None),
                          ("vk:4", timedelta(seconds=30), None)], "batch")
    records = {r.id: r for r in AppealRecord.select().where(AppealRecord.id.in_(ids))}
    return [records[i] for i in ids]


def test_every_lookup_of_the_batch_is_answered_as_the_database_answers_it(runtime, batch):
    known = neighbourhood(batch)
    for record in batch:
        for topic in ("roads", "heating"):
            since, until = record.received_at - WINDOW, record.received_at
            mine = known.same_author(record.id, record.author_id, topic, since, until)
            theirs = related.same_author(record.id, record.author_id, topic, since, until)
            assert mine == theirs, (record.author_id, topic)
    counts = {r.author_id: known.same_author(r.id, r.author_id, "roads", r.received_at - WINDOW, r.received_at)[0]
              for r in batch}
    # vk:1 (its latest): 103 earlier on roads within 30 days and the batch's routed first; vk:2: the edge one too
    assert counts == {"vk:1": 104, "vk:2": 3, "vk:3": 0, "vk:4": 0}
    last = batch[-1]
    assert known.same_author(last.id, "vk:4", "heating", last.received_at - WINDOW, last.received_at)[0] == 3


def test_the_appeals_every_lookup_sees_are_counted_not_read(runtime, batch):
    known = neighbourhood(batch)
    read = sum(len(rows) for rows in known.by_author.values())
    assert known.authors and read <= 3  # the batch's routed first appeal and vk:2's at the windows' edge


def test_a_lookup_the_count_cannot_answer_is_left_to_the_database(runtime, batch):
    known = neighbourhood(batch)
    first = batch[0]
    since, until = first.received_at - WINDOW, first.received_at
    assert known.same_author(first.id, "vk:1", "roads", since, until) is not None
    assert known.same_author(first.id + 1000, "vk:1", "roads", since, until) is None  # not of the batch
    later = since + timedelta(days=1)  # a narrower window than the batch's: the count would hold too many
    assert known.same_author(first.id, "vk:1", "roads", later, until) is None
