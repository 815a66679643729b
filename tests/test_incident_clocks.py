"""Members' clocks follow their incident's clock: they take its due time when they join, move when it is
extended or paused, stop when the incident is answered, escalate once (on the incident's clock), and a
detached member gets its own clock back. A raised incident priority re-arms the incident's term and ladder."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.services import clocks as clock_service
from engine.services.escalation import sweep
from engine.services.intake import receive_appeal, route_on_receipt
from engine.services.recompute import recompute
from engine.store.models import (
    AlertRecord,
    AppealRecord,
    AuditRecord,
    AuthorMessageRecord,
    ClockRecord,
    EscalationRecord,
    IncidentRecord,
)
from tests.support.moments import at
from tests.support.rules_copy import edited_policy
from tests.support.staff import add_staff, bearer

pytestmark = pytest.mark.both_databases

WASTE = "Во дворе на ул. Попова, 105 не вывозят мусор, контейнеры переполнены"  # an incident, normal priority
PITS = "На ул. Попова огромные ямы, провал асфальта"  # a 59-ФЗ appeal: a 30-day answer clock, extendable


def post(runtime, clock, n: int, text: str = WASTE, *, regime: str = "incident", minutes: int = 10) -> int:
    clock.set(clock() + timedelta(minutes=minutes))
    incoming = IncomingAppeal(channel="vk" if regime == "incident" else "portal", external_id=f"a-{n}", text=text,
                              received_at=clock(), author=Author(name=f"Житель {n}"), author_id=f"author:{n}",
                              municipality="barnaul", regime=regime, fz59=regime == "fz59",
                              category="roads" if regime == "fz59" else None)
    received = receive_appeal(runtime, incoming, "{}", actor="test")
    route_on_receipt(runtime, received)
    return received.appeal_id


def clock_of(appeal_id: int, kind: str) -> ClockRecord:
    return ClockRecord.get((ClockRecord.appeal == appeal_id) & (ClockRecord.kind == kind))


def ladder_of(clock: ClockRecord) -> EscalationRecord:
    return EscalationRecord.get(EscalationRecord.clock == clock.id)


def test_a_member_takes_the_incidents_due_time_and_its_own_ladder_rests(runtime, clock):
    lead, member = post(runtime, clock, 0), post(runtime, clock, 1)
    [incident] = IncidentRecord.select()
    assert (incident.lead, AppealRecord.get_by_id(member).incident_id) == (lead, incident.id)
    first, second = clock_of(lead, "first_response"), clock_of(member, "first_response")
    # received ten minutes later, the member's own term would end ten working minutes later
    assert second.started_at == first.started_at + timedelta(minutes=10)
    assert second.due_at == first.due_at and second.follows == first.id
    assert ladder_of(second).next_check_at is None and ladder_of(first).next_check_at is not None
    [joined] = AuditRecord.select().where((AuditRecord.action == "appeal.joined_incident")
                                          & (AuditRecord.appeal == member))
    assert joined.details["clocks_follow"] == {"first_response": first.due_at.isoformat()}


def test_extending_or_pausing_the_incidents_clock_moves_every_members_clock(runtime, clock):
    ids = [post(runtime, clock, n, PITS, regime="fz59", minutes=60 * 20) for n in range(3)]
    [incident] = IncidentRecord.select()
    assert incident.lead == ids[0]
    lead = clock_of(ids[0], "answer")
    # registered on later days, the members' own 30 days would end later
    assert clock_of(ids[2], "answer").started_at.date() > lead.started_at.date()
    assert [clock_of(i, "answer").due_at for i in ids[1:]] == [lead.due_at] * 2

    extended = clock_service.operate(runtime, ids[0], "answer", "extend",
                                     {"days": 20, "reason": "нужна экспертиза покрытия"}, actor="user:head",
                                     role="manager")
    assert extended["event"] == "clock.extended"
    due = clock_of(ids[0], "answer").due_at
    assert due > lead.due_at
    assert [clock_of(i, "answer").due_at for i in ids[1:]] == [due, due]
    # 59-ФЗ: every author whose term moved is told, once, on their own channel
    told = AuthorMessageRecord.select().where(AuthorMessageRecord.kind == "extended")
    assert sorted(m.appeal_id for m in told) == ids
    # a member's clock is changed through the incident's
    with pytest.raises(clock_service.ClockRefused, match="следует сроку инцидента"):
        clock_service.operate(runtime, ids[1], "answer", "extend", {"days": 5, "reason": "x"}, actor="user:head",
                              role="manager")

    clock_service.operate(runtime, ids[0], "answer", "pause", {"reason": "ждём уточнения адреса"},
                          actor="user:head", role="manager")
    assert {clock_of(i, "answer").paused_since for i in ids} == {clock()}
    clock.set(clock() + timedelta(days=3))
    clock_service.operate(runtime, ids[0], "answer", "resume", {}, actor="user:head", role="manager")
    resumed = clock_of(ids[0], "answer")
    assert resumed.due_at > due and resumed.paused_since is None
    members = [clock_of(i, "answer") for i in ids[1:]]
    assert [(c.due_at, c.paused_since) for c in members] == [(resumed.due_at, None)] * 2


def test_answering_the_incident_stops_every_members_clock(runtime, clock, client):
    ids = [post(runtime, clock, n) for n in range(3)]
    [incident] = IncidentRecord.select()
    tokens = add_staff(runtime)
    manager, curator = bearer(tokens["centre-manager"]), bearer(tokens["centre-curator"])
    clock.set(clock() + timedelta(hours=1))
    answered = client.post(f"/api/v1/incidents/{incident.id}/actions/answer",
                           json={"kind": "final", "text": "Мусор вывезен, график восстановлен."}, headers=manager)
    assert answered.status_code == 200, answered.get_json()
    if any(m.get("review") for m in answered.get_json()["members"]):
        approved = client.post(f"/api/v1/incidents/{incident.id}/actions/approve_answer", json={}, headers=curator)
        assert approved.status_code == 200, approved.get_json()
    open_clocks = ClockRecord.select().where(ClockRecord.appeal.in_(ids) & ClockRecord.stopped_at.is_null())
    assert list(open_clocks) == []
    assert {clock_of(i, "first_response").stopped_at for i in ids} == {clock()}
    # answered together, no member was ever left to escalate on its own
    assert AuditRecord.select().where(AuditRecord.action == "clock.incident_released").count() == 0


def test_a_detached_member_gets_its_own_clock_back(runtime, clock, client):
    lead, other = post(runtime, clock, 0), post(runtime, clock, 1)
    [incident] = IncidentRecord.select()
    manager = bearer(add_staff(runtime)["centre-manager"])
    shown = client.get(f"/api/v1/appeals/{other}/clocks", headers=manager).get_json()
    assert [c["follows_incident"] for c in shown["clocks"] if c["kind"] == "first_response"] == [True], shown
    detached = client.post(f"/api/v1/incidents/{incident.id}/actions/detach",
                           json={"appeal_id": other, "reason": "Это другой двор"}, headers=manager)
    assert detached.status_code == 200, detached.get_json()
    own, first = clock_of(other, "first_response"), clock_of(lead, "first_response")
    # counted from its own receipt, ten working minutes after the incident's first report
    assert own.follows is None and own.due_at == first.due_at + timedelta(minutes=10)
    assert ladder_of(own).next_check_at is not None
    shown = client.get(f"/api/v1/appeals/{other}/clocks", headers=manager).get_json()
    assert [c["follows_incident"] for c in shown["clocks"] if c["kind"] == "first_response"] == [False]
    [audit] = AuditRecord.select().where(AuditRecord.action == "appeal.detached_from_incident")
    assert audit.details["clocks_own"] == [{"clock": "first_response", "due_before": first.due_at.isoformat(),
                                            "due": own.due_at.isoformat()}]


def test_a_sweep_past_the_incidents_due_time_alerts_once_for_the_incident(runtime, clock):
    ids = [post(runtime, clock, n) for n in range(4)]
    [incident] = IncidentRecord.select()
    # two days on, past every member's own term too: the breach is the incident's, told once
    clock.set(clock_of(ids[0], "first_response").due_at + timedelta(days=2))
    assert sweep(runtime).alerts >= 1
    alerted = {a.appeal_id for a in AlertRecord.select().where(AlertRecord.level == "breach")}
    assert alerted == {incident.lead}
    # the one alert speaks for the incident: its number, how many appeals and authors it holds
    for alert in AlertRecord.select().where(AlertRecord.level == "breach"):
        assert f"(массовый инцидент №{incident.id}, обращений: 4)" in alert.subject
        assert f"Это общий срок массового инцидента №{incident.id}" in alert.body
        assert "обращений 4, авторов 4. Ответ на инцидент получат все авторы" in alert.body
    # every member shows the breach all the same
    assert {clock_of(i, "first_response").breached_at is not None for i in ids} == {True}


def test_a_tenth_distinct_author_raises_the_priority_and_rearms_the_incidents_term_and_ladder(runtime, clock,
                                                                                             tmp_path):
    def ten_authors_only(doc):
        doc["rules"] = [r for r in doc["rules"] if r["id"] == "incident.ten-authors"]

    runtime.policy_set = edited_policy(tmp_path, incidents=ten_authors_only)
    ids = [post(runtime, clock, n, minutes=2) for n in range(9)]
    [incident] = IncidentRecord.select()
    first = clock_of(ids[0], "first_response")
    assert (incident.priority, incident.policy, ladder_of(first).ladder_id) == ("normal", "incident",
                                                                               "incident-response")
    ids.append(post(runtime, clock, 9, minutes=2))
    incident = IncidentRecord.get_by_id(incident.id)
    assert (incident.authors, incident.priority, incident.policy) == (10, "critical", "incident-high")
    rearmed = clock_of(ids[0], "first_response")
    # 4 working hours from the first report (Mon 10:02, lunch 13:00–14:00) in place of 9
    assert rearmed.due_at == at("Mon 2026-11-30 15:02") < first.due_at
    assert (rearmed.policy_id, rearmed.amount, ladder_of(rearmed).ladder_id) == ("incident-high", 4, "incident-urgent")
    assert rearmed.deadline_version == first.deadline_version + 1
    assert {clock_of(i, "first_response").due_at for i in ids} == {rearmed.due_at}
    [audit] = AuditRecord.select().where(AuditRecord.action == "incident.terms_rearmed")
    assert (audit.appeal_id, audit.details["rule"], audit.details["priority"]) == (ids[0], "incident.ten-authors",
                                                                                   "critical")
    assert audit.details["clocks"] == [{"clock": "first_response", "policy_before": "incident",
                                        "policy": "incident-high", "due_before": first.due_at.isoformat(),
                                        "due": rearmed.due_at.isoformat(), "ladder_before": "incident-response",
                                        "ladder": "incident-urgent"}]


def test_queued_routing_makes_the_members_follow_too(runtime, clock, monkeypatch):
    from engine.services import routing

    monkeypatch.setattr(runtime, "settings", dataclasses.replace(runtime.settings, routing="queued"))
    ids = [post(runtime, clock, n) for n in range(3)]
    assert routing.route_pending(runtime) == 3
    first = clock_of(ids[0], "first_response")
    assert [(clock_of(i, "first_response").due_at, clock_of(i, "first_response").follows) for i in ids[1:]] == \
        [(first.due_at, first.id)] * 2


def test_a_recomputed_incident_clock_moves_its_members_with_it(runtime, clock):
    ids = [post(runtime, clock, n, PITS, regime="fz59", minutes=60 * 20) for n in range(3)]
    policy = runtime.policy_set.policies["fz59"]
    shorter = dataclasses.replace(policy, version=f"{policy.version}+20", clocks=tuple(
        dataclasses.replace(c, amount=20) if c.kind == "answer" else c for c in policy.clocks))
    runtime.policy_set = dataclasses.replace(runtime.policy_set,
                                             policies={**runtime.policy_set.policies, "fz59": shorter})
    before = clock_of(ids[0], "answer").due_at
    recompute(runtime, actor="cli", reason="срок ответа сокращён")
    due = clock_of(ids[0], "answer").due_at
    assert due < before
    assert [clock_of(i, "answer").due_at for i in ids[1:]] == [due, due]


def test_when_the_first_member_alone_is_answered_the_others_escalate_on_their_own(runtime, clock, client):
    lead, member = post(runtime, clock, 0), post(runtime, clock, 1)
    staff = bearer(add_staff(runtime)["centre-manager"])
    for action, body in (("take", {}), ("answer", {"kind": "final", "text": "Контейнеры вывезены."})):
        done = client.post(f"/api/v1/appeals/{lead}/actions/{action}", json=body, headers=staff)
        assert done.status_code == 200, done.get_json()
    if AppealRecord.get_by_id(lead).status == "answer_review":
        assert client.post(f"/api/v1/appeals/{lead}/actions/approve_answer", json={},
                           headers=staff).status_code == 200
    first, own = clock_of(lead, "first_response"), clock_of(member, "first_response")
    assert first.stopped_at is not None and own.stopped_at is None
    # the incident's due time stays, but this resident has no answer yet: its own ladder is armed again
    assert (own.follows, own.due_at) == (None, first.due_at)
    assert ladder_of(own).next_check_at is not None
    assert AuditRecord.select().where((AuditRecord.action == "clock.incident_released")
                                      & (AuditRecord.appeal == member)).count() == 1


def test_making_and_joining_an_incident_take_a_handful_of_statements(runtime, clock, monkeypatch):
    from engine.services import intake
    from engine.store.db import database

    sent, joining = [], [False]
    execute_sql, join = database.obj.execute_sql, intake.join_incident

    def counted(sql, params=None, *args, **kwargs):
        if joining[0]:
            sent[-1] += 1
        return execute_sql(sql, params, *args, **kwargs)

    def measured(rt, record, now):
        sent.append(0)
        joining[0] = True
        try:
            return join(rt, record, now)
        finally:
            joining[0] = False

    monkeypatch.setattr(database.obj, "execute_sql", counted)
    monkeypatch.setattr(intake, "join_incident", measured)
    for n in range(4):
        post(runtime, clock, n)
    alone, made, raised, joined = sent
    # making one: the lock (PostgreSQL), two lookups, the first member's official, the incident, two members,
    # the clocks following and their ladders resting, the counts, the audit lines (15 before they were batched);
    # the third author raises the priority, which re-arms the incident's clock and ladder (rearm_for_priority)
    assert made <= 11 and joined <= 7 and alone <= 4 and raised <= 21, sent
