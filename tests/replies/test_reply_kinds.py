"""Every kind of message to the resident, caused by what staff do, leaves once on the appeal's own route, in
Russian: a comment under the VK comment, a letter through a real SMTP server, a signed callback of a generic
channel, the status of an Open311 request."""

from __future__ import annotations

from datetime import timedelta
from email.header import decode_header, make_header

import pytest

from engine.services import credentials
from engine.services.access import Caller
from engine.services.actions import perform
from engine.store.models import AppealRecord
from tests.support.moments import at
from tests.support.open311 import PIT
from tests.support.reply_platforms import (
    CALLBACK_SECRET,
    deliver,
    outgoing,
)
from tests.support.signing import body_of, signed_headers
from tests.support.vk_callback import comment, event
from tests.support.vk_callback import post as post_vk

OFFICIAL = Caller(token_id=None, role="official", label=None, user="roads-official")
MANAGER = Caller(token_id=None, role="manager", label=None, user="centre-manager")
ROADS = "Комитет по дорожному хозяйству и транспорту города Барнаула"


def header(letter, name: str) -> str:
    return str(make_header(decode_header(letter[name])))


def content(letter) -> str:
    return letter.get_payload(decode=True).decode(letter.get_content_charset() or "utf-8")


def generic(client, clock, external_id: str, author: dict, **fields) -> AppealRecord:
    """A 59-ФЗ appeal about a pit in Barnaul through the signed generic channel «portal»."""
    body = body_of({"external_id": external_id, "text": "На ул. Попова огромные ямы, провал асфальта",
                    "municipality": "barnaul", "category": "roads", "regime": "fz59", "fz59": True,
                    "author": author, **fields})
    answer = client.post("/webhooks/generic/portal", data=body,
                         headers=signed_headers(CALLBACK_SECRET, body, int(clock().timestamp())))
    assert answer.status_code in (200, 201, 202), answer.get_json()
    return AppealRecord.get(AppealRecord.external_id == external_id)


def test_clarification_interim_and_final_answer_go_under_the_vk_comment_once_each(runtime, clock, client,
                                                                                  platforms):
    post_vk(client, event("wall_reply_new", comment(date=int(clock().timestamp()))))
    appeal = AppealRecord.get()
    perform(runtime, appeal.id, "take", {}, OFFICIAL)
    perform(runtime, appeal.id, "request_clarification", {"text": "Уточните номер дома, пожалуйста."}, OFFICIAL)
    perform(runtime, appeal.id, "resume", {}, OFFICIAL)
    # a social-network incident is on the centre's control: an answer reaches the resident once approved
    perform(runtime, appeal.id, "answer", {"kind": "interim", "text": "Бригада выедет завтра."}, OFFICIAL)
    assert [m.kind for m in outgoing(appeal.id)] == ["acknowledgement", "clarification"]
    perform(runtime, appeal.id, "approve_answer", {}, MANAGER)
    perform(runtime, appeal.id, "answer", {"kind": "final", "text": "Яма заделана {body_name}."}, OFFICIAL)
    perform(runtime, appeal.id, "approve_answer", {}, MANAGER)

    assert deliver(runtime).sent == 4
    assert deliver(runtime).sent == 0

    texts = [c["params"]["message"] for c in platforms.vk.comments]
    assert [c["params"]["reply_to_comment"] for c in platforms.vk.comments] == ["4051"] * 4
    assert texts[1] == (f"По Вашему обращению №{appeal.id} {ROADS} просит уточнить: Уточните номер дома, "
                        "пожалуйста. Пожалуйста, ответьте на это сообщение.")
    assert texts[2] == f"Промежуточный ответ по Вашему обращению №{appeal.id} ({ROADS}): Бригада выедет завтра."
    # what the official wrote is the answer as written: its braces are not a template
    assert texts[3] == f"Ответ на Ваше обращение №{appeal.id} ({ROADS}): Яма заделана {{body_name}}."
    assert [(m.kind, m.status) for m in outgoing(appeal.id)] == [
        ("acknowledgement", "sent"), ("clarification", "sent"), ("interim_answer", "sent"), ("final_answer", "sent")]
    assert [m.platform_id for m in outgoing(appeal.id)] == [str(c["id"]) for c in platforms.vk.comments]


def test_forwarding_extension_and_rejection_reach_the_author_by_email(runtime, clock, client, platforms):
    # «portal» has a callback URL; a hotline channel without one answers by e-mail
    runtime_channel = "hotline"
    credentials.add_channel(runtime.now(), runtime_channel, "generic", CALLBACK_SECRET)
    body = body_of({"external_id": "hl-1", "text": "На ул. Попова огромные ямы, провал асфальта",
                    "municipality": "barnaul", "category": "roads", "regime": "fz59", "fz59": True,
                    "author": {"name": "Анна Кравцова", "contact": "anna@example.ru"}})
    client.post(f"/webhooks/generic/{runtime_channel}", data=body,
                headers=signed_headers(CALLBACK_SECRET, body, int(clock().timestamp())))
    appeal = AppealRecord.get(AppealRecord.external_id == "hl-1")
    perform(runtime, appeal.id, "forward", {"body": "min-roads", "reason": "дорога регионального значения"},
            OFFICIAL)
    clock.set(clock() + timedelta(days=2))
    perform(runtime, appeal.id, "extend", {"days": 30, "reason": "нужна экспертиза покрытия"}, MANAGER)
    perform(runtime, appeal.id, "reject", {"reason": "repeated"}, OFFICIAL)

    assert deliver(runtime).sent == 4
    assert deliver(runtime).sent == 0

    letters = platforms.smtp.messages
    assert {header(m, "To") for m in letters} == {"Анна Кравцова <anna@example.ru>"}
    bodies = [content(m) for m in letters]
    assert bodies[0].startswith(f"Ваше обращение №{appeal.id} передано в {ROADS}")
    assert "направлено по компетенции в Министерство транспорта Алтайского края (дорожное хозяйство)" in bodies[1]
    assert "Причина: дорога регионального значения" in bodies[1]
    answer_clock = next(c for c in AppealRecord.get_by_id(appeal.id).clocks if c.kind == "answer")
    local_due = answer_clock.due_at.astimezone(runtime.policy_set.calendar_for("min-roads").tz)
    assert f"продлён на 30 дн. до {local_due:%d.%m.%Y}" in bodies[2] and "нужна экспертиза покрытия" in bodies[2]
    assert "Повторное обращение без новых доводов" in bodies[3]
    assert header(letters[2], "Subject") == f"Срок рассмотрения обращения №{appeal.id} продлён"
    assert len({m["Message-ID"] for m in letters}) == 4


def test_a_generic_channels_author_hears_back_through_its_signed_callback(runtime, clock, client, platforms):
    appeal = generic(client, clock, "cb-1", {"name": "Анна Кравцова", "contact": "anna@example.ru"})

    assert deliver(runtime).sent == 1

    [received] = platforms.callback.received
    document = received["payload"]
    assert (received["path"], document["appeal_id"], document["kind"]) == ("/replies", appeal.id, "acknowledgement")
    assert document["body"] == {"id": "barnaul-roads-committee", "name": ROADS}
    assert document["due"].endswith("T23:59:59+07:00")
    assert document["text"].endswith(f"ответ будет дан до {document['due'][8:10]}.{document['due'][5:7]}."
                                     f"{document['due'][:4]}.")
    assert platforms.callback.rejected == 0 and platforms.smtp.messages == []


def test_an_anonymous_59_fz_appeal_gets_no_acknowledgement(runtime, clock, client, platforms):
    appeal = generic(client, clock, "anon-1", {"type": "anonymous"})

    assert outgoing(appeal.id) == [] and deliver(runtime).sent == 0
    assert platforms.callback.received == []


@pytest.mark.both_databases
def test_an_open311_request_shows_the_acknowledgement_the_term_and_then_the_answer(runtime, clock, client,
                                                                                  platforms):
    created = client.post("/open311/v2/requests.json", data={k: v for k, v in PIT.items() if k != "email"})
    request_id = created.get_json()[0]["service_request_id"]

    [view] = client.get(f"/open311/v2/requests/{request_id}.json").get_json()

    assert view["status"] == "open"
    assert view["status_notes"] == (f"Ваше обращение №{request_id} передано в Министерство транспорта Алтайского "
                                    "края (дорожное хозяйство), ответ будет дан до 30.12.2026.")
    assert view["expected_datetime"] == "2026-12-30T23:59:59+07:00"
    assert view["service_notice"].startswith("Срок ответа") and "до 30.12.2026 23:59" in view["service_notice"]
    assert "(барнаульское время (UTC+7))" in view["service_notice"] and "Asia/" not in view["service_notice"]
    before = view["updated_datetime"]

    clock.set(at("Thu 2026-12-10 12:00 +0700"))
    appeal_id = int(request_id)
    perform(runtime, appeal_id, "take", {}, OFFICIAL)
    perform(runtime, appeal_id, "answer", {"kind": "final", "text": "Яма заделана 9 декабря."}, OFFICIAL)
    [view] = client.get(f"/open311/v2/requests/{request_id}.json").get_json()

    assert view["status"] == "closed" and view["service_notice"] is None
    assert view["status_notes"].endswith("Яма заделана 9 декабря.")
    assert view["updated_datetime"] == "2026-12-10T12:00:00+07:00" != before
    assert [m.status for m in outgoing(appeal_id)] == ["sent", "sent"]  # it is the request's status
    assert deliver(runtime).sent == 0 and platforms.smtp.messages == []


def test_an_open311_author_with_an_email_address_gets_a_letter(runtime, clock, client, platforms):
    created = client.post("/open311/v2/requests.json", data=PIT)
    request_id = created.get_json()[0]["service_request_id"]

    assert deliver(runtime).sent == 1

    [letter] = platforms.smtp.messages
    assert header(letter, "To") == "Анна Кравцова <anna@example.ru>"
    assert header(letter, "Subject") == f"Ваше обращение №{request_id} принято"
    assert "ответ будет дан до 30.12.2026" in content(letter)
    [view] = client.get(f"/open311/v2/requests/{request_id}.json").get_json()
    assert view["status_notes"] == content(letter).strip()
