"""Queries whose SQL is built once (engine.store.shapes) give what peewee gives for every call, and a shape
whose SQL or parameters would differ from peewee's goes through peewee instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.store import shapes
from engine.store.models import AppealRecord
from engine.store.statements import insert_row
from tests.store.test_store_statements import RECEIVED, appeal_row
from tests.test_routing_statements import route_counting_statements

pytestmark = pytest.mark.both_databases


def kept(key: str) -> list:
    """The shapes of this key on the current database: the built (SQL, parameters, converters), None if refused."""
    return [entry for k, entry in shapes._CACHE.items() if k[0] == key and k[1] is type(shapes.database.obj)]


def seed() -> list[int]:
    """Five appeals a minute apart, at two streets and one without a place key."""
    places = ["barnaul|попова", "barnaul|попова", "barnaul|ленина", None, "barnaul|попова"]
    return [insert_row(AppealRecord, appeal_row(f"s{n}", place_key=place, received_at=RECEIVED + timedelta(minutes=n)))
            for n, place in enumerate(places)]


def at_place(p):
    return (AppealRecord.select().where((AppealRecord.place_key == p.place) & (AppealRecord.received_at >= p.since)
                                        & AppealRecord.id.in_(p.ids))
            .order_by(AppealRecord.received_at.desc(), AppealRecord.id.desc()))


def test_a_select_built_once_answers_each_call_with_its_own_values_as_peewee_does(runtime):
    ids = seed()
    builds = []

    def build(p):
        builds.append(p)
        return at_place(p)

    calls = [("barnaul|попова", RECEIVED, ids), ("barnaul|попова", RECEIVED + timedelta(minutes=1), ids),
             ("barnaul|ленина", RECEIVED, ids), ("barnaul|попова", RECEIVED, [ids[4], ids[0], ids[2]])]
    for place, since, among in calls:
        got = shapes.rows("test-at-place", AppealRecord, build, place=place, since=since, ids=among)
        expected = list(at_place(shapes._Values({"place": place, "since": since, "ids": among}, False, {})))
        assert [(a.id, a.place_key, a.received_at, a.attachments) for a in got] == \
            [(a.id, a.place_key, a.received_at, a.attachments) for a in expected]
        assert got and all(isinstance(a, AppealRecord) and a.received_at.tzinfo is UTC for a in got)

    assert [a.id for a in shapes.rows("test-at-place", AppealRecord, build, place="barnaul|попова",
                                      since=RECEIVED + timedelta(minutes=1), ids=ids)] == [ids[4], ids[1]]
    # one shape per length of the id list; each built twice (slots, values) on its first call only
    assert len(kept("test-at-place")) == 2 and all(kept("test-at-place"))
    assert len(builds) == 4


def test_a_none_value_goes_through_peewee_which_compares_with_is_null(runtime):
    ids = seed()

    got = shapes.rows("test-at-place", AppealRecord, at_place, place=None, since=RECEIVED, ids=ids)

    assert [a.id for a in got] == [ids[3]]  # "= NULL" with a parameter would have found nothing


def test_an_empty_list_goes_through_peewee(runtime):
    seed()
    assert shapes.rows("test-at-place", AppealRecord, at_place, place="barnaul|попова", since=RECEIVED, ids=[]) == []


def test_a_value_set_by_an_update_needs_its_field_or_the_shape_is_refused_and_peewee_converts_it(runtime):
    ids = seed()
    later = datetime(2026, 12, 1, 15, 30, 0, 250000, tzinfo=UTC)

    def touch(p):  # peewee converts a plain value it sets; a slot there knows no field
        return AppealRecord.update(updated_at=p.now).where(AppealRecord.id == p.appeal)

    assert shapes.execute("test-touch", touch, now=later, appeal=ids[0]) == 1
    assert kept("test-touch") == [None]
    assert shapes.execute("test-touch-field", touch, fields={"now": AppealRecord.updated_at}, now=later,
                          appeal=ids[1]) == 1
    assert shapes.execute("test-touch-field", touch, fields={"now": AppealRecord.updated_at},
                          now=later + timedelta(hours=1), appeal=ids[2]) == 1
    assert all(kept("test-touch-field")) and len(kept("test-touch-field")) == 1

    stored = {a.id: a.updated_at for a in AppealRecord.select()}
    assert [stored[i] for i in ids[:3]] == [later, later, later + timedelta(hours=1)]


def test_a_write_returning_gives_tuples_converted_by_the_returning_columns(runtime):
    ids = seed()

    def move(p):
        return (AppealRecord.update(next_routing_at=p.at).where(AppealRecord.id.in_(p.ids))
                .returning(AppealRecord.id, AppealRecord.next_routing_at, AppealRecord.attachments))

    at = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    rows = shapes.tuples("test-move", move, fields={"at": AppealRecord.next_routing_at}, at=at, ids=ids[:2])
    rows += shapes.tuples("test-move", move, fields={"at": AppealRecord.next_routing_at}, at=at, ids=ids[2:4])

    assert sorted(rows) == [(i, at, ["https://vk.com/photo1_2"]) for i in ids[:4]]
    assert all(kept("test-move"))


def test_routing_joins_incidents_with_statements_built_once(runtime, monkeypatch):
    route_counting_statements(runtime, monkeypatch)

    for key in ("incidents-at-street", "set-members", "count-joined", "follow-lead", "running-dues-of"):
        assert kept(key) and all(kept(key)), key


def test_a_routed_batch_reads_and_checks_its_appeals_with_statements_built_once(runtime, monkeypatch):
    route_counting_statements(runtime, monkeypatch)

    for key in ("routing-appeals", "routing-unchanged", "routing-end-assignments"):
        assert kept(key) and all(kept(key)), key


def test_sending_replies_claims_and_marks_them_with_statements_built_once(runtime, monkeypatch):
    from engine.services.reply_delivery import deliver_replies
    from engine.store.models import AuthorMessageRecord

    route_counting_statements(runtime, monkeypatch)
    report = deliver_replies(runtime)

    sent = AuthorMessageRecord.select().where(AuthorMessageRecord.status == "sent").count()
    assert report.sent == sent > 0
    for key in ("claim-author_message_record", "reply-sent"):
        assert kept(key) and all(kept(key)), key


def test_an_expression_given_as_a_value_goes_through_peewee_which_writes_its_sql(runtime):
    from peewee import SQL

    ids = seed()
    touched = shapes.execute("test-expression", lambda p: AppealRecord.update(updated_at=p.when).where(
        AppealRecord.id == p.appeal), fields={"when": AppealRecord.updated_at},
        when=SQL("received_at"), appeal=ids[2])

    assert touched == 1
    assert AppealRecord.get_by_id(ids[2]).updated_at == RECEIVED + timedelta(minutes=2)
    assert kept("test-expression") == []  # never built as a shape


def test_an_incidents_recount_is_built_once_and_agrees_with_the_counts_kept_while_joining(runtime, monkeypatch):
    from engine.store import incidents
    from engine.store.models import IncidentRecord

    route_counting_statements(runtime, monkeypatch)
    kept_counts = {i.id: (i.members, i.authors, i.first_report_at, i.last_report_at)
                   for i in IncidentRecord.select()}
    assert kept_counts

    recounted = {}
    for incident in IncidentRecord.select():
        incidents.refresh_counts(incident, RECEIVED)
        recounted[incident.id] = (incident.members, incident.authors, incident.first_report_at,
                                  incident.last_report_at)

    assert recounted == kept_counts
    assert kept("refresh-counts") and all(kept("refresh-counts"))


def test_sending_a_page_of_replies_reads_their_appeals_channels_with_one_query(runtime, monkeypatch):
    from engine.services.reply_delivery import deliver_replies

    _, statements = route_counting_statements(runtime, monkeypatch)
    statements.clear()
    report = deliver_replies(runtime, page=100)

    channel_reads = [sql for sql in statements if '"t1"."channel" FROM "appeal_record"' in sql]
    assert report.sent >= 3 and report.failed == report.dead == 0
    assert len(channel_reads) == -(-report.sent // 100)  # one per page of replies, not one per reply
