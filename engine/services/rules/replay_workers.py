"""The backtest's worker processes: each loads both versions from their folders and replays the pages it is
handed (engine.services.rules.replayer); the parent reads the pages and takes the results in page order, so
the report is the same as from one process."""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections import deque
from pathlib import Path

from engine.policyset import PolicySet, load_policy_set

from .replayer import Replayer

WORKER_START_TIMEOUT = 120.0  # seconds for the workers to load both versions

log = logging.getLogger(__name__)


def results(old: PolicySet, new: PolicySet, pages, workers: int, used: list[int]):
    """(appeals, reused, decided, changes) per page, in page order. Pages are read here (in this thread,
    on its database connection) and handed out a few at a time. used[0]: the processes that replay."""
    if workers > 1:
        pool = start_pool(old, new, workers)
        if pool is not None:
            used[0] = workers
            with pool:
                pending: deque = deque()
                for page in pages:
                    pending.append(pool.apply_async(_replay_page, (page,)))
                    if len(pending) >= 2 * workers:
                        yield pending.popleft().get()
                while pending:
                    yield pending.popleft().get()
            return
    replayer = Replayer(old, new)
    for page in pages:
        yield replayer.page(page)


def start_pool(old: PolicySet, new: PolicySet, workers: int):
    """Worker processes holding both versions, loaded from their folders; None when a worker
    would not decide with exactly these versions (then the backtest runs in this process)."""
    context = multiprocessing.get_context("spawn")  # never fork a process that runs threads
    sources = (str(old.rules_dir), old.version, str(new.rules_dir), new.version)
    pool = None
    try:
        pool = context.Pool(workers, initializer=_load_versions, initargs=sources)
        loaded = pool.map_async(_loaded_versions, range(workers), chunksize=1).get(WORKER_START_TIMEOUT)
    except Exception:
        log.exception("backtest workers could not start; replaying in this process")
        if pool is not None:
            pool.terminate()
        return None
    if not all(loaded):
        log.warning("the rules folders changed since they were loaded; replaying the backtest in this process")
        pool.terminate()
        return None
    return pool


_replayer: Replayer | None = None  # in a worker process


def _load_versions(old_dir: str, old_version: str, new_dir: str, new_version: str) -> None:
    global _replayer
    try:  # an initializer that raises makes the pool start workers forever
        old, new = load_policy_set(Path(old_dir)), load_policy_set(Path(new_dir))
        if old.version == old_version and new.version == new_version:
            old.rulebook.warm_up()
            new.rulebook.warm_up()
            _replayer = Replayer(old, new)
    except Exception:
        log.exception("a backtest worker could not load the rules")


def _loaded_versions(_index: int) -> bool:
    time.sleep(0.05)  # lets every worker take one of these calls
    return _replayer is not None


def _replay_page(page: list) -> tuple[int, int, int, list[dict]]:
    if _replayer is None:  # never decide with other versions than the ones asked for
        raise RuntimeError("this backtest worker does not hold the versions being compared")
    return _replayer.page(page)
