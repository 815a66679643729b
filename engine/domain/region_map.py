"""The region's map as data: its outline, its municipal centres and each municipality's approximate area (a
GeoJSON FeatureCollection, checked when read), the area nearest each centre (a Voronoi cell) for maps that
ship no areas, and a plane projection for drawing. Pure: no files, no drawing.

Coordinates are (longitude, latitude) in degrees, as GeoJSON writes them. The projection is
equirectangular with the longitude scaled by cos(mid latitude): over a region a few hundred
kilometres wide it keeps shapes recognisable, which is all an overview map needs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

Point = tuple[float, float]
Ring = tuple[Point, ...]


class MapDataError(ValueError):
    """A map file that cannot be trusted; the message (Russian) names the file and the feature."""


class _NotAPlace(ValueError):
    """A coordinate pair that is no longitude and latitude."""


def _named(feature) -> str:
    """« (kind id)» of a feature, as far as it says."""
    props = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(props, dict) or not props.get("kind"):
        return ""
    return f" ({props['kind']}{' ' + str(props['id']) if props.get('id') is not None else ''})"


@dataclass(frozen=True)
class Centre:
    id: str
    name: str
    at: Point


@dataclass(frozen=True)
class Area:
    """A municipality's approximate area: one ring per part (a cell cut by a bend of the border may fall
    into several parts), no holes."""

    id: str
    parts: tuple[Ring, ...]


@dataclass(frozen=True)
class RegionMap:
    name: str
    outline: Ring
    centres: tuple[Centre, ...]
    source: str
    licence: str
    areas: tuple[Area, ...] = ()

    @classmethod
    def from_geojson(cls, doc: dict, where: str = "map") -> RegionMap:
        """Features: one ``region`` Polygon (the outline), a ``centre`` Point per municipality and at most one
        ``area`` Polygon or MultiPolygon per centre. Rings must be closed; every centre must lie inside the
        outline and inside its own area."""
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise MapDataError(f"{where}: ожидается GeoJSON FeatureCollection")
        outline: Ring = ()
        name = ""
        centres: list[Centre] = []
        areas: list[Area] = []
        features = doc.get("features")
        for i, feature in enumerate(features if isinstance(features, list) else []):
            at = f"{where}: объект {i}{_named(feature)}"
            try:
                props, geometry = feature.get("properties") or {}, feature.get("geometry") or {}
                kind, shape = props.get("kind"), geometry.get("type")
                if kind == "region" and shape == "Polygon" and not outline:
                    outline = _polygon(geometry["coordinates"], at)
                    name = str(props.get("name") or "")
                elif kind == "centre" and shape == "Point":
                    x, y = geometry["coordinates"][:2]
                    centres.append(Centre(str(props["id"]), str(props.get("name") or props["id"]), _point([x, y])))
                elif kind == "area" and shape in ("Polygon", "MultiPolygon"):
                    polygons = [geometry["coordinates"]] if shape == "Polygon" else geometry["coordinates"]
                    areas.append(Area(str(props["id"]), tuple(_polygon(p, at) for p in polygons)))
                else:
                    raise MapDataError(f"{at}: ожидается kind region (один Polygon), centre (Point) "
                                       "или area (Polygon или MultiPolygon)")
            except MapDataError:
                raise
            except KeyError as exc:
                raise MapDataError(f"{at}: такой объект карта не читает: нет поля {exc}") from None
            except (AttributeError, TypeError, ValueError, IndexError) as exc:
                why = str(exc) if isinstance(exc, _NotAPlace) else "не то строение объекта GeoJSON"
                raise MapDataError(f"{at}: такой объект карта не читает: {why}") from None
        if not outline:
            raise MapDataError(f"{where}: нет контура края (объекта с kind region)")
        _check_places(outline, centres, areas, where)
        about = doc.get("properties") or {}
        return cls(name, outline, tuple(centres), str(about.get("source") or ""), str(about.get("licence") or ""),
                   tuple(areas))

    def bounds(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.outline]
        ys = [p[1] for p in self.outline]
        return min(xs), min(ys), max(xs), max(ys)

    def contains(self, point: Point) -> bool:
        return inside(point, self.outline)

    def drawn_areas(self) -> dict[str, tuple[Ring, ...]]:
        """Each centre's area as the map draws it: the area the data ships, else the centre's cell (which
        the drawing clips by the outline)."""
        shipped = {area.id: area.parts for area in self.areas}
        cells = self.cells() if len(shipped) < len(self.centres) else {}
        return {c.id: shipped.get(c.id) or (cells[c.id],) for c in self.centres}

    def cells(self) -> dict[str, Ring]:
        """Each centre's cell: the points nearer to it than to any other centre, within the outline's
        bounding box (in the projected plane, so "nearer" means on the drawn map), as a closed ring."""
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
            out[cid] = tuple((x / scale, y) for x, y in cell[:] + cell[:1])  # closed, as GeoJSON rings are
        return out


def inside(point: Point, ring: Ring) -> bool:
    """Whether ``point`` lies inside ``ring``, closed or not (even-odd rule; a point on an edge may go either way)."""
    x, y = point
    result = False
    for (x1, y1), (x2, y2) in pairwise((*ring, *ring[:1])):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            result = not result
    return result


def _point(pair: list) -> Point:
    x, y = float(pair[0]), float(pair[1])
    if not (-180 <= x <= 180 and -90 <= y <= 90):  # also refuses NaN
        raise _NotAPlace(f"({x}, {y}) — не долгота и широта")
    return x, y


def _polygon(rings: list, at: str) -> Ring:
    if not isinstance(rings, list) or len(rings) != 1:
        raise MapDataError(f"{at}: ожидается многоугольник из одного кольца, без дыр")
    ring = tuple(_point(pair) for pair in rings[0])
    if len(ring) < 4 or ring[0] != ring[-1]:
        raise MapDataError(f"{at}: кольцо должно быть замкнуто (последняя точка повторяет первую) "
                           "и иметь не меньше 3 углов")
    return ring


def _check_places(outline: Ring, centres: list[Centre], areas: list[Area], where: str) -> None:
    by_id = {c.id: c for c in centres}
    if len(by_id) != len(centres):
        twice = sorted({c.id for c in centres if sum(o.id == c.id for o in centres) > 1})
        raise MapDataError(f"{where}: у двух центров один id: {', '.join(twice)}")
    for centre in centres:
        if not inside(centre.at, outline):
            raise MapDataError(f"{where}: центр {centre.id} лежит вне контура края")
    seen: set[str] = set()
    for area in areas:
        centre = by_id.get(area.id)
        if centre is None or area.id in seen:
            raise MapDataError(f"{where}: область {area.id} — не единственная область какого-либо центра")
        seen.add(area.id)
        if not any(inside(centre.at, ring) for ring in area.parts):
            raise MapDataError(f"{where}: центр {area.id} лежит вне своей области")


def _clip_half_plane(polygon: list[Point], site: Point, other: Point) -> list[Point]:
    """The part of a convex polygon nearer to ``site`` than to ``other`` (Sutherland–Hodgman)."""
    mx, my = (site[0] + other[0]) / 2, (site[1] + other[1]) / 2
    nx, ny = other[0] - site[0], other[1] - site[1]

    def nearer(p: Point) -> bool:
        return (p[0] - mx) * nx + (p[1] - my) * ny <= 0

    def crossing(a: Point, b: Point) -> Point:
        da = (a[0] - mx) * nx + (a[1] - my) * ny
        db = (b[0] - mx) * nx + (b[1] - my) * ny
        t = da / (da - db)
        return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])

    result: list[Point] = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        if nearer(current):
            if not nearer(previous):
                result.append(crossing(previous, current))
            result.append(current)
        elif nearer(previous):
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
