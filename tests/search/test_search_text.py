"""Finding appeals by their words in any form, on SQLite (lemmas in FTS5) and PostgreSQL (tsvector,
`russian`): «ямы» finds «яма»; the address, the author, the number and the contact find theirs."""

from __future__ import annotations

import pytest

from engine.domain.appeal import Author
from engine.services.access import Caller
from engine.services.appeal_search import AppealSearch, search_appeals
from tests.support.staff import routed

pytestmark = pytest.mark.both_databases

CENTRE = Caller(token_id=None, role="manager", label=None, user="cm")
HEALTH_OFFICIAL = Caller(token_id=None, role="official", label=None, user="health", body="min-health")


def found(rt, q, caller=CENTRE, **kwargs) -> list[int]:
    return [record.id for record, _ in search_appeals(rt, caller, AppealSearch(q=q, **kwargs)).items]


def test_a_search_finds_every_form_of_a_word(runtime):
    pit = routed(runtime, text="На ул. Попова огромная яма, колесо пробил", external_id="pit")
    other = routed(runtime, text="Не вывозят мусор со двора", external_id="waste")

    assert found(runtime, "ямы") == [pit]
    assert found(runtime, "ямах на дороге") == []  # every word must be there: «дорога» is not
    assert found(runtime, "ЯМА Попова") == [pit]
    assert found(runtime, "мусора") == [other]
    assert found(runtime, "снег") == []


def test_the_address_the_author_the_number_and_the_contact_are_searched(runtime):
    first = routed(runtime, text="Яма у дома", external_id="a", address="г. Барнаул, ул. Малахова, 5",
                   author=Author(name="Пётр Смирнов", type="citizen", contact="petr.smirnov@example.ru"))
    second = routed(runtime, text="Яма у школы", external_id="b")

    assert found(runtime, "Малахова") == [first]
    assert found(runtime, "Смирнову") == [first]
    assert found(runtime, "petr.smirnov@example") == [first]
    assert found(runtime, "smirnov@") == [first]
    assert found(runtime, str(second)) == [second]
    assert found(runtime, f"№{second}") == [second]
    assert found(runtime, "яма") == [second, first]


def test_a_search_keeps_to_the_callers_scope(runtime):
    routed(runtime, text="Огромная яма", external_id="pit")

    assert found(runtime, "яма", caller=HEALTH_OFFICIAL) == []


def test_words_that_are_not_words_find_nothing_and_break_nothing(runtime):
    routed(runtime, text="Яма", external_id="pit")

    for query in ('"', "NEAR(", "яма OR", "*", "-", "' OR 1=1 --", "\\", "a:b", "ям*"):
        search_appeals(runtime, CENTRE, AppealSearch(q=query))


def test_the_migration_indexes_the_appeals_stored_before_it(runtime):
    from engine.store.db import database, is_sqlite
    from engine.store.migrations import m0021_appeal_search

    pit = routed(runtime, text="Во дворе глубокая яма", external_id="pit")
    if is_sqlite():
        database.execute_sql("DELETE FROM appeal_search")
        assert found(runtime, "ямы") == []

    m0021_appeal_search.apply(database)
    m0021_appeal_search.apply(database)  # applying it again changes nothing

    assert found(runtime, "ямы") == [pit]


def test_the_workers_batched_routing_makes_appeals_findable_by_their_words(runtime):
    from engine.domain.appeal import IncomingAppeal
    from engine.services import routing
    from engine.services.intake import receive_appeal

    def incoming(external_id, text):
        return IncomingAppeal(channel="portal", external_id=external_id, text=text, received_at=runtime.now(),
                              author=Author(name="Анна Кравцова", type="citizen", contact="anna@example.ru"),
                              municipality="barnaul", category="roads", fz59=True, regime="fz59")

    pit = receive_appeal(runtime, incoming("b-pit", "Во дворе глубокая яма"), "{}", actor="test").appeal_id
    receive_appeal(runtime, incoming("b-waste", "Не вывозят мусор"), "{}", actor="test")

    assert found(runtime, "№" + str(pit)) == [pit]  # stored, not routed yet: found by its number
    assert routing.route_pending(runtime) == 2
    assert found(runtime, "ямы") == [pit]


def test_an_appeal_is_found_by_its_words_as_soon_as_it_is_stored_and_once_after_routing(runtime):
    """On SQLite the index is written at routing, and the search reads the appeals not routed yet itself;
    PostgreSQL's generated column holds the words from the insert on."""
    from engine.domain.appeal import IncomingAppeal
    from engine.services import routing
    from engine.services.intake import receive_appeal
    from engine.store.db import database, is_sqlite

    def stored(external_id, text, **more):
        return receive_appeal(runtime, IncomingAppeal(
            channel="portal", external_id=external_id, text=text, received_at=runtime.now(),
            author=Author(name="Анна Кравцова", type="citizen", contact="anna@example.ru"), municipality="barnaul",
            category="roads", fz59=True, regime="fz59", **more), "{}", actor="test").appeal_id

    pit = stored("s-pit", "Во дворе глубокая яма, колесо пробил")
    waste = stored("s-waste", "Не вывозят мусор", address="г. Барнаул, ул. Малахова, 5")

    assert found(runtime, "ямы") == [pit]
    assert found(runtime, "ЯМЕ во дворе") == [pit]
    assert found(runtime, "мусора Малахова") == [waste]  # the address too
    assert found(runtime, "Кравцовой") == [waste, pit]  # and the author's name
    assert found(runtime, "яма мусор") == []  # every word must be there
    assert found(runtime, "ямы", caller=HEALTH_OFFICIAL) == []  # not routed: no body's yet
    assert found(runtime, "ямы", filters={"status": "routed"}) == []

    assert routing.route_pending(runtime) == 2
    assert found(runtime, "ямы") == [pit]
    assert search_appeals(runtime, CENTRE, AppealSearch(q="Кравцовой")).total == 2
    if is_sqlite():
        assert database.execute_sql("SELECT count(*) FROM appeal_search WHERE rowid IN (?, ?)",
                                    (pit, waste)).fetchone() == (2,)


def test_on_sqlite_the_newest_unrouted_appeals_are_read_up_to_the_limit(runtime, monkeypatch):
    from engine.domain.appeal import IncomingAppeal
    from engine.services.intake import receive_appeal
    from engine.store import search
    from engine.store.db import is_sqlite

    monkeypatch.setattr(search, "UNROUTED_LIMIT", 2)
    pits = [receive_appeal(runtime, IncomingAppeal(
        channel="portal", external_id=f"pit-{i}", text="Во дворе яма", received_at=runtime.now(),
        author=Author(name="Анна Кравцова", type="citizen", contact="anna@example.ru"), regime="fz59"),
        "{}", actor="test").appeal_id for i in range(3)]

    newest_first = pits[::-1]
    assert found(runtime, "ямы") == (newest_first[:2] if is_sqlite() else newest_first)
    assert found(runtime, str(pits[0])) == [pits[0]]  # the oldest still by its number
