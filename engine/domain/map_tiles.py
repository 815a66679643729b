"""An optional base map under the region's map: an XYZ tile URL template
(``https://tiles.example.org/{z}/{x}/{y}.png``, Web Mercator tiles as OpenStreetMap numbers them), and the
grid of tiles that covers a box of degrees at a zoom where a few dozen tiles suffice. Pure: no requests;
the page asks the browser to load the tiles from the template's origin, which the page's policy allows.

Each tile is drawn stretched over its own box of degrees in the map's projection (equirectangular): inside
one tile of zoom 6–8 Mercator's latitude stretch differs from the map's by well under a tenth of the tile,
so roads and rivers of the base map fall within a few pixels of the outline's coordinates."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_TILES = 30
MAX_ZOOM = 12
MAX_LATITUDE = 85.0511  # Web Mercator's edge
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_UNSAFE = re.compile(r"[\s\"'<>\\`]")
# host[:port] as the pages' Content-Security-Policy names the origin: nothing that could add to the policy
_NETLOC = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")


class TileUrlError(ValueError):
    pass


@dataclass(frozen=True)
class TileTemplate:
    template: str

    @classmethod
    def parse(cls, text: str, name: str = "APPEALS_MAP_TILE_URL") -> TileTemplate | None:
        """None for an empty setting (no base map); a template of http(s) with {z}, {x} and {y} and no
        other placeholder; anything else is refused with the reason in Russian."""
        text = text.strip()
        if not text:
            return None
        example = "например https://tile.example.org/{z}/{x}/{y}.png"
        try:
            parts = urlsplit(text)
            host = parts.hostname
        except ValueError:
            parts, host = None, None
        if (parts is None or parts.scheme not in ("http", "https") or not host or parts.username or parts.password
                or not _NETLOC.fullmatch(parts.netloc)):
            raise TileUrlError(f"{name}: нужен адрес подложки http:// или https:// с именем сервера, {example}; "
                               f"задано {text!r}")
        if _UNSAFE.search(text):
            raise TileUrlError(f"{name}: в адресе подложки не бывает пробелов, кавычек и угловых скобок; "
                               f"задано {text!r}")
        found = _PLACEHOLDER.findall(text)
        missing = [p for p in ("{z}", "{x}", "{y}") if p not in found]
        other = sorted({p for p in found if p not in ("{z}", "{x}", "{y}")})
        if missing or other:
            reason = (f"нет {', '.join(missing)}" if missing else "") + ("; " if missing and other else "") + \
                (f"неизвестные подстановки {', '.join(other)}" if other else "")
            raise TileUrlError(f"{name}: в адресе подложки нужны {{z}}, {{x}} и {{y}} ({reason}), {example}; "
                               f"задано {text!r}")
        if "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
            raise TileUrlError(f"{name}: непарная фигурная скобка в адресе подложки; задано {text!r}")
        return cls(text)

    @property
    def origin(self) -> str:
        """scheme://host[:port] — what the pages' Content-Security-Policy allows images from."""
        parts = urlsplit(self.template.replace("{z}", "0").replace("{x}", "0").replace("{y}", "0"))
        return f"{parts.scheme}://{parts.netloc}"

    def url(self, z: int, x: int, y: int) -> str:
        return self.template.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y))


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int
    west: float
    south: float
    east: float
    north: float


def _column(lon: float, n: int) -> int:
    return min(n - 1, max(0, math.floor((lon + 180.0) / 360.0 * n)))


def _row(lat: float, n: int) -> int:
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    merc = math.asinh(math.tan(math.radians(lat)))
    return min(n - 1, max(0, math.floor((1.0 - merc / math.pi) / 2.0 * n)))


def _latitude(row: int, n: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * row / n))))


def tile_grid(west: float, south: float, east: float, north: float, *, max_tiles: int = MAX_TILES) -> list[Tile]:
    """The tiles covering the box, at the highest zoom (up to MAX_ZOOM) needing at most ``max_tiles``;
    north-west first, row by row."""
    chosen = 0
    for z in range(MAX_ZOOM + 1):
        n = 2 ** z
        count = (_column(east, n) - _column(west, n) + 1) * (_row(south, n) - _row(north, n) + 1)
        if count > max_tiles:
            break
        chosen = z
    n = 2 ** chosen
    return [Tile(chosen, x, y, x / n * 360.0 - 180.0, _latitude(y + 1, n), (x + 1) / n * 360.0 - 180.0,
                 _latitude(y, n))
            for y in range(_row(north, n), _row(south, n) + 1)
            for x in range(_column(west, n), _column(east, n) + 1)]
