"""A settled process's long-lived objects are out of the collector's way; a release lets it see them
again, and the process settles again once the time after the release has passed."""

from __future__ import annotations

import gc
import time

import pytest

from engine import heap


class Cycle:
    def __init__(self):
        self.me = self


@pytest.fixture(autouse=True)
def thawed():
    gc.unfreeze()
    yield
    gc.unfreeze()
    heap._settle_at = None


def test_settling_freezes_what_is_alive_so_a_collection_passes_it_by():
    kept = Cycle()
    heap.settle()
    assert gc.get_freeze_count() > 0
    assert not any(o is kept for o in gc.get_objects())  # frozen objects are no generation's any more


def test_garbage_settled_in_is_collected_only_after_a_release(monkeypatch):
    import weakref

    monkeypatch.setattr(heap, "RESETTLE_SECONDS", 3600)
    doomed = Cycle()
    gone = weakref.ref(doomed)
    heap.settle()
    del doomed
    gc.collect()
    assert gone() is not None  # a frozen cycle is left alone, however dead
    heap.release()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gone() is None
    heap.settle_when_due()  # not due for an hour
    assert gc.get_freeze_count() == 0


def test_the_process_settles_again_once_the_time_after_a_release_has_passed(monkeypatch):
    monkeypatch.setattr(heap, "RESETTLE_SECONDS", 0.0)
    heap.settle()
    heap.release()
    heap.settle_when_due()
    assert gc.get_freeze_count() > 0 and heap._settle_at is None


def test_a_process_that_never_settled_is_not_settled_by_a_release():
    heap.release()
    heap.settle_when_due()
    assert gc.get_freeze_count() == 0 and heap._settle_at is None


def test_a_timer_settles_the_process_again_after_a_release_without_anyone_asking(monkeypatch):
    monkeypatch.setattr(heap, "RESETTLE_SECONDS", 0.05)
    heap.settle()
    heap.release()
    assert gc.get_freeze_count() == 0
    deadline = time.monotonic() + 5
    while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gc.get_freeze_count() > 0 and heap._settle_at is None
