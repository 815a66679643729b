"""The rules editor after a publish or a rollback (real browser): switching files shows the text in force,
the «Действующая версия правил» label follows, and the rules folder is version 0, so the very first publish
can be rolled back."""

from __future__ import annotations

import threading

import pytest

from engine.jobs import run_simulation_job
from engine.services import credentials
from engine.services.rules import versions
from engine.store.appeals import get_appeal
from tests.support.browser import LiveServer, log_in, screenshot
from tests.support.staff import PASSWORD, add_staff
from tests.web.test_web_rules_editor import draft_with_fallback_to, post_appeal

pytestmark = pytest.mark.browser

FILE = "routing/fallback.yaml"
OLD = "Ответственный не определён"
NEW = "Ответственный пока не определён"


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


def test_the_appeals_of_a_simulation_are_rerouted_from_its_report_once_its_rules_are_published(page, app, runtime):
    add_staff(runtime)
    credentials.add_channel(runtime.now(), "portal", "generic", "k")
    client = app.test_client()
    appeal_id = post_appeal(client, runtime, "sim-reroute-1", "Прошу разъяснить порядок получения справки")
    assert get_appeal(appeal_id).body == "cur-triage"
    with LiveServer(app) as live:
        draft_with_fallback_to(page, live.url, "min-social")
        page.click("#rules-simulate")
        page.wait_for_selector("#rules-simulation:has-text('в очереди')")
        worker = threading.Thread(target=run_simulation_job, args=(runtime,))  # the worker's job, run here
        worker.start()
        worker.join(timeout=120)
        page.wait_for_selector("#rules-result h3:has-text('изменится 1')")
        assert page.text_content("#rules-reroute") == "Перенаправить это 1 обращение"

        page.fill("#rules-comment", "Непонятные обращения — в соцзащиту")
        page.click("#rules-publish button[type=submit]")
        page.wait_for_selector("#rules-result h3:has-text('Опубликована версия')", timeout=120_000)
        page.wait_for_selector("#rules-reroute")
        page.once("dialog", lambda dialog: dialog.accept("сортировку передали соцзащите"))
        page.click("#rules-reroute")
        page.wait_for_selector("#rules-reroute-result:has-text('Перенаправлено 1 обращение')")
        screenshot(page, "rules-simulation-rerouted")

    assert get_appeal(appeal_id).body == "min-social"
