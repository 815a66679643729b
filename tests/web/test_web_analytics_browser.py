"""/analytics in a real browser (Debian chromium): the charts and the map render, and no request the page
makes leaves the machine. Screenshot in test-artifacts/analytics.png."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.support.browser import LiveServer, log_in, screenshot
from tests.support.moments import at
from tests.support.staff import PASSWORD, add_staff, routed

pytestmark = pytest.mark.browser


@pytest.fixture
def live(app, runtime, clock):
    add_staff(runtime)
    for n, (when, municipality, lat, long) in enumerate([
            ("Mon 2026-11-23 10:00", "barnaul", 53.35, 83.78), ("Tue 2026-12-01 10:00", "barnaul", 53.34, 83.70),
            ("Wed 2026-12-09 12:00", "biysk", 52.54, 85.21), ("Thu 2026-12-10 12:00", "rubtsovsk", None, None)]):
        clock.set(at(when))
        routed(runtime, external_id=f"map-{n}", municipality=municipality, lat=lat, long=long, address="ул. Попова, 5")
    clock.set(at("Mon 2026-12-14 10:00"))
    with LiveServer(app) as server:
        yield server


def test_the_analytics_page_and_its_map_render_with_every_request_on_this_machine(browser, live):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        log_in(page, live.url, "centre-manager", PASSWORD)
        page.goto(f"{live.url}/analytics?from=2026-11-30&to=2026-12-13")
        page.wait_for_load_state("networkidle")
        screenshot(page, "analytics")

        assert page.title() == "Аналитика обращений"
        assert page.locator("svg.chart").count() == 4
        map_box = page.locator("#map svg").bounding_box()
        assert map_box is not None and map_box["width"] > 600 and map_box["height"] > 300
        assert page.locator("#map circle.appeal-point").count() == 2  # this period's appeals with coordinates
        assert page.locator("#map polygon[data-municipality='barnaul']").count() == 1
        assert page.locator("#by-topic svg rect").count() > 0
        assert "Барнаул" in page.text_content("#by-municipality")
        page.emulate_media(media="print")
        assert not page.is_visible("header.top")  # printed without the navigation
    finally:
        context.close()

    hosts = {urlparse(url).hostname for url in requested if not url.startswith(("data:", "about:"))}
    assert requested and hosts == {"127.0.0.1"}, requested
