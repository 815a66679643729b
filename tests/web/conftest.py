"""What the browser tests of the staff pages share: one chromium per test process (each test opens contexts of
its own) and the app served on a port with the demo staff logins."""

from __future__ import annotations

import pytest

from tests.support.browser import LiveServer, launch, require_browser
from tests.support.staff import add_staff


@pytest.fixture(scope="session")
def browser():
    sync_playwright = require_browser()
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page of a browser context of its own (its cookies and storage apart from every other test's)."""
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 1000})
    yield context.new_page()
    context.close()


@pytest.fixture
def live(app, runtime):
    add_staff(runtime)
    with LiveServer(app) as server:
        yield server
