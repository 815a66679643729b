"""In a real browser (Debian chromium): the appeal page shows «Переписка с автором» with our answer and the
resident's follow-up that came in over HTTP and reopened the appeal. The screenshot goes to test-artifacts/."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.support.browser import log_in, screenshot
from tests.support.conversation import answer_pit, reply, vk_channel
from tests.support.moments import at
from tests.support.staff import PASSWORD
from tests.support.vk_callback import event


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'web.db'}"  # one database kind is enough for the pages


def test_the_page_shows_our_answer_and_the_residents_follow_up(browser, live, runtime, clock, client):
    vk_channel(runtime)
    appeal_id = answer_pit(runtime, clock, client)
    clock.set(at("Fri 2026-12-04 10:00 +0700"))
    body = json.dumps(event("wall_reply_new", reply(), event_id="ev-follow-up"), ensure_ascii=False).encode()
    request = urllib.request.Request(f"{live.url}/webhooks/vk/gov-vk", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.read() == b"ok"

    page = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 1000}).new_page()
    log_in(page, live.url, "centre-manager", PASSWORD)
    page.goto(f"{live.url}/appeals/{appeal_id}")

    assert "в работе" in page.text_content("#status")
    rows = page.locator("#conversation tbody tr")
    assert rows.count() == 3  # the acknowledgement routing queued, our answer, the resident's follow-up
    assert "Уведомление о приёме" in rows.nth(0).inner_text() and "ждёт отправки" in rows.nth(0).inner_text()
    ours, theirs = rows.nth(1), rows.nth(2)
    assert ours.get_attribute("data-direction") == "out"
    assert "Ответ по существу" in ours.inner_text() and "отправлено" in ours.inner_text()
    assert "04.12.2026 10:00" in theirs.inner_text()
    assert theirs.get_attribute("data-kind") == "follow_up"
    assert "Автор не удовлетворён ответом" in theirs.inner_text() and "новое" in theirs.inner_text()
    assert "Ничего не сделали, яма на месте" in theirs.inner_text()
    assert page.get_attribute("#author-profile", "href") == "https://vk.com/id52001777"
    assert "vk.com/wall" in page.get_attribute("#original-link", "href")
    assert "Вернуть в работу" in page.text_content("#timeline")  # the reopen, by the channel
    screenshot(page, "appeal-conversation")
    page.context.close()
