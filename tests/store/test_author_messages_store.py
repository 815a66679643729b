"""The conversation table: a reply is queued once per key, claimed by one worker, then sent or dead;
the author's messages are recorded beside the replies, in order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.domain.appeal import Author
from engine.store import author_messages as store
from tests.support.staff import routed

pytestmark = pytest.mark.both_databases

ANONYMOUS = Author(type="anonymous")  # an anonymous 59-ФЗ appeal: routing queues no acknowledgement


def test_a_reply_is_queued_once_claimed_once_and_marked_sent_with_the_platform_id(runtime):
    now = runtime.now()
    appeal_id = routed(runtime, external_id="conv-1", author=ANONYMOUS)
    queue = dict(appeal_id=appeal_id, kind="acknowledgement", route="telegram",
                 address={"chat_id": 42, "message_id": 7}, text="Ваше обращение принято", now=now,
                 idempotency_key=f"appeal:{appeal_id}:acknowledgement:v1")

    assert store.add_outgoing(**queue) is True
    assert store.add_outgoing(**queue) is False  # the same key again: nothing new
    [due] = store.due(now, after_id=0, limit=10)
    assert store.claim([due.id], now, now + timedelta(minutes=5)) == {due.id}
    assert store.claim([due.id], now, now + timedelta(minutes=5)) == set()  # claimed: no longer due now
    assert store.mark_sent(due.id, now, platform_id="1001") is True

    [sent] = store.of_appeal(appeal_id)
    assert (sent.status, sent.platform_id, sent.attempts, sent.address) == ("sent", "1001", 1, {"chat_id": 42,
                                                                                                   "message_id": 7})


def test_a_group_claim_takes_only_the_replies_no_other_worker_holds(runtime):
    now = runtime.now()
    appeal_id = routed(runtime, external_id="conv-group", author=ANONYMOUS)
    for n in range(3):
        store.add_outgoing(appeal_id=appeal_id, kind="acknowledgement", route="email", address={"email": "a@b.ru"},
                           text="Принято", idempotency_key=f"k-group-{n}", now=now)
    ids = [m.id for m in store.due(now, after_id=0, limit=10)]
    lease = now + timedelta(minutes=5)

    assert store.claim(ids[1:2], now, lease) == {ids[1]}  # another worker holds the middle one
    assert store.claim(ids, now, lease) == {ids[0], ids[2]}
    assert store.claim(ids, now, lease) == set()
    assert store.claim(ids, lease, lease + timedelta(minutes=5)) == set(ids)  # the leases lapsed
    assert store.mark_sent_many({ids[0]: None, ids[2]: "1003"}, now) == 2  # one statement; a callback has no id
    assert [(m.status, m.platform_id) for m in store.of_appeal(appeal_id)] == [
        ("sent", None), ("pending", None), ("sent", "1003")]


def test_a_failed_reply_waits_for_its_retry_and_a_dead_one_is_never_due_again(runtime):
    now = runtime.now()
    appeal_id = routed(runtime, external_id="conv-2", author=ANONYMOUS)
    store.add_outgoing(appeal_id=appeal_id, kind="final_answer", route="email", address={"email": "a@b.ru"},
                       text="Ответ", idempotency_key="k-retry", now=now)
    reply = store.by_key("k-retry")

    store.mark_failed(reply.id, error="smtp down", next_attempt_at=now + timedelta(minutes=1), dead=False)
    assert store.due(now, after_id=0, limit=10) == []
    assert [m.id for m in store.due(now + timedelta(minutes=1), after_id=0, limit=10)] == [reply.id]
    store.mark_failed(reply.id, error="recipient refused", next_attempt_at=None, dead=True)
    assert store.due(now + timedelta(days=1), after_id=0, limit=10) == []
    assert (store.by_key("k-retry").status, store.by_key("k-retry").attempts) == ("dead", 2)


def test_the_authors_messages_and_the_replies_read_back_oldest_first(runtime):
    now = runtime.now()
    appeal_id = routed(runtime, external_id="conv-3", author=ANONYMOUS)
    store.add_outgoing(appeal_id=appeal_id, kind="final_answer", route="vk_comment",
                       address={"owner_id": -1, "post_id": 2, "reply_to_comment": 3}, text="Яму заделали",
                       idempotency_key="k-out", now=now)
    later = now + timedelta(hours=2)
    assert store.add_incoming(appeal_id=appeal_id, kind="follow_up", route="vk_comment", address={"comment_id": 9},
                              text="Ничего не сделали", idempotency_key="k-in", now=later, platform_id="9",
                              actor="channel:vk-gov") is True

    conversation = store.of_appeal(appeal_id)
    assert [(m.direction, m.kind, m.status) for m in conversation] == [
        ("out", "final_answer", "pending"), ("in", "follow_up", "received")]
