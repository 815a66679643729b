"""The resident hears back, through real processes: a VK comment, a Telegram message and an Open311 request
posted over HTTP to the running service (`appeals serve`), routed by the worker (`appeals worker`), are each
acknowledged on their own channel — under the VK comment through a local VK API, as a reply in the Telegram
chat through a local Bot API, by a letter through a real SMTP server and in the request's status_notes —
naming the body the appeal went to and its due date in the body's local time, once."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from datetime import datetime
from email.header import decode_header, make_header
from urllib.parse import urlencode

import pytest

from engine.policyset import load_policy_set
from tests.support.open311 import API_KEY, PIT
from tests.support.paths import RULES_DIR
from tests.support.service_process import appeals_cli, http, running_service, running_worker
from tests.support.smtp import SmtpServer
from tests.support.telegram_api import FakeTelegramBotApi
from tests.support.vk_api import FakeVkApi

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]

GROUP, VK_SECRET, VK_TOKEN = 218_000_111, "vk-e2e-secret", "vk1.a.e2e-community-token"
BOT_SECRET, BOT_TOKEN = "tg-e2e-secret", "8000000002:AAE-e2e_token"
RESIDENT, CHAT = 52_001_777, 777_001


@pytest.fixture
def platforms():
    vk, telegram, smtp = FakeVkApi(VK_TOKEN, group_id=GROUP).start(), FakeTelegramBotApi(BOT_TOKEN).start(), \
        SmtpServer().start()
    yield vk, telegram, smtp
    vk.stop()
    telegram.stop()
    smtp.stop()


@pytest.fixture
def env(database_url, tmp_path, platforms):
    vk, telegram, smtp = platforms
    return {**os.environ, "APPEALS_DATABASE_URL": database_url, "APPEALS_RULES_DIR": str(RULES_DIR),
            "APPEALS_MAIL_DIR": str(tmp_path / "mail"), "APPEALS_SMTP_URL": smtp.url, "APPEALS_ROUTING": "queued",
            "APPEALS_SWEEP_SECONDS": "1", "APPEALS_VK_API_URL": vk.url,
            "APPEALS_TELEGRAM_API_URL": telegram.url}


def post_json(url: str, payload: dict, headers: dict | None = None) -> tuple[int, str]:
    """A webhook delivery as the platform makes it (VK answers «ok» as text, Telegram JSON)."""
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.status, response.read().decode()


def due_date(view: dict) -> str:
    """The date the acknowledgement must name: the answer term's (59-ФЗ), else the first response's (an
    incident's final answer is counted from the interim answer), local to the body as the API shows it."""
    clocks = {c["kind"]: c for c in view["clocks"]}
    clock = clocks.get("answer") or clocks["first_response"]
    return f"{datetime.fromisoformat(clock['due']):%d.%m.%Y}"


def test_vk_telegram_and_open311_authors_are_acknowledged_on_their_channels(env, platforms, tmp_path):
    vk, telegram, smtp = platforms
    appeals_cli(env, "db", "migrate")
    appeals_cli(env, "channel", "add", "gov-vk", "--kind", "vk", "--secret", VK_SECRET, "--group-id", str(GROUP),
                "--access-token", VK_TOKEN)
    appeals_cli(env, "channel", "add", "cur-bot", "--kind", "telegram", "--secret", BOT_SECRET, "--bot-token",
                BOT_TOKEN)
    appeals_cli(env, "channel", "add", "city-app", "--kind", "open311", "--secret", API_KEY)
    token = appeals_cli(env, "token", "create", "--role", "manager").stdout.strip().splitlines()[-1]
    staff = {"Authorization": f"Bearer {token}"}
    now = int(time.time())
    comment = {"id": 4051, "from_id": RESIDENT, "date": now, "owner_id": -GROUP, "post_id": 812,
               "text": "На ул. Попова в Барнауле огромные ямы, провал асфальта у дома 105", "parents_stack": [],
               "thread": {"count": 0}}
    message = {"message_id": 501, "date": now, "text": "Третий день нет горячей воды в Рубцовске, ул. Ленина 10",
               "from": {"id": CHAT, "is_bot": False, "first_name": "Ольга"},
               "chat": {"id": CHAT, "first_name": "Ольга", "type": "private"}}
    names = {b.id: b.name for b in load_policy_set(RULES_DIR).directory.bodies.values()}

    with running_service(env, "serve", tmp_path) as server, running_worker(env, tmp_path) as worker:
        assert post_json(f"{server.url}/webhooks/vk/gov-vk", {"type": "wall_reply_new", "object": comment,
                         "group_id": GROUP, "event_id": "e2e-vk", "v": "5.199", "secret": VK_SECRET})[0] == 200
        assert post_json(f"{server.url}/webhooks/telegram/cur-bot", {"update_id": 1, "message": message},
                         {"X-Telegram-Bot-Api-Secret-Token": BOT_SECRET})[0] == 200
        status, created = http("POST", f"{server.url}/open311/v2/requests.json",
                               body=urlencode(PIT).encode(),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 201, created
        request_id = created[0]["service_request_id"]

        def acknowledged():
            views = {}
            for channel in ("gov-vk", "cur-bot", "city-app"):
                _, listed = http("GET", f"{server.url}/api/v1/appeals?channel={channel}", headers=staff)
                if len(listed["items"]) != 1:
                    return None
                views[channel] = http("GET", f"{server.url}/api/v1/appeals/{listed['items'][0]['id']}",
                                      headers=staff)[1]
            done = all(m["status"] != "pending" for v in views.values() for m in v["conversation"])
            return views if done and all(v["conversation"] for v in views.values()) else None

        views = worker.wait_for(acknowledged, 60)
        [view311] = http("GET", f"{server.url}/open311/v2/requests/{request_id}.json")[1]
        time.sleep(1)  # the worker's next five rounds (0.2 s each, as installed) send nothing more
        sent = (len(vk.comments), len(telegram.received), len(smtp.messages))

    assert sent == (1, 1, 1)
    vk_view, tg_view, o311_view = views["gov-vk"], views["cur-bot"], views["city-app"]
    [vk_call] = vk.comments
    assert vk_call["params"]["reply_to_comment"] == "4051"
    assert vk_call["params"]["message"] == (f"Ваше обращение №{vk_view['id']} передано в {names[vk_view['body']]}, "
                                            f"ответ будет дан до {due_date(vk_view)}.")
    [tg_message] = telegram.received
    assert tg_message["reply_to_message"]["message_id"] == 501 and tg_message["chat"]["id"] == CHAT
    assert tg_message["text"] == (f"Ваше обращение №{tg_view['id']} передано в {names[tg_view['body']]}, "
                                  f"ответ будет дан до {due_date(tg_view)}.")
    [letter] = smtp.messages
    text = letter.get_payload(decode=True).decode("utf-8").strip()
    assert str(make_header(decode_header(letter["To"]))) == "Анна Кравцова <anna@example.ru>"
    assert text == (f"Ваше обращение №{request_id} передано в {names[o311_view['body']]}, "
                    f"ответ будет дан до {due_date(o311_view)}.")
    assert view311["status_notes"] == text and view311["agency_responsible"] == names[o311_view["body"]]
    for view, platform_id in ((vk_view, str(vk_call["id"])), (tg_view, str(tg_message["message_id"]))):
        [ack] = [m for m in view["conversation"] if m["kind"] == "acknowledgement"]
        assert (ack["status"], ack["platform_id"]) == ("sent", platform_id)
    log = worker.log()
    assert "Traceback" not in log, log
