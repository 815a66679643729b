"""The staff pages in a real browser (Debian chromium): answer an appeal, acknowledge an alert, escape text.

Screenshots of every page go to test-artifacts/.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.services import users
from engine.services.escalation import sweep
from engine.store.models import AlertRecord
from tests.support.browser import log_in, screenshot
from tests.support.staff import PASSWORD, routed

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_an_official_takes_and_answers_an_appeal_from_the_queue(page, live, runtime):
    appeal_id = routed(runtime)
    assert page.goto(f"{live.url}/login").status == 200
    screenshot(page, "login")

    log_in(page, live.url, "roads-official", PASSWORD)
    assert page.url.endswith("/queue")
    assert page.locator(f"#queue tr[data-appeal='{appeal_id}']").count() == 1
    screenshot(page, "queue")

    page.click(f"#queue tr[data-appeal='{appeal_id}'] a")
    page.click("form[data-action=take] button[type=submit]")
    assert "в работе" in page.text_content("#status")
    if not page.is_visible("form[data-action=answer] textarea"):
        page.click("details:has(form[data-action=answer]) summary")
    page.fill("form[data-action=answer] textarea[name=text]", "Яма заделана, благодарим за сообщение.")
    page.click("form[data-action=answer] button[type=submit]")

    assert "дан ответ" in page.text_content("#status")
    assert "Ответить" in page.text_content("#timeline")
    screenshot(page, "appeal-answered")


def test_an_appeal_whose_text_contains_a_script_tag_shows_it_as_text(page, live, runtime):
    hostile = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> яма во дворе'
    appeal_id = routed(runtime, text=hostile, external_id="xss-1")

    log_in(page, live.url, "roads-official", PASSWORD)
    page.goto(f"{live.url}/appeals/{appeal_id}")

    assert page.text_content("#appeal-text").strip() == hostile
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#appeal-text script, #appeal-text img").count() == 0
    page.goto(f"{live.url}/queue")
    assert page.evaluate("window.__pwned") is None
    screenshot(page, "appeal-with-script-text")


def test_a_manager_acknowledges_an_alert_in_the_dashboard_inbox(page, live, runtime, clock):
    routed(runtime)
    clock.set(datetime(2026, 12, 31, 3, 0, tzinfo=UTC))  # past the 30-day answer term: the head of the body is told
    sweep(runtime)
    alert = AlertRecord.get((AlertRecord.level == "breach") & (AlertRecord.recipient == "gromov-ka"))
    users.add_user(runtime.now(), "gromov", "manager", PASSWORD, name="Громов К. А.",
                   body="barnaul-roads-committee", official_id="gromov-ka", directory=runtime.policy_set.directory)

    log_in(page, live.url, "centre-manager", PASSWORD)  # sees the alert, which is not addressed to them
    assert page.locator(f"#inbox li[data-alert='{alert.id}']").count() == 1
    assert page.locator(f"#inbox li[data-alert='{alert.id}'] button").count() == 0
    page.click("form.who button")

    log_in(page, live.url, "gromov", PASSWORD)
    assert page.url.endswith("/dashboard")
    assert page.locator(f"#inbox li[data-alert='{alert.id}']").count() == 1
    assert page.locator("#sla svg").count() == 1 or "Данных пока нет" in page.text_content("#sla")
    screenshot(page, "dashboard")

    page.click(f"#inbox li[data-alert='{alert.id}'] button")

    assert "Оповещение принято" in page.text_content("main")
    assert page.locator(f"#inbox li[data-alert='{alert.id}']").count() == 0
    assert AlertRecord.get_by_id(alert.id).acknowledged_at is not None
    screenshot(page, "dashboard-acknowledged")


def test_the_rules_page_and_the_api_docs_render(page, live):
    log_in(page, live.url, "policy-writer", PASSWORD)
    page.goto(f"{live.url}/rules")
    assert page.locator("#active-version").text_content().strip()
    screenshot(page, "rules")

    page.goto(f"{live.url}/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    screenshot(page, "api-docs")
