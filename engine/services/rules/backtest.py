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
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from engine.domain.deadlines import compute_clocks
from engine.policyset import PolicySet, load_policy_set, load_policy_set_from_files
from engine.rulebook.decision_key import DecisionKey, StageMemo
from engine.rulebook.facts import prepare_facts
from engine.store import replay as rows
from engine.store.appeals import incoming_from

from .check import DEFAULT_TIMEOUT
from .versions import check_draft

FIELDS = ("body", "role", "policy", "priority", "fz59_special", "control")
EXAMPLES_PER_GROUP = 5
PAGE = 2000
PARALLEL_FROM = 10_000  # fewer appeals are replayed in this process: starting workers costs seconds
MAX_WORKERS = 8
MAX_KNOWN = 200_000  # decided keys kept per version; beyond that the replay starts remembering afresh
WORKER_START_TIMEOUT = 120.0  # seconds for the workers to load both versions

log = logging.getLogger(__name__)


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
    for result in _results(old, new, pages, workers, used):
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


# ------------------------------------------------------------------------------ replaying a page


class Replayer:
    """Compares the two versions' decisions on stored appeals (in this or a worker process).

    Each version decides each distinct ``DecisionKey`` (what its rules can see of an appeal) once,
    by the production path; appeals with a key already decided get that outcome again."""

    def __init__(self, old: PolicySet, new: PolicySet):
        self.old, self.new = old, new
        self.shared_reading = old.reading_version == new.reading_version
        self.key = DecisionKey((*old.rulebook.stages, *new.rulebook.stages))
        self.known: tuple[dict, dict] = ({}, {})  # key → fields, of old and of new
        self.stages = StageMemo()  # both versions' stages, by what each can see
        self.decided = 0  # decisions made (the others were known)
        self.controlling = old.rulebook.controlling_ids()  # to read control off a stored decision

    def page(self, page: list) -> tuple[int, int, int, list[dict]]:
        """(appeals, stored decisions reused, decisions made, one entry per appeal whose decision
        would change)."""
        reused, changes = 0, []
        decided = self.decided
        for row, stored in page:
            change, was_reused = self.appeal(row, stored)
            reused += was_reused
            if change is not None:
                changes.append(change)
        return len(page), reused, self.decided - decided, changes

    def appeal(self, row, stored) -> tuple[dict | None, bool]:
        incoming = incoming_from(row)
        before = _stored(row, stored, self.old, self.controlling)
        reused = before is not None
        read = key = None
        if before is None:
            read, key = self._read(self.old, incoming)
            before = self._fields(0, self.old, incoming, read, key)
        if read is None or not self.shared_reading:
            read, key = self._read(self.new, incoming)
        after = self._fields(1, self.new, incoming, read, key)
        diffs = [f for f in FIELDS if before[f] != after[f]]
        if not diffs:
            return None, reused
        moved = (_deadline_changes(row, before, after, self.old, self.new)
                 if {"body", "policy", "fz59_special"} & set(diffs) else [])
        return {
            "appeal": row.id, "text": (row.text or "")[:160], "diffs": diffs, "deadlines": moved,
            "before": before, "after": after,
        }, reused

    def _read(self, policy: PolicySet, incoming) -> tuple[tuple, tuple]:
        """(what ``policy.read`` gives, with the facts prepared once for every use; their key)."""
        facts, reading = policy.read(incoming)
        prepared = prepare_facts(facts)
        return (prepared, reading), self.key(prepared)

    def _fields(self, which: int, policy: PolicySet, incoming, read, key: tuple) -> dict:
        known = self.known[which]
        fields = known.get(key)
        if fields is None:
            if len(known) >= MAX_KNOWN:
                known.clear()
            fields = known[key] = _fields(policy.decide(incoming, read=read, memo=self.stages))
            self.decided += 1
        return fields


class Tally:
    """Counts and groups the changes, in the order the appeals were replayed."""

    def __init__(self) -> None:
        self.appeals = self.changed = self.deadlines_changed = self.reused = self.decided = 0
        self.counts = dict.fromkeys(FIELDS, 0)
        self.control = {"on": 0, "off": 0}
        self.groups: dict[tuple, dict] = {}
        self.changed_ids: list[int] = []

    def add(self, appeals: int, reused: int, decided: int, changes: list[dict]) -> None:
        self.appeals += appeals
        self.reused += reused
        self.decided += decided
        for change in changes:
            self.changed += 1
            self.changed_ids.append(change["appeal"])
            self.deadlines_changed += bool(change["deadlines"])
            before, after = change["before"], change["after"]
            key = (before["route_rule_id"], after["route_rule_id"])
            group = self.groups.setdefault(key, {"old_rule": key[0], "new_rule": key[1], "appeals": 0,
                                                 "fields": dict.fromkeys(FIELDS, 0), "examples": []})
            group["appeals"] += 1
            for f in change["diffs"]:
                self.counts[f] += 1
                group["fields"][f] += 1
            if "control" in change["diffs"]:
                self.control["on" if after["control"] else "off"] += 1
            if len(group["examples"]) < EXAMPLES_PER_GROUP:
                group["examples"].append({
                    "appeal": change["appeal"], "text": change["text"],
                    "before": {f: before[f] for f in FIELDS}, "after": {f: after[f] for f in FIELDS},
                    "deadlines": change["deadlines"],
                })

    def report(self) -> dict:
        return {
            "appeals": self.appeals, "changed": self.changed, "unchanged": self.appeals - self.changed,
            "changed_fields": self.counts, "control_changed": self.control,
            "deadlines_changed": self.deadlines_changed,
            "groups": sorted(self.groups.values(), key=lambda g: -g["appeals"]),
            "reused_decisions": self.reused, "decisions_made": self.decided,
            "changed_appeals": list(self.changed_ids),
        }


def _fields(decision) -> dict:
    return {"body": decision.body, "role": decision.role, "policy": decision.policy,
            "priority": decision.priority, "fz59_special": decision.fz59_special,
            "control": decision.control, "route_rule_id": decision.route_rule_id}


def _stored(row, stored, old: PolicySet, controlling: frozenset[str]) -> dict | None:
    """The recorded production decision, when the active version made it from a reading of the
    text like today's (no need to redo it). Control is not a column of it: it is on when one of the
    recorded rules that fired puts the appeal on control (``controlling``, of the same version).
    Not when the appeal's history decided it (a repeat, a mass incident): the replay decides
    without history, so the recorded decision would differ from a replayed one for that alone."""
    if stored is None or stored.ruleset_version != old.rulebook.version or stored.fz59_special is None:
        return None
    if stored.reading_version != old.reading_id:  # the text was read otherwise then (topics, gazetteer, calendar)
        return None
    if row.repeat_of is not None or "mass-incident" in (stored.tags or ()) or not isinstance(stored.rule_ids, list):
        return None
    return {"body": stored.body, "role": stored.role, "policy": stored.policy, "priority": stored.priority,
            "fz59_special": stored.fz59_special or None, "control": not controlling.isdisjoint(stored.rule_ids),
            "route_rule_id": stored.route_rule_id}


def _deadline_changes(row, before: dict, after: dict, old: PolicySet, new: PolicySet) -> list[dict]:
    out = []
    a = _clocks(row, before, old)
    b = _clocks(row, after, new)
    for kind in sorted(a.keys() | b.keys()):
        if a.get(kind) != b.get(kind):
            out.append({"clock": kind, "before": a.get(kind), "after": b.get(kind)})
    return out


def _clocks(row, decided: dict, policy_set: PolicySet) -> dict[str, str]:
    policy = policy_set.policies.get(decided["policy"])
    if policy is None or decided["body"] not in policy_set.directory.bodies:
        return {}
    cal = policy_set.calendar_for(decided["body"])
    start = row.registered_at or row.received_at
    clocks = compute_clocks(policy, row.received_at, start, cal, category=row.category,
                            subcategory=row.subcategory, special=decided["fz59_special"])
    return {c.kind: c.due_at.isoformat() for c in clocks}


# ------------------------------------------------------------------------------ worker processes


def _results(old: PolicySet, new: PolicySet, pages, workers: int, used: list[int]):
    """(appeals, reused, decided, changes) per page, in page order. Pages are read here (in this thread,
    on its database connection) and handed out a few at a time. used[0]: the processes that replay."""
    if workers > 1:
        pool = _start_pool(old, new, workers)
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


def _start_pool(old: PolicySet, new: PolicySet, workers: int):
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
