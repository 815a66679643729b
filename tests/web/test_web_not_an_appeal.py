"""In a real browser (Debian chromium): the centre's curator opens an appeal the watch job made of a VK
comment, presses «Не обращение», confirms, and sees the appeal closed; a manager is not offered the button,
and an appeal of another channel never shows it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.domain.appeal import Author, IncomingAppeal
from engine.services import monitor_marks
from engine.services.channel_events import receive_from_channel
from engine.store.models import AppealRecord, AuditRecord
from tests.support.browser import log_in, screenshot
from tests.support.staff import PASSWORD, routed


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'web.db'}"  # one database kind is enough for the pages


def monitored(runtime) -> int:
    incoming = IncomingAppeal(channel="monitor", external_id="reply-218000002_61",
                              text="Когда уже лето, сколько можно ждать тепла на Попова",
                              received_at=runtime.now() - timedelta(minutes=5), author=Author(type="citizen"),
                              author_id="vk:77", regime="incident", municipality="barnaul",
                              link="https://vk.com/wall-218000002_40?reply=61")
    return receive_from_channel(runtime, incoming, "{}").appeal_id


def appeal_page(browser, live, login: str, appeal_id: int):
    """A new browser context logged in as `login`, on the appeal's page: (context, page)."""
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    log_in(page, live.url, login, PASSWORD)
    page.goto(f"{live.url}/appeals/{appeal_id}")
    return context, page


def test_the_curator_marks_a_monitored_appeal_not_an_appeal_and_sees_it_closed(browser, live, runtime):
    appeal_id = monitored(runtime)
    other = routed(runtime)
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    log_in(page, live.url, "centre-curator", PASSWORD)
    page.goto(f"{live.url}/appeals/{other}")
    assert page.locator("#not-an-appeal").count() == 0
    page.goto(f"{live.url}/appeals/{appeal_id}")
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.click("#not-an-appeal summary")
    page.fill("#not-an-appeal input[name=comment]", "шутка про погоду")
    page.click("#not-an-appeal button[type=submit]")
    page.wait_for_load_state()

    assert questions and "не обращение" in questions[0]
    assert "закрыто" in page.text_content("#status")
    assert "Отмечено «не обращение»" in page.text_content("#timeline")
    assert "Снять отметку" in page.text_content("#not-an-appeal")
    mark = AuditRecord.get(AuditRecord.action == "monitor.not_an_appeal")
    assert (mark.appeal_id, mark.details["comment"]) == (appeal_id, "шутка про погоду")
    screenshot(page, "appeal-not-an-appeal")
    context.close()


def test_a_dismissed_confirmation_changes_nothing_and_a_manager_has_no_button(browser, live, runtime):
    appeal_id = monitored(runtime)
    context, page = appeal_page(browser, live, "centre-curator", appeal_id)
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.click("#not-an-appeal summary")
    page.click("#not-an-appeal button[type=submit]")

    assert "закрыто" not in page.text_content("#status")
    assert AuditRecord.select().where(AuditRecord.action == "monitor.not_an_appeal").count() == 0
    context.close()
    context, page = appeal_page(browser, live, "centre-manager", appeal_id)
    assert page.locator("#status").count() == 1 and page.locator("#not-an-appeal").count() == 0
    context.close()


def test_an_undo_reason_longer_than_the_api_takes_is_refused_in_russian_and_nothing_changes(browser, live, runtime):
    appeal_id = monitored(runtime)
    monitor_marks.mark_not_an_appeal(runtime, appeal_id, actor="centre-curator")
    context, page = appeal_page(browser, live, "centre-curator", appeal_id)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#not-an-appeal summary")
    reason = page.locator("#not-an-appeal textarea[name=reason]")
    assert reason.get_attribute("maxlength") == "500"
    reason.evaluate("el => el.removeAttribute('maxlength')")  # a form kept open from before, or posted by hand
    reason.fill("ошибка " * 100)
    page.click("#not-an-appeal button[type=submit]")
    page.wait_for_load_state()

    assert "не длиннее 500 знаков" in page.text_content(".flash.error")
    assert AppealRecord.get_by_id(appeal_id).status == "closed"
    assert AuditRecord.select().where(AuditRecord.action == "monitor.not_an_appeal_undone").count() == 0
    context.close()
