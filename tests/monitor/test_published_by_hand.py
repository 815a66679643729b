"""«Опубликовано вручную» for an appeal on control on a wall our community cannot write on: the answer the
centre approved becomes a reply task, and only the operator's record that it was posted (who, when) makes
the answer count — the clocks stop at that moment, the status moves on, the ladder stays quiet after the
due time. An acknowledgement posted by hand stops nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.jobs import run_job
from engine.services.channel_events import receive_from_channel
from engine.store import outbox
from engine.store.author_messages import AuthorMessageRecord
from engine.store.models import AppealRecord, AuditRecord, ClockRecord
from tests.support.staff import add_staff, bearer, log_in

pytestmark = pytest.mark.both_databases

HEAT = "Когда уже дадут отопление на Попова 105? Дети мёрзнут"


def on_foreign_wall(runtime, comment: int) -> int:
    """An appeal the watch job made of a comment on the governor's wall (no community token of ours)."""
    incoming = IncomingAppeal(channel="monitor", external_id=f"reply-218000002_{comment}", text=HEAT,
                              received_at=runtime.now() - timedelta(minutes=5), author=Author(type="citizen"),
                              author_id="vk:13", regime="incident", municipality="barnaul",
                              link=f"https://vk.com/wall-218000002_40?reply={comment}")
    appeal_id = receive_from_channel(runtime, incoming, "{}").appeal_id
    assert AppealRecord.get_by_id(appeal_id).on_control  # the demo rules put monitored incidents on control
    return appeal_id


def act(client, token, appeal_id, name, **payload):
    answer = client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload, headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def task_of(appeal_id: int, kind: str) -> AuthorMessageRecord:
    return AuthorMessageRecord.get((AuthorMessageRecord.appeal == appeal_id) & (AuthorMessageRecord.kind == kind))


def escalations(appeal_id: int) -> list[str]:
    """The ladder's alerts about the appeal's clocks (not the centre's review notices)."""
    return [a.level for a in outbox.list_alerts(status=None, recipient=None, appeal_id=appeal_id)
            if a.clock_id is not None]


def running(appeal_id: int) -> list[str]:
    return sorted(c.kind for c in ClockRecord.select().where((ClockRecord.appeal == appeal_id)
                                                             & ClockRecord.stopped_at.is_null()))


def test_the_approved_answer_counts_from_the_moment_the_operator_posted_it_and_no_alert_follows(runtime, client,
                                                                                               clock):
    tokens = add_staff(runtime)
    admin, curator = tokens["administrator"], tokens["centre-curator"]
    posted, forgotten = on_foreign_wall(runtime, 41), on_foreign_wall(runtime, 42)
    due = ClockRecord.get((ClockRecord.appeal == posted) & (ClockRecord.kind == "first_response")).due_at
    for appeal_id in (posted, forgotten):
        act(client, admin, appeal_id, "take")
        act(client, admin, appeal_id, "answer", kind="final", text="Отопление дадут до 5 декабря.")
    clock.set(clock() + timedelta(hours=1))
    for appeal_id in (posted, forgotten):
        approved = act(client, curator, appeal_id, "approve_answer")
        assert approved["status"] == "answer_review"  # the resident has nothing yet: the task waits
        assert running(appeal_id) == ["first_response"]
    task = task_of(posted, "final_answer")
    assert (task.route, task.status) == ("manual", "manual")
    log_in(client, "centre-curator")
    card = client.get(f"/appeals/{posted}").get_data(as_text=True)
    assert 'data-action="approve_answer"' not in card  # approved already: the operator's task is what is left
    assert 'data-action="return_answer"' not in card and f"Обращение № {posted}" in card

    published_at = clock() + timedelta(minutes=10)
    clock.set(clock() + timedelta(minutes=30))
    done = client.post(f"/api/v1/replies/{task.id}/published-by-hand", headers=bearer(curator),
                       json={"published_at": published_at.isoformat(), "link": "https://vk.com/wall-218000002_40?reply=99"})

    assert done.status_code == 200, done.get_json()
    assert done.json["appeal_status"] == "answered" and done.json["published_at"] == published_at.isoformat()
    stops = {c.kind: c.stopped_at for c in ClockRecord.select().where(ClockRecord.appeal == posted)}
    assert stops == {"first_response": published_at, "final_answer": published_at}
    assert AppealRecord.get_by_id(posted).status == "answered"
    assert AppealRecord.get_by_id(forgotten).status == "answer_review" and running(forgotten) == ["first_response"]
    audit = AuditRecord.get(AuditRecord.action == "reply.published_by_hand")
    assert (audit.actor, audit.details["published_at"]) == (done.json["published_by"], published_at.isoformat())
    timeline = client.get(f"/api/v1/appeals/{posted}", headers=bearer(curator)).get_json()["timeline"]
    titles = [e["title"] for e in timeline]
    assert "Опубликовано вручную: Ответ по существу" in titles
    stopped = next(e for e in timeline if e["kind"] == "clock.stopped" and e["details"]["clock"] == "first_response")
    assert stopped["at"] == published_at.isoformat() and stopped["details"]["on_time"] is True

    clock.set(due + timedelta(hours=6))
    run_job(runtime, "sweep")

    assert escalations(posted) == []
    assert escalations(forgotten)  # its answer never reached the resident: the ladder climbs


def test_an_acknowledgement_posted_by_hand_stops_no_clock(runtime, client, clock):
    tokens = add_staff(runtime)
    appeal_id = on_foreign_wall(runtime, 43)
    task = task_of(appeal_id, "acknowledgement")
    clock.set(clock() + timedelta(minutes=20))

    done = client.post(f"/api/v1/replies/{task.id}/published-by-hand", json={},
                       headers=bearer(tokens["centre-curator"]))

    assert done.status_code == 200 and "appeal_status" not in done.json
    assert running(appeal_id) == ["first_response"]
    assert AppealRecord.get_by_id(appeal_id).status == "routed"


def test_a_publication_time_ahead_of_now_or_before_the_task_is_refused_and_nothing_changes(runtime, client, clock):
    tokens = add_staff(runtime)
    appeal_id = on_foreign_wall(runtime, 44)
    task = task_of(appeal_id, "acknowledgement")
    url, curator = f"/api/v1/replies/{task.id}/published-by-hand", bearer(tokens["centre-curator"])

    ahead = client.post(url, json={"published_at": (clock() + timedelta(hours=2)).isoformat()}, headers=curator)
    before = client.post(url, json={"published_at": (clock() - timedelta(days=1)).isoformat()}, headers=curator)
    naive = client.post(url, json={"published_at": "2026-11-30T10:00:00"}, headers=curator)

    assert [r.status_code for r in (ahead, before, naive)] == [422, 422, 422]
    assert "published_at" in ahead.json["error"]["fields"]
    assert AuthorMessageRecord.get_by_id(task.id).status == "manual"


def test_an_interim_answer_posted_by_hand_starts_the_final_answer_term_from_that_moment(runtime, client, clock):
    tokens = add_staff(runtime)
    admin, curator = tokens["administrator"], tokens["centre-curator"]
    appeal_id = on_foreign_wall(runtime, 45)
    act(client, admin, appeal_id, "take")
    act(client, admin, appeal_id, "answer", kind="interim", text="Проверяем, ответим до пятницы.")
    assert act(client, curator, appeal_id, "approve_answer")["status"] == "answer_review"
    assert ClockRecord.get_or_none((ClockRecord.appeal == appeal_id) & (ClockRecord.kind == "final_answer")) is None
    task = task_of(appeal_id, "interim_answer")
    clock.set(clock() + timedelta(hours=2))

    done = client.post(f"/api/v1/replies/{task.id}/published-by-hand", json={}, headers=bearer(curator))

    assert done.status_code == 200 and done.json["appeal_status"] == "in_progress"
    clocks = {c.kind: c for c in ClockRecord.select().where(ClockRecord.appeal == appeal_id)}
    assert clocks["first_response"].stopped_at == clock()
    assert clocks["final_answer"].started_at == clock() and clocks["final_answer"].stopped_at is None
