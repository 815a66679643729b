"""A server or worker process's long-lived objects, kept out of the cyclic garbage collector's way.

After start-up a process holds tens of thousands of objects that live as long as it does (the rules
engine, the text reader's dictionaries, Flask's and peewee's own). Every full collection walked them
all: 25–45 ms in the worker every few seconds and 100–170 ms in a web process, each time with every
thread of the process stopped, a webhook's database turn or a routing batch included. `settle` runs
one collection and then freezes what is alive (gc.freeze), so later collections walk only what came
after. A replaced rules version is settled too and would never be collected: `release` thaws the
heap when a version is swapped out, and the process settles again RESETTLE_SECONDS later, when the
requests and jobs still using the old version have finished.
"""

from __future__ import annotations

import gc
import threading
import time

RESETTLE_SECONDS = 30.0

_lock = threading.Lock()
_settle_at: float | None = None  # monotonic time of the next settling, after a release


def settle() -> None:
    """Collect once, then leave every object alive now out of later collections."""
    with _lock:
        _settle()


def _settle() -> None:
    global _settle_at
    gc.collect()
    gc.freeze()
    _settle_at = None


def release() -> None:
    """Long-lived objects may have become garbage (a rules version was replaced): the next collections
    look at them again, and a timer settles the process again RESETTLE_SECONDS later. Nothing to do in
    a process that never settled."""
    global _settle_at
    with _lock:
        if not gc.get_freeze_count():
            return
        gc.unfreeze()
        _settle_at = time.monotonic() + RESETTLE_SECONDS
    timer = threading.Timer(RESETTLE_SECONDS, settle_when_due)
    timer.daemon = True
    timer.start()


def settle_when_due() -> None:
    """Settle again once the time after the last release has passed (a timer of an earlier release
    that finds a later one pending does nothing)."""
    with _lock:
        if _settle_at is not None and time.monotonic() >= _settle_at:
            _settle()
