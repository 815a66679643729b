"""Replies leave through the reply delivery job to local VK and Telegram APIs, an SMTP server and a callback
receiver: once each, on the route of the appeal's channel, retried after a rate limit without a duplicate,
dead-lettered with one alert to the administrator when the channel's token is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.replies.pacing import Pacer
from engine.replies.vk import VkReplySender
from engine.services.credentials import find_channel
from engine.services.outbox_drain import CLAIM_SECONDS
from engine.services.reply_delivery import outgoing as reply_outgoing
from engine.services.timeline import timeline
from engine.store import author_messages
from engine.store.models import AlertRecord, AppealRecord, AuditRecord
from engine.wording.labels import LABELS
from tests.support.moments import at
from tests.support.reply_platforms import VK_TOKEN, deliver, outgoing
from tests.support.telegram_updates import message
from tests.support.telegram_updates import post as post_telegram
from tests.support.vk_callback import GROUP, comment, event
from tests.support.vk_callback import post as post_vk

ROADS = "Комитет по дорожному хозяйству и транспорту города Барнаула"


def local_due(runtime, appeal):
    """The term an incident's acknowledgement names: its first response (its final answer's term starts with
    the interim answer), in the body's zone."""
    appeal = AppealRecord.get_by_id(appeal.id)
    first = next(c for c in appeal.clocks if c.kind == "first_response")
    return first.due_at.astimezone(runtime.policy_set.calendar_for(appeal.body).tz)


def vk_pit(client, comment_id=4051, event_id="ev-1", *, clock=None) -> AppealRecord:
    """The resident's comment under the community's post 812 (written now, when ``clock`` is given)."""
    written = {"date": int(clock().timestamp())} if clock else {}
    answer = post_vk(client, event("wall_reply_new", comment(id=comment_id, **written), event_id=event_id))
    assert answer.status_code == 200
    return AppealRecord.get(AppealRecord.external_id == f"reply-{GROUP}_{comment_id}")


@pytest.mark.both_databases
def test_a_vk_comment_is_acknowledged_under_it_once_naming_the_body_and_the_local_due_date(runtime, client,
                                                                                           platforms):
    appeal = vk_pit(client)  # Mon 30 Nov 10:00 in Barnaul, routed at once

    report = deliver(runtime)
    again = deliver(runtime)

    [call] = platforms.vk.comments
    params = call["params"]
    assert (params["owner_id"], params["post_id"], params["reply_to_comment"], params["from_group"]) == (
        str(-GROUP), "812", "4051", str(GROUP))
    assert params["message"].startswith(f"Ваше обращение №{appeal.id} передано в {ROADS}, ответ будет дан до ")
    [ack] = outgoing(appeal.id)
    assert (ack.kind, ack.status, ack.platform_id, ack.attempts) == ("acknowledgement", "sent", str(call["id"]), 1)
    assert (report.sent, again.sent) == (1, 0)
    titles = [e["title"] for e in timeline(appeal.id, LABELS)]
    assert f"Ответ автору опубликован в VK (комментарий {call['id']}): Уведомление о приёме" in titles


def test_an_incidents_acknowledgement_names_the_first_response_term_in_local_time(runtime, clock, client,
                                                                                 platforms):
    clock.set(at("Fri 2026-12-04 15:30 +0700"))  # the roads committee works 8-12 and 13-17
    appeal = vk_pit(client, clock=clock)
    deliver(runtime)

    # a dangerous pit is an incident of high priority: first response in 4 working hours, Fri 15:30-17:00
    # and Mon 8:00-10:30
    assert (appeal.body, appeal.policy) == ("barnaul-roads-committee", "incident-high")
    assert local_due(runtime, appeal) == at("Mon 2026-12-07 10:30 +0700")
    assert platforms.vk.comments[0]["params"]["message"].endswith("ответ будет дан до 07.12.2026.")


@pytest.mark.both_databases
def test_a_vk_rate_limit_is_retried_later_without_a_second_comment(runtime, clock, client, platforms):
    appeal = vk_pit(client)
    platforms.vk.script_error(6, method="wall.createComment")

    first = deliver(runtime)

    [ack] = outgoing(appeal.id)
    assert (first.failed, ack.status, ack.attempts, platforms.vk.comments) == (1, "pending", 1, [])
    assert "VK просит повторить позже (код 6" in ack.last_error
    assert ack.next_attempt_at >= clock() + timedelta(seconds=1)
    assert deliver(runtime).sent == 0  # not due yet

    clock.set(ack.next_attempt_at)
    assert deliver(runtime).sent == 1
    clock.set(clock() + timedelta(hours=1))
    assert deliver(runtime).sent == 0
    assert len(platforms.vk.comments) == 1
    [ack] = outgoing(appeal.id)
    assert (ack.status, ack.attempts) == ("sent", 2)
    kinds = [e.action for e in AuditRecord.select().where(AuditRecord.appeal == appeal.id)]
    assert kinds.count("reply.retry") == 1 and kinds.count("reply.sent") == 1


def test_a_revoked_vk_token_dead_letters_every_reply_with_one_alert_to_the_administrator(runtime, clock, client,
                                                                                        platforms):
    first, second = vk_pit(client, 4051, "ev-1"), vk_pit(client, 4052, "ev-2")
    platforms.vk.revoke_token(VK_TOKEN)

    report = deliver(runtime)
    clock.set(clock() + timedelta(days=1))
    later = deliver(runtime)

    assert (report.dead, report.failed, later.dead, later.failed) == (2, 0, 0, 0)
    for appeal in (first, second):
        [ack] = outgoing(appeal.id)
        assert ack.status == "dead" and "токен доступа сообщества недействителен" in ack.last_error
    calls = [r for r in platforms.vk.requests if r["method"] == "wall.createComment"]
    assert len(calls) == 2  # one call each, never retried
    alerts = list(AlertRecord.select().where(AlertRecord.level == "dead-letter"))
    admins = runtime.policy_set.directory.holders("administrator")
    # one alert per administrator (a row for each channel they read), not one per reply
    assert sorted((a.recipient, a.channel) for a in alerts) == sorted(
        (admin.id, channel) for admin in admins for channel in admin.channels)
    assert "«gov-vk»" in alerts[0].subject and "appeals channel set gov-vk" in alerts[0].body
    assert all("vk1.a" not in a.body for a in alerts)  # the token itself is never written


def test_a_telegram_message_is_answered_as_a_reply_and_a_429_is_honoured(runtime, clock, client, platforms):
    assert post_telegram(client, {"update_id": 1, "message": message()}).status_code == 200
    appeal = AppealRecord.get()
    platforms.telegram.rate_limit(retry_after=30)

    assert deliver(runtime).failed == 1
    [ack] = outgoing(appeal.id)
    assert ack.next_attempt_at >= clock() + timedelta(seconds=30)
    clock.set(ack.next_attempt_at)
    assert deliver(runtime).sent == 1
    assert deliver(runtime).sent == 0

    [sent] = platforms.telegram.received
    assert sent["chat"]["id"] == 777_001 and sent["reply_to_message"]["message_id"] == 501
    assert sent["text"].startswith(f"Ваше обращение №{appeal.id} передано в ")
    assert sent["text"].endswith(f"ответ будет дан до {local_due(runtime, appeal):%d.%m.%Y}.")
    [ack] = outgoing(appeal.id)
    assert (ack.status, ack.platform_id) == ("sent", str(sent["message_id"]))
    events = timeline(appeal.id, LABELS)
    assert any(e["title"].startswith("Ответ автору опубликован в Telegram (message_id ") for e in events)


def test_a_revoked_bot_token_is_one_alert_and_no_retry_storm(runtime, clock, client, platforms):
    post_telegram(client, {"update_id": 1, "message": message()})
    neighbour = {"id": 777_002, "is_bot": False, "first_name": "Пётр"}
    post_telegram(client, {"update_id": 2, "message": message("Нет отопления в Рубцовске", message_id=77, **{
        "from": neighbour, "chat": {"id": 777_002, "first_name": "Пётр", "type": "private"}})})
    platforms.telegram.revoke_token()

    assert deliver(runtime).dead == 2
    clock.set(clock() + timedelta(hours=3))
    assert deliver(runtime).dead == 0

    assert len(platforms.telegram.requests) == 2
    dead_letters = list(AlertRecord.select().where(AlertRecord.level == "dead-letter"))
    admins = runtime.policy_set.directory.holders("administrator")
    assert len(dead_letters) == sum(len(admin.channels) for admin in admins)
    assert {a.subject for a in dead_letters} == {"[ЦУР] Канал «cur-bot»: ответы жителям не отправляются"}


@pytest.mark.both_databases
def test_a_worker_lost_after_vk_accepted_the_comment_does_not_make_a_second_one(runtime, clock, client, platforms):
    """The worker claimed the reply and VK took the comment, then the worker died before recording it: the
    claim lapses, the reply is sent again with the same guid, and VK answers the first comment's id."""
    appeal = vk_pit(client, clock=clock)
    [ack] = outgoing(appeal.id)
    assert author_messages.claim([ack.id], clock(), clock() + timedelta(seconds=CLAIM_SECONDS)) == {ack.id}
    first = runtime.reply_senders["vk_comment"].send(reply_outgoing(runtime, ack, "gov-vk", find_channel("gov-vk")))

    assert deliver(runtime).sent == 0  # still claimed by the lost worker
    clock.set(clock() + timedelta(seconds=CLAIM_SECONDS))
    assert deliver(runtime).sent == 1

    assert len(platforms.vk.comments) == 1
    [ack] = outgoing(appeal.id)
    assert (ack.status, ack.platform_id) == ("sent", first.platform_id)


def test_a_reply_our_own_pace_holds_back_is_sent_later_without_spending_an_attempt(runtime, clock, client,
                                                                                   platforms):
    seconds = [0.0]
    pacer = Pacer(clock=lambda: seconds[0], sleep=lambda s: None, max_wait=0.5)
    runtime.reply_senders["vk_comment"] = VkReplySender(platforms.vk.url, pacer, calls_per_second=0.5)
    first, second = vk_pit(client, 4051, "ev-1"), vk_pit(client, 4052, "ev-2")

    report = deliver(runtime)

    assert (report.sent, report.deferred, report.failed) == (1, 1, 0)
    [held] = outgoing(second.id)
    assert (held.status, held.attempts, held.last_error) == ("pending", 0, None)
    assert held.next_attempt_at == clock() + timedelta(seconds=2)  # one call per 2 s with this token
    seconds[0] += 2
    clock.set(held.next_attempt_at)
    assert deliver(runtime).sent == 1
    assert [c["params"]["reply_to_comment"] for c in platforms.vk.comments] == ["4051", "4052"]
    assert outgoing(first.id)[0].attempts == outgoing(second.id)[0].attempts == 1


@pytest.mark.both_databases
def test_replies_are_claimed_a_group_at_a_time_their_outcomes_riding_with_the_next_claim(runtime, client, platforms,
                                                                                       monkeypatch):
    """Five comments answered in groups of two: three claims, the first two groups' outcomes written with the
    next claim, the last group's alone — four writes, not ten (on SQLite every write is a turn webhooks wait
    for, on PostgreSQL every statement a round trip)."""
    from engine.services import outbox_drain

    appeals = [vk_pit(client, 4051 + n, f"ev-{n}") for n in range(5)]
    writes, real = [], outbox_drain.write_transaction
    monkeypatch.setattr(outbox_drain, "write_transaction", lambda: writes.append(1) or real())
    monkeypatch.setattr(outbox_drain, "GROUP", 2)

    report = deliver(runtime)

    assert (report.sent, len(writes)) == (5, 4)
    acks = [ack for a in appeals for ack in outgoing(a.id)]
    assert [ack.status for ack in acks] == ["sent"] * 5
    # each reply keeps the id VK gave its own comment, though a group is marked in one statement
    assert [ack.platform_id for ack in acks] == [str(c["id"]) for c in platforms.vk.comments]
    assert len({ack.platform_id for ack in acks}) == 5
    sent = AuditRecord.select().where(AuditRecord.action == "reply.sent").order_by(AuditRecord.id)
    assert sorted((e.details["message"], e.details["platform_id"]) for e in sent) == sorted(
        (ack.id, ack.platform_id) for ack in acks)


def test_a_groups_sent_replies_are_marked_and_audited_in_one_statement_each(runtime, client, platforms,
                                                                             monkeypatch):
    from engine.services import outbox_drain
    from engine.store.db import database

    for n in range(5):
        vk_pit(client, 4051 + n, f"ev-{n}")
    monkeypatch.setattr(outbox_drain, "GROUP", 2)
    ran: list[str] = []
    connection = database.connection()
    connection.set_trace_callback(ran.append)
    try:
        assert deliver(runtime).sent == 5
    finally:
        connection.set_trace_callback(None)

    marked = [s for s in ran if s.startswith('UPDATE "author_message_record" SET "status"')]
    audited = [s for s in ran if s.startswith('INSERT INTO "audit_record"')]
    assert (len(marked), len(audited)) == (3, 3)  # groups of 2, 2 and 1


def test_a_drain_stopped_inside_a_group_records_what_it_sent_and_leaves_the_rest_claimed(runtime, clock, client,
                                                                                       platforms):
    """The worker is stopped while sending the second reply of a group: the first is recorded as sent, the
    second and third stay waiting under the lease, and are sent once it lapses — each comment once."""
    appeals = [vk_pit(client, 4051 + n, f"ev-{n}", clock=clock) for n in range(3)]
    sender = runtime.reply_senders["vk_comment"]
    real, calls = sender.send, []

    def stopped_at_the_second(reply):
        calls.append(reply.reply_id)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(reply)

    sender.send = stopped_at_the_second
    with pytest.raises(KeyboardInterrupt):
        deliver(runtime)
    sender.send = real

    first, second, third = (outgoing(a.id)[0] for a in appeals)
    assert (first.status, second.status, third.status) == ("sent", "pending", "pending")
    assert second.next_attempt_at == third.next_attempt_at == clock() + timedelta(seconds=CLAIM_SECONDS)
    assert deliver(runtime).sent == 0  # still claimed by the stopped drain
    clock.set(clock() + timedelta(seconds=CLAIM_SECONDS))
    assert deliver(runtime).sent == 2
    assert [c["params"]["reply_to_comment"] for c in platforms.vk.comments] == ["4051", "4052", "4053"]


def test_a_drain_reads_a_channels_token_once_a_page_so_a_replaced_token_is_used_from_the_next_page(
        runtime, clock, client, platforms, monkeypatch):
    from engine.services import reply_delivery
    from engine.services.credentials import set_reply_settings

    replaced = "vk1.a.replaced-community-token"
    for n in range(3):
        vk_pit(client, 4051 + n, f"ev-{n}")
    reads, pages = [], []
    real_find, real_due = reply_delivery.find_channel, author_messages.due
    monkeypatch.setattr(reply_delivery, "find_channel", lambda name: reads.append(name) or real_find(name))

    def due(now, **page_of):
        pages.append(page_of)
        if len(pages) == 2:  # between the pages an administrator replaces the community's token
            platforms.vk.tokens.add(replaced)
            set_reply_settings(clock(), "gov-vk", api_token=replaced)
            platforms.vk.tokens.discard(VK_TOKEN)
        return real_due(now, **page_of)

    monkeypatch.setattr(author_messages, "due", due)
    report = reply_delivery.deliver_replies(runtime, page=2)

    assert report.sent == 3 and len(pages) == 3
    assert reads == ["gov-vk", "gov-vk"]  # once for each page that sent something
    assert [c["params"]["access_token"] for c in platforms.vk.comments] == [VK_TOKEN, VK_TOKEN, replaced]


def withdrawing_the_third_while_sending_the_first(runtime, clock, appeals, took: timedelta):
    """The VK sender, slowed: while the first reply of the group is being sent, the third appeal's replies are
    withdrawn (what a «не обращение» mark does to them), and the send takes `took`."""
    sender = runtime.reply_senders["vk_comment"]
    real = sender.send

    def send(reply):
        if reply.appeal_id == appeals[0].id:
            author_messages.cancel_waiting(appeals[2].id)
            clock.set(clock() + took)
        return real(reply)

    sender.send = send
    return real


@pytest.mark.both_databases
def test_a_reply_withdrawn_while_its_group_has_been_sending_for_a_while_is_not_sent(runtime, clock, client,
                                                                                   platforms, monkeypatch):
    from engine.services.outbox_drain import RECHECK

    appeals = [vk_pit(client, 4051 + n, f"ev-{n}", clock=clock) for n in range(3)]
    withdrawing_the_third_while_sending_the_first(runtime, clock, appeals, RECHECK)
    asked, real = [], author_messages.still_pending
    monkeypatch.setattr(author_messages, "still_pending", lambda ids: asked.append(list(ids)) or real(ids))

    report = deliver(runtime)

    assert report.sent == 2
    assert [c["params"]["reply_to_comment"] for c in platforms.vk.comments] == ["4051", "4052"]
    assert [outgoing(a.id)[0].status for a in appeals] == ["sent", "sent", "cancelled"]
    assert len(asked) == 1 and len(asked[0]) == 2  # asked once, for the two not sent yet
    assert deliver(runtime).sent == 0


def test_a_group_sent_quickly_is_not_read_again(runtime, clock, client, platforms, monkeypatch):
    """Within RECHECK of its claim a group's rows are sent as they were read: the window in which a withdrawn
    reply still goes out is that short (the resident has it then, and it is recorded as sent)."""
    appeals = [vk_pit(client, 4051 + n, f"ev-{n}", clock=clock) for n in range(3)]
    withdrawing_the_third_while_sending_the_first(runtime, clock, appeals, timedelta(seconds=0.1))
    asked = []
    monkeypatch.setattr(author_messages, "still_pending", lambda ids: asked.append(list(ids)) or set(ids))

    assert deliver(runtime).sent == 3
    assert asked == []
    assert [outgoing(a.id)[0].status for a in appeals] == ["sent", "sent", "sent"]
