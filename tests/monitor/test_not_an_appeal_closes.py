"""«Не обращение» closes the monitored appeal: status closed with the reason, every clock stopped, the
replies not sent yet withdrawn (nothing reaches the resident), no escalation after the due time; the mark
is audited and still a case for the complaint stage. A wrong mark is taken back by the same roles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.jobs import run_job
from engine.services import credentials, monitor_marks
from engine.services.channel_events import receive_from_channel
from engine.store import outbox
from engine.store.author_messages import AuthorMessageRecord
from engine.store.models import AppealRecord, AuditRecord, ClockRecord
from tests.support.staff import add_staff, bearer

pytestmark = pytest.mark.both_databases

JOKE = "Когда уже лето, сколько можно ждать тепла на Попова"


def monitored(runtime, comment: int) -> int:
    incoming = IncomingAppeal(channel="monitor", external_id=f"reply-218000002_{comment}", text=JOKE,
                              received_at=runtime.now() - timedelta(minutes=5), author=Author(type="citizen"),
                              author_id="vk:77", regime="incident", municipality="barnaul",
                              link=f"https://vk.com/wall-218000002_40?reply={comment}")
    return receive_from_channel(runtime, incoming, "{}").appeal_id


def ladder_alerts(appeal_id: int) -> list[str]:
    return [a.level for a in outbox.list_alerts(status=None, recipient=None, appeal_id=appeal_id)
            if a.clock_id is not None]


def test_the_mark_closes_the_appeal_stops_its_clocks_withdraws_its_replies_and_the_ladder(runtime, client, clock):
    marked, kept = monitored(runtime, 51), monitored(runtime, 52)
    due = max(c.due_at for c in ClockRecord.select().where(ClockRecord.appeal == marked))
    curator = bearer(credentials.create_token(runtime.now(), "curator"))
    clock.set(clock() + timedelta(minutes=15))

    answer = client.post(f"/api/v1/monitor/appeals/{marked}/not-an-appeal", json={"comment": "шутка"}, headers=curator)

    assert answer.status_code == 201 and answer.json["status"] == "closed"
    assert AppealRecord.get_by_id(marked).status == "closed"
    assert all(c.stopped_at == clock() for c in ClockRecord.select().where(ClockRecord.appeal == marked))
    tasks = list(AuthorMessageRecord.select().where(AuthorMessageRecord.appeal == marked))
    assert [(t.kind, t.status) for t in tasks] == [("acknowledgement", "cancelled")]
    mark = AuditRecord.get(AuditRecord.action == "monitor.not_an_appeal")
    assert (mark.details["reason"], mark.details["status_before"], mark.details["comment"]) == (
        "не обращение", "routed", "шутка")
    assert mark.details["clocks_stopped"] == ["first_response"]
    timeline = client.get(f"/api/v1/appeals/{marked}", headers=curator).get_json()["timeline"]
    assert "Отмечено «не обращение»" in [e["title"] for e in timeline]
    assert "Сообщение автору отозвано: Уведомление о приёме (не обращение)" in [e["title"] for e in timeline]

    clock.set(due + timedelta(hours=6))
    run_job(runtime, "sweep")
    run_job(runtime, "reply")

    assert ladder_alerts(marked) == [] and ladder_alerts(kept)  # the unmarked twin escalates
    assert AuthorMessageRecord.get(AuthorMessageRecord.appeal == marked).status == "cancelled"
    assert monitor_marks.cases_from_marks()[0]["given"] == {"text": JOKE}


def test_a_draft_answer_waiting_for_review_is_withdrawn_by_the_mark(runtime, client):
    tokens = add_staff(runtime)
    appeal_id = monitored(runtime, 53)
    admin = bearer(tokens["administrator"])
    for name, payload in (("take", {}), ("answer", {"kind": "final", "text": "Ответ"})):
        assert client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload,
                           headers=admin).status_code == 200

    client.post(f"/api/v1/monitor/appeals/{appeal_id}/not-an-appeal", json={}, headers=admin)

    detail = client.get(f"/api/v1/appeals/{appeal_id}", headers=admin).get_json()
    assert detail["status"] == "closed" and [a["status"] for a in detail["answers"]] == ["withdrawn"]


def test_undoing_a_wrong_mark_puts_the_appeal_back_to_work_with_new_terms(runtime, client, clock):
    appeal_id = monitored(runtime, 54)
    curator = bearer(credentials.create_token(runtime.now(), "curator"))
    official = bearer(credentials.create_token(runtime.now(), "official"))
    url = f"/api/v1/monitor/appeals/{appeal_id}/not-an-appeal"
    client.post(url, json={}, headers=curator)
    clock.set(clock() + timedelta(days=2))

    assert client.post(url + "/undo", json={"reason": "это жалоба"}, headers=official).status_code == 403
    assert client.post(url + "/undo", json={}, headers=curator).status_code == 422
    undone = client.post(url + "/undo", json={"reason": "это жалоба на отопление"}, headers=curator)
    again = client.post(url + "/undo", json={"reason": "ещё раз"}, headers=curator)

    assert undone.status_code == 200, undone.get_json()
    assert undone.json["status"] == "routed" and undone.json["clocks_restarted"] == ["first_response"]
    assert again.status_code == 409
    first = ClockRecord.get((ClockRecord.appeal == appeal_id) & (ClockRecord.kind == "first_response"))
    assert first.stopped_at is None and first.started_at == clock() and first.due_at > clock()
    assert AuthorMessageRecord.get(AuthorMessageRecord.appeal == appeal_id).status == "manual"
    assert monitor_marks.cases_from_marks() == []  # an undone mark is no case
    assert client.post(url, json={}, headers=curator).status_code == 201  # it can be marked again


def test_undoing_a_mark_on_an_answer_waiting_for_its_operator_lets_the_posted_answer_stop_the_clocks(
        runtime, client, clock):
    """Marked while the approved answer waited to be posted by hand, then unmarked: the restored reply task
    still carries the answer, so posting it by hand must make the answer count, as it would have."""
    tokens = add_staff(runtime)
    admin, curator = bearer(tokens["administrator"]), bearer(tokens["centre-curator"])
    appeal_id = monitored(runtime, 55)
    assert AppealRecord.get_by_id(appeal_id).on_control
    for token, name, payload in ((admin, "take", {}), (admin, "answer", {"kind": "final", "text": "Ответ"}),
                                 (curator, "approve_answer", {})):
        assert client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload,
                           headers=token).status_code == 200
    url = f"/api/v1/monitor/appeals/{appeal_id}/not-an-appeal"
    client.post(url, json={}, headers=curator)
    undone = client.post(url + "/undo", json={"reason": "это жалоба"}, headers=curator)
    assert undone.status_code == 200 and undone.json["status"] == "answer_review"
    task = AuthorMessageRecord.get((AuthorMessageRecord.appeal == appeal_id)
                                   & (AuthorMessageRecord.kind == "final_answer"))
    assert task.status == "manual"
    clock.set(clock() + timedelta(minutes=30))

    done = client.post(f"/api/v1/replies/{task.id}/published-by-hand", json={}, headers=curator)

    assert done.status_code == 200 and done.json["appeal_status"] == "answered"
    assert all(c.stopped_at == clock() for c in ClockRecord.select().where(ClockRecord.appeal == appeal_id))


def test_undoing_a_mark_on_an_appeal_closed_before_leaves_it_closed(runtime, client):
    """The mark changed nothing of a closed appeal's status, so taking it back reopens nothing."""
    tokens = add_staff(runtime)
    admin = bearer(tokens["administrator"])
    appeal_id = monitored(runtime, 56)
    AppealRecord.update(on_control=False).where(AppealRecord.id == appeal_id).execute()
    for name, payload in (("take", {}), ("answer", {"kind": "final", "text": "Ответ"}), ("close", {})):
        answer = client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload, headers=admin)
        assert answer.status_code == 200, answer.get_json()
    assert AppealRecord.get_by_id(appeal_id).status == "closed"
    url = f"/api/v1/monitor/appeals/{appeal_id}/not-an-appeal"
    assert client.post(url, json={}, headers=admin).status_code == 201

    undone = client.post(url + "/undo", json={"reason": "ошибка"}, headers=admin)

    assert undone.status_code == 200 and undone.json["status"] == "closed"
    assert AppealRecord.get_by_id(appeal_id).status == "closed"
    assert ClockRecord.select().where((ClockRecord.appeal == appeal_id) & ClockRecord.stopped_at.is_null()).count() == 0


class _MarkedWhileSending:
    """A reply sender (the edge of the world) during whose send a curator marks the appeal; then it fails
    for now or accepts, as a platform might."""

    def __init__(self, runtime, appeal_id: int, *, accepts: bool):
        self.runtime, self.appeal_id, self.accepts = runtime, appeal_id, accepts

    def send(self, reply):
        from engine.alerts.message import DeliveryError
        from engine.replies.message import Receipt

        monitor_marks.mark_not_an_appeal(self.runtime, self.appeal_id, actor="curator")
        if not self.accepts:
            raise DeliveryError("нет ответа")
        return Receipt(platform_id="m-1", detail="ok")


def _queued_by_email(appeal_id: int, runtime) -> int:
    from engine.store import author_messages
    from engine.store.db import write_transaction

    with write_transaction():
        author_messages.add_outgoing(appeal_id=appeal_id, kind="notice", route="email",
                                     address={"email": "a@example.ru"}, text="Текст", idempotency_key="race",
                                     now=runtime.now())
    return author_messages.by_key("race").id


@pytest.mark.parametrize("accepts", [False, True])
def test_a_reply_being_sent_when_the_mark_withdraws_it_is_neither_revived_nor_sent_again(runtime, clock, accepts):
    """The worker had claimed the reply before the mark withdrew it: a failed attempt must not put it back
    in the queue, and an accepted one is recorded as sent, so undoing the mark does not send it twice."""
    from engine.services.reply_delivery import deliver_replies

    appeal_id = monitored(runtime, 57)
    message_id = _queued_by_email(appeal_id, runtime)
    runtime.reply_senders["email"] = _MarkedWhileSending(runtime, appeal_id, accepts=accepts)

    deliver_replies(runtime)

    assert AuthorMessageRecord.get_by_id(message_id).status == ("sent" if accepts else "cancelled")
    monitor_marks.undo_mark(runtime, appeal_id, actor="curator", reason="это жалоба")
    restored = AuthorMessageRecord.get_by_id(message_id).status
    assert restored == ("sent" if accepts else "pending")
