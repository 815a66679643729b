"""Rebuild rules/map/altai-krai.geojson: the Altai Krai's outline from DCW-GMT and each municipality's
approximate area (the centre's nearest-centre cell cut by that outline).

The outline is the admin-1 unit RU.ALT of DCW-GMT (the Digital Chart of the World for GMT, 1:1,000,000,
GNU LGPL 3 or later), read through `gmt coast -ERU.ALT -M`, simplified (Douglas–Peucker, topology kept)
to a few hundred points and rounded to 4 decimals (about 10 m). The municipal centres are kept as they
are in the file (the project's own approximate coordinates). Each centre's cell, the points nearer to it
than to any other centre as engine.domain.region_map computes it, is intersected with the outline; a
cell cut by a bend of the border becomes a MultiPolygon. These areas are not legal boundaries.

The file is committed; the service reads it and needs none of this. Only regeneration needs:
    apt-get install gmt gmt-dcw                # Debian packages: GMT and DCW-GMT
    .venv/bin/python -m pip install -e '.[tools]'   # shapely

Usage: .venv/bin/python tools/build_region_outline.py [--date YYYY-MM-DD] [--check]
    --date   the extraction date written into the file (default: today, UTC)
    --check  rebuild with the file's own date and exit 1 when the result differs from the file
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.polygon import orient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.domain.region_map import RegionMap

TARGET = Path(__file__).resolve().parents[1] / "rules" / "map" / "altai-krai.geojson"
DCW_CODE = "RU.ALT"
TOLERANCE = 0.005  # degrees, about 350 m across and 550 m along the parallels at 52° N
DIGITS = 4
DUST = 1e-6  # square degrees (under 0.01 km²): slivers left by rounding, dropped
EARTH_RADIUS_KM = 6371.0088


def main() -> int:
    args = _arguments()
    existing = json.loads(TARGET.read_text(encoding="utf-8"))
    date = existing["properties"]["extracted"] if args.check else args.date
    text = build(existing, date)
    if args.check:
        same = text == TARGET.read_text(encoding="utf-8")
        print("rules/map/altai-krai.geojson is up to date" if same else "rules/map/altai-krai.geojson differs")
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


def build(existing: dict, date: str) -> str:
    raw = dcw_outline(DCW_CODE)
    outline = orient(_rounded(Polygon(raw).simplify(TOLERANCE, preserve_topology=True)))
    if not outline.is_valid:
        raise SystemExit("the simplified outline is not a valid polygon: lower TOLERANCE")
    centres = [f for f in existing["features"] if f["properties"]["kind"] == "centre"]
    region_feature = next(f for f in existing["features"] if f["properties"]["kind"] == "region")
    region_feature = {"type": "Feature", "properties": {**region_feature["properties"], "dcw_code": DCW_CODE},
                      "geometry": {"type": "Polygon", "coordinates": [_ring(outline.exterior)]}}
    sites = RegionMap.from_geojson({"type": "FeatureCollection", "features": [region_feature, *centres]})
    cells = sites.cells()
    areas, total = [], 0.0
    for centre in sites.centres:
        parts = _parts(Polygon(cells[centre.id]).intersection(outline))
        if not any(part.contains(Point(centre.at)) for part in parts):
            raise SystemExit(f"centre {centre.id} fell outside its own area")
        total += sum(part.area for part in parts)
        geometry = ({"type": "Polygon", "coordinates": [_ring(parts[0].exterior)]} if len(parts) == 1 else
                    {"type": "MultiPolygon", "coordinates": [[_ring(p.exterior)] for p in parts]})
        areas.append({"type": "Feature", "properties": {"kind": "area", "id": centre.id, "name": centre.name,
                                                        "approximate": True}, "geometry": geometry})
    if abs(total / outline.area - 1) > 0.001:
        raise SystemExit(f"the areas cover {total / outline.area:.2%} of the outline, not all of it once")
    about = _about(date, len(raw), len(outline.exterior.coords), _area_km2(outline.exterior.coords))
    doc = {"type": "FeatureCollection", "name": "altai-krai", "properties": about,
           "features": [region_feature, *centres, *areas]}
    RegionMap.from_geojson(doc, where="the rebuilt map")  # what the service would say about it
    return _dump(doc)


def dcw_outline(code: str) -> list[tuple[float, float]]:
    """The unit's polygon as `gmt coast -E<code> -M` writes it: one segment of "lon<TAB>lat" lines."""
    out = _run(["gmt", "coast", f"-E{code}", "-M"])
    segments: list[list[tuple[float, float]]] = []
    for line in out.splitlines():
        if line.startswith(">"):
            segments.append([])
        elif line.strip():
            lon, lat = line.split()[:2]
            segments[-1].append((float(lon), float(lat)))
    if len(segments) != 1:
        raise SystemExit(f"DCW {code}: expected one polygon, got {len(segments)}")
    return segments[0]


def _about(date: str, raw_points: int, points: int, area_km2: float) -> dict:
    gmt = _run(["gmt", "--version"])
    dcw = _run(["dpkg-query", "-W", "-f=${Version}", "gmt-dcw"])
    return {
        "description": ("Карта Алтайского края для страницы аналитики: контур края, центры муниципальных "
                        "образований и приблизительные области муниципалитетов."),
        "source": (f"контур края — административная единица {DCW_CODE} из DCW-GMT {dcw.split('-')[0]} "
                   "(Digital Chart of the World для GMT, масштаб 1:1 000 000), упрощён; области муниципалитетов "
                   "приблизительные, не юридические границы: точки, ближе всего к своему районному центру "
                   "(ячейки Вороного), обрезанные по контуру края."),
        "licence": ("GNU LGPL версии 3 или более поздней, как у DCW-GMT (© 2014 The GMT Team), из которого взят "
                    "контур: тексты лицензий — COPYING.LESSER и COPYING в этой папке. Координаты центров "
                    "муниципалитетов приблизительные (около 0,1°), составлены для проекта."),
        "source_name": "DCW-GMT: The Digital Chart of the World for GMT",
        "source_version": f"{dcw.split('-')[0]} (Debian package gmt-dcw {dcw}, read with GMT {gmt})",
        "source_date": "2022-05-20",
        "source_licence": "LGPL-3.0-or-later",
        "extracted": date,
        "changes": (f"{DCW_CODE} simplified from {raw_points} to {points} points (Douglas–Peucker, "
                    f"{TOLERANCE}°, topology kept), rounded to {DIGITS} decimals; area {area_km2:,.0f} km²; "
                    "municipal areas are nearest-centre cells cut by the outline (tools/build_region_outline.py)"),
    }


def _parts(shape) -> list[Polygon]:
    polygons = list(shape.geoms) if isinstance(shape, MultiPolygon) else [shape]
    parts = [orient(_rounded(p)) for p in polygons if isinstance(p, Polygon) and p.area > DUST]
    for part in parts:
        if not part.is_valid or part.interiors:
            raise SystemExit("a cut area is not a simple polygon after rounding")
    return sorted(parts, key=lambda p: -p.area)


def _rounded(polygon: Polygon) -> Polygon:
    return Polygon([(round(x, DIGITS), round(y, DIGITS)) for x, y in polygon.exterior.coords])


def _ring(ring) -> list[list[float]]:
    return [[x, y] for x, y in ring.coords]


def _area_km2(ring) -> float:
    """Area on the sphere of a ring of (lon, lat) degrees (the trapezoid rule on sin(latitude))."""
    total = 0.0
    for (x1, y1), (x2, y2) in pairwise(ring):
        total += math.radians(x2 - x1) * (2 + math.sin(math.radians(y1)) + math.sin(math.radians(y2)))
    return abs(total) * EARTH_RADIUS_KM ** 2 / 2


def _run(command: list[str]) -> str:
    """The command's output; run in a scratch folder, where GMT leaves its gmt.history."""
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=scratch)
    return done.stdout.strip()


def _dump(doc: dict) -> str:
    """Readable diffs: the collection's properties indented, one feature a line."""
    head = json.dumps({k: v for k, v in doc.items() if k != "features"}, ensure_ascii=False, indent=1)
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in doc["features"]]
    return head[:-2] + ',\n "features": [\n' + ",\n".join(lines) + "\n ]\n}\n"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default=datetime.now(UTC).date().isoformat())
    parser.add_argument("--check", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
