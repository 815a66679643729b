"""Whole reply threads of watched posts against a local VK API: replies past the ten VK shows under a
comment are read (``wall.getComments`` with ``comment_id``, in ``execute`` batches), a reply written
later under an older comment is found on the next run, and a thread or post read only in part (the run's
bound) goes on from its cursor — with a new reader each run over the same database, nothing read twice."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from engine.monitor.vk_reader import VkWallReader
from engine.replies.pacing import Pacer
from engine.services import watching
from engine.services.watch_poll import Verdict, poll_walls
from engine.store.models import AppealRecord
from engine.store.watch import WatchThreadRecord
from tests.support.vk_walls import FakeVkWalls

pytestmark = pytest.mark.both_databases

KEY = "service-key-for-tests"
WALL = 218_000_001


def judge(text: str) -> Verdict:
    found = "когда уже" in text.lower()
    return Verdict(found, float(found), ("«когда уже»",) if found else ())


@pytest.fixture
def vk(runtime, clock):
    with FakeVkWalls(KEY) as api:
        api.community(WALL, "barnaul22", "Барнаул 22")
        api.now = int((runtime.now() - timedelta(hours=2)).timestamp())
        watching.add_watch(runtime, "vk:barnaul22", municipality=None, every="5m", actor="cli",
                           vk=_reader(api, clock))
        yield api


def _reader(vk, clock) -> VkWallReader:
    return VkWallReader(vk.url, KEY, Pacer(clock=lambda: clock().timestamp(), sleep=lambda s: None),
                        calls_per_second=3)


def run(runtime, vk, clock):
    """One run of the job 6 minutes after the last, with a reader of its own (nothing kept in memory)."""
    clock.set(clock() + timedelta(minutes=6))
    return poll_walls(runtime, _reader(vk, clock), judge)


def appeal_ids():
    return [a.external_id for a in AppealRecord.select().where(AppealRecord.channel == "monitor")
            .order_by(AppealRecord.id)]


def thread_of(vk, post, size, *, complaint_every=3, author=1000):
    """A comment with ``size`` replies, every ``complaint_every``-th a complaint: (comment, complaint ids)."""
    top = vk.comment(-WALL, post, "Обсуждаем новый сквер", from_id=author)
    complaints = []
    for n in range(size):
        complaint = n % complaint_every == 0
        text = f"Когда уже починят дорогу у дома {n}" if complaint else f"Согласен, сквер красивый {n}"
        reply = vk.reply(-WALL, post, top, text, from_id=author + 1 + n)
        if complaint:
            complaints.append(f"reply-{WALL}_{reply}")
    return top, complaints


def test_every_complaint_in_a_thread_of_35_replies_becomes_an_appeal_once(runtime, vk, clock):
    post = vk.post(-WALL, "В Барнауле открыли сквер на Ленина")
    top, complaints = thread_of(vk, post, 35)

    first = run(runtime, vk, clock)

    assert appeal_ids() == complaints and len(complaints) == 12
    assert (first.read, first.appeals, first.already) == (1 + 1 + 35, 12, 0)
    thread_reads = [c for c in vk.read_calls if c["params"].get("comment_id") == str(top)]
    assert thread_reads and all(c["params"]["count"] == "100" for c in thread_reads)
    assert run(runtime, vk, clock).read == 0
    assert appeal_ids() == complaints


def test_a_reply_written_later_under_an_older_comment_is_read_on_the_next_run_exactly_once(runtime, vk, clock):
    post = vk.post(-WALL, "Дорожники обещают закончить ремонт к осени")
    long_top, first_complaints = thread_of(vk, post, 14)
    short_top = vk.comment(-WALL, post, "А в Бийске уже закончили", from_id=77)
    vk.reply(-WALL, post, short_top, "Там другие подрядчики", from_id=78)
    run(runtime, vk, clock)
    assert appeal_ids() == first_complaints

    late_long = vk.reply(-WALL, post, long_top, "Когда уже закончат у школы 125", from_id=91)
    late_short = vk.reply(-WALL, post, short_top, "Когда уже начнут на Попова", from_id=92)
    new_top = vk.comment(-WALL, post, "Когда уже отремонтируют мост", from_id=93)
    second = run(runtime, vk, clock)

    assert (second.read, second.appeals, second.already, second.chatter) == (3, 3, 0, 0)
    assert appeal_ids() == first_complaints + [f"reply-{WALL}_{i}" for i in (late_long, late_short, new_top)]
    third = run(runtime, vk, clock)
    assert (third.read, third.appeals) == (0, 0)
    assert len(appeal_ids()) == len(set(appeal_ids()))
    # a cursor for each thread read, none for a comment without replies
    assert sorted(t.comment_id for t in WatchThreadRecord.select()) == [long_top, short_top]


def test_a_thread_read_in_part_by_the_run_bound_goes_on_from_its_cursor_after_a_restart(runtime, vk, clock):
    runtime.settings = dataclasses.replace(runtime.settings, watch_items_per_run=15)
    post = vk.post(-WALL, "Обсуждение благоустройства дворов")
    top, complaints = thread_of(vk, post, 35)
    _, later = thread_of(vk, post, 4, author=5000)

    reads = []
    for _ in range(4):
        report = run(runtime, vk, clock)
        reads.append(report.read)
        assert report.already == 0

    assert reads == [15, 15, 12, 0]  # the post, then 1 + 35 + 1 + 4 comments and replies, 15 a run
    assert appeal_ids() == complaints + later
    cursor = WatchThreadRecord.get(WatchThreadRecord.comment_id == top)
    assert (cursor.last_reply_id, cursor.reply_count) == (top + 35, 35)  # ids grow on a wall: its last reply
