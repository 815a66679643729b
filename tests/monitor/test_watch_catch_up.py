"""Catching up after the worker was down, against a local VK API: 1,200 posts written on a watched wall
since its last reading are read over several runs, the oldest first, at most APPEALS_WATCH_ITEMS_PER_RUN
a run (found by probing offsets in one ``execute``, not by paging through the wall); every complaint
becomes exactly one appeal, in the order written, none skipped."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from engine.monitor.vk_reader import VkWallReader
from engine.replies.pacing import Pacer
from engine.services import watching
from engine.services.watch_poll import Verdict, poll_walls
from engine.store.models import AppealRecord
from engine.store.watch import WatchRecord
from tests.support.vk_walls import FakeVkWalls

pytestmark = pytest.mark.both_databases

KEY = "service-key-for-tests"
WALL = 218_000_001


def judge(text: str) -> Verdict:
    found = "сколько можно" in text.lower()
    return Verdict(found, float(found), ("«сколько можно»",) if found else ())


@pytest.fixture
def vk(runtime, clock):
    with FakeVkWalls(KEY) as api:
        api.community(WALL, "barnaul22", "Барнаул 22")
        api.now = int((runtime.now() - timedelta(hours=3)).timestamp())
        watching.add_watch(runtime, "vk:barnaul22", municipality=None, every="5m", actor="cli",
                           vk=_reader(api, clock))
        yield api


def _reader(vk, clock) -> VkWallReader:
    """A reader paced at 3 calls a second whose waits move the test's clock instead of sleeping."""
    def wait(seconds: float) -> None:
        clock.set(clock() + timedelta(seconds=seconds))

    return VkWallReader(vk.url, KEY, Pacer(clock=lambda: clock().timestamp(), sleep=wait), calls_per_second=3)


def run(runtime, vk, clock):
    clock.set(clock() + timedelta(minutes=6))
    return poll_walls(runtime, _reader(vk, clock), judge)


def write_posts(vk, count: int, *, pinned_first: bool = False) -> list[str]:
    """``count`` posts by residents, every fourth a complaint: the complaints' external ids, oldest first."""
    complaints = []
    for n in range(count):
        complaint = n % 4 == 0
        text = f"Сколько можно ждать ремонта дома {n}" if complaint else f"Продам велосипед, недорого {n}"
        post = vk.post(-WALL, text, from_id=10_000 + n, pinned=pinned_first and n == 0)
        if complaint:
            complaints.append(f"wall-{WALL}_{post}")
    return complaints


def monitored() -> list[str]:
    return [a.external_id for a in AppealRecord.select().where(AppealRecord.channel == "monitor")
            .order_by(AppealRecord.id)]


def test_twelve_hundred_posts_written_while_the_worker_was_down_are_caught_up_oldest_first(runtime, vk, clock):
    runtime.settings = dataclasses.replace(runtime.settings, watch_items_per_run=500)
    before = write_posts(vk, 1)
    run(runtime, vk, clock)
    assert monitored() == before

    missed = write_posts(vk, 1200)
    runs = []
    for _ in range(4):
        calls = len(vk.requests)
        report = run(runtime, vk, clock)
        runs.append((report.read, len(vk.requests) - calls, WatchRecord.get().last_post_id))

    assert [read for read, _, _ in runs] == [500, 500, 200, 0]
    assert [cursor for _, _, cursor in runs] == [501, 1001, 1201, 1201]  # only over what was read
    # HTTP calls a run: the first page, one execute of probes, one of pages, one of the comment counts of the
    # posts followed before (wall.getById, 100 a call) — never a page by page walk through the wall
    assert [http_calls for _, http_calls, _ in runs] == [4, 4, 4, 2]
    assert monitored() == before + missed  # each complaint once, in the order written


def test_the_first_reading_of_a_busy_wall_takes_the_comment_window_oldest_first_with_a_pinned_post(
        runtime, vk, clock):
    runtime.settings = dataclasses.replace(runtime.settings, watch_items_per_run=300)
    vk.now = int((runtime.now() - timedelta(days=9)).timestamp())
    write_posts(vk, 150)  # before the seven days of comments: not read on the first reading
    vk.now = int((runtime.now() - timedelta(days=1)).timestamp())
    recent = write_posts(vk, 700, pinned_first=True)

    reads = [run(runtime, vk, clock).read for _ in range(4)]

    assert reads == [300, 300, 100, 0]
    assert monitored() == recent
