"""Charts of the analytics page as SVG written on the server: no script, no CDN, readable when printed
(black text, thin grid, a legend in words, colours that stay distinct in grey).

Every label goes through XML escaping; the numbers are the report's (engine.services.trends)."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

from engine.domain.map_tiles import TileTemplate, tile_grid
from engine.domain.region_map import Projection, RegionMap

PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a5a5a5")
FONT = 'font-family="sans-serif" font-size="11"'


def _svg(width: float, height: float, body: list[str], title: str) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
                  f'role="img" aria-label={quoteattr(title)} class="chart"><title>{escape(title)}</title>'
                  + "".join(body) + "</svg>")


def _ticks(top: int) -> list[int]:
    if top <= 0:
        return [0]
    step = max(1, round(top / 4))
    return list(range(0, top + step, step))


def stacked_weeks(weeks: list[dict], dimension: str, names: dict[str, str], title: str, top: int = 6) -> Markup:
    """Appeals per week, one bar per week stacked by the ``top`` biggest codes of ``dimension``
    (by_topic or by_municipality); the rest as «остальные»."""
    totals: dict[str, int] = {}
    for week in weeks:
        for code, n in week[dimension].items():
            totals[code] = totals.get(code, 0) + n
    leaders = [code for code, _ in sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:top]]
    series = leaders + (["…"] if len(totals) > len(leaders) else [])
    width, height, left, bottom, top_pad = 760, 260, 40, 40, 10
    plot_w, plot_h = width - left - 170, height - bottom - top_pad
    highest = max([w["total"] for w in weeks] + [1])
    ticks = _ticks(highest)
    scale = plot_h / max(ticks[-1], 1)
    bar = plot_w / max(len(weeks), 1)
    body = []
    for tick in ticks:
        y = top_pad + plot_h - tick * scale
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ccc" '
                    f'stroke-width="0.5"/><text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{tick}</text>')
    for i, week in enumerate(weeks):
        x = left + i * bar + bar * 0.1
        y = top_pad + plot_h
        for j, code in enumerate(series):
            n = (week[dimension].get(code, 0) if code != "…" else
                 sum(v for c, v in week[dimension].items() if c not in leaders))
            if not n:
                continue
            h = n * scale
            y -= h
            label = names.get(code, code) if code != "…" else "остальные"
            body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.8:.1f}" height="{h:.1f}" '
                        f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(week["start"])}: '
                        f'{escape(label)} — {n}</title></rect>')
        if len(weeks) <= 16 or i % max(1, len(weeks) // 12) == 0:
            day = week["start"][8:10] + "." + week["start"][5:7]
            body.append(f'<text x="{x + bar * 0.4:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle" {FONT}>'
                        f'{day}</text>')
    rest = sum(v for c, v in totals.items() if c not in leaders)
    for j, code in enumerate(series):
        label = names.get(code, code) if code != "…" else "остальные"
        count = totals.get(code, 0) if code != "…" else rest
        y = top_pad + 14 * j
        body.append(f'<rect x="{left + plot_w + 12}" y="{y}" width="10" height="10" '
                    f'fill="{PALETTE[j % len(PALETTE)]}"/>'
                    f'<text x="{left + plot_w + 26}" y="{y + 9}" {FONT}>{escape(label)} ({count})</text>')
    body.append(f'<text x="{left}" y="{height - 6}" {FONT}>неделя с</text>')
    return _svg(width, height, body, title)


def share_bars(items: list[dict], title: str) -> Markup:
    """One horizontal bar per body: the share on time (0–100 %), with the counts it comes from."""
    rows = [item for item in items if item["share"] is not None]
    width, row_h, left = 760, 22, 300
    height = max(len(rows), 1) * row_h + 30
    body = [f'<line x1="{left}" y1="0" x2="{left}" y2="{height - 20}" stroke="#000" stroke-width="0.5"/>']
    for pct in (0, 50, 100):
        x = left + (width - left - 60) * pct / 100
        body.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" {FONT}>{pct} %</text>')
    for i, item in enumerate(rows):
        y = i * row_h + 4
        w = (width - left - 60) * item["share"]
        name = item["name"] if len(item["name"]) <= 48 else item["name"][:47] + "…"
        body.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" {FONT}>{escape(name)}</text>'
                    f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{row_h - 8}" fill="{PALETTE[0]}">'
                    f'<title>{escape(item["name"])}: {item["share"] * 100:.0f} %</title></rect>'
                    f'<text x="{left + w + 4:.1f}" y="{y + 13}" {FONT}>{item["share"] * 100:.0f} %</text>')
    return _svg(width, height, body, title)


def _base_tiles(project: Projection, tiles: TileTemplate) -> list[str]:
    """The base map's tiles as <image> elements, each stretched over its own box of degrees, under the
    rest of the map; the browser loads them from the template's origin."""
    drawn = ['<g class="base-map">']
    for tile in tile_grid(*project.visible_bounds()):
        x0, y0 = project((tile.west, tile.north))
        x1, y1 = project((tile.east, tile.south))
        drawn.append(f'<image class="base-tile" href={quoteattr(tiles.url(tile.z, tile.x, tile.y))} '
                     f'x="{x0}" y="{y0}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" preserveAspectRatio="none" '
                     f'data-tile="{tile.z}/{tile.x}/{tile.y}"/>')
    drawn.append(f'<text x="{project.width - 4}" y="{project.height - 4}" text-anchor="end" {FONT} '
                 f'fill="#333">Подложка: {escape(tiles.origin)}</text></g>')
    return drawn


def region_map_svg(region: RegionMap, counts: dict[str, int], points: list[dict], names: dict[str, str],
                   title: str, width: int = 760, tiles: TileTemplate | None = None) -> Markup:
    """The region's outline, each municipality's approximate area shaded by its appeals, the
    appeals with coordinates as dots and the centres named; with ``tiles``, over a base map."""
    project = Projection.fitting(region, width)
    highest = max([counts.get(c.id, 0) for c in region.centres] + [1])
    outline = " ".join(f"{x},{y}" for x, y in map(project, region.outline))
    body = [f'<defs><clipPath id="region-outline"><polygon points="{outline}"/></clipPath></defs>',
            *(_base_tiles(project, tiles) if tiles else []),
            '<g clip-path="url(#region-outline)">']
    areas = region.drawn_areas()
    for centre in region.centres:
        n = counts.get(centre.id, 0)
        shade = 0.08 + 0.72 * n / highest if n else 0.0
        for part in areas[centre.id]:
            points_attr = " ".join(f"{x},{y}" for x, y in map(project, part))
            body.append(f'<polygon points="{points_attr}" fill="#c55a11" fill-opacity="{shade:.2f}" stroke="#888" '
                        f'stroke-width="0.5" data-municipality={quoteattr(centre.id)}>'
                        f'<title>{escape(names.get(centre.id, centre.name))}: {n}</title></polygon>')
    body.append("</g>")
    body.append(f'<polygon points="{outline}" fill="none" stroke="#000" stroke-width="1.2"/>')
    for point in points:
        x, y = project((point["long"], point["lat"]))
        body.append(f'<circle cx="{x}" cy="{y}" r="2.2" fill="{PALETTE[0]}" class="appeal-point" '
                    f'data-appeal="{int(point["id"])}"/>')
    for centre in region.centres:
        x, y = project(centre.at)
        n = counts.get(centre.id, 0)
        body.append(f'<circle cx="{x}" cy="{y}" r="1.5" fill="#000"/>')
        if n or centre.id in names:
            label = names.get(centre.id, centre.name)
            body.append(f'<text x="{x + 3}" y="{y - 3}" {FONT}>{escape(label)}{f" — {n}" if n else ""}</text>')
    return _svg(width, project.height, body, title)
