"""Officials' and managers' actions on an appeal, through the API, against the state machine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.store import appeals as store
from engine.store.models import ClockRecord
from tests.support.staff import add_staff, bearer, routed


@pytest.fixture
def tokens(runtime):
    return add_staff(runtime)


@pytest.fixture
def pit(runtime):
    appeal_id = routed(runtime)
    assert store.get_appeal(appeal_id).body == "barnaul-roads-committee"
    return appeal_id


def act(client, token, appeal_id, name, **payload):
    return client.post(f"/api/v1/appeals/{appeal_id}/actions/{name}", json=payload, headers=bearer(token))


@pytest.mark.both_databases
def test_an_official_takes_and_answers_an_appeal_and_every_step_is_in_the_timeline(client, tokens, pit):
    official = tokens["roads-official"]

    taken = act(client, official, pit, "take")
    answered = act(client, official, pit, "answer", kind="final", text="Яма заделана 1 декабря.")

    assert taken.status_code == 200, taken.get_json()
    assert taken.get_json()["status"] == "in_progress"
    assert answered.get_json()["status"] == "answered"
    detail = client.get(f"/api/v1/appeals/{pit}", headers=bearer(official)).get_json()
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds[0] == "appeal.received"
    assert {"appeal.routed", "appeal.take", "appeal.answer", "clock.stopped"} <= set(kinds)
    routed_event = next(e for e in detail["timeline"] if e["kind"] == "appeal.routed")
    assert "roads-pit-barnaul" in routed_event["details"]["explanation"]
    assert all(c["state"] == "stopped" for c in detail["clocks"])
    assert detail["allowed_actions"] == ["close"]


def test_answering_an_appeal_nobody_took_is_409_with_the_reason(client, tokens, pit):
    answer = act(client, tokens["roads-official"], pit, "answer", text="Ответ")

    assert answer.status_code == 409
    assert "в состоянии «направлено, не взято в работу»" in answer.get_json()["error"]["message"]


def test_an_unknown_field_or_a_missing_answer_text_is_422(client, tokens, pit):
    official = tokens["roads-official"]
    act(client, official, pit, "take")

    assert act(client, official, pit, "answer", kind="final").status_code == 422
    assert act(client, official, pit, "take", colour="red").status_code == 422


def test_a_clarification_pauses_the_answer_clock_and_resuming_moves_its_due_time(client, tokens, pit, clock):
    official = tokens["roads-official"]
    act(client, official, pit, "take")
    due_before = ClockRecord.get((ClockRecord.appeal == pit) & (ClockRecord.kind == "answer")).due_at

    paused = act(client, official, pit, "request_clarification", text="Уточните номер дома")
    clock.set(clock() + timedelta(days=3))
    resumed = act(client, official, pit, "resume")

    assert paused.get_json()["status"] == "awaiting_author"
    assert paused.get_json()["clocks_paused"] == ["answer"]
    assert resumed.get_json()["status"] == "in_progress"
    answer = ClockRecord.get((ClockRecord.appeal == pit) & (ClockRecord.kind == "answer"))
    # three calendar days later, and past the New Year holidays onto the next working day
    assert answer.due_at >= due_before + timedelta(days=3)
    assert answer.paused_total_seconds == 3 * 86400
    assert answer.paused_since is None


def test_a_59_fz_deadline_is_extended_once_by_at_most_30_days_with_a_reason_by_a_manager(client, tokens, pit):
    head = tokens["roads-manager"]
    due_before = ClockRecord.get((ClockRecord.appeal == pit) & (ClockRecord.kind == "answer")).due_at

    by_official = act(client, tokens["roads-official"], pit, "extend", days=30, reason="Нужна экспертиза")
    too_long = act(client, head, pit, "extend", days=31, reason="Нужна экспертиза")
    no_reason = act(client, head, pit, "extend", days=30)
    first = act(client, head, pit, "extend", days=30, reason="Нужна экспертиза")
    second = act(client, head, pit, "extend", days=5, reason="Ещё раз")

    assert by_official.status_code == 403
    assert too_long.status_code == 422
    assert no_reason.status_code == 422
    assert first.status_code == 200, first.get_json()
    assert "продлён" in first.get_json()["author_notice"]
    answer = ClockRecord.get((ClockRecord.appeal == pit) & (ClockRecord.kind == "answer"))
    assert answer.due_at - due_before >= timedelta(days=29)
    assert answer.deadline_version == 2
    assert second.status_code == 409
    assert second.get_json()["error"]["message"] == ("продление невозможно: срок ответа уже продлён на 30 дн.; "
                                                   "срок продлевается только один раз")


def test_forwarding_after_the_7_day_term_needs_a_reason_for_the_delay(client, tokens, runtime, clock):
    appeal_id = routed(runtime, external_id="triage-1", text="Прошу разобраться", category=None,
                       municipality=None)
    manager = tokens["centre-manager"]
    clock.set(clock() + timedelta(days=9))

    late = act(client, manager, appeal_id, "forward", body="min-health", reason="Вопрос здравоохранения")
    done = act(client, manager, appeal_id, "forward", body="min-health", reason="Вопрос здравоохранения",
               late_reason="Обращение долго не читалось")

    assert late.status_code == 409, late.get_json()
    assert "семидневный срок переадресации" in late.get_json()["error"]["message"]
    assert done.status_code == 200, done.get_json()
    assert store.get_appeal(appeal_id).body == "min-health"
    assert store.current_assignment(appeal_id).body == "min-health"


def test_a_rejection_needs_an_article_11_reason_and_stops_the_clocks(client, tokens, pit):
    official = tokens["roads-official"]

    wrong = act(client, official, pit, "reject", reason="не нравится")
    right = act(client, official, pit, "reject", reason="obscene", comment="угрозы")

    assert wrong.status_code == 422
    assert right.get_json()["status"] == "rejected"
    assert not ClockRecord.select().where((ClockRecord.appeal == pit) & ClockRecord.stopped_at.is_null()).count()


def test_only_a_manager_reopens_a_closed_appeal(client, tokens, pit):
    official = tokens["roads-official"]
    act(client, official, pit, "take")
    act(client, official, pit, "answer", text="Отремонтировано")
    assert act(client, official, pit, "close").get_json()["status"] == "closed"

    assert act(client, official, pit, "reopen", reason="Автор пишет, что яма осталась").status_code == 403
    reopened = act(client, tokens["roads-manager"], pit, "reopen", reason="Автор пишет, что яма осталась")
    assert reopened.get_json()["status"] == "in_progress"


def test_an_official_of_another_body_does_not_see_the_appeal(client, tokens, pit):
    stranger = tokens["health-official"]

    assert client.get(f"/api/v1/appeals/{pit}", headers=bearer(stranger)).status_code == 404
    assert act(client, stranger, pit, "take").status_code == 404
    listed = client.get("/api/v1/appeals", headers=bearer(stranger)).get_json()
    assert listed["items"] == []


def test_a_manager_of_the_roads_sector_sees_roads_appeals_and_a_reroute_records_a_new_decision(
        client, tokens, pit):
    manager = tokens["roads-manager"]

    listed = client.get("/api/v1/appeals", headers=bearer(manager)).get_json()
    rerouted = act(client, manager, pit, "reroute", reason="Проверка после смены правил")

    assert [a["id"] for a in listed["items"]] == [pit]
    assert rerouted.status_code == 200, rerouted.get_json()
    assert rerouted.get_json()["status"] == "routed"
    events = client.get(f"/api/v1/appeals/{pit}/timeline", headers=bearer(manager)).get_json()["items"]
    assert [e["kind"] for e in events if e["details"].get("explanation")] == ["appeal.routed", "appeal.reroute"]


def test_every_action_is_audited_with_who_and_from_where(client, tokens, pit):
    act(client, tokens["roads-official"], pit, "take")

    entry = next(a for a in store.audit_trail(pit) if a.action == "appeal.take")
    assert entry.actor == "user:roads-official"
    assert entry.details["origin"] == "127.0.0.1"
    assert entry.at is not None


@pytest.mark.both_databases
def test_overdue_and_at_risk_filters_find_appeals_by_their_running_clocks(client, tokens, pit, clock):
    manager = tokens["centre-manager"]

    def ids(query):
        answer = client.get(f"/api/v1/appeals?{query}", headers=bearer(manager))
        assert answer.status_code == 200, answer.get_json()
        return [a["id"] for a in answer.get_json()["items"]]

    assert ids("overdue=true") == []
    clock.set(clock() + timedelta(days=29, hours=20))
    assert ids("at_risk=true") == [pit]
    clock.set(clock() + timedelta(days=3))
    assert ids("overdue=true") == [pit]
    assert ids("received_from=2030-01-01") == []
    assert client.get("/api/v1/appeals?overdue=maybe", headers=bearer(manager)).status_code == 400
