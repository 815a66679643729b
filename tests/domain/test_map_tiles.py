"""The optional base map: APPEALS_MAP_TILE_URL is an http(s) XYZ template with {z}, {x}, {y} or nothing;
a bad value stops the start with the reason in Russian; the tiles covering the map are the Web Mercator
tiles OpenStreetMap numbers, at the highest zoom that needs at most 30 of them."""

from __future__ import annotations

import math

import pytest

from engine.config import Settings
from engine.domain.map_tiles import MAX_TILES, TileTemplate, TileUrlError, tile_grid
from tests.support.command_line import run

ALTAI = (77.8, 50.6, 87.3, 54.6)  # west, south, east, north: about the krai's box


def osm_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The slippy-map formula as OpenStreetMap's wiki writes it (sec, not asinh)."""
    n = 2 ** z
    r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)


@pytest.mark.parametrize(("given", "origin", "url"), [
    ("https://tile.example.org/{z}/{x}/{y}.png", "https://tile.example.org", "https://tile.example.org/7/93/41.png"),
    ("http://127.0.0.1:8099/tiles/{z}/{x}/{y}.png?style=grey", "http://127.0.0.1:8099",
     "http://127.0.0.1:8099/tiles/7/93/41.png?style=grey"),
    ("  https://a.example.org/{z}/{y}/{x}  ", "https://a.example.org", "https://a.example.org/7/41/93"),
])
def test_a_template_with_z_x_and_y_is_taken_and_its_origin_is_scheme_host_and_port(given, origin, url):
    parsed = TileTemplate.parse(given)

    assert parsed.template == given.strip() and parsed.origin == origin and parsed.url(7, 93, 41) == url


@pytest.mark.parametrize(("given", "reason"), [
    ("ftp://tile.example.org/{z}/{x}/{y}.png", "http:// или https://"),
    ("tile.example.org/{z}/{x}/{y}.png", "http:// или https://"),
    ("https:///{z}/{x}/{y}.png", "с именем сервера"),
    ("https://tile.example.org/{z}/{x}.png", "нет {y}"),
    ("https://tile.example.org/{z}/{x}/{y}/{s}.png", "неизвестные подстановки {s}"),
    ("https://tile.example.org/{z}/{x}/{y}.png'><script>", "кавычек"),
    ("https://user:secret@tile.example.org/{z}/{x}/{y}.png", "http:// или https://"),
    ("https://tile.example.org/{z}/{x}/{y}}.png", "непарная"),
    # the origin goes into the pages' Content-Security-Policy: a «;» or «,» there would add to the policy
    ("https://tile.example.org;script-src/{z}/{x}/{y}.png", "с именем сервера"),
    ("https://tile.example.org,evil.example/{z}/{x}/{y}.png", "с именем сервера"),
    ("https://tile.example.org:port/{z}/{x}/{y}.png", "с именем сервера"),
])
def test_a_bad_template_is_refused_with_the_reason_in_russian(given, reason):
    with pytest.raises(TileUrlError, match="APPEALS_MAP_TILE_URL") as refused:
        Settings.from_env({"APPEALS_MAP_TILE_URL": given})

    assert reason in str(refused.value)


def test_empty_means_no_base_map():
    assert Settings.from_env({}).map_tile_url == "" and TileTemplate.parse("") is None
    assert TileTemplate.parse("   ") is None


def test_the_service_refuses_to_start_with_a_bad_template_in_one_russian_line(capsys, monkeypatch):
    monkeypatch.setenv("APPEALS_MAP_TILE_URL", "https://tile.example.org/{z}/{x}.png")

    code, _, err = run(capsys, "db", "migrate")

    assert code == 2 and "Traceback" not in err
    assert err.startswith("appeals db: configuration: APPEALS_MAP_TILE_URL: в адресе подложки нужны {z}, {x} и {y}")


def test_the_grid_covers_the_region_with_osm_tiles_at_the_highest_zoom_within_the_limit():
    tiles = tile_grid(*ALTAI)
    z = tiles[0].z

    assert 0 < len(tiles) <= MAX_TILES and {t.z for t in tiles} == {z}
    assert len(tile_grid(*ALTAI, max_tiles=10 ** 6)) > len(tiles)  # a higher limit: more, smaller tiles
    x0, y0 = osm_tile(ALTAI[0], ALTAI[3], z)
    x1, y1 = osm_tile(ALTAI[2], ALTAI[1], z)
    assert {(t.x, t.y) for t in tiles} == {(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
    ox0, oy0 = osm_tile(ALTAI[0], ALTAI[3], z + 1)
    ox1, oy1 = osm_tile(ALTAI[2], ALTAI[1], z + 1)
    assert (ox1 - ox0 + 1) * (oy1 - oy0 + 1) > MAX_TILES  # one zoom more would need too many
    barnaul = next(t for t in tiles if (t.x, t.y) == osm_tile(83.78, 53.35, z))
    assert barnaul.west <= 83.78 < barnaul.east and barnaul.south <= 53.35 < barnaul.north
    assert [(t.y, t.x) for t in tiles] == sorted((t.y, t.x) for t in tiles)  # north-west first, row by row
