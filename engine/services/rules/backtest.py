"""Backtest: replay stored appeals through a draft and through the active version, with the
production decision path (``PolicySet.decide``, the call routing makes), and report what would
change.

Changes of body, role, deadline policy, priority, special case and control (whether the centre keeps the
appeal on control, rules/routing/control.yaml) are counted and grouped by (old route rule → new route rule),
with examples and the deadlines that would differ; ``control_changed`` counts both directions (``on``: put on
control, ``off``: no longer on control). The
draft is checked first (in a child process, like a publish), so it cannot hang the service.

How it stays fast on 100k appeals:

* appeals are read page by page with only the columns a decision needs (``engine.store.replay``),
  two queries a page;
* each appeal's text is read once (words, lemmas, topic lexicon, gazetteer, flags) and both
  versions decide on those same facts, unless the draft changes how texts are read (then each
  version reads for itself);
* a stored decision made by the active version is reused instead of being recomputed;
* each version decides each distinct ``DecisionKey`` once (what its rules can see of an appeal:
  the facts they name, which of the listed lemmas occur, where a number falls between the
  constants, whether each phrase occurs); the other appeals with that key get the same outcome
  (``decisions_made`` in the report counts the decisions actually made);
* explanations are never built (they are built lazily, on demand);
* large backtests are spread over worker processes, one per core: the parent reads the pages
  and merges the results in page order, so the report is the same as from one process.

Deciding and counting are engine.services.rules.replayer's; the worker processes replay_workers.py's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime

from engine.policyset import PolicySet, load_policy_set_from_files
from engine.store import replay as rows

from .check import DEFAULT_TIMEOUT
from .replay_workers import results
from .replayer import Tally
from .versions import check_draft

PAGE = 2000
PARALLEL_FROM = 10_000  # fewer appeals are replayed in this process: starting workers costs seconds
MAX_WORKERS = 8


def simulate_draft(files: dict[str, str], active: PolicySet, *, since: datetime, limit: int | None = None,
                   progress: Callable[[int, int], None] | None = None, timeout: float = DEFAULT_TIMEOUT,
                   workers: int | None = None) -> dict:
    check_draft(files, timeout=timeout)
    draft = load_policy_set_from_files(files)
    try:
        return replay(active, draft, since=since, limit=limit, progress=progress, workers=workers)
    finally:
        draft.retire()


def replay(old: PolicySet, new: PolicySet, *, since: datetime, limit: int | None = None,
           progress: Callable[[int, int], None] | None = None, every: int = 1000,
           workers: int | None = None, page: int = PAGE) -> dict:
    """Replay the appeals received since ``since`` (at most ``limit``). ``workers``: processes to
    use (default: one per core for large backtests, none for small ones); ``page``: appeals read
    (and handed to a worker) at a time."""
    started = time.perf_counter()
    total = rows.count_since(since)
    total = min(total, limit) if limit is not None else total
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS) if total >= PARALLEL_FROM else 1
    tally = Tally()
    pages = rows.pages_since(since, page=page, limit=limit)
    reported = 0
    used = [1]
    for result in results(old, new, pages, workers, used):
        tally.add(*result)
        if progress and tally.appeals - reported >= every:
            reported = tally.appeals
            progress(tally.appeals, total)
    if progress:
        progress(tally.appeals, total)
    return {
        "since": since.isoformat(), **tally.report(),
        "active_version": old.rulebook.version, "draft_version": new.rulebook.version,
        "processes": used[0], "seconds": round(time.perf_counter() - started, 2),
    }
