"""Appeals stored for the lookups of related appeals (engine.store.related), and a batch's neighbourhood."""

from __future__ import annotations

from datetime import timedelta

from engine.domain.appeal import Author, IncomingAppeal
from engine.store import appeals as appeal_store
from engine.store import related
from engine.store.db import database
from engine.store.models import AppealRecord

WINDOW = timedelta(days=30)


def store(runtime, rows: list[tuple[str | None, timedelta, str | None]], tag: str) -> list[int]:
    """(author, how long before now, topic or None for an appeal not routed yet) each; their ids."""
    now, ids = runtime.now(), []
    with database.atomic():
        for n, (author, ago, topic) in enumerate(rows):
            incoming = IncomingAppeal(channel="vk", external_id=f"{tag}-{n}", text="Яма", received_at=now - ago,
                                      author=Author(), author_id=author, municipality="barnaul", regime="incident")
            appeal_id = appeal_store.insert_appeal(incoming, "{}", now)
            if topic:
                AppealRecord.update(topic=topic, status="routed").where(AppealRecord.id == appeal_id).execute()
            ids.append(appeal_id)
    return ids


def neighbourhood(records) -> related.Neighbourhood:
    first, last = records[0].received_at, records[-1].received_at
    return related.Neighbourhood(authors={r.author_id for r in records}, places=set(), topics={"roads", "heating"},
                                 repeat_since=first - WINDOW, cluster_since=first, until=last,
                                 repeat_window=WINDOW, ids=frozenset(r.id for r in records))
