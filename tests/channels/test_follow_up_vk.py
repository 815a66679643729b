"""A resident's reply in the VK thread of their appeal attaches to it: within the window after the answer it
reopens the appeal («автор не удовлетворён ответом»), on an open appeal it is a message from the author; it
never becomes a new appeal in triage. Beyond the window, or from someone else, it is a new appeal as before."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

import pytest

from engine.replies.message import OutgoingReply
from engine.replies.pacing import Pacer
from engine.replies.vk import VkReplySender
from engine.services.actions import perform
from engine.store import appeals as appeal_store
from engine.store import author_messages
from engine.store.models import AlertRecord, AppealRecord, ClockRecord, EscalationRecord
from tests.support.conversation import (
    MANAGER,
    NEIGHBOUR,
    OFFICIAL,
    OUR_REPLY,
    RESIDENT,
    answer_pit,
    answered,
    reply,
    sent_reply,
    vk_channel,
)
from tests.support.moments import at
from tests.support.vk_api import FakeVkApi
from tests.support.vk_callback import GROUP, comment, event, post


@pytest.fixture
def channel(runtime):
    return vk_channel(runtime)


@pytest.fixture
def answered_pit(runtime, clock, client, channel):
    return answer_pit(runtime, clock, client)


ACKNOWLEDGEMENT = ("out", "acknowledgement", "pending", "vk_comment", None)  # queued by routing


def conversation(appeal_id):
    return [(m.direction, m.kind, m.status, m.route, m.platform_id) for m in author_messages.of_appeal(appeal_id)]


@pytest.mark.both_databases
def test_a_reply_under_our_answer_reopens_the_original_appeal(runtime, clock, client, answered_pit):
    clock.set(at("Fri 2026-12-04 10:00 +0700"))

    answer = post(client, event("wall_reply_new", reply(), event_id="ev-follow-up"))

    assert answer.status_code == 200 and answer.get_data(as_text=True) == "ok"
    assert AppealRecord.select().count() == 1  # no new appeal in triage
    appeal = AppealRecord.get_by_id(answered_pit)
    assert appeal.status == "in_progress"
    # routing queued the acknowledgement (never delivered here), the answer queued the reply VK numbered 4060
    assert conversation(appeal.id) == [ACKNOWLEDGEMENT,
                                       ("out", "final_answer", "sent", "vk_comment", "4060"),
                                       ("in", "follow_up", "received", "vk_comment", "4071")]
    follow_up = author_messages.of_appeal(appeal.id)[2]
    assert follow_up.text == "Ничего не сделали, яма на месте" and follow_up.actor == "channel:gov-vk"
    assert follow_up.address == {"owner_id": -GROUP, "post_id": 812, "comment_id": 4071, "reply_to_comment": 4060}
    audit = {e.action: e for e in appeal_store.audit_trail(appeal.id)}
    assert audit["appeal.follow_up"].actor == "channel:gov-vk"
    reopened = audit["appeal.reopen"]
    assert (reopened.actor, reopened.details["reason"]) == ("channel:gov-vk", "автор не удовлетворён ответом")
    assert (reopened.details["status_before"], reopened.details["status"]) == ("answered", "in_progress")
    assert audit["clock.restarted"].actor == "channel:gov-vk"
    final = ClockRecord.get((ClockRecord.appeal == appeal.id) & (ClockRecord.kind == "final_answer"))
    assert final.stopped_at is None and final.started_at == clock() and final.deadline_version == 2
    # 7 working days from Fri 4 Dec: 7, 8, 9, 10, 11, 14, 15 December
    assert final.due_at == at("Tue 2026-12-15 17:00 +0700")
    ladder = EscalationRecord.get(EscalationRecord.clock == final.id)
    assert ladder.next_level == 0 and ladder.next_check_at > clock()  # the ladder runs again


def test_the_executor_is_told_of_the_follow_up(runtime, clock, client, answered_pit):
    clock.set(at("Fri 2026-12-04 10:00 +0700"))

    post(client, event("wall_reply_new", reply(), event_id="ev-follow-up"))

    [alert] = AlertRecord.select().where((AlertRecord.appeal == answered_pit) & (AlertRecord.level == "author-message")
                                         & (AlertRecord.channel == "email"))
    assert "автор не удовлетворён ответом" in alert.subject
    assert "Ничего не сделали, яма на месте" in alert.body and f"/appeals/{answered_pit}" in alert.body


def test_a_reply_to_the_residents_own_comment_reopens_a_closed_appeal(runtime, clock, client, answered_pit):
    perform(runtime, answered_pit, "close", {}, MANAGER)
    clock.set(at("Mon 2026-12-07 09:30 +0700"))

    post(client, event("wall_reply_new", reply("Яма снова открылась", to=4051, to_user=RESIDENT), event_id="ev-2"))

    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(answered_pit).status == "in_progress"
    assert conversation(answered_pit)[-1] == ("in", "follow_up", "received", "vk_comment", "4071")


def test_a_reply_lower_in_the_thread_is_found_by_the_threads_top_comment(runtime, clock, client, answered_pit):
    clock.set(at("Fri 2026-12-04 10:00 +0700"))

    # under a neighbour's comment 4065 in the same thread
    post(client, event("wall_reply_new", reply(to=4065, to_user=NEIGHBOUR), event_id="ev-3"))

    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(answered_pit).status == "in_progress"


def test_someone_elses_reply_under_our_answer_is_a_new_appeal(runtime, clock, client, answered_pit):
    clock.set(at("Fri 2026-12-04 10:00 +0700"))

    post(client, event("wall_reply_new", reply("И у нас во дворе яма", from_id=NEIGHBOUR), event_id="ev-4"))

    assert AppealRecord.select().count() == 2
    assert AppealRecord.get_by_id(answered_pit).status == "answered"
    assert conversation(answered_pit) == [ACKNOWLEDGEMENT, ("out", "final_answer", "sent", "vk_comment", "4060")]


def test_a_reply_beyond_the_window_is_a_new_appeal_and_the_original_stays_answered(runtime, clock, client,
                                                                                   answered_pit):
    clock.set(at("Tue 2026-12-01 12:00 +0700") + timedelta(days=30, minutes=1))

    post(client, event("wall_reply_new", reply(), event_id="ev-5"))

    assert AppealRecord.select().count() == 2
    assert AppealRecord.get_by_id(answered_pit).status == "answered"
    new = AppealRecord.get(AppealRecord.external_id == f"reply-{GROUP}_4071")
    assert new.status == "routed" and new.repeat_of == answered_pit  # a repeat of the author's appeal


def test_the_window_is_configurable(runtime, clock, client, answered_pit, monkeypatch):
    monkeypatch.setattr(runtime, "settings", dataclasses.replace(runtime.settings, follow_up_days=2))
    clock.set(at("Fri 2026-12-04 10:00 +0700"))  # 2 days and 22 hours after the answer

    post(client, event("wall_reply_new", reply(), event_id="ev-6"))

    assert AppealRecord.select().count() == 2 and AppealRecord.get_by_id(answered_pit).status == "answered"


def test_on_an_open_appeal_the_reply_is_a_message_from_the_author(runtime, clock, client, channel):
    post(client, event("wall_reply_new", comment()))
    appeal = AppealRecord.get()
    perform(runtime, appeal.id, "take", {}, OFFICIAL)
    sent_reply(runtime, appeal.id, route="vk_comment", platform_id=str(OUR_REPLY), kind="acknowledgement",
               address={"owner_id": -GROUP, "post_id": 812, "comment_id": 4051, "group_id": GROUP})
    clock.set(at("Mon 2026-11-30 15:00 +0700"))

    post(client, event("wall_reply_new", reply("Уточняю: яма напротив дома 105, глубина полметра"), event_id="ev-7"))

    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(appeal.id).status == "in_progress"
    assert conversation(appeal.id)[-1] == ("in", "author_message", "received", "vk_comment", "4071")
    actions = [e.action for e in appeal_store.audit_trail(appeal.id)]
    assert "appeal.author_message" in actions and "appeal.reopen" not in actions
    assert AlertRecord.select().where((AlertRecord.appeal == appeal.id)
                                      & (AlertRecord.level == "author-message")).count() >= 1


def test_a_rejected_appeal_keeps_its_status_and_the_reply_is_attached(runtime, clock, client, channel):
    post(client, event("wall_reply_new", comment()))
    appeal = AppealRecord.get()
    perform(runtime, appeal.id, "reject", {"reason": "obscene"}, OFFICIAL)
    clock.set(at("Tue 2026-12-01 10:00 +0700"))

    post(client, event("wall_reply_new", reply(to=4051, to_user=RESIDENT), event_id="ev-8"))

    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(appeal.id).status == "rejected"
    assert conversation(appeal.id) == [ACKNOWLEDGEMENT, ("out", "rejected", "pending", "vk_comment", None),
                                       ("in", "follow_up", "received", "vk_comment", "4071")]


def test_a_comment_on_the_residents_own_post_continues_the_post(runtime, clock, client, channel):
    suggested = {"id": 77, "owner_id": -GROUP, "from_id": RESIDENT, "date": 1_764_471_000, "post_type": "post",
                 "text": "На ул. Попова в Барнауле огромные ямы"}
    post(client, event("wall_post_new", suggested))
    appeal = AppealRecord.get()
    answered(runtime, appeal.id)
    clock.set(at("Wed 2026-12-02 10:00 +0700"))

    post(client, event("wall_reply_new", comment("Так и не заделали", id=90, post_id=77), event_id="ev-9"))

    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(appeal.id).status == "in_progress"


@pytest.mark.both_databases
def test_a_redelivered_follow_up_reopens_once(runtime, clock, client, answered_pit):
    clock.set(at("Fri 2026-12-04 10:00 +0700"))

    post(client, event("wall_reply_new", reply(), event_id="ev-10"))
    post(client, event("wall_reply_new", reply(), event_id="ev-10"))  # VK retried the event
    post(client, event("wall_reply_new", reply(), event_id="ev-11"))  # the same comment under another event id

    assert AppealRecord.select().count() == 1
    assert [m.kind for m in author_messages.of_appeal(answered_pit)] == ["acknowledgement", "final_answer",
                                                                         "follow_up"]
    assert [e.action for e in appeal_store.audit_trail(answered_pit)].count("appeal.reopen") == 1
    assert ClockRecord.get((ClockRecord.appeal == answered_pit) & (ClockRecord.kind == "final_answer")) \
        .deadline_version == 2


def test_a_malformed_thread_is_422_and_changes_nothing(runtime, clock, client, answered_pit):
    answer = post(client, event("wall_reply_new", {**reply(), "parents_stack": ["top"]}, event_id="ev-12"))

    assert answer.status_code == 422 and "parents_stack" in answer.get_json()["error"]["fields"]
    assert AppealRecord.get_by_id(answered_pit).status == "answered"
    assert [m.kind for m in author_messages.of_appeal(answered_pit)] == ["acknowledgement", "final_answer"]


def test_the_residents_message_is_not_logged(runtime, clock, client, answered_pit, caplog):
    for ours in ("engine", "webhooks"):
        caplog.set_level(logging.DEBUG, logger=ours)
    clock.set(at("Fri 2026-12-04 10:00 +0700"))

    post(client, event("wall_reply_new", reply("Перезвоните мне: +7 913 000-00-00, anna@example.ru"),
                       event_id="ev-13"))

    assert AppealRecord.get_by_id(answered_pit).status == "in_progress"
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("engine", "webhooks"))
    assert f"appeal {answered_pit}: follow_up from channel gov-vk" in logged
    assert "913" not in logged and "anna@" not in logged and "Перезвоните" not in logged


@pytest.mark.both_databases
def test_a_follow_up_with_a_nul_character_is_stored_without_it(runtime, clock, client, answered_pit):
    clock.set(at("Fri 2026-12-04 10:00 +0700"))

    answer = post(client, event("wall_reply_new", reply("Яма\u0000 на месте"), event_id="ev-14"))

    assert answer.get_data(as_text=True) == "ok"
    assert author_messages.of_appeal(answered_pit)[-1].text == "Яма на месте"


def test_a_reply_under_our_answer_as_the_vk_api_numbered_it_reopens_the_appeal(runtime, clock, client, channel):
    """Our answer goes out through the VK reply sender to a local VK API; the resident answers the comment
    VK created, by the id VK gave it (the delivery job keeps that id as the reply's platform id)."""
    post(client, event("wall_reply_new", comment()))
    appeal = AppealRecord.get()
    clock.set(at("Tue 2026-12-01 12:00 +0700"))
    answered(runtime, appeal.id)
    key = f"appeal:{appeal.id}:final_answer:v1"
    address = {"owner_id": -GROUP, "post_id": 812, "comment_id": 4051, "group_id": GROUP}
    author_messages.add_outgoing(appeal_id=appeal.id, kind="final_answer", route="vk_comment", address=address,
                                 text="Яма заделана 01.12.2026.", idempotency_key=key, now=clock())
    queued = author_messages.by_key(key)
    with FakeVkApi("vk1.a.community-token", group_id=GROUP) as vk:
        receipt = VkReplySender(vk.url, Pacer()).send(OutgoingReply(
            reply_id=queued.id, idempotency_key=key, appeal_id=appeal.id, kind="final_answer", route="vk_comment",
            channel="gov-vk", address=address, text=queued.text, token="vk1.a.community-token"))
    author_messages.mark_sent(queued.id, clock(), platform_id=receipt.platform_id)
    [created] = vk.comments
    assert created["params"]["reply_to_comment"] == "4051"
    clock.set(at("Thu 2026-12-03 18:00 +0700"))

    post(client, event("wall_reply_new", reply(to=int(receipt.platform_id)), event_id="ev-15"))

    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(appeal.id).status == "in_progress"
    follow_up = author_messages.of_appeal(appeal.id)[-1]
    assert (follow_up.kind, follow_up.details["found_by"]) == ("follow_up", "reply")
