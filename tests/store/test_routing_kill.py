"""Routing workers killed mid-batch: nothing lost, nothing routed twice, each author's appeals routed in
the order they came; on PostgreSQL also with two workers routing at once."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from engine.services.intake import receive_appeal
from engine.services.routing import LEASE
from engine.store.models import (
    AppealRecord,
    AssignmentRecord,
    AuditRecord,
    ClockRecord,
    DecisionRecord,
    EscalationRecord,
)
from tests.store.test_workers_processes import cli_env
from tests.support.corpus import corpus_appeals
from tests.support.paths import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]


def receive_many(runtime, copies: int) -> list[int]:
    ids = []
    for n, incoming in enumerate(corpus_appeals(runtime.now(), copies=copies)):
        incoming = dataclasses.replace(incoming, external_id=f"{incoming.external_id}-{n}")
        ids.append(receive_appeal(runtime, incoming, "{}", actor="test").appeal_id)
    return ids


def start_routing(env, *, after_leases: bool = False):
    """`appeals sweep` routing what waits; `after_leases`: at a moment when the batches a killed worker
    leased on PostgreSQL are free again."""
    at = ["--now", (datetime.now(UTC) + LEASE + timedelta(seconds=5)).isoformat(), "--i-know-this-writes"] \
        if after_leases else []  # a test database: a sweep at a later moment is meant to write
    return subprocess.Popen([sys.executable, "-m", "webhooks.cli", "sweep", "--no-deliver", *at], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def routed_count() -> int:
    return AppealRecord.select().where(AppealRecord.status == "routed").count()


def kill_when(process, condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)


def finish(process, seconds: float = 600) -> None:
    out, err = process.communicate(timeout=seconds)
    assert process.returncode == 0, f"{out}\n{err}"


def assert_routed_exactly_once_in_order(ids: list[int]) -> None:
    assert AppealRecord.select().where(AppealRecord.id.in_(ids) & (AppealRecord.status != "routed")).count() == 0
    for model in (DecisionRecord, AssignmentRecord):
        per_appeal = defaultdict(int)
        for row in model.select(model.appeal).where(model.appeal.in_(ids)):
            per_appeal[row.appeal_id] += 1
        assert per_appeal == dict.fromkeys(ids, 1), model.__name__
    routed_lines = defaultdict(int)
    for row in AuditRecord.select(AuditRecord.appeal).where(AuditRecord.action == "appeal.routed"):
        routed_lines[row.appeal_id] += 1
    assert routed_lines == dict.fromkeys(ids, 1)
    kinds = [(c.appeal_id, c.kind) for c in ClockRecord.select(ClockRecord.appeal, ClockRecord.kind)]
    assert len(kinds) == len(set(kinds)) and {a for a, _ in kinds} == set(ids)
    clock_ids = [c.id for c in ClockRecord.select(ClockRecord.id)]
    armed = [e.clock_id for e in EscalationRecord.select(EscalationRecord.clock)]
    assert len(armed) == len(set(armed)) and set(armed) <= set(clock_ids) and armed
    # receipt order per author: decisions are numbered in the order appeals are routed
    decided = {d.appeal_id: d.id for d in DecisionRecord.select(DecisionRecord.id, DecisionRecord.appeal)}
    by_author = defaultdict(list)
    for appeal in AppealRecord.select(AppealRecord.id, AppealRecord.author_id, AppealRecord.repeat_of).where(
            AppealRecord.author_id.is_null(False)).order_by(AppealRecord.id):
        by_author[appeal.author_id].append(appeal.id)
        assert appeal.repeat_of is None or appeal.repeat_of < appeal.id  # a repeat points back, never forward
    for author, appeals in by_author.items():
        order = [decided[a] for a in appeals]
        assert order == sorted(order), author
    assert sum(len(a) for a in by_author.values()) > 100


def test_a_routing_worker_killed_mid_batch_loses_and_duplicates_nothing(runtime):
    ids = receive_many(runtime, copies=8)
    env = cli_env(runtime)
    first = start_routing(env)
    kill_when(first, lambda: routed_count() >= 60)
    routed_before_kill = routed_count()
    assert 0 < routed_before_kill < len(ids), "the worker should have been killed midway"
    finish(start_routing(env, after_leases=True))
    assert_routed_exactly_once_in_order(ids)


def test_two_routing_workers_at_once_one_killed_midway_route_everything_once_in_order(runtime, database_kind):
    if database_kind != "postgres":
        pytest.skip("on SQLite one worker routes at a time (the worker lock); the first test covers it")
    ids = receive_many(runtime, copies=10)
    env = cli_env(runtime)
    doomed, survivor = start_routing(env), start_routing(env)
    kill_when(doomed, lambda: routed_count() >= 120)
    finish(survivor)
    finish(start_routing(env, after_leases=True))  # what the killed one had leased is routed by the next run
    assert_routed_exactly_once_in_order(ids)
    assert AuditRecord.select().where(AuditRecord.action == "appeal.routing_failed").count() == 0
