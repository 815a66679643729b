"""A web or worker process loads the published rules version before it serves or works, then settles
its heap (engine.heap); a version swapped in later releases the heap so the replaced one is collected."""

from __future__ import annotations

import dataclasses
import gc
import os
import subprocess
import sys
import weakref
from types import SimpleNamespace

import pytest

from engine import heap
from engine.rulebook.snapshot import read_tree
from engine.services.rules import versions
from tests.support.paths import ROOT, RULES_DIR


@pytest.fixture
def thawed():
    gc.unfreeze()
    yield
    gc.unfreeze()
    heap._settle_at = None


def publish(runtime, comment: str, *, edited: bool = False) -> dict:
    files = read_tree(RULES_DIR)
    if edited:  # the same rules in other words: another version
        name = sorted(files)[0]
        files[name] += "\n# другая редакция\n"
    record, _ = versions.publish(files, actor="t", comment=comment, now=runtime.now())
    return record


@pytest.mark.slow
def test_the_wsgi_entry_point_loads_the_published_version_then_settles(runtime, database_url, tmp_path):
    first = publish(runtime, "исходные правила")
    env = {**os.environ, "APPEALS_DATABASE_URL": database_url, "APPEALS_RULES_DIR": str(RULES_DIR),
           "APPEALS_MAIL_DIR": str(tmp_path / "mail")}
    probe = ("import gc, sys, webhooks.wsgi as w; "
             "print(gc.get_freeze_count(), w.app.extensions['appeals_runtime'].policy_source.version_id, "
             "sys.getswitchinterval())")
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    frozen, version, switch_interval = done.stdout.split()[-3:]
    assert int(frozen) > 10_000 and int(version) == first["id"]
    assert float(switch_interval) == 0.005  # the interpreter's default: only the worker hands over briskly


@pytest.fixture
def switch_interval():
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.mark.both_databases
def test_the_worker_loads_the_published_version_then_settles_before_its_loop(runtime, monkeypatch, thawed,
                                                                             switch_interval):
    from engine import scheduler
    from webhooks import serving
    from webhooks.commands import service

    first = publish(runtime, "исходные правила")
    seen = {}

    def loop(rt, stop, **_):
        seen.update(frozen=gc.get_freeze_count(), version=rt.policy_source.version_id,
                    switch_interval=sys.getswitchinterval())

    monkeypatch.setattr(scheduler, "run_forever", loop)
    monkeypatch.setattr(service.signal, "signal", lambda *_: None)  # the test process keeps its handlers
    # in this process: its priority kept, no sending process started (both have tests of their own)
    settings = dataclasses.replace(runtime.settings, worker_nice=0, sending="thread")
    service.cmd_worker(SimpleNamespace(parent_pid=None, sending=False), settings)
    assert seen["frozen"] > 10_000 and seen["version"] == first["id"]
    if runtime.settings.database_url.startswith("sqlite"):  # its threads hand over briskly: the write turn
        assert seen["switch_interval"] == pytest.approx(serving.WORKER_SWITCH_INTERVAL)
        assert serving.WORKER_SWITCH_INTERVAL < 0.005
    else:  # PostgreSQL has no write turn to hold: the interpreter's default
        assert seen["switch_interval"] == 0.005


def test_a_version_swapped_in_after_settling_lets_the_replaced_one_be_collected(runtime, monkeypatch, thawed):
    monkeypatch.setattr(heap, "RESETTLE_SECONDS", 3600)
    publish(runtime, "исходные правила")
    runtime.policy_source.refresh()
    replaced = weakref.ref(runtime.policy_set.reader)  # in cycles (its cached methods): only the collector frees it
    heap.settle()
    second = publish(runtime, "другая редакция", edited=True)
    assert runtime.policy_source.refresh() and runtime.policy_source.version_id == second["id"]
    gc.collect()
    assert replaced() is None
    assert gc.get_freeze_count() == 0  # settled again later (RESETTLE_SECONDS)
