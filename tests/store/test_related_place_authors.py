"""The distinct authors of a place (clusters): the latest appeals are read first and the lookup stops at the
few authors it needs; where the latest rows hold too few authors it counts them over the whole window, so
the answer is the same as a count over every appeal, whichever way it was found."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.store import appeals as appeal_store
from engine.store import related
from engine.store.db import database
from engine.store.models import AppealRecord

pytestmark = pytest.mark.both_databases


def stored(runtime, authors: list[str | None], *, minutes_apart: float = 1.0) -> list[int]:
    """Appeals on roads in Barnaul, one per author given, the last one now."""
    now, ids = runtime.now(), []
    with database.atomic():
        for n, author in enumerate(authors):
            received = now - timedelta(minutes=minutes_apart * (len(authors) - n))
            incoming = IncomingAppeal(channel="vk", external_id=f"place-{n}", text="Яма", received_at=received,
                                      author=Author(), author_id=author, municipality="barnaul", regime="incident")
            ids.append(appeal_store.insert_appeal(incoming, "{}", now))
        AppealRecord.update(topic="roads", status="routed").where(AppealRecord.id.in_(ids)).execute()
    return ids


def expected(authors: list[str | None], ids: list[int], *, but: int, author_id: str | None) -> set[str]:
    return {a if a is not None else f"appeal:{i}" for a, i in zip(authors, ids, strict=True)
            if i != but and (author_id is None or a != author_id)}


def lookup(runtime, but: int, enough: int, author_id: str | None = None) -> list[str]:
    now = runtime.now()
    return related.authors_in_place(but, "roads", "barnaul", now - timedelta(days=1), now, enough=enough,
                                    author_id=author_id)


def test_a_busy_place_with_many_authors_stops_at_the_latest_few(runtime):
    authors = [f"vk:{n}" for n in range(related.PLACE_ROWS + 50)]
    ids = stored(runtime, authors)

    found = lookup(runtime, ids[-1], 3, author_id="vk:0")

    assert found == [authors[-2], authors[-3], authors[-4]]  # the latest, the appeal itself left out


def test_many_appeals_from_few_authors_are_counted_over_the_whole_window(runtime):
    """More appeals than the latest rows read, from two residents and one anonymous appeal at the start:
    every one of them is found, as a count over all appeals finds them."""
    authors = [None, "vk:1", *(["vk:2"] * (related.PLACE_ROWS + 20))]
    ids = stored(runtime, authors, minutes_apart=0.1)

    found = lookup(runtime, ids[-1], 5)

    assert len(found) == len(set(found)) == 3
    assert set(found) == expected(authors, ids, but=ids[-1], author_id=None)


def test_a_quiet_place_gives_every_author_but_the_appeals_own(runtime):
    authors = ["vk:1", None, "vk:2", "vk:1", "vk:3"]
    ids = stored(runtime, authors)

    assert set(lookup(runtime, ids[-1], 10, author_id="vk:3")) == expected(authors, ids, but=ids[-1],
                                                                          author_id="vk:3")
    assert len(lookup(runtime, ids[-1], 2)) == 2


def test_a_batch_answers_from_each_places_latest_appeals_as_the_database_would(runtime):
    """A batch reads each place's PLACE_ROWS latest appeals once; every lookup it answers gives as many
    authors as the database's own lookup, each a real one, and a lookup its rows cannot settle (the busy
    place's window reaching past them with too few authors) is left to the database."""
    busy = [None, "vk:1", *(["vk:2"] * (related.PLACE_ROWS + 20)), "vk:3", "vk:4"]  # Barnaul, roads
    ids = stored(runtime, busy, minutes_apart=0.1)
    now = runtime.now()
    neighbourhood = related.Neighbourhood(authors=set(), places={("roads", "barnaul"), ("roads", "biysk")},
                                          topics={"roads"}, repeat_since=now - timedelta(days=30),
                                          cluster_since=now - timedelta(days=1), until=now)
    assert ("roads", "barnaul") not in neighbourhood.whole and ("roads", "biysk") in neighbourhood.whole

    answered = unsettled = 0
    for but in (ids[-1], ids[-2], ids[len(ids) // 2], ids[0]):
        for enough in (1, 2, 3, 5):
            for author_id in (None, "vk:2", "vk:4"):
                for since in (now - timedelta(days=1), now - timedelta(minutes=3)):
                    mine = neighbourhood.authors_in_place(but, "roads", "barnaul", since, now, enough=enough,
                                                          author_id=author_id)
                    theirs = related.authors_in_place(but, "roads", "barnaul", since, now, enough=enough,
                                                      author_id=author_id)
                    if mine is None:
                        unsettled += 1
                        continue
                    answered += 1
                    assert len(mine) == len(set(mine)) == len(theirs), (but, enough, author_id, since)
                    every = expected(busy, ids, but=but, author_id=author_id)
                    assert set(mine) <= every
    assert answered and unsettled  # both ways were taken
    assert neighbourhood.authors_in_place(ids[-1], "roads", "biysk", now - timedelta(days=1), now, enough=3) == []


def test_a_batch_orders_a_places_appeals_by_their_receipt_times_as_stored(runtime):
    """A batch keeps a place's receipt times as the database gives them (SQLite: text, whose fraction of a
    second is left out when it is nought) and orders them so; the latest come first all the same, and a
    window that starts between two of them is cut there."""
    now = runtime.now()  # a whole second
    moments = {"vk:a": now - timedelta(seconds=2, microseconds=500_000), "vk:b": now - timedelta(seconds=2),
               "vk:c": now - timedelta(seconds=1, microseconds=999_999), "vk:d": now - timedelta(seconds=1),
               "vk:e": now - timedelta(microseconds=1)}
    ids = {}
    with database.atomic():
        for author, received in reversed(moments.items()):  # stored newest first: the ids do not give the order
            incoming = IncomingAppeal(channel="vk", external_id=f"moment-{author}", text="Яма", received_at=received,
                                      author=Author(), author_id=author, municipality="barnaul", regime="incident")
            ids[author] = appeal_store.insert_appeal(incoming, "{}", now)
        AppealRecord.update(topic="roads", status="routed").where(AppealRecord.id.in_(list(ids.values()))).execute()
    neighbourhood = related.Neighbourhood(authors=set(), places={("roads", "barnaul")}, topics={"roads"},
                                          repeat_since=now - timedelta(days=30), cluster_since=now - timedelta(days=1),
                                          until=now)

    def authors(enough: int, since=now - timedelta(days=1), but=0) -> list[str]:
        return neighbourhood.authors_in_place(but, "roads", "barnaul", since, now, enough=enough)

    assert authors(5) == ["vk:e", "vk:d", "vk:c", "vk:b", "vk:a"]
    assert authors(2) == ["vk:e", "vk:d"]
    assert authors(5, since=now - timedelta(seconds=2)) == ["vk:e", "vk:d", "vk:c", "vk:b"]
    assert authors(5, since=now - timedelta(seconds=1, microseconds=999_999), but=ids["vk:d"]) == ["vk:e", "vk:c"]
    assert authors(5) == ["vk:e", "vk:d", "vk:c", "vk:b", "vk:a"]  # asked again: the times made once, the same
