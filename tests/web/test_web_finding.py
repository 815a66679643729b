"""In chromium: the queue page finds «яма» for «ямы», exports the list, keeps a saved filter; the accept link
of an alert e-mail acknowledges with one click and says so when opened again."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.alerts.email import SmtpSender
from engine.services.delivery import deliver_pending
from engine.services.escalation import sweep
from engine.store.models import AlertRecord
from tests.support.browser import log_in, screenshot
from tests.support.moments import at
from tests.support.smtp import SmtpServer
from tests.support.staff import PASSWORD, routed

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def shown(page) -> list[int]:
    return [int(n) for n in page.locator("#queue tr[data-appeal]").evaluate_all(
        "rows => rows.map(r => r.dataset.appeal)")]


def test_a_manager_searches_exports_and_saves_a_filter(page, live, runtime):
    pit = routed(runtime, text="Во дворе огромная яма", external_id="pit")
    waste = routed(runtime, text="Не вывозят мусор", external_id="waste")
    log_in(page, live.url, "centre-manager", PASSWORD)
    page.goto(f"{live.url}/queue")
    assert sorted(shown(page)) == sorted([pit, waste])

    page.fill("#search input[name=q]", "ямы")
    page.click("#search button[type=submit]")
    page.wait_for_load_state()
    assert shown(page) == [pit]
    assert "Найдено: 1" in page.text_content("#found")
    screenshot(page, "queue-search")

    with page.expect_download() as download:
        page.click("#export-xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Номер", "Поступило", "Канал", "Статус") and [r[0] for r in rows[1:]] == [pit]

    page.fill("#save-filter input[name=name]", "ямы во дворах")
    page.click("#save-filter button[type=submit]")
    page.wait_for_load_state()
    assert "Фильтр «ямы во дворах» сохранён." in page.text_content("main")
    page.goto(f"{live.url}/queue")
    page.click("#saved-filters a:has-text('ямы во дворах')")
    page.wait_for_load_state()
    assert shown(page) == [pit]

    page.select_option("#search select[name=status]", "closed")
    page.click("#search button[type=submit]")
    page.wait_for_load_state()
    assert shown(page) == [] and "Ничего не найдено." in page.text_content("main")


def test_the_accept_link_of_an_alert_email_works_with_one_click_and_then_says_it_was_used(page, live, runtime,
                                                                                          clock):
    smtp = SmtpServer().start()
    try:
        runtime.senders["email"] = SmtpSender(smtp.url, "cur@example.ru", timeout=5)
        appeal_id = routed(runtime)
        clock.set(at("Fri 2027-01-01 10:00 +0700"))
        sweep(runtime)
        deliver_pending(runtime)
        [letter] = [m for m in smtp.messages if "gromov@" in m["To"]]
    finally:
        smtp.stop()
    html = next(p for p in letter.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    link = re.search(r'href="http://appeals\.test(/alerts/accept/[^"]+)"[^>]*>Принять</a>', html).group(1)

    page.goto(f"{live.url}{link}")
    page.wait_for_selector("#accept[data-result=accepted]")
    assert f"по обращению №{appeal_id} принято" in page.text_content("#accept")
    screenshot(page, "alert-accepted-by-link")
    assert AlertRecord.get((AlertRecord.recipient == "gromov-ka") & (AlertRecord.level == "breach")).acknowledged_at

    page.goto(f"{live.url}{link}")
    assert page.get_attribute("#accept", "data-result") == "already"
    assert "Ссылка уже использована" in page.text_content("#accept")
