"""Two workers routing appeals about one new place at the same moment make one incident, not two: each
takes a transaction-level advisory lock on the place before it looks for the incident (PostgreSQL; SQLite
has one writer at a time)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.services import routing
from engine.services.intake import receive_appeal, route_appeal
from engine.store.db import database
from engine.store.incidents import place_lock_number
from engine.store.models import AppealRecord, IncidentRecord

TEXTS = ("Во дворе на ул. Новостроек, {n} не вывозят мусор, контейнеры переполнены",
         "Мусор не вывозят третий день, ул. Новостроек, дом {n}, контейнеры переполнены")


def receive_many(runtime, clock, count: int) -> list[int]:
    ids = []
    for n in range(count):
        clock.set(clock() + timedelta(seconds=30))
        incoming = IncomingAppeal(channel="vk", external_id=f"new-place-{n}", text=TEXTS[n % 2].format(n=n + 1),
                                  received_at=clock(), author=Author(name=f"Житель {n}"), author_id=f"vk:{n}",
                                  municipality="barnaul", regime="incident")
        ids.append(receive_appeal(runtime, incoming, "{}", actor="test").appeal_id)
    return ids


def in_threads(*jobs) -> None:
    start, failures = threading.Barrier(len(jobs)), []

    def run(job):
        try:
            start.wait()
            job()
        except Exception as exc:  # reported below, in the test's thread
            failures.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures


@pytest.mark.postgres_only
@pytest.mark.postgres
@pytest.mark.parametrize("path", ["one by one", "batches"])
def test_two_workers_routing_one_new_place_at_once_make_exactly_one_incident(runtime, clock, monkeypatch, path):
    monkeypatch.setattr(runtime, "settings", dataclasses.replace(runtime.settings, routing="queued"))
    ids = receive_many(runtime, clock, 30)
    if path == "batches":
        in_threads(lambda: routing.route_pending(runtime, limit=3), lambda: routing.route_pending(runtime, limit=3))
    else:
        in_threads(lambda: [route_appeal(runtime, i) for i in ids[0::2]],
                   lambda: [route_appeal(runtime, i) for i in ids[1::2]])
    assert AppealRecord.select().where(AppealRecord.id.in_(ids) & (AppealRecord.status == "routed")).count() == 30
    [incident] = IncidentRecord.select()
    members = AppealRecord.select().where(AppealRecord.incident_id == incident.id).count()
    # an appeal routed before any other of the place was (by the other worker) may stay alone; no more than two
    assert members >= 28 and incident.members == members


def test_a_place_lock_number_is_a_stable_signed_64_bit_hash():
    number = place_lock_number("waste|barnaul|новостроек")
    assert number == place_lock_number("waste|barnaul|новостроек") != place_lock_number("waste|barnaul|попов")
    assert -2**63 <= number < 2**63
