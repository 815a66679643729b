"""Answers checked by the centre: an appeal on control gets its answer as a draft, which a curator, manager or
admin approves (then it is published and counts) or returns with remarks; an appeal not on control is
answered at once. Through the API, as staff call it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.store import appeals as store
from engine.store.models import AnswerRecord, ClockRecord
from tests.support.moments import at
from tests.support.staff import add_staff, bearer, log_in, routed

GOVERNOR = "Уважаемый Губернатор! На ул. Попова огромные ямы, провал асфальта"
PIT = "На ул. Попова огромные ямы, провал асфальта"


@pytest.fixture
def tokens(runtime):
    return add_staff(runtime)


def act(client, token, appeal_id, name, **payload):
    return client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload, headers=bearer(token))


def view(client, tokens, appeal_id) -> dict:
    answer = client.get(f"/api/v1/appeals/{appeal_id}", headers=bearer(tokens["centre-curator"]))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def answer_clock(appeal_id) -> ClockRecord:
    return ClockRecord.get((ClockRecord.appeal == appeal_id) & (ClockRecord.kind == "answer"))


def test_a_59_fz_appeal_to_the_governor_is_put_on_control_by_the_rules_and_the_trace_says_so(runtime, client,
                                                                                              tokens):
    on_control = routed(runtime, GOVERNOR, external_id="gov-1")
    plain = routed(runtime, PIT, external_id="pit-1")

    detail = view(client, tokens, on_control)
    assert detail["on_control"] is True and view(client, tokens, plain)["on_control"] is False
    assert "control-governor-fz59" in detail["decision"]["rule_ids"]
    assert "на контроле ЦУР" in detail["decision"]["explanation_text"]
    routed_event = next(e for e in detail["timeline"] if e["kind"] == "appeal.routed")
    assert routed_event["details"]["on_control"] is True


@pytest.mark.both_databases
def test_answer_on_control_waits_returned_with_remarks_answered_again_and_approved_counts_once(runtime, client,
                                                                                             tokens, clock):
    official, curator = tokens["roads-official"], tokens["centre-curator"]
    appeal_id = routed(runtime, GOVERNOR, external_id="gov-2")
    assert act(client, official, appeal_id, "take").status_code == 200

    clock.set(clock() + timedelta(hours=1))
    drafted = act(client, official, appeal_id, "answer", kind="final", text="Яма будет заделана.")

    assert drafted.status_code == 200, drafted.get_json()
    assert drafted.get_json()["status"] == "answer_review" and drafted.get_json()["review"] is True
    assert answer_clock(appeal_id).stopped_at is None  # the answer clock keeps running while the draft waits
    assert act(client, official, appeal_id, "approve_answer").status_code == 403  # not the official's to approve
    assert act(client, curator, appeal_id, "return_answer").status_code == 422  # remarks are required

    clock.set(clock() + timedelta(hours=1))
    returned = act(client, curator, appeal_id, "return_answer", remarks="Укажите срок ремонта и подрядчика.")

    assert returned.status_code == 200, returned.get_json()
    assert returned.get_json()["status"] == "in_progress"
    detail = view(client, tokens, appeal_id)
    assert [(a["status"], a["remarks"]) for a in detail["answers"]] == [
        ("returned", "Укажите срок ремонта и подрядчика.")]
    assert answer_clock(appeal_id).stopped_at is None

    clock.set(clock() + timedelta(hours=1))
    again = act(client, official, appeal_id, "answer", kind="final", text="Яма будет заделана до 10 декабря.")
    assert again.get_json()["status"] == "answer_review"
    clock.set(clock() + timedelta(hours=2))
    approved = act(client, curator, appeal_id, "approve_answer",
                   text="Яма будет заделана подрядчиком ООО «Дорстрой» до 10 декабря.")

    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert (body["status"], body["edited"], body["written_by"]) == ("answered", True, "user:roads-official")
    assert answer_clock(appeal_id).stopped_at == clock()  # the clock stops at publication, not at the draft
    answers = AnswerRecord.select().where(AnswerRecord.appeal == appeal_id).order_by(AnswerRecord.id)
    assert [(a.status, a.published_text) for a in answers] == [
        ("returned", None), ("published", "Яма будет заделана подрядчиком ООО «Дорстрой» до 10 декабря.")]
    assert act(client, curator, appeal_id, "approve_answer").status_code == 409  # nothing waits any more
    kinds = [e["kind"] for e in view(client, tokens, appeal_id)["timeline"]]
    assert kinds.count("appeal.answer") == 2 and kinds.count("appeal.return_answer") == 1
    assert kinds.count("appeal.approve_answer") == 1


def test_an_appeal_not_on_control_is_answered_at_once(runtime, client, tokens):
    official = tokens["roads-official"]
    appeal_id = routed(runtime, PIT, external_id="pit-2")
    act(client, official, appeal_id, "take")

    answered = act(client, official, appeal_id, "answer", kind="final", text="Яма заделана.")

    assert answered.get_json()["status"] == "answered" and "review" not in answered.get_json()
    assert answer_clock(appeal_id).stopped_at == runtime.now()
    assert [(a.status, a.published_text) for a in AnswerRecord.select()] == [("published", "Яма заделана.")]
    assert act(client, tokens["centre-curator"], appeal_id, "approve_answer").status_code == 409


def test_staff_put_an_appeal_on_control_by_hand_and_take_it_off_audited(runtime, client, tokens):
    official, manager = tokens["roads-official"], tokens["centre-manager"]
    appeal_id = routed(runtime, PIT, external_id="pit-3")

    assert act(client, official, appeal_id, "put_on_control").status_code == 403
    put = act(client, manager, appeal_id, "put_on_control", reason="Жалоба на контроле у министра")
    assert put.status_code == 200 and store.get_appeal(appeal_id).on_control is True
    assert act(client, manager, appeal_id, "put_on_control").status_code == 409
    names = [a["name"] for a in client.get(f"/api/v1/appeals/{appeal_id}/actions",
                                           headers=bearer(manager)).get_json()["actions"]]
    assert "release_control" in names and "put_on_control" not in names

    act(client, official, appeal_id, "take")
    assert act(client, official, appeal_id, "answer", text="Ответ").get_json()["status"] == "answer_review"
    refused = act(client, manager, appeal_id, "release_control")
    assert refused.status_code == 409  # not while an answer waits for review
    act(client, tokens["administrator"], appeal_id, "return_answer", remarks="Нет срока")
    released = act(client, manager, appeal_id, "release_control", reason="Вопрос снят")

    assert released.status_code == 200 and store.get_appeal(appeal_id).on_control is False
    assert act(client, official, appeal_id, "answer", text="Ответ со сроком").get_json()["status"] == "answered"
    events = [(e["kind"], e["actor"]) for e in view(client, tokens, appeal_id)["timeline"]
              if "control" in e["kind"]]
    assert events == [("appeal.put_on_control", "user:centre-manager"),
                      ("appeal.release_control", "user:centre-manager")]


def test_an_interim_answer_under_review_starts_the_final_answer_term_only_when_approved(runtime, client, tokens,
                                                                                        clock):
    from tests.support.appeals import HOUSING_OFFICIAL, answer, clock_row, taken_incident

    appeal_id = taken_incident(runtime, clock)  # a VK incident: on control by rules/routing/control.yaml
    clock.set(at("Mon 2026-11-30 14:00 +0700"))
    answer(runtime, appeal_id, "interim", approve=False)

    assert store.get_appeal(appeal_id).status == "answer_review"
    assert clock_row(appeal_id, "first_response").stopped_at is None
    assert clock_row(appeal_id, "final_answer") is None

    clock.set(at("Tue 2026-12-01 09:00 +0700"))
    approved = act(client, tokens["centre-curator"], appeal_id, "approve_answer")

    assert approved.get_json()["status"] == "in_progress"
    assert clock_row(appeal_id, "first_response").stopped_at == clock()
    final = clock_row(appeal_id, "final_answer")
    assert final.started_at == clock()
    # seven working days after Tue 1 Dec (2-4 and 7-10 Dec): Thursday 10 December at the end of the working
    # day, one day later than had the interim answer counted when it was written (Wed 9 Dec)
    assert final.due_at == at("Thu 2026-12-10 17:00 +0700")
    assert HOUSING_OFFICIAL.user in approved.get_json()["written_by"]


def test_rejecting_an_appeal_whose_answer_waits_withdraws_the_draft(runtime, client, tokens):
    official = tokens["roads-official"]
    appeal_id = routed(runtime, GOVERNOR, external_id="gov-3")
    act(client, official, appeal_id, "take")
    act(client, official, appeal_id, "answer", text="Ответ")

    rejected = act(client, official, appeal_id, "reject", reason="obscene")

    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["answer_withdrawn"] == AnswerRecord.get().id
    assert AnswerRecord.get().status == "withdrawn"


def test_the_review_queue_page_lists_waiting_drafts_and_the_appeal_page_shows_the_remarks(runtime, client, tokens):
    official, curator = tokens["roads-official"], tokens["centre-curator"]
    waiting = routed(runtime, GOVERNOR, external_id="gov-4")
    returned = routed(runtime, GOVERNOR + ", дом 7", external_id="gov-5")
    for appeal_id in (waiting, returned):
        act(client, official, appeal_id, "take")
        act(client, official, appeal_id, "answer", text=f"Ответ на обращение {appeal_id}")
    act(client, curator, returned, "return_answer", remarks="Ответ без срока <b>не принимается</b>")

    log_in(client, "centre-curator")
    queue = client.get("/review").get_data(as_text=True)
    page = client.get(f"/appeals/{returned}").get_data(as_text=True)

    assert f'data-appeal="{waiting}"' in queue and f'data-appeal="{returned}"' not in queue
    assert f"Ответ на обращение {waiting}" in queue
    assert "Ответ без срока &lt;b&gt;не принимается&lt;/b&gt;" in page  # escaped
    assert "на контроле ЦУР" in page and "возвращён на доработку" in page
    assert client.get("/").headers["Location"].endswith("/review")
    assert client.get(f"/appeals/{waiting}").status_code == 200
    form = client.get(f"/appeals/{waiting}").get_data(as_text=True)
    assert 'data-action="approve_answer"' in form and 'data-action="return_answer"' in form


def test_the_curator_hears_of_a_waiting_answer_and_the_executor_of_a_returned_one(runtime, client, tokens):
    from engine.store.models import AlertRecord

    official, curator = tokens["roads-official"], tokens["centre-curator"]
    appeal_id = routed(runtime, GOVERNOR, external_id="gov-6")
    act(client, official, appeal_id, "take")
    act(client, official, appeal_id, "answer", text="Яма будет заделана.")

    [waiting] = AlertRecord.select().where(AlertRecord.level == "answer-review")
    assert (waiting.recipient, waiting.role, waiting.appeal_id) == ("sokolova-ev", "curator", appeal_id)
    assert waiting.subject == f"[ЦУР] Ответ ждёт проверки: обращение №{appeal_id}"
    assert "Яма будет заделана." in waiting.body and f"http://appeals.test/appeals/{appeal_id}" in waiting.body

    act(client, curator, appeal_id, "return_answer", remarks="Укажите срок.")

    [returned] = AlertRecord.select().where(AlertRecord.level == "answer-returned")
    executor = runtime.policy_set.directory.resolve("executor", body="barnaul-roads-committee")
    assert (returned.recipient, returned.role) == (executor.id, "executor")
    assert "Замечания ЦУР:\nУкажите срок." in returned.body
    act(client, official, appeal_id, "answer", text="Яма будет заделана до 10 декабря.")
    assert AlertRecord.select().where(AlertRecord.level == "answer-review").count() == 2  # one per draft
