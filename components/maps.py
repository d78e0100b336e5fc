"""Choropleth maps of areas (pydeck) with a class legend; pure functions of DataFrames.

No basemap: `map_provider=None` keeps the browser from fetching tiles, so the map is the
area outlines themselves on a plain background, with the city limit drawn bold so the
urban/rural split reads at a glance.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from components import format as fmt

# ColorBrewer 5-class schemes, all safe for the common forms of colour blindness.
PALETTES = {
    "reds": ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"],
    "blues": ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
    "greens": ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"],
    # diverging, blue = fewer / lower, red = more / higher
    "diverging": ["#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b"],
}
NO_DATA = "#d9d9d9"
CITY_LIMIT = [34, 34, 34, 255]
AREA_EDGE = [255, 255, 255, 220]

# Program sites are coloured by focus with Paul Tol's "muted" qualitative scheme (built to stay
# distinct under the common colour-vision deficiencies) plus black for the tenth focus.
# The keys are the schema's fixed list of program focus areas.
FOCUS_COLOURS = {
    "youth": "#332288",
    "mental_health": "#88CCEE",
    "homelessness": "#44AA99",
    "substance_use": "#117733",
    "domestic_violence": "#999933",
    "violence_prevention": "#DDCC77",
    "neighbourhood_safety": "#CC6677",
    "reentry": "#882255",
    "victim_services": "#AA4499",
    "community_engagement": "#000000",
}
OTHER_FOCUS = "#777777"
SITE_EDGE = [255, 255, 255, 255]


def focus_label(focus: str) -> str:
    """'mental_health' -> 'Mental health'."""
    return str(focus).replace("_", " ").capitalize()


@dataclass(frozen=True)
class MapMetric:
    """How one value per area is named, formatted and coloured."""

    label: str
    unit: str
    palette: str = "blues"
    digits: int = 1
    title: str = ""  # the legend's title with the unit: "Violent crime, offences per 1,000 residents"

    @property
    def legend_title(self) -> str:
        return self.title or self.label

    def text(self, value: object) -> str:
        if fmt.is_missing(value):
            return "no data"
        return f"{fmt.number(value, self.digits)}{self.unit}"


# What an area map can be coloured by: the query giving one value per area (run with the
# period and urban/rural filter), its other parameters, the area-code and value columns, and
# how the value is shown. Shared by the Overview and the Map page.
AREA_MEASURES = {
    "Violent crime (FBI) per 1,000 residents": (
        "crime/yoy",
        {"group_by": "area", "crime_class": "violent"},
        "group_key",
        "rate_per_1k",
        MapMetric("Violent crime (FBI) per 1,000", "", "reds", 2, "Violent crime (FBI), offences per 1,000 residents"),
    ),
    "Crimes against persons (NIBRS) per 1,000 residents": (
        "crime/yoy",
        {"group_by": "area", "crime_class": "all", "crimes_against": "person"},
        "group_key",
        "rate_per_1k",
        MapMetric(
            "Crimes against persons per 1,000",
            "",
            "reds",
            2,
            "Crimes against persons (NIBRS), offences per 1,000 people",
        ),
    ),
    "All crime per 1,000 residents": (
        "crime/yoy",
        {"group_by": "area", "crime_class": "all"},
        "group_key",
        "rate_per_1k",
        MapMetric("Crime per 1,000", "", "reds", 1, "All crime, offences per 1,000 residents"),
    ),
    "Change in crime vs a year earlier (%)": (
        "crime/yoy",
        {"group_by": "area", "crime_class": "all"},
        "group_key",
        "change_pct",
        MapMetric("Change in crime", "%", "diverging", 1, "Change in crime vs the same months a year earlier (%)"),
    ),
    "Resident trust index (0–100)": (
        "trust/scores",
        {"group_by": "area"},
        "group_key",
        "trust_0_100",
        MapMetric("Resident trust", "", "blues", 1, "Resident trust index (0–100)"),
    ),
    "Programs running": (
        "programs/by_area",
        {},
        "area_code",
        "programs_active",
        MapMetric("Programs running", "", "greens", 0, "Programs running in the area (count)"),
    ),
    "Program participants per 1,000 residents": (
        "programs/by_area",
        {},
        "area_code",
        "participants_per_1k",
        MapMetric("Participants per 1,000", "", "greens", 1, "Program participants per 1,000 residents"),
    ),
}


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]


def classify(values: pd.Series, palette: str) -> tuple[list[str], list[tuple[str, float, float]]]:
    """Give each value a colour; return the colours and the classes (colour, low, high).

    Sequential palettes use quantile classes (robust to one extreme area); the diverging
    palette uses classes symmetric around zero so that the middle colour means "no change".
    """
    colours = PALETTES[palette]
    known = values.dropna().astype(float)
    if known.empty:
        return [NO_DATA] * len(values), []
    if palette == "diverging":
        extent = max(abs(known.min()), abs(known.max())) or 1.0
        edges = np.array([-1.0, -0.6, -0.2, 0.2, 0.6, 1.0]) * extent
    else:
        # edges are values of real areas (the lower of two at a split), so a legend never shows a number no area has
        edges = np.unique(np.quantile(known, np.linspace(0, 1, len(colours) + 1), method="lower"))
        if len(edges) == 1:
            edges = np.array([edges[0], edges[0]])
    class_count = len(edges) - 1
    # spread the classes over the palette so that 2 classes are light and dark, not light and lighter
    palette_index = np.linspace(0, len(colours) - 1, class_count).round().astype(int)
    assigned = []
    for value in values:
        if fmt.is_missing(value):
            assigned.append(NO_DATA)
            continue
        position = int(np.searchsorted(edges[1:-1], float(value), side="right"))
        assigned.append(colours[palette_index[position]])
    classes = [(colours[palette_index[i]], float(edges[i]), float(edges[i + 1])) for i in range(class_count)]
    return assigned, classes


NO_OUTLINES = (
    "No area outlines are held yet: import a boundary file (GeoJSON or shapefile) of these areas to draw the map."
)


def has_outlines(shapes: pd.DataFrame) -> bool:
    """Whether any of these areas/shapes rows has a shape to draw (areas imported from a CSV have none)."""
    return bool(shapes["geojson"].notna().any())


def extent(geometries) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the geometries; west > 180 when they lie across the antimeridian.

    Alaska's Aleutians (and Pacific islands) come as parts on both sides of ±180°: their
    plain bounds span the globe. Counting parts wholly west of 0° as 360° further east
    gives the narrower span, and the view is centred there.
    """
    bounds = shapely.bounds(shapely.get_parts(np.asarray(geometries)))
    west, south, east, north = bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()
    western = bounds[:, 2] <= 0
    shifted_west = np.where(western, bounds[:, 0] + 360, bounds[:, 0]).min()
    shifted_east = np.where(western, bounds[:, 2] + 360, bounds[:, 2]).max()
    if shifted_east - shifted_west < east - west:
        west, east = shifted_west, shifted_east
    return float(west), float(south), float(east), float(north)


def _view(shapes: pd.DataFrame, width_px: int = 900, height_px: int = 520) -> pdk.ViewState:
    """Centre on the areas at the largest zoom that fits them in a map of about this size."""
    west, south, east, north = extent(shapely.from_geojson(shapes["geojson"].dropna().tolist()))
    # deck.gl's Web Mercator: 512 x 2^zoom pixels span 360 degrees of longitude; latitude
    # is stretched by 1 / cos(latitude)
    stretch = 1 / np.cos(np.radians((south + north) / 2))
    zoom_x = np.log2(width_px * 360 / (512 * max(east - west, 1e-6)))
    zoom_y = np.log2(height_px * 360 / (512 * max(north - south, 1e-6) * stretch))
    zoom = float(np.clip(min(zoom_x, zoom_y) - 0.1, 1, 16))
    longitude = ((west + east) / 2 + 180) % 360 - 180
    return pdk.ViewState(latitude=(south + north) / 2, longitude=longitude, zoom=zoom, pitch=0)


def area_map(
    shapes: pd.DataFrame,
    values: pd.Series,
    metric: MapMetric,
    *,
    reasons: pd.Series | None = None,
    sites: pd.DataFrame | None = None,
) -> tuple[pdk.Deck, list]:
    """A choropleth of `values` (indexed by area_code) over `shapes` (areas/shapes rows).

    reasons (indexed by area_code) says why an area without a value is grey, in its tooltip;
    sites (programs/sites rows) adds the program sites as points coloured by focus.
    Returns the deck and its legend classes (colour, low, high) for `class_legend`.
    """
    shapes = shapes[shapes["geojson"].notna()].reset_index(drop=True)
    area_values = shapes["area_code"].map(values)
    area_reasons = shapes["area_code"].map(reasons) if reasons is not None else pd.Series(None, index=shapes.index)
    colours, classes = classify(area_values, metric.palette)
    features = []
    for row, value, colour, reason in zip(shapes.itertuples(), area_values, colours, area_reasons, strict=True):
        value_text = metric.text(value)
        if fmt.is_missing(value) and not fmt.is_missing(reason):
            value_text = f"not shown, {reason}"
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(row.geojson),
                "properties": {
                    "name": row.name,
                    "urbanicity": "Urban" if row.urbanicity == "urban" else "Rural",
                    "value_text": f"{metric.label}: {value_text}",
                    "population_text": f"Population: {fmt.count(row.population)}",
                    "fill": [*_rgb(colour), 230],
                },
            }
        )
    urban = shapes.loc[shapes["urbanicity"] == "urban", "geojson"].tolist()
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            {"type": "FeatureCollection", "features": features},
            id="areas",
            pickable=True,
            stroked=True,
            filled=True,
            get_fill_color="properties.fill",
            get_line_color=AREA_EDGE,
            line_width_min_pixels=1,
        )
    ]
    if urban:
        city_limit = shapely.union_all(shapely.from_geojson(urban)).boundary
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                {"type": "Feature", "geometry": json.loads(shapely.to_geojson(city_limit)), "properties": {}},
                id="city-limit",
                pickable=False,
                stroked=True,
                filled=False,
                get_line_color=CITY_LIMIT,
                line_width_min_pixels=3,
            )
        )
    if sites is not None and not sites.empty:
        layers.append(_sites_layer(sites, metres_per_pixel(shapes)))
    deck = pdk.Deck(
        layers=layers,
        initial_view_state=_view(shapes),
        # no map_style: pydeck then sends its "theme" sentinel, which Streamlit's frontend reads as no
        # basemap; map_style=None would make it fetch Carto's positron style from basemaps.cartocdn.com
        map_provider=None,
        # "text", not "html": area names come from imported files and must not become markup
        tooltip={"text": "{name} ({urbanicity})\n{value_text}\n{population_text}"},
    )
    return deck, classes


# Sites closer than about a kilometre are drawn as one circle sized by how many it holds, so a
# downtown block with eight sites reads as eight, not as one dot on top of seven.
CLUSTER_DEGREES = 0.01
MIXED_FOCUS = "several"
MIXED_COLOUR = "#444444"
_EARTH_CIRCUMFERENCE_M = 40_075_016.686


def site_clusters(sites: pd.DataFrame, cell_degrees: float = CLUSTER_DEGREES) -> pd.DataFrame:
    """programs/sites rows grouped into cells of `cell_degrees`: one row per cell with its sites' mean
    position, how many sites, their focus (or MIXED_FOCUS) and the words of its tooltip."""
    if sites.empty:
        return pd.DataFrame(
            columns=["lat", "lon", "sites", "focus", "name", "urbanicity", "value_text", "population_text"]
        )
    cells = sites.assign(
        cell_lat=(sites["lat"] / cell_degrees).round().astype("int64"),
        cell_lon=(sites["lon"] / cell_degrees).round().astype("int64"),
    )
    rows = []
    for _, members in cells.groupby(["cell_lat", "cell_lon"], sort=True):
        focuses = sorted(members["focus"].unique())
        count = len(members)
        programs = [
            f"{name} ({focus_label(focus).lower()})"
            for name, focus in zip(members["program_name"], members["focus"], strict=True)
        ]
        shown = sorted(dict.fromkeys(programs))
        rows.append(
            {
                "lat": float(members["lat"].mean()),
                "lon": float(members["lon"].mean()),
                "sites": count,
                "focus": focuses[0] if len(focuses) == 1 else MIXED_FOCUS,
                "name": members["site_name"].iloc[0] if count == 1 else f"{count} program sites",
                "urbanicity": "Urban" if (members["urbanicity"] == "urban").mean() >= 0.5 else "Rural",
                "value_text": ("Program: " if len(shown) == 1 else "Programs: ")
                + "; ".join(shown[:6])
                + (f"; and {len(shown) - 6} more" if len(shown) > 6 else ""),
                "population_text": "Run by " + ", ".join(sorted(members["nonprofit_name"].unique())),
            }
        )
    return pd.DataFrame(rows)


def metres_per_pixel(shapes: pd.DataFrame) -> float:
    """Ground metres per screen pixel at the map's first view (deck.gl's 512-pixel Web Mercator world)."""
    view = _view(shapes[shapes["geojson"].notna()])
    return _EARTH_CIRCUMFERENCE_M * math.cos(math.radians(view.latitude)) / (512 * 2**view.zoom)


def site_radius_pixels(sites: int) -> float:
    """A cluster's radius on screen at the first view: its area grows with the number of sites."""
    return min(5 + 4 * (math.sqrt(sites) - 1), 22)


def _sites_layer(sites: pd.DataFrame, metres_per_px: float) -> pdk.Layer:
    """Program sites as clustered circles; fields named as the areas' (one tooltip serves the deck)."""
    clusters = site_clusters(sites)
    points = [
        {
            "name": cluster.name,
            "urbanicity": cluster.urbanicity,
            "value_text": cluster.value_text,
            "population_text": cluster.population_text,
            "sites": int(cluster.sites),
            "position": [cluster.lon, cluster.lat],
            "radius": site_radius_pixels(cluster.sites) * metres_per_px,
            "fill": [
                *_rgb(MIXED_COLOUR if cluster.focus == MIXED_FOCUS else FOCUS_COLOURS.get(cluster.focus, OTHER_FOCUS)),
                235,
            ],
        }
        for cluster in clusters.itertuples()
    ]
    return pdk.Layer(
        "ScatterplotLayer",
        points,
        id="program-sites",
        pickable=True,
        stroked=True,
        filled=True,
        get_position="position",
        get_fill_color="fill",
        get_line_color=SITE_EDGE,
        # radii in metres, sized in pixels for the first view; clamped so they stay readable when zoomed
        get_radius="radius",
        radius_min_pixels=4,
        radius_max_pixels=40,
        get_line_width=1,
        line_width_min_pixels=1.5,
    )


def area_table(
    shapes: pd.DataFrame, values: pd.Series, metric: MapMetric, reasons: pd.Series | None = None
) -> pd.DataFrame:
    """The map as a table: one row per area with its value, and why it is blank when it is."""
    table = shapes[["area_code", "name", "urbanicity", "population"]].copy()
    table["urbanicity"] = table["urbanicity"].map({"urban": "Urban", "rural": "Rural"})
    table["value"] = table["area_code"].map(values).astype("float64")
    missing = table["value"].isna()
    table["note"] = ""
    why = table.loc[missing, "area_code"].map(reasons).astype(object) if reasons is not None else None
    table.loc[missing, "note"] = "no data" if why is None else why.fillna("no data")
    return table.sort_values(["urbanicity", "name"], ascending=[False, True]).reset_index(drop=True)


def site_table(sites: pd.DataFrame) -> pd.DataFrame:
    """Program sites as a table, without coordinates: a shelter's location is shown on the map only."""
    table = sites[["site_name", "program_name", "focus", "nonprofit_name", "area_name", "urbanicity"]].copy()
    table["focus"] = table["focus"].map(focus_label)
    table["urbanicity"] = table["urbanicity"].map({"urban": "Urban", "rural": "Rural"})
    return table.sort_values(["urbanicity", "nonprofit_name", "site_name"], ascending=[False, True, True])


def _swatch_html(colour: str, text: str, shape: str = "square", size_px: int = 14) -> str:
    radius = "50%" if shape == "circle" else "2px"
    return (
        '<li style="display:flex;align-items:center;gap:6px;max-width:100%">'
        f'<span style="display:inline-block;width:{size_px}px;height:{size_px}px;border-radius:{radius};'
        f'background:{html.escape(colour)};border:1px solid #555;flex:none"></span>'
        f"<span>{html.escape(text)}</span></li>"
    )


def legend_html(title: str, items: list[str], note: str | None = None) -> str:
    """One legend for every map: a title with the unit, then items that wrap onto more lines on a phone.

    Items come from `_swatch_html`; every word is escaped here, so it is safe for st.html.
    """
    note_html = f'<div style="color:#666;font-size:0.85rem">{html.escape(note)}</div>' if note else ""
    return (
        f'<div class="bb-legend" role="group" aria-label="{html.escape(title)}"'
        ' style="font-size:0.9rem;margin:4px 0 8px">'
        f'<div class="bb-legend-title" style="font-weight:600;margin-bottom:4px">{html.escape(title)}</div>'
        '<ul style="display:flex;flex-wrap:wrap;gap:4px 18px;list-style:none;margin:0;padding:0">'
        + "".join(items)
        + f"</ul>{note_html}</div>"
    )


def class_legend(
    classes: list[tuple[str, float, float]],
    metric: MapMetric,
    has_missing: bool,
    missing_label: str = "no data",
    city_limit: bool = True,
) -> str:
    """The choropleth's legend: the metric's title and unit, a square per class with its range, 'no data'."""
    items = [
        _swatch_html(colour, f"{fmt.number(low, metric.digits)} – {fmt.number(high, metric.digits)}{metric.unit}")
        for colour, low, high in classes
    ]
    if has_missing:
        items.append(_swatch_html(NO_DATA, missing_label))
    if city_limit:
        items.append(
            '<li style="display:flex;align-items:center;gap:6px;max-width:100%">'
            '<span style="display:inline-block;width:22px;border-top:3px solid #222;flex:none"></span>'
            "<span>city limit (urban inside, rural outside)</span></li>"
        )
    return legend_html(metric.legend_title, items)


def sites_legend(sites: pd.DataFrame) -> str:
    """The sites' legend (programs/sites rows): a dot per program focus, and what a larger circle means."""
    clusters = site_clusters(sites)
    focuses = sorted({focus for focus in clusters["focus"] if focus != MIXED_FOCUS})
    items = [_swatch_html(FOCUS_COLOURS.get(focus, OTHER_FOCUS), focus_label(focus), "circle") for focus in focuses]
    if (clusters["focus"] == MIXED_FOCUS).any():
        items.append(_swatch_html(MIXED_COLOUR, "sites of several focuses", "circle"))
    largest = int(clusters["sites"].max()) if len(clusters) else 1
    for sites in sorted({1, max(largest // 2, 1), largest}):
        diameter = 2 * round(site_radius_pixels(sites))
        items.append(_swatch_html("#ffffff", f"{sites} {'site' if sites == 1 else 'sites'}", "circle", diameter))
    return legend_html(
        "Program sites, by focus; circle size = sites within about 1 km",
        items,
        "Sizes as first drawn; zoom in to separate them.",
    )
