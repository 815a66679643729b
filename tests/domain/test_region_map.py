"""The shipped map of the Altai Krai (rules/map/altai-krai.geojson): the outline is the real one (DCW-GMT),
the municipal areas are nearest-centre cells cut by it and cover it once; and what the reader refuses."""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import shutil
import subprocess
import sys
from itertools import combinations, pairwise
from pathlib import Path

import pytest

from engine.domain.region_map import MapDataError, RegionMap, inside
from engine.policyset import PolicySetError, load_policy_set
from engine.policyset.region_map_file import read_region_map

ROOT = Path(__file__).resolve().parents[2]
MAP_DIR = ROOT / "rules" / "map"
DOC = json.loads((MAP_DIR / "altai-krai.geojson").read_text(encoding="utf-8"))
SHIPPED = RegionMap.from_geojson(DOC)
ALTAI_KRAI_KM2 = 167_996  # Росстат, площадь территории края
BARNAUL, NOVOSIBIRSK, GORNO_ALTAYSK, SEMEY = (83.78, 53.35), (82.92, 55.03), (85.96, 51.96), (80.25, 50.41)


def area_km2(ring) -> float:
    """Area on the sphere (trapezoids on sin(latitude)): independent of the code under test."""
    total = sum(math.radians(x2 - x1) * (2 + math.sin(math.radians(y1)) + math.sin(math.radians(y2)))
                for (x1, y1), (x2, y2) in pairwise(ring))
    return abs(total) * 6371.0088 ** 2 / 2


def crosses(a, b, c, d) -> bool:
    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def test_the_outline_is_the_real_altai_krai_from_dcw_gmt():
    ring = SHIPPED.outline
    edges = list(pairwise(ring))

    assert ring[0] == ring[-1] and 100 < len(ring) < 1000
    assert len(set(ring[:-1])) == len(ring) - 1  # no point visited twice
    assert not [(i, j) for (i, e), (j, f) in combinations(enumerate(edges), 2) if crosses(*e, *f)]
    assert abs(area_km2(ring) / ALTAI_KRAI_KM2 - 1) < 0.10
    assert SHIPPED.contains(BARNAUL)
    assert not any(SHIPPED.contains(p) for p in (NOVOSIBIRSK, GORNO_ALTAYSK, SEMEY))
    west, south, east, north = SHIPPED.bounds()
    assert 77.5 < west < 78.5 and 50.5 < south < 51 and 86.5 < east < 87.5 and 54 < north < 54.6


def test_the_file_says_where_the_outline_comes_from_and_under_which_licence():
    about = DOC["properties"]
    assert "DCW-GMT" in about["source"] and "RU.ALT" in about["source"]
    assert "приблизительн" in about["source"] and "не юридические границы" in about["source"]
    assert about["source_licence"] == "LGPL-3.0-or-later" and "LGPL" in about["licence"]
    assert about["source_version"].startswith("2.1.1") and about["extracted"]
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in (MAP_DIR / "COPYING.LESSER").read_text(encoding="utf-8")
    assert "GNU GENERAL PUBLIC LICENSE" in (MAP_DIR / "COPYING").read_text(encoding="utf-8")
    assert all(f["properties"]["approximate"] is True for f in DOC["features"] if f["properties"]["kind"] == "area")


def test_every_centre_lies_in_the_outline_and_in_its_own_area():
    areas = {area.id: area.parts for area in SHIPPED.areas}

    assert len(SHIPPED.centres) == 33 and set(areas) == {c.id for c in SHIPPED.centres}
    for centre in SHIPPED.centres:
        assert SHIPPED.contains(centre.at), centre.id
        assert any(inside(centre.at, part) for part in areas[centre.id]), centre.id
        assert all(part[0] == part[-1] for part in areas[centre.id])


def test_the_areas_cover_the_outline_once_each_point_in_its_nearest_centres_area():
    areas = {area.id: area.parts for area in SHIPPED.areas}
    west, south, east, north = SHIPPED.bounds()
    scale = math.cos(math.radians((south + north) / 2))
    probes = [(west + (east - west) * (i + 0.5) / 48, south + (north - south) * (j + 0.5) / 24)
              for i in range(48) for j in range(24)]
    probes = [p for p in probes if SHIPPED.contains(p)]

    assert sum(area_km2(part) for parts in areas.values() for part in parts) == pytest.approx(
        area_km2(SHIPPED.outline), rel=0.002)
    assert len(probes) > 500
    for p in probes:
        holders = [cid for cid, parts in areas.items() if any(inside(p, part) for part in parts)]
        nearest = min(SHIPPED.centres, key=lambda c: ((c.at[0] - p[0]) * scale) ** 2 + (c.at[1] - p[1]) ** 2)
        assert holders == [nearest.id], p


def test_a_cell_cut_by_a_bend_of_the_border_is_drawn_in_all_its_parts():
    drawn = SHIPPED.drawn_areas()

    assert len(drawn["loktevsky-district"]) > 1  # the border with Kazakhstan bends into its cell
    assert len(drawn["barnaul"]) == 1


def test_a_map_without_areas_draws_the_nearest_centre_cells():
    doc = copy.deepcopy(DOC)
    doc["features"] = [f for f in doc["features"] if f["properties"]["kind"] != "area"]

    drawn = RegionMap.from_geojson(doc).drawn_areas()

    assert set(drawn) == {c.id for c in SHIPPED.centres}
    assert all(len(parts) == 1 and inside(c.at, parts[0]) for c in SHIPPED.centres for parts in [drawn[c.id]])


def _broken(change):
    doc = copy.deepcopy(DOC)
    features = {(f["properties"]["kind"], f["properties"].get("id")): f for f in doc["features"]}
    change(doc, features)
    return doc


@pytest.mark.parametrize("change, message", [
    (lambda d, f: f["region", "altai-krai"]["geometry"]["coordinates"][0].pop(),
     "объект 0 (region altai-krai): кольцо должно быть замкнуто"),
    (lambda d, f: f["region", "altai-krai"]["geometry"]["coordinates"].append([[80, 52], [81, 52], [80, 53], [80, 52]]),
     "объект 0 (region altai-krai): ожидается многоугольник из одного кольца, без дыр"),
    (lambda d, f: f["centre", "barnaul"]["geometry"].update(coordinates=list(NOVOSIBIRSK)),
     "центр barnaul лежит вне контура края"),
    (lambda d, f: f["centre", "barnaul"]["geometry"].update(coordinates=[83.2, 51.0]),
     "центр barnaul лежит вне своей области"),
    (lambda d, f: f["centre", "biysk"]["properties"].update(id="barnaul"), "у двух центров один id: barnaul"),
    (lambda d, f: f["area", "barnaul"]["properties"].update(id="moscow"), "область moscow — не единственная область"),
    (lambda d, f: d["features"].append(copy.deepcopy(f["area", "biysk"])), "область biysk — не единственная область"),
    (lambda d, f: f["centre", "biysk"]["geometry"].update(coordinates=[185.0, 52.0]),
     "(centre biysk): такой объект карта не читает: (185.0, 52.0) — не долгота и широта"),
    (lambda d, f: f["area", "biysk"]["geometry"].update(coordinates="a"),
     "(area biysk): ожидается многоугольник из одного кольца"),
    (lambda d, f: f["area", "biysk"].update(geometry={"type": "Point", "coordinates": [85.2, 52.5]}),
     "(area biysk): ожидается kind region (один Polygon), centre (Point) или area"),
    (lambda d, f: d["features"].__setitem__(0, "region"),
     "объект 0: такой объект карта не читает: не то строение объекта GeoJSON"),
    (lambda d, f: d["features"].remove(f["region", "altai-krai"]), "нет контура края"),
    (lambda d, f: f["centre", "biysk"]["properties"].pop("id"),
     "(centre): такой объект карта не читает: нет поля 'id'"),
])
def test_the_reader_refuses_a_map_it_cannot_trust_naming_the_file(change, message):
    with pytest.raises(MapDataError, match=r"altai-krai\.geojson") as refused:
        RegionMap.from_geojson(_broken(change), where="rules/map/altai-krai.geojson")
    assert message in str(refused.value)


@pytest.mark.skipif(shutil.which("gmt") is None or importlib.util.find_spec("shapely") is None,
                    reason="rebuilding the map needs the Debian packages gmt, gmt-dcw and the tools extra (shapely)")
def test_the_shipped_map_is_what_the_build_script_makes_from_dcw_gmt():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "build_region_outline.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def rules_copy(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    return folder


@pytest.mark.parametrize("text, message", [
    ("{не json", "файл карты — не JSON (строка 1, столбец 2)"),
    (json.dumps({"type": "FeatureCollection", "features": []}), "нет контура края"),
])
def test_a_broken_map_file_stops_the_rules_from_loading_naming_the_file(rules_copy, text, message):
    path = rules_copy / "map" / "altai-krai.geojson"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(MapDataError, match=r"altai-krai\.geojson") as refused:
        read_region_map(path)
    assert message in str(refused.value)
    with pytest.raises(PolicySetError) as stopped:  # startup, `appeals rules …` and the worker load this way
        load_policy_set(rules_copy)
    assert f"{path}: {message}" in str(stopped.value)


def test_a_missing_map_file_is_named_and_a_folder_without_one_still_loads(rules_copy):
    path = rules_copy / "map" / "altai-krai.geojson"
    path.unlink()

    with pytest.raises(MapDataError, match="нет файла карты края"):
        read_region_map(path)
    assert load_policy_set(rules_copy).rulebook.rules  # a stored version holds no map: nothing to check
