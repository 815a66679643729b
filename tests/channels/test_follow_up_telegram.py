"""A resident's message in the Telegram chat or VK dialog of their appeal attaches to it.

An explicit reply (to our reply or to the resident's original message) continues that appeal; in a private
chat a plain message continues the latest appeal from that chat that is open or was answered within the
window, unless it names another topic; in a group chat only explicit replies count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.services import credentials
from engine.services.actions import perform
from engine.store import appeals as appeal_store
from engine.store import author_messages
from engine.store.models import AppealRecord
from tests.support.conversation import MANAGER, OFFICIAL, answered, sent_reply, vk_channel
from tests.support.moments import at
from tests.support.telegram_updates import SECRET, message
from tests.support.telegram_updates import post as post_telegram
from tests.support.vk_callback import GROUP
from tests.support.vk_callback import event as vk_event
from tests.support.vk_callback import post as post_vk

OLGA = 777_001
BOT = {"id": 8_000_000_001, "is_bot": True, "first_name": "ЦУР Алтайского края", "username": "cur22_bot"}
OUR_REPLY = 502  # the message_id Telegram gave our answer in Olga's chat


@pytest.fixture
def channel(runtime):
    credentials.add_channel(runtime.now(), "cur-bot", "telegram", SECRET)
    return "cur-bot"


@pytest.fixture
def answered_water(runtime, clock, client, channel):
    """Olga's message 501 about hot water (Mon 30 Nov 10:00), answered on Tue 1 Dec 12:00 by our message 502."""
    assert post_telegram(client, {"update_id": 1, "message": message()}).status_code == 200
    appeal = AppealRecord.get()
    clock.set(at("Tue 2026-12-01 12:00 +0700"))
    answered(runtime, appeal.id, "Подача горячей воды восстановлена.")
    sent_reply(runtime, appeal.id, route="telegram", platform_id=str(OUR_REPLY),
               address={"chat_id": OLGA, "message_id": 501})
    return appeal.id


def ours(message_id=OUR_REPLY, chat=None) -> dict:
    return {"message_id": message_id, "from": BOT, "chat": chat or {"id": OLGA, "type": "private"},
            "date": 1_764_580_000, "text": "Подача горячей воды восстановлена."}


def update(number: int, text: str, **extra) -> dict:
    return {"update_id": number, "message": message(text, message_id=500 + number, **extra)}


def kinds(appeal_id):
    return [(m.direction, m.kind) for m in author_messages.of_appeal(appeal_id)]


@pytest.mark.both_databases
def test_a_reply_to_our_answer_reopens_the_appeal(runtime, clock, client, answered_water):
    clock.set(at("Thu 2026-12-03 19:00 +0700"))

    answer = post_telegram(client, update(9, "Воды так и нет!", reply_to_message=ours()))

    assert answer.status_code == 200 and answer.get_json() == {"ok": True}
    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(answered_water).status == "in_progress"
    assert kinds(answered_water) == [("out", "acknowledgement"), ("out", "final_answer"), ("in", "follow_up")]
    follow_up = author_messages.of_appeal(answered_water)[2]
    assert (follow_up.route, follow_up.platform_id) == ("telegram", "509")
    assert follow_up.address == {"chat_id": OLGA, "message_id": 509, "reply_to_message_id": OUR_REPLY}
    reopened = next(e for e in appeal_store.audit_trail(answered_water) if e.action == "appeal.reopen")
    assert (reopened.actor, reopened.details["reason"]) == ("channel:cur-bot", "автор не удовлетворён ответом")


def test_a_reply_to_the_residents_own_message_reopens_a_closed_appeal(runtime, clock, client, answered_water):
    perform(runtime, answered_water, "close", {}, MANAGER)
    clock.set(at("Mon 2026-12-07 09:00 +0700"))

    post_telegram(client, update(9, "Опять нет воды", reply_to_message=message(message_id=501)))

    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(answered_water).status == "in_progress"


def test_a_plain_message_in_the_private_chat_continues_the_answered_appeal(runtime, clock, client, answered_water):
    clock.set(at("Wed 2026-12-02 08:00 +0700"))

    post_telegram(client, update(9, "Ничего не сделали"))

    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(answered_water).status == "in_progress"
    assert kinds(answered_water)[-1] == ("in", "follow_up")


def test_a_plain_message_on_another_topic_is_a_new_appeal(runtime, clock, client, answered_water):
    clock.set(at("Wed 2026-12-02 08:00 +0700"))

    post_telegram(client, update(9, "Во дворе не вывозят мусор, контейнеры переполнены"))

    assert AppealRecord.select().count() == 2
    assert AppealRecord.get_by_id(answered_water).status == "answered"
    assert AppealRecord.get(AppealRecord.external_id == f"{OLGA}_509").topic == "waste"


@pytest.mark.both_databases
def test_a_plain_message_on_the_same_topic_continues_the_appeal_on_it(runtime, clock, client, answered_water):
    post_telegram(client, update(5, "Во дворе не вывозят мусор, контейнеры переполнены"))  # a newer open appeal
    clock.set(at("Wed 2026-12-02 08:00 +0700"))

    post_telegram(client, update(9, "Горячей воды до сих пор нет"))

    assert AppealRecord.select().count() == 2
    assert AppealRecord.get_by_id(answered_water).status == "in_progress"
    assert kinds(answered_water)[-1] == ("in", "follow_up")


def test_a_plain_message_beyond_the_window_is_a_new_appeal(runtime, clock, client, answered_water):
    clock.set(at("Tue 2026-12-01 12:00 +0700") + timedelta(days=31))

    post_telegram(client, update(9, "Ничего не сделали, воды нет"))

    assert AppealRecord.select().count() == 2
    assert AppealRecord.get_by_id(answered_water).status == "answered"


def test_a_plain_message_while_the_author_is_asked_to_clarify_is_their_message(runtime, clock, client, channel):
    post_telegram(client, {"update_id": 1, "message": message()})
    appeal = AppealRecord.get()
    perform(runtime, appeal.id, "take", {}, OFFICIAL)
    perform(runtime, appeal.id, "request_clarification", {"text": "Уточните номер подъезда"}, OFFICIAL)

    post_telegram(client, update(9, "Подъезд 3, квартира 41"))

    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(appeal.id).status == "awaiting_author"  # the official resumes when satisfied
    assert kinds(appeal.id) == [("out", "acknowledgement"), ("out", "clarification"), ("in", "author_message")]
    assert author_messages.of_appeal(appeal.id)[-1].text == "Подъезд 3, квартира 41"


def test_in_a_group_chat_only_an_explicit_reply_continues_an_appeal(runtime, clock, client, channel):
    group = {"id": -100_500_600, "type": "supergroup", "title": "Рубцовск: ЖКХ"}
    post_telegram(client, {"update_id": 1, "message": message(chat=group)})
    appeal = AppealRecord.get()
    answered(runtime, appeal.id, "Подача горячей воды восстановлена.")
    sent_reply(runtime, appeal.id, route="telegram", platform_id="77", address={"chat_id": group["id"],
                                                                               "message_id": 501})
    clock.set(at("Wed 2026-12-02 08:00 +0700"))

    post_telegram(client, update(2, "Ничего не сделали", chat=group))
    assert AppealRecord.select().count() == 2  # a plain message in a group is not a follow-up

    post_telegram(client, update(3, "Ничего не сделали!", chat=group, reply_to_message=ours(77, chat=group)))
    assert AppealRecord.select().count() == 2
    assert AppealRecord.get_by_id(appeal.id).status == "in_progress"


def test_our_reply_with_the_same_number_in_another_chat_is_not_the_one_answered(runtime, clock, client,
                                                                               answered_water):
    other = {"id": 777_002, "is_bot": False, "first_name": "Ольга"}  # same name, another person and chat
    clock.set(at("Wed 2026-12-02 08:00 +0700"))

    post_telegram(client, update(9, "Воды нет", chat={**other, "type": "private"}, **{"from": other},
                                 reply_to_message=ours(chat={"id": 777_002, "type": "private"})))

    assert AppealRecord.select().count() == 2
    assert AppealRecord.get_by_id(answered_water).status == "answered"


# VK private messages follow the same rule as Telegram chats

RESIDENT = 52_001_777


@pytest.fixture
def vk(runtime):
    return vk_channel(runtime)


def vk_message(text: str, number: int, *, peer=RESIDENT, from_id=RESIDENT, **extra) -> dict:
    """`message_new` of API 5.199: the message wrapped with the client's abilities."""
    return {"message": {"id": 1000 + number, "date": 1_764_471_000 + number, "peer_id": peer, "from_id": from_id,
                        "conversation_message_id": number, "text": text, "attachments": [], "fwd_messages": [],
                        "important": False, "is_hidden": False, "out": 0, **extra},
            "client_info": {"button_actions": ["text"], "keyboard": True, "inline_keyboard": True, "lang_id": 0}}


@pytest.fixture
def answered_vk_message(runtime, clock, client, vk):
    post_vk(client, vk_event("message_new", vk_message("Нет горячей воды, Рубцовск, ул. Ленина 10", 31)))
    appeal = AppealRecord.get()
    clock.set(at("Tue 2026-12-01 12:00 +0700"))
    answered(runtime, appeal.id, "Подача горячей воды восстановлена.")
    sent_reply(runtime, appeal.id, route="vk_message", platform_id="1045", address={"peer_id": RESIDENT})
    return appeal.id


def our_vk_message(**extra) -> dict:
    return {"id": 1045, "date": 1_764_580_000, "peer_id": RESIDENT, "from_id": -GROUP, "conversation_message_id": 32,
            "text": "Подача горячей воды восстановлена.", "attachments": [], **extra}


@pytest.mark.both_databases
def test_a_vk_reply_to_our_message_reopens_the_appeal(runtime, clock, client, answered_vk_message):
    clock.set(at("Thu 2026-12-03 19:00 +0700"))

    answer = post_vk(client, vk_event("message_new", vk_message("Воды нет!", 33, reply_message=our_vk_message()),
                                      event_id="ev-2"))

    assert answer.get_data(as_text=True) == "ok"
    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(answered_vk_message).status == "in_progress"
    follow_up = author_messages.of_appeal(answered_vk_message)[-1]
    assert (follow_up.kind, follow_up.route, follow_up.platform_id) == ("follow_up", "vk_message", "1033")


def test_a_vk_message_forwarding_the_residents_original_continues_it(runtime, clock, client, answered_vk_message):
    original = {"date": 1_764_471_031, "from_id": RESIDENT, "text": "Нет горячей воды, Рубцовск, ул. Ленина 10",
                "attachments": [], "conversation_message_id": 31, "peer_id": RESIDENT, "id": 1031}
    clock.set(at("Thu 2026-12-03 19:00 +0700"))

    post_vk(client, vk_event("message_new", vk_message("Вот моё обращение, воды нет", 33, fwd_messages=[original]),
                             event_id="ev-2"))

    assert AppealRecord.select().count() == 1
    assert AppealRecord.get_by_id(answered_vk_message).status == "in_progress"


def test_a_plain_vk_message_in_the_dialog_continues_the_answered_appeal(runtime, clock, client, answered_vk_message):
    clock.set(at("Wed 2026-12-02 08:00 +0700"))

    post_vk(client, vk_event("message_new", vk_message("Ничего не сделали", 33), event_id="ev-2"))

    assert AppealRecord.select().count() == 1
    assert kinds(answered_vk_message)[-1] == ("in", "follow_up")


def test_a_plain_vk_message_in_a_group_chat_is_a_new_appeal(runtime, clock, client, vk):
    chat = 2_000_000_004
    post_vk(client, vk_event("message_new", vk_message("Нет горячей воды, Рубцовск, ул. Ленина 10", 5, peer=chat)))
    appeal = AppealRecord.get()
    answered(runtime, appeal.id)
    clock.set(at("Wed 2026-12-02 08:00 +0700"))

    post_vk(client, vk_event("message_new", vk_message("Ничего не сделали", 6, peer=chat), event_id="ev-2"))

    assert AppealRecord.select().count() == 2
    assert AppealRecord.get_by_id(appeal.id).status == "answered"
