"""The region's map as data: its outline and its municipal centres (a GeoJSON FeatureCollection), the
area nearest each centre (a Voronoi cell, clipped later by the outline where drawn), and a plane
projection for drawing. Pure: no files, no drawing.

Coordinates are (longitude, latitude) in degrees, as GeoJSON writes them. The projection is
equirectangular with the longitude scaled by cos(mid latitude): over a region a few hundred
kilometres wide it keeps shapes recognisable, which is all a schematic map needs."""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]


class MapDataError(ValueError):
    pass


@dataclass(frozen=True)
class Centre:
    id: str
    name: str
    at: Point


@dataclass(frozen=True)
class RegionMap:
    name: str
    outline: tuple[Point, ...]
    centres: tuple[Centre, ...]
    source: str
    licence: str

    @classmethod
    def from_geojson(cls, doc: dict, where: str = "map") -> RegionMap:
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise MapDataError(f"{where}: expected a GeoJSON FeatureCollection")
        outline: tuple[Point, ...] = ()
        name = ""
        centres = []
        for i, feature in enumerate(doc.get("features") or []):
            props = feature.get("properties") or {}
            geometry = feature.get("geometry") or {}
            if props.get("kind") == "region" and geometry.get("type") == "Polygon":
                outline = tuple((float(x), float(y)) for x, y in geometry["coordinates"][0])
                name = str(props.get("name") or "")
            elif props.get("kind") == "centre" and geometry.get("type") == "Point":
                x, y = geometry["coordinates"][:2]
                centres.append(Centre(str(props["id"]), str(props.get("name") or props["id"]), (float(x), float(y))))
            else:
                raise MapDataError(f"{where}: feature {i}: expected kind region (Polygon) or centre (Point)")
        if len(outline) < 4:
            raise MapDataError(f"{where}: no region outline (a feature with kind region)")
        about = doc.get("properties") or {}
        return cls(name, outline, tuple(centres), str(about.get("source") or ""), str(about.get("licence") or ""))

    def bounds(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.outline]
        ys = [p[1] for p in self.outline]
        return min(xs), min(ys), max(xs), max(ys)

    def cells(self) -> dict[str, tuple[Point, ...]]:
        """Each centre's area: the points nearer to it than to any other centre, within the outline's
        bounding box (in the projected plane, so "nearer" means on the drawn map)."""
        box = self.bounds()
        scale = math.cos(math.radians((box[1] + box[3]) / 2))
        west, south, east, north = box[0] * scale, box[1], box[2] * scale, box[3]
        corners = [(west, south), (east, south), (east, north), (west, north)]
        sites = {c.id: (c.at[0] * scale, c.at[1]) for c in self.centres}
        out = {}
        for cid, site in sites.items():
            cell = corners
            for other_id, other in sites.items():
                if other_id != cid and other != site:
                    cell = _clip_half_plane(cell, site, other)
                if not cell:
                    break
            out[cid] = tuple((x / scale, y) for x, y in cell)
        return out


def _clip_half_plane(polygon: list[Point], site: Point, other: Point) -> list[Point]:
    """The part of a convex polygon nearer to ``site`` than to ``other`` (Sutherland–Hodgman)."""
    mx, my = (site[0] + other[0]) / 2, (site[1] + other[1]) / 2
    nx, ny = other[0] - site[0], other[1] - site[1]

    def inside(p: Point) -> bool:
        return (p[0] - mx) * nx + (p[1] - my) * ny <= 0

    def crossing(a: Point, b: Point) -> Point:
        da = (a[0] - mx) * nx + (a[1] - my) * ny
        db = (b[0] - mx) * nx + (b[1] - my) * ny
        t = da / (da - db)
        return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])

    result: list[Point] = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        if inside(current):
            if not inside(previous):
                result.append(crossing(previous, current))
            result.append(current)
        elif inside(previous):
            result.append(crossing(previous, current))
    return result


@dataclass(frozen=True)
class Projection:
    """Degrees → drawing units in a ``width`` × ``height`` box with ``margin`` around the region, north up."""

    west: float
    south: float
    east: float
    north: float
    width: float
    height: float
    margin: float = 10.0

    @classmethod
    def fitting(cls, region: RegionMap, width: float, margin: float = 10.0) -> Projection:
        west, south, east, north = region.bounds()
        scale = math.cos(math.radians((south + north) / 2))
        inner = width - 2 * margin
        height = inner * (north - south) / ((east - west) * scale) + 2 * margin
        return cls(west, south, east, north, width, round(height, 1), margin)

    def visible_bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the whole drawing, margins included."""
        dx = (self.east - self.west) / (self.width - 2 * self.margin) * self.margin
        dy = (self.north - self.south) / (self.height - 2 * self.margin) * self.margin
        return self.west - dx, self.south - dy, self.east + dx, self.north + dy

    def __call__(self, point: Point) -> Point:
        x = self.margin + (point[0] - self.west) / (self.east - self.west) * (self.width - 2 * self.margin)
        y = self.margin + (self.north - point[1]) / (self.north - self.south) * (self.height - 2 * self.margin)
        return round(x, 1), round(y, 1)
