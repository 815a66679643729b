"""/analytics in a real browser (Debian chromium): the charts and the map render, and no request the page
makes leaves the machine. Screenshot in test-artifacts/analytics.png."""

from __future__ import annotations

import dataclasses
import shutil
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import pytest

from tests.support.browser import LiveServer, log_in, screenshot
from tests.support.moments import at
from tests.support.paths import RULES_DIR
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
        assert page.locator("#map image").count() == 0  # no tile URL set: no base map
        assert "Барнаул" in page.text_content("#by-municipality")
        page.emulate_media(media="print")
        assert not page.is_visible("header.top")  # printed without the navigation
    finally:
        context.close()

    hosts = {urlparse(url).hostname for url in requested if not url.startswith(("data:", "about:"))}
    assert requested and hosts == {"127.0.0.1"}, requested


def test_the_top_recurring_problems_list_the_incidents_and_open_each_incident_page(browser, app, runtime, clock):
    """Four residents about a power cut on ул. Антона Петрова: one incident, listed first among the
    recurring problems with its members and authors; its link opens the incident's page."""
    add_staff(runtime)
    clock.set(at("Tue 2026-12-01 09:00"))
    for n, text in enumerate(["В Барнауле на ул. Антона Петрова нет света с утра",
                              "Отключили электричество на улице Антона Петрова, Барнаул, сидим без света",
                              "Нет света на Антона Петрова улице в Барнауле уже пять часов",
                              "На ул. Антона Петрова (Барнаул) пропал свет во всех домах"]):
        clock.set(clock().replace(minute=5 * n))
        routed(runtime, text, external_id=f"out-{n}", author_id=f"vk:{n}", category=None)
    clock.set(at("Mon 2026-12-14 10:00"))
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        with LiveServer(app) as server:
            log_in(page, server.url, "centre-manager", PASSWORD)
            page.goto(f"{server.url}/analytics?from=2026-11-30&to=2026-12-13")
            row = page.locator("#repeats tr[data-incident]")
            assert row.count() == 1
            cells = row.locator("td").all_text_contents()
            assert cells[1:8] == ["ул. Антон Петров", "Барнаул", "Электроснабжение", "ЕДДС города Барнаула",
                                  "открыт", "4", "4"], cells
            incident_id = row.get_attribute("data-incident")
            row.locator("a").click()
            page.wait_for_url(f"**/incidents/{incident_id}")
            assert page.locator("tr[data-appeal]").count() == 4
    finally:
        context.close()


def png(width: int = 256, height: int = 256) -> bytes:
    """A plain grey PNG, as a tile server would send (grey enough to see under the map in the screenshot)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xb0" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def tile_server():
    """A tile server on this machine: answers every /z/x/y.png with a grey tile and keeps the paths asked."""
    asked: list[str] = []
    tile = png()

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", asked
    finally:
        server.shutdown()
        server.server_close()


def test_a_tile_url_draws_a_base_map_whose_tiles_the_page_policy_lets_the_browser_load(
        browser, app, runtime, clock, monkeypatch, tile_server):
    origin, asked = tile_server
    monkeypatch.setattr(runtime, "settings",
                        dataclasses.replace(runtime.settings, map_tile_url=origin + "/{z}/{x}/{y}.png"))
    add_staff(runtime)
    routed(runtime, external_id="tile-1", lat=53.35, long=83.78)
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    try:
        with LiveServer(app) as server:
            log_in(page, server.url, "centre-manager", PASSWORD)
            answer = page.goto(f"{server.url}/analytics")
            page.wait_for_load_state("networkidle")
            screenshot(page, "analytics-base-map")
            drawn = page.locator("#map image.base-tile")
            wanted = {f"/{drawn.nth(i).get_attribute('data-tile')}.png" for i in range(drawn.count())}
            policy = answer.headers["content-security-policy"]
            under = page.evaluate("() => [...document.querySelector('#map svg').children]"
                                  ".map(e => e.getAttribute('class') || e.tagName)")
    finally:
        context.close()

    assert 0 < len(wanted) <= 30 and set(asked) == wanted, (asked, wanted)
    assert f"img-src 'self' data: {origin};" in policy and policy.count("http") == 1
    assert refused == []
    assert under.index("base-map") < under.index("g")  # the tiles lie under the municipalities and the outline


def test_a_map_file_broken_after_startup_leaves_the_rest_of_the_analytics_with_a_russian_note(
        browser, app, runtime, monkeypatch, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    (rules / "map" / "altai-krai.geojson").write_text("{не json", encoding="utf-8")
    monkeypatch.setattr(runtime, "settings", dataclasses.replace(runtime.settings, rules_dir=rules))
    add_staff(runtime)
    routed(runtime, external_id="broken-map-1", lat=53.35, long=83.78)
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        with LiveServer(app) as server:
            log_in(page, server.url, "centre-manager", PASSWORD)
            answer = page.goto(f"{server.url}/analytics")

            assert answer.status == 200 and page.title() == "Аналитика обращений"
            note = page.text_content("#map-note")
            assert "Карта не показана" in note and "altai-krai.geojson: файл карты — не JSON" in note
            assert page.locator("#map svg").count() == 0
            assert page.locator("svg.chart").count() == 3  # the charts other than the map
            assert "Барнаул" in page.text_content("#by-municipality")
    finally:
        context.close()
