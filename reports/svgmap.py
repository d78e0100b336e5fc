"""A choropleth of the published area outlines as inline SVG: no tiles, no script, readable when printed.

The colours and classes are components.maps.classify's (the app's maps use the same), areas
whose value is not published get a hatch as well as grey, so colour is not the only carrier,
and the boundary of the urban areas is drawn bold. Names are written in the areas they fit in;
every area's name and value is also in the table beside the map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import shapely
from markupsafe import Markup, escape

from components import maps

WIDTH = 1000
LABEL_MIN_PX, LABEL_MAX_PX = 11, 18
CHAR_WIDTH_EM = 0.56  # average width of a system sans-serif letter, in em


@dataclass
class LegendEntry:
    colour: str
    text: str
    hatched: bool = False


@dataclass
class AreaMap:
    svg: Markup
    legend: list[LegendEntry]


def _projector(geometries):
    west, south, east, north = shapely.total_bounds(geometries)
    stretch = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / max((east - west) * stretch, 1e-9)
    height = max((north - south) * scale, 1.0)

    def project(x: float, y: float) -> tuple[float, float]:
        return (x - west) * stretch * scale, (north - y) * scale

    return project, scale, height


def _path(geometry, project) -> str:
    parts = []
    for polygon in shapely.get_parts(geometry):
        rings = [polygon.exterior, *polygon.interiors] if polygon.geom_type == "Polygon" else [polygon]
        for ring in rings:
            points = [project(x, y) for x, y in ring.coords]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def _line_path(geometry, project) -> str:
    parts = []
    for line in shapely.get_parts(geometry):
        points = [project(x, y) for x, y in line.coords]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points))
    return "".join(parts)


def area_map(
    shapes: pd.DataFrame,
    values: pd.Series,
    words,
    *,
    title: str,
    description: str,
    digits: int = 1,
    palette: str = "reds",
) -> AreaMap | None:
    """The map of `values` (indexed by area_code) over `shapes` (published areas with geojson); None without any."""
    shapes = shapes[shapes["geojson"].notna()].sort_values("area_code").reset_index(drop=True)
    if shapes.empty:
        return None
    geometries = shapely.from_geojson(shapes["geojson"].tolist())
    project, scale, height = _projector(geometries)
    # half a pixel: outlines stay exact to the eye and the file stays small
    simplified = shapely.simplify(geometries, 0.5 / scale, preserve_topology=True)
    area_values = shapes["area_code"].map(values)
    colours, classes = maps.classify(area_values, palette)

    areas, candidates = [], []
    for row, geometry, value, colour in zip(shapes.itertuples(), simplified, area_values, colours, strict=True):
        missing = pd.isna(value)
        value_text = words.t("map.not_published") if missing else words.number(value, digits)
        fill = "url(#not-published)" if missing else colour
        areas.append(
            f'<path d="{_path(geometry, project)}" fill="{fill}" stroke="#fff" stroke-width="1">'
            f"<title>{escape(row.name)}: {escape(value_text)}</title></path>"
        )
        label = _label(row.name, geometry, project)
        if label:
            candidates.append(label)
    labels = _without_collisions(candidates)

    urban = [geometry for geometry, side in zip(geometries, shapes["urbanicity"], strict=True) if side == "urban"]
    boundary = ""
    if urban and len(urban) < len(shapes):
        outline = shapely.simplify(shapely.union_all(urban).boundary, 0.5 / scale)
        boundary = (
            f'<path d="{_line_path(outline, project)}" fill="none" stroke="#222" stroke-width="4"'
            ' stroke-linejoin="round"/>'
        )
    view_height = math.ceil(height)
    svg = (
        f'<svg class="area-map" viewBox="-4 -4 {WIDTH + 8} {view_height + 8}" role="img"'
        ' aria-labelledby="map-title map-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="map-title">{escape(title)}</title><desc id="map-desc">{escape(description)}</desc>'
        '<defs><pattern id="not-published" width="8" height="8" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)"><rect width="8" height="8" fill="#d9d9d9"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#777" stroke-width="2"/></pattern></defs>'
        f'<g class="areas">{"".join(areas)}</g>{boundary}<g class="labels" aria-hidden="true">{"".join(labels)}</g>'
        "</svg>"
    )
    legend = [
        LegendEntry(colour, words.t("map.legend_range", low=words.number(low, digits), high=words.number(high, digits)))
        for colour, low, high in classes
    ]
    if area_values.isna().any():
        legend.append(LegendEntry(maps.NO_DATA, words.t("map.legend_not_published"), hatched=True))
    return AreaMap(Markup(svg), legend)


@dataclass
class _Label:
    name: str
    x: float
    y: float
    size: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        half_width = CHAR_WIDTH_EM * self.size * len(self.name) / 2 + 2
        half_height = self.size * 0.6 + 1
        return self.x - half_width, self.y - half_height, self.x + half_width, self.y + half_height

    def svg(self) -> str:
        return (
            f'<text x="{self.x:.1f}" y="{self.y:.1f}" font-size="{self.size:.0f}" text-anchor="middle"'
            f' dominant-baseline="middle">{escape(self.name)}</text>'
        )


def _label(name: str, geometry, project) -> _Label | None:
    """The area's name at a point inside it, sized to fit its width; None when the smallest size does not fit."""
    west, south, east, north = shapely.bounds(geometry)
    x0, y0 = project(west, north)
    x1, y1 = project(east, south)
    width, height = x1 - x0, y1 - y0
    size = round(min(LABEL_MAX_PX, 0.85 * width / (CHAR_WIDTH_EM * max(len(name), 1)), 0.5 * height))
    if size < LABEL_MIN_PX:
        return None
    point = shapely.point_on_surface(geometry)
    x, y = project(point.x, point.y)
    return _Label(name, x, y, size)


def _without_collisions(labels: list[_Label]) -> list[str]:
    """The labels that overlap none placed before them, largest first (ties by name: the same map every time)."""
    placed: list[_Label] = []
    for label in sorted(labels, key=lambda label: (-label.size, label.name)):
        left, top, right, bottom = label.box
        clear = all(
            right < other[0] or other[2] < left or bottom < other[1] or other[3] < top
            for other in (placed_label.box for placed_label in placed)
        )
        if clear:
            placed.append(label)
    return [label.svg() for label in sorted(placed, key=lambda label: label.name)]
