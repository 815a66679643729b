"""Appeals related to one: the same author on the same topic (repeats), the same topic and place (clusters).

Both lookups run for nearly every appeal routed, so their SQL is written once here rather than
built by peewee each time, and their rows come back as plain tuples.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.classify import Neighbour

from .db import database, execute_as_planned_now, is_sqlite
from .models import AppealRecord

LIMIT = 500
PREFETCH_ROWS = 2000  # rows a batch reads at most for its repeats
PLACE_ROWS = 200  # a place's latest appeals on a topic read at a time for its distinct authors (clusters)

_TABLE = AppealRecord._meta.table_name
_SAME_AUTHOR = (
    f'SELECT "id", "received_at" FROM "{_TABLE}" WHERE "author_id" = ? AND "topic" = ? AND "received_at" >= ?'
    ' AND "received_at" <= ? AND "id" <> ? ORDER BY "received_at", "id" LIMIT ?')
# the author of each appeal at a place (an appeal without one is its own author); read the latest first,
# through the (topic, municipality, received_at) index, a busy place gives its few distinct authors in the
# first rows, where DISTINCT reads every appeal in the window (PostgreSQL aggregates them all before a LIMIT)
_PLACE_LATEST = (
    f'SELECT COALESCE("author_id", \'appeal:\' || CAST("id" AS TEXT)) FROM "{_TABLE}"'
    ' WHERE "topic" = ? AND "municipality" = ? AND "received_at" >= ? AND "received_at" <= ? AND "id" <> ?')
_PLACE = _PLACE_LATEST.replace("SELECT ", "SELECT DISTINCT ", 1)
_OTHER_AUTHOR = ' AND ("author_id" IS NULL OR "author_id" <> ?)'


def _sql(text: str) -> str:
    return text.replace("?", database.obj.param) if database.obj.param != "?" else text


def _at(moment: datetime):
    return AppealRecord.received_at.db_value(moment)


def same_author(appeal_id: int, author_id: str, topic: str, since: datetime,
                until: datetime) -> tuple[int, Neighbour | None]:
    """Routed appeals of the author on the topic received in [since, until], other than this one:
    how many (at most LIMIT) and the earliest of them."""
    rows = database.execute_sql(_sql(_SAME_AUTHOR), (author_id, topic, _at(since), _at(until), appeal_id,
                                                     LIMIT)).fetchall()
    if not rows:
        return 0, None
    first_id, first_at = rows[0]
    return len(rows), Neighbour(first_id, author_id, AppealRecord.received_at.python_value(first_at))


def authors_in_place(appeal_id: int, topic: str, municipality: str, since: datetime, until: datetime,
                     *, enough: int, author_id: str | None = None) -> list[str]:
    """Distinct authors (an appeal without one counts as its own author) of appeals on the topic in the
    municipality received in [since, until], other than this one and than its author `author_id`; at
    most `enough` of them (so the count does not depend on which ones the database finds first)."""
    params = [topic, municipality, _at(since), _at(until), appeal_id]
    other = _OTHER_AUTHOR if author_id is not None else ""
    if author_id is not None:
        params.append(author_id)
    latest = database.execute_sql(_sql(f'{_PLACE_LATEST}{other} ORDER BY "received_at" DESC LIMIT ?'),
                                  (*params, PLACE_ROWS)).fetchall()
    who = list(dict.fromkeys(r[0] for r in latest))
    if len(who) >= enough or len(latest) < PLACE_ROWS:  # enough found, or every appeal in the window read
        return who[:enough]
    rows = database.execute_sql(_sql(f"{_PLACE}{other} LIMIT ?"), (*params, enough)).fetchall()
    return [r[0] for r in rows]


class Neighbourhood:
    """The routed appeals a batch's lookups can find, read with three queries for the whole batch: of its
    authors on the topics expected (counted where every lookup's window covers them, row by row at the
    edges), and the latest ones at its places (topic and municipality), within the windows. Each lookup it
    covers is answered as the SQL above answers it; one it does not cover gives None."""

    def __init__(self, *, authors: set[str], places: set[tuple[str, str]], topics: set[str],
                 repeat_since: datetime, cluster_since: datetime, until: datetime,
                 repeat_window: timedelta | None = None, ids: frozenset[int] = frozenset()):
        self.topics, self.places, self.authors = topics, places, authors
        self.repeat_since, self.cluster_since, self.until = repeat_since, cluster_since, until
        self.ids = ids
        # the part of the repeat windows every lookup of the batch covers: from the last appeal's since to the
        # first appeal's receipt (repeat_since = the first appeal's since); counted there, not read row by row
        self.core: tuple[datetime, datetime] | None = None
        if repeat_window is not None and ids and until - repeat_window <= repeat_since + repeat_window:
            self.core = (until - repeat_window, repeat_since + repeat_window)
        self.by_author: dict[tuple[str, str], list[tuple]] = {}
        self.counted: dict[tuple[str, str], tuple[int, tuple]] = {}  # in the core: (how many, (earliest, id))
        self.by_place: dict[tuple[str, str], list[tuple]] = {}
        self.whole: set[tuple[str, str]] = set()  # places whose every appeal in the window was read
        self._times: dict[tuple[str, str], list[datetime]] = {}  # by_place's receipt times, made as read
        if authors and topics:
            self._read_repeats(sorted(authors), sorted(topics))
        if places:  # each place's latest appeals: a busy place is read in part
            pairs = sorted(places)
            # the receipt times as the database gives them (they order as the times do), turned into times only
            # for the few rows a lookup reads: it stops once it has enough authors
            for topic, place, appeal_id, author, received in self._latest_at_places(pairs, cluster_since, until):
                self.by_place.setdefault((topic, place), []).append((received, appeal_id, author))
            self.whole = {pair for pair in pairs if len(self.by_place.get(pair, ())) < PLACE_ROWS}
            for rows in self.by_place.values():
                rows.sort(reverse=True)  # the latest first

    def _read_repeats(self, authors: list[str], topics: list[str]) -> None:
        """The batch's authors' appeals on its topics in the repeat windows: in the core, how many of each
        author on each topic and the earliest, counted by the database (appeals of the batch itself left out
        there: a lookup must not count its own); the rest (the windows' edges, the batch's own) row by row,
        at most PREFETCH_ROWS of them, or every lookup asks the database."""
        at = AppealRecord.received_at
        # SQLite, without statistics, would go through the topic index and read every appeal on the topics; a
        # unary + keeps it on the (author_id, received_at) index, which holds only the batch's authors' appeals
        topic = '+"topic"' if is_sqlite() else '"topic"'
        where = (f'"author_id" IN ({", ".join("?" * len(authors))}) AND {topic} IN ({", ".join("?" * len(topics))})'
                 ' AND "received_at" >= ? AND "received_at" <= ?')
        params = [*authors, *topics, _at(self.repeat_since), _at(self.until)]
        outside = ""
        if self.core is not None:
            batch = sorted(self.ids)
            ids = ", ".join("?" * len(batch))
            in_core = f'"received_at" >= ? AND "received_at" <= ? AND "id" NOT IN ({ids})'
            core_params = [_at(self.core[0]), _at(self.core[1]), *batch]
            # how many and the earliest moment per author and topic, then the lowest id at that moment: the
            # earliest in (received_at, id) order, as the single lookup's ORDER BY gives it
            counted = execute_as_planned_now(_sql(
                f'SELECT g."author_id", g."topic", g."n", MIN(a."id"), g."first" FROM (SELECT "author_id", "topic",'
                f' COUNT(*) AS "n", MIN("received_at") AS "first" FROM "{_TABLE}" WHERE {where} AND {in_core}'
                f' GROUP BY "author_id", "topic") AS g JOIN "{_TABLE}" AS a ON a."author_id" = g."author_id"'
                f' AND a."topic" = g."topic" AND a."received_at" = g."first" AND a."id" NOT IN ({ids})'
                ' GROUP BY g."author_id", g."topic", g."n", g."first"'), [*params, *core_params, *batch])
            for author, topic_, n, appeal_id, received in counted.fetchall():
                self.counted[(author, topic_)] = (n, (at.python_value(received), appeal_id))
            outside, params = f" AND NOT ({in_core})", [*params, *core_params]
        rows = execute_as_planned_now(_sql(
            f'SELECT "id", "author_id", "topic", "received_at" FROM "{_TABLE}" WHERE {where}{outside} LIMIT ?'),
            [*params, PREFETCH_ROWS + 1]).fetchall()
        if len(rows) > PREFETCH_ROWS:  # too many to be worth it: each lookup asks the database
            self.authors, self.counted = set(), {}
            return
        for appeal_id, author, topic, received in rows:
            self.by_author.setdefault((author, topic), []).append((at.python_value(received), appeal_id))
        for found in self.by_author.values():
            found.sort()

    def same_author(self, appeal_id: int, author_id: str, topic: str, since: datetime,
                    until: datetime) -> tuple[int, Neighbour | None] | None:
        if author_id not in self.authors or topic not in self.topics or since < self.repeat_since \
                or until > self.until:
            return None
        if self.core is not None and (appeal_id not in self.ids or since > self.core[0] or until < self.core[1]):
            return None  # not one of the batch's lookups: the core's count may hold the appeal or miss its window
        edges = [(at, i) for at, i in self.by_author.get((author_id, topic), ())
                 if since <= at <= until and i != appeal_id]
        counted, earliest = self.counted.get((author_id, topic), (0, None))
        candidates = [*edges, earliest] if earliest is not None else edges
        if not candidates:
            return 0, None
        at, first_id = min(candidates)
        return min(counted + len(edges), LIMIT), Neighbour(first_id, author_id, at)

    @staticmethod
    def _latest_at_places(pairs: list[tuple[str, str]], since: datetime, until: datetime) -> list[tuple]:
        """(topic, place, id, author, received as stored) of the PLACE_ROWS latest appeals of each (topic, place) in
        [since, until]: one statement, each part stopping after its rows in the (topic, municipality,
        received_at) index."""
        part = (f'SELECT * FROM (SELECT "topic", "municipality", "id", "author_id", "received_at" FROM "{_TABLE}"'
                ' WHERE "topic" = ? AND "municipality" = ? AND "received_at" >= ? AND "received_at" <= ?'
                ' ORDER BY "received_at" DESC LIMIT ?) AS p')
        params = [v for topic, place in pairs for v in (topic, place, _at(since), _at(until), PLACE_ROWS)]
        return database.execute_sql(_sql(" UNION ALL ".join([part] * len(pairs))), params).fetchall()

    def authors_in_place(self, appeal_id: int, topic: str, municipality: str, since: datetime, until: datetime,
                         *, enough: int, author_id: str | None = None) -> list[str] | None:
        """As `authors_in_place` above, from the place's latest appeals; None when they end before the
        window does and have not given `enough` authors (the database is asked then)."""
        if (topic, municipality) not in self.places or since < self.cluster_since or until > self.until:
            return None
        who: list[str] = []
        for at, i, author in self._read_at((topic, municipality)):
            if at > until:
                continue
            if at < since or len(who) >= enough:
                return who
            if i != appeal_id and (author_id is None or author != author_id):
                name = author if author is not None else f"appeal:{i}"
                if name not in who:
                    who.append(name)
        return who if len(who) >= enough or (topic, municipality) in self.whole else None

    def _read_at(self, pair: tuple[str, str]):
        """The place's rows, the latest first, each with its receipt time made once for the batch, as far as
        a lookup reads them."""
        rows = self.by_place.get(pair, ())
        times = self._times.setdefault(pair, [])
        for k, (stored, appeal_id, author) in enumerate(rows):
            if k == len(times):
                times.append(AppealRecord.received_at.python_value(stored))
            yield times[k], appeal_id, author
