"""The rules editor after a publish or a rollback (real browser): switching files shows the text in force,
the «Действующая версия правил» label follows, and the rules folder is version 0, so the very first publish
can be rolled back."""

from __future__ import annotations

import pytest

from engine.services.rules import versions
from tests.support.browser import LiveServer, launch, log_in, require_browser, screenshot
from tests.support.staff import PASSWORD, add_staff

pytestmark = pytest.mark.browser

FILE = "routing/fallback.yaml"
OLD = "Ответственный не определён"
NEW = "Ответственный пока не определён"


@pytest.fixture
def page():
    sync_playwright = require_browser()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 1000}).new_page()
        browser.close()


def shown(page, name: str) -> str:
    """The editor's text of file ``name``, reached by switching away from it and back."""
    other = next(n for n in page.eval_on_selector_all("#rules-file option", "os => os.map(o => o.value)")
                 if n != name)
    page.select_option("#rules-file", other)
    page.select_option("#rules-file", name)
    return page.input_value("#rules-text")


def test_after_a_publish_and_a_rollback_the_editor_shows_the_rules_in_force(page, app, runtime):
    add_staff(runtime)
    with LiveServer(app) as live:
        log_in(page, live.url, "policy-writer", PASSWORD)
        page.goto(f"{live.url}/rules")
        folder_label = page.text_content("#active-version")
        page.select_option("#rules-file", FILE)
        page.fill("#rules-text", page.input_value("#rules-text").replace(OLD, NEW))
        page.fill("#rules-comment", "уточнили описание запасного правила")
        page.click("#rules-publish button[type=submit]")
        page.wait_for_selector("#rules-result h3:has-text('Опубликована версия 1')", timeout=120_000)
        page.wait_for_selector("#rules-editor[data-loaded='1']")

        assert NEW in shown(page, FILE)
        published_label = page.text_content("#active-version")
        assert published_label != folder_label
        page.wait_for_selector("#rules-versions li[data-version='0']")
        screenshot(page, "rules-after-publish")

        page.once("dialog", lambda dialog: dialog.accept("вернуть как было"))
        page.click("#rules-versions li[data-version='0'] button:has-text('Вернуть эту версию')")
        page.wait_for_selector("#rules-result h3:has-text('Возвращена версия 0')", timeout=120_000)
        page.wait_for_selector("#rules-editor[data-loaded='0']")

        assert page.text_content("#active-version") == folder_label
        text = shown(page, FILE)
        assert OLD in text and NEW not in text
        screenshot(page, "rules-after-rollback")

    assert versions.active_version_id() == versions.FOLDER_VERSION
    runtime.policy_source.refresh()
    assert runtime.policy_set.rulebook.rules["route-fallback"].description == OLD + \
        " — исполнитель отдела сортировки ЦУР"
