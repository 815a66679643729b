"""Whom to answer and where: GET /api/v1/appeals/<id> and the appeal page show the author's contact, the link
to the original, and «Переписка с автором» with each message's kind, route, local time and delivery state."""

from __future__ import annotations

import pytest

from engine.domain.appeal import Author
from engine.services.actions import perform
from engine.store import author_messages
from engine.store.models import AppealRecord
from tests.support.conversation import OFFICIAL, answer_pit, reply, sent_reply, vk_channel
from tests.support.moments import at
from tests.support.staff import add_staff, bearer, log_in, routed
from tests.support.vk_callback import GROUP, comment, event, post


@pytest.fixture
def tokens(runtime):
    return add_staff(runtime)


@pytest.fixture
def channel(runtime):
    return vk_channel(runtime)


@pytest.fixture
def answered_pit(runtime, clock, client, channel):
    return answer_pit(runtime, clock, client)


def detail(client, tokens, appeal_id) -> dict:
    answer = client.get(f"/api/v1/appeals/{appeal_id}", headers=bearer(tokens["centre-manager"]))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_the_api_shows_the_vk_author_the_original_and_the_conversation_in_order(runtime, clock, client, tokens,
                                                                               answered_pit):
    clock.set(at("Fri 2026-12-04 10:00 +0700"))
    post(client, event("wall_reply_new", reply(), event_id="ev-follow-up"))

    view = detail(client, tokens, answered_pit)

    assert view["author"] == {"name": None, "type": "citizen", "contact": "https://vk.com/id52001777",
                              "key": "vk:52001777", "phone": None, "email": None,
                              "profile": "https://vk.com/id52001777"}
    assert view["link"] == f"https://vk.com/wall-{GROUP}_812?reply=4051"
    acknowledgement, out, follow_up = view["conversation"]
    assert (acknowledgement["kind"], acknowledgement["status_title"]) == ("acknowledgement", "ждёт отправки")
    assert {k: out[k] for k in ("direction", "kind_title", "route_title", "status_title", "platform_id",
                                "at_local", "new", "error")} == {
        "direction": "out", "kind_title": "Ответ по существу", "route_title": "ВКонтакте, комментарий",
        "status_title": "отправлено", "platform_id": "4060", "at_local": "01.12.2026 12:00", "new": False,
        "error": None}
    assert {k: follow_up[k] for k in ("direction", "kind", "kind_title", "status_title", "platform_id", "text",
                                      "at_local", "new")} == {
        "direction": "in", "kind": "follow_up", "kind_title": "Автор не удовлетворён ответом",
        "status_title": "получено от автора", "platform_id": "4071", "text": "Ничего не сделали, яма на месте",
        "at_local": "04.12.2026 10:00", "new": True}
    assert follow_up["link"] == f"https://vk.com/wall-{GROUP}_812?reply=4071"
    assert view["status"] == "in_progress"
    assert any(e["kind"] == "appeal.follow_up" and e["actor"] == "channel:gov-vk" for e in view["timeline"])


def test_a_message_from_the_author_is_new_until_staff_act_on_the_appeal(runtime, clock, client, tokens, channel):
    post(client, event("wall_reply_new", comment()))
    appeal = AppealRecord.get()
    perform(runtime, appeal.id, "take", {}, OFFICIAL)
    clock.set(at("Mon 2026-11-30 15:00 +0700"))
    post(client, event("wall_reply_new", reply("Глубина ямы полметра", to=4051, to_user=52_001_777), event_id="e2"))
    assert detail(client, tokens, appeal.id)["conversation"][-1]["new"] is True

    clock.set(at("Mon 2026-11-30 16:00 +0700"))
    perform(runtime, appeal.id, "answer", {"kind": "interim", "text": "Выехали на место"}, OFFICIAL)

    assert detail(client, tokens, appeal.id)["conversation"][-1]["new"] is False


def test_a_dead_reply_shows_why(runtime, client, tokens):
    appeal_id = routed(runtime, external_id="dead-1")
    author_messages.add_outgoing(appeal_id=appeal_id, kind="acknowledgement", route="email",
                                 address={"email": "anna@example.ru"}, text="Ваше обращение принято",
                                 idempotency_key="k-dead", now=runtime.now())
    author_messages.mark_failed(author_messages.by_key("k-dead").id, error="550 5.1.1 mailbox unavailable",
                                next_attempt_at=None, dead=True)

    queued, message = detail(client, tokens, appeal_id)["conversation"]  # routing queued the first one

    assert (queued["status_title"], queued["error"]) == ("ждёт отправки", None)
    assert (message["status_title"], message["error"]) == ("не доставлено", "550 5.1.1 mailbox unavailable")
    assert message["kind_title"] == "Уведомление о приёме" and message["route_title"] == "электронная почта"


@pytest.mark.parametrize("contact, author_id, phone, email", [
    ("8 (913) 000-00-00", "phone:+79130000000", "+79130000000", None),
    ("Anna@Example.ru", "email:anna@example.ru", None, "anna@example.ru"),
    ("anna@example.ru", "phone:+79130000000", "+79130000000", "anna@example.ru"),  # Open311 with both
])
def test_the_api_shows_the_phone_and_email_of_a_contact_author(runtime, client, tokens, contact, author_id, phone,
                                                                 email):
    appeal_id = routed(runtime, author=Author(name="Анна Кравцова", contact=contact), author_id=author_id)

    author = detail(client, tokens, appeal_id)["author"]

    assert (author["phone"], author["email"], author["contact"], author["profile"]) == (phone, email, contact, None)


def test_the_appeal_page_shows_the_contact_the_original_and_the_conversation(runtime, clock, client, tokens,
                                                                              answered_pit):
    clock.set(at("Fri 2026-12-04 10:00 +0700"))
    post(client, event("wall_reply_new", reply("<b>Ничего</b> не сделали"), event_id="ev-follow-up"))
    log_in(client, "centre-manager")

    page = client.get(f"/appeals/{answered_pit}").get_data(as_text=True)

    assert 'id="author-profile" href="https://vk.com/id52001777"' in page
    assert f'id="original-link" href="https://vk.com/wall-{GROUP}_812?reply=4051"' in page
    section = page.split('id="conversation"', 1)[1].split("</section>", 1)[0]
    assert "Переписка с автором" in page and "Ответ по существу" in section
    assert "Автор не удовлетворён ответом" in section and "новое" in section and "получено от автора" in section
    assert "&lt;b&gt;Ничего&lt;/b&gt; не сделали" in section  # the resident's text is shown, never rendered
    assert section.index("Ответ по существу") < section.index("Автор не удовлетворён ответом")


def test_an_appeal_without_messages_says_so(runtime, client, tokens):
    # anonymous under 59-ФЗ: not even an acknowledgement (rules/replies.yaml)
    appeal_id = routed(runtime, external_id="quiet-1", author=Author(type="anonymous"))
    log_in(client, "centre-manager")

    page = client.get(f"/appeals/{appeal_id}").get_data(as_text=True)

    assert "Сообщений автору и от автора пока нет." in page
    assert detail(client, tokens, appeal_id)["conversation"] == []


def test_a_sent_telegram_reply_keeps_its_route_title(runtime, client, tokens):
    appeal_id = routed(runtime, external_id="tg-1", author=Author(type="anonymous"))  # nothing queued by routing
    sent_reply(runtime, appeal_id, route="telegram", platform_id="502", address={"chat_id": 1, "message_id": 2},
               kind="acknowledgement")

    [message] = detail(client, tokens, appeal_id)["conversation"]

    assert (message["route_title"], message["status_title"], message["platform_id"]) == ("Telegram", "отправлено",
                                                                                          "502")
