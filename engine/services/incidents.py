"""Mass incidents: a routed appeal joins the incident about the same problem in the same place.

`join_incident` runs inside routing's write transaction, right after the appeal got its topic,
body and municipality — in routing one by one (`intake._route`) and in the worker's batches
(`routing._after_write`, appeal after appeal in routing order through `Joins`, which writes the
members of a batch together), so both find the same candidates:
open incidents on the topic at the street (or, for a point, within the radius), then lone open
appeals received before it. Candidates come from indexes (m0028), never from a scan of open appeals.
The decision and its reasons are `engine.rulebook.incident_rules.assess_join` (data in
rules/incidents.yaml); the reasons are kept in the audit line, as a routing decision's trace is.

Before looking, routing holds a transaction-level lock on the place (PostgreSQL advisory lock on a
hash of topic and place), so two workers never make two incidents for one place.

The incident is routed once: its body, role, official and priority are those of its first member;
a member routed elsewhere gets the incident's assignment (audited), and its clocks follow the
incident's (engine.services.incident_clocks). Its priority rises by the rules of
rules/incidents.yaml over the distinct authors, for every member, and re-arms the incident's terms.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from engine.classify.incident_place import MAX_TERMS, Street, box, street_of, topic_words
from engine.domain.vocabulary import PRIORITIES
from engine.rulebook.incident_rules import PlaceFacts, assess_join
from engine.store import appeals as store
from engine.store import incidents as incident_store

from .incident_clocks import follow_incident, rearm_for_priority
from .replies import answers_due

if TYPE_CHECKING:
    from engine.runtime import Runtime

log = logging.getLogger(__name__)


def place_key(municipality: str | None, street: Street | None) -> str | None:
    return f"{municipality}|{street.name}" if municipality and street else None


def lock_key(record) -> str | None:
    """The key of the place lock routing takes before it looks for the appeal's incident: topic and
    street; for a point (no street), topic and municipality — the box around a point can reach into
    any neighbouring cell, so the municipality is the cell. None when the appeal is not grouped."""
    place = _place(record)
    if place is None:
        return None
    _, key, _ = place
    return f"{record.topic}|{key}" if key is not None else f"{record.topic}|{record.municipality}|point"


def lock_places(rt: Runtime, records) -> None:
    """Take the place locks of these routed appeals at once (PostgreSQL; in one order, see
    engine.store.incidents.lock_places) before any of them looks for its incident."""
    if rt.policy_set.incidents is None:
        return
    incident_store.lock_places(key for key in (lock_key(r) for r in records
                                               if rt.policy_set.incidents.groups(r.topic)) if key)


def _place(record):
    """(street, place key, point) of an appeal, or None when it names no place."""
    if not record.municipality:
        return None
    street = street_of(record.address, record.text)
    key = place_key(record.municipality, street)
    point = (record.lat, record.long) if record.lat is not None and record.long is not None else None
    return None if key is None and point is None else (street, key, point)


def join_incident(rt: Runtime, record, now: datetime, *, locked: bool = False) -> int | None:
    """Put a just-routed appeal into its incident (creating one with a lone matching appeal); the
    incident's id, or None. Inside the caller's write transaction; `locked`: the caller holds the
    place lock already (`lock_places`)."""
    joins = Joins(rt, now)
    incident_id = joins.join(record, locked=locked)
    joins.flush()
    return incident_id


class Joins:
    """The incident joins of one write transaction (a routed batch: `routing._after_write`), each appeal
    decided in routing order as `join_incident` decides it alone, against the rows as joining the appeals
    before it left them.

    A join writes the incident's counts and words at once (the next appeal's candidates are read by them);
    the members' own rows, their clocks following the incident's and their audit lines wait (`flush`) and are
    written together: one UPDATE of the members per incident, one of their clocks and one of their ladders,
    one INSERT of the audit lines, where a join alone took each of these and more. Nothing reads what waits
    before it is written: the waiting members are flushed before lone appeals are looked for (an appeal in no
    incident), before a new incident is made, before a raised priority is written to the members and their
    terms re-armed, and by the caller before anything it writes next about them. An author of a waiting
    member is counted as the incident's author (`count_joined`), as the written row would have it counted.

    `dues`: the answer's due time of each member written, read when it was written (the acknowledgement
    names it, `routing._after_write`)."""

    def __init__(self, rt: Runtime, now: datetime, *, dues: bool = False):
        self.rt, self.now = rt, now
        self._waiting: list[tuple] = []  # (incident, record, words, reasons, inherited, columns) in join order
        self._want_dues = dues
        self.dues: dict[int, datetime | None] = {}
        self.members: dict[int, set[int]] = {}  # incident id → the appeals that became its members here

    def waits(self, appeal_id: int) -> bool:
        return any(record.id == appeal_id for _, record, *_ in self._waiting)

    def join(self, record, *, locked: bool = False) -> int | None:
        """`join_incident` for one appeal; its member rows wait for `flush`."""
        rt, now = self.rt, self.now
        rules = rt.policy_set.incidents
        if rules is None or not rules.groups(record.topic):
            return None
        place = _place(record)
        if place is None:
            return None
        street, key, point = place
        if not locked:
            incident_store.lock_places([lock_key(record)])
        words = topic_words(record.text, street)
        new = PlaceFacts(record.topic, record.municipality, street, record.lat, record.long, words,
                         record.received_at, record.received_at)
        area = box(point[0], point[1], rules.radius_m) if point and key is None else None
        since = record.received_at - rules.window
        # an incident first reported after this appeal was received (routed out of order by two workers)
        # is a candidate too, within the window
        for incident in incident_store.open_incidents(record.topic, place_key=key, municipality=record.municipality,
                                                      box=area, since=since, until=record.received_at + rules.window):
            verdict = assess_join(rules, new, _incident_facts(incident), rt.policy_set.labels)
            if verdict.joined:
                self._add(incident, [(record, words, verdict.reasons)], place_key=key)
                return incident.id
        self.flush()  # lone appeals are those in no incident: a waiting member is in one
        for lone in incident_store.lone_appeals(record, record.topic, place_key=key, municipality=record.municipality,
                                                box=area, since=since):
            lone_street = street_of(lone.address, lone.text)
            other = PlaceFacts(lone.topic, lone.municipality, lone_street, lone.lat, lone.long,
                               topic_words(lone.text, lone_street), lone.received_at, lone.received_at)
            verdict = assess_join(rules, new, other, rt.policy_set.labels)
            if verdict.joined:
                incident = incident_store.create(
                    lone, topic=lone.topic, municipality=lone.municipality, place_key=lone.place_key,
                    street=lone_street.name if lone_street else None, house=lone_street.house if lone_street else None,
                    address=lone.address or _address(lone_street), lat=lone.lat, long=lone.long,
                    words=other.words, now=now)
                self._add(incident, [(lone, other.words, ("первое обращение инцидента",)),
                                     (record, words, verdict.reasons)], place_key=key)
                return incident.id
        if key is not None:  # a lone appeal: later ones find it by its place
            store.update_appeal(record, now, place_key=key)
        return None

    def _add(self, incident, joining: list, *, place_key: str | None) -> None:
        """The appeals (record, words, reasons) become members: the incident's assignment and priority, its
        counts and words at once; their rows, clocks (engine.services.incident_clocks) and audit lines wait;
        then the priority rule."""
        rt, now = self.rt, self.now
        waiting_authors = frozenset(record.author_id for inc, record, *_ in self._waiting
                                    if inc.id == incident.id and record.author_id is not None)
        for record, words, reasons in joining:
            inherit = {}
            if incident.lead != record.id and (record.body, record.role) != (incident.body, incident.role):
                inherit = {"body": incident.body, "role": incident.role}
                store.save_assignment(record, incident.body, incident.role, incident.official, now)
            if incident.lead != record.id and _rank(incident.priority) > _rank(record.priority):
                inherit["priority"] = incident.priority
            columns = {**inherit, **({"place_key": place_key} if incident.lead != record.id and place_key else {})}
            for name, value in columns.items():
                setattr(record, name, value)
            record.incident_id = incident.id
            self._waiting.append((incident, record, words, reasons, inherit, columns))
            self.members.setdefault(incident.id, set()).add(record.id)
            if len(incident.words) < MAX_TERMS:
                incident.words = sorted(set(incident.words) | set(words))[:MAX_TERMS]
        incident_store.count_joined(incident, [record for record, _, _ in joining], now,
                                    counted_authors=waiting_authors)
        log.info("appeals %s joined incident %s (%s members, %s authors)", [r.id for r, _, _ in joining],
                 incident.id, incident.members, incident.authors)
        raised = rt.policy_set.incidents.priority_for(
            {"incident_authors": incident.authors, "incident_members": incident.members, "topic": incident.topic,
             "municipality": incident.municipality, "priority": incident.priority}, incident.priority)
        if raised is None:
            return
        self.flush()  # the members' priority and terms are re-armed from their rows
        priority, rule = raised
        changed = incident_store.set_priority(incident, priority, now)
        for record, _, _ in joining:
            if record.id in changed:
                record.priority = priority
        store.audit_many([store.audit_row(now, "system", "incident.priority_raised", appeal_id, incident=incident.id,
                                          lead=incident.lead, priority=priority, rule=rule, authors=incident.authors)
                          for appeal_id in changed])
        rearm_for_priority(rt, incident, priority, rule, now)
        if self._want_dues:  # as the whole join left them: re-armed
            self.dues.update(answers_due([record.id for record, _, _ in joining]))

    def flush(self) -> None:
        """Write the waiting members: their rows (one UPDATE for each incident and set of columns), their
        clocks following each incident's, and their audit lines, in join order."""
        if not self._waiting:
            return
        waiting, self._waiting, now = self._waiting, [], self.now
        groups: dict[tuple, list[int]] = {}
        for incident, record, _, _, _, columns in waiting:
            groups.setdefault((incident.id, tuple(sorted(columns.items()))), []).append(record.id)
        for (incident_id, columns), ids in groups.items():
            incident_store.set_members(ids, incident_id, now, **dict(columns))
        followers: dict[int, tuple] = {}
        for incident, record, *_ in waiting:
            if incident.lead != record.id:
                followers.setdefault(incident.id, (incident, []))[1].append(record.id)
        followed: dict[int, dict[str, str]] = {}
        for incident, ids in followers.values():
            for _, appeal_id, kind, due in follow_incident(incident, now, members=ids):
                followed.setdefault(appeal_id, {})[kind] = due.isoformat()
        store.audit_many([store.audit_row(
            now, "system", "appeal.joined_incident", record.id, incident=incident.id, lead=incident.lead,
            reasons=list(reasons), **({"inherited": inherit} if inherit else {}),
            **({"clocks_follow": followed[record.id]} if incident.lead != record.id and record.id in followed else {}))
            for incident, record, _, reasons, inherit, _ in waiting])
        if self._want_dues:
            self.dues.update(answers_due([record.id for _, record, *_ in waiting]))


def _incident_facts(incident) -> PlaceFacts:
    street = Street(incident.street, incident.house) if incident.street else None
    return PlaceFacts(incident.topic, incident.municipality, street, incident.lat, incident.long,
                      frozenset(incident.words or ()), incident.first_report_at, incident.last_report_at)


def _rank(priority: str | None) -> int:
    return PRIORITIES.index(priority) if priority in PRIORITIES else -1


def _address(street: Street | None) -> str | None:
    if street is None:
        return None
    return f"ул. {street.name.title()}" + (f", {street.house}" if street.house else "")
