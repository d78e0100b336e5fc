"""Plotly figures and tidy tables built from query results; pure functions of DataFrames."""

from __future__ import annotations

import base64
import re
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go


def subplots(
    rows: int,
    cols: int,
    subplot_titles: list[str] | None = None,
    shared_xaxes: bool = False,
    shared_yaxes: bool = False,
    horizontal_spacing: float | None = None,
    vertical_spacing: float | None = None,
) -> go.Figure:
    """A grid of x/y panels, like plotly's make_subplots for these options, at a fraction of its cost.

    make_subplots spends ~15 ms building its layout through property setters; pages draw
    several grids per rerun, so this writes the same layout as a plain dict. Panels are
    numbered row by row from the top left; `add_trace(..., row=, col=)` and
    `update_yaxes(..., row=, col=)` work as with make_subplots. Shared axes follow
    make_subplots: x shared down each column (labels on the bottom row), y across each row
    (labels on the first column).
    """
    from plotly._subplots import SubplotRef

    if rows < 1 or cols < 1:
        raise ValueError(f"a grid needs at least one row and one column, not {rows} x {cols}")
    horizontal = 0.2 / cols if horizontal_spacing is None else horizontal_spacing
    vertical = 0.3 / rows if vertical_spacing is None else vertical_spacing
    width = (1 - horizontal * (cols - 1)) / cols
    height = (1 - vertical * (rows - 1)) / rows
    layout: dict = {"annotations": []}
    grid_ref = []
    for row in range(rows):
        refs = []
        for col in range(cols):
            number = row * cols + col + 1
            suffix = "" if number == 1 else str(number)
            left = col * (width + horizontal)
            top = 1 - row * (height + vertical)
            # rounded and clipped: float error must not leave a domain a hair outside [0, 1]
            x_domain = [min(max(round(value, 10), 0.0), 1.0) for value in (left, left + width)]
            y_domain = [min(max(round(value, 10), 0.0), 1.0) for value in (top - height, top)]
            x_axis = {"domain": x_domain, "anchor": f"y{suffix}"}
            y_axis = {"domain": y_domain, "anchor": f"x{suffix}"}
            if shared_xaxes and rows > 1:
                bottom = (rows - 1) * cols + col + 1
                if number != bottom:
                    x_axis.update(matches=f"x{'' if bottom == 1 else bottom}", showticklabels=False)
            if shared_yaxes and col > 0:
                first = row * cols + 1
                y_axis.update(matches=f"y{'' if first == 1 else first}", showticklabels=False)
            layout[f"xaxis{suffix}"] = x_axis
            layout[f"yaxis{suffix}"] = y_axis
            refs.append(
                (
                    SubplotRef(
                        "xy", (f"xaxis{suffix}", f"yaxis{suffix}"), {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
                    ),
                )
            )
            titles = subplot_titles or []
            if number <= len(titles) and titles[number - 1]:
                layout["annotations"].append(
                    {
                        "text": titles[number - 1],
                        "x": (x_domain[0] + x_domain[1]) / 2,
                        "y": y_domain[1],
                        "xref": "paper",
                        "yref": "paper",
                        "xanchor": "center",
                        "yanchor": "bottom",
                        "showarrow": False,
                        "font": {"size": 16},
                    }
                )
        grid_ref.append(refs)
    return go.Figure({"layout": layout, "_grid_ref": grid_ref, "_grid_str": ""})


# Okabe-Ito blue and orange: distinguishable with every common colour-vision deficiency.
SIDE_COLOURS = {"Urban": "#0072B2", "Rural": "#E69F00"}
FONT = {"family": "sans-serif", "size": 13}


def ci_bars(value, low, high, colour: str = "#333", thickness: float = 2, width: float | None = None) -> dict:
    """Plotly error_x/error_y for a 95% CI from low to high around value (scalars or Series)."""
    as_list = (lambda v: list(v)) if isinstance(value, pd.Series) else (lambda v: [v])
    bars = {
        "type": "data",
        "symmetric": False,
        "array": as_list(high - value),
        "arrayminus": as_list(value - low),
        "color": colour,
        "thickness": thickness,
    }
    if width is not None:
        bars["width"] = width
    return bars


def urban_rural_table(
    violent: pd.DataFrame, all_crime: pd.DataFrame, trust: pd.DataFrame, totals: pd.DataFrame
) -> pd.DataFrame:
    """One row per side (Urban, Rural) combining crime/yoy, trust/scores and programs/totals.

    violent, all_crime: crime/yoy grouped by urbanicity; trust: trust/scores grouped by
    urbanicity (resident rows are used); totals: programs/totals.
    """
    crime = violent.set_index("group_key")
    every = all_crime.set_index("group_key")
    residents = trust[trust["audience"] == "resident"].set_index("group_key")
    programs = totals.set_index("urbanicity")
    rows = []
    for side in ("urban", "rural"):
        if side not in crime.index and side not in programs.index:
            continue
        population = crime["population"].get(side)
        served = programs["participants_served"].get(side, 0)
        reportable = bool(residents["reportable"].get(side, False))
        rows.append(
            {
                "side": side.capitalize(),
                "population": population,
                "violent_per_1k": crime["rate_per_1k"].get(side),
                "violent_change_pct": crime["change_pct"].get(side),
                "crime_per_1k": every["rate_per_1k"].get(side),
                "trust_0_100": residents["trust_0_100"].get(side) if reportable else None,
                "trust_ci_low": residents["ci_low"].get(side) if reportable else None,
                "trust_ci_high": residents["ci_high"].get(side) if reportable else None,
                "trust_n": residents["n"].get(side, 0),
                "programs_active": programs["programs_active"].get(side, 0),
                "participants_served": served,
                "participants_per_1k": served * 1000 / population if pd.notna(population) and population else None,
            }
        )
    return pd.DataFrame(rows)


def urban_rural_figure(table: pd.DataFrame, period_label: str) -> go.Figure:
    """Four small panels, urban beside rural: violent rate, all-crime rate, trust (95% CI), participants."""
    panels = [
        ("violent_per_1k", "Violent crime (FBI)<br>per 1,000 residents", None),
        ("crime_per_1k", "All crime<br>per 1,000 residents", None),
        ("trust_0_100", "Resident trust index<br>0–100, with 95% CI", ("trust_ci_low", "trust_ci_high")),
        ("participants_per_1k", "Program participants<br>per 1,000 residents", None),
    ]
    figure = subplots(rows=1, cols=len(panels), subplot_titles=[title for _, title, _ in panels])
    for column, (value_column, _, ci_columns) in enumerate(panels, start=1):
        for _, row in table.iterrows():
            value = row[value_column]
            error = None
            if ci_columns and pd.notna(value):
                error = ci_bars(value, row[ci_columns[0]], row[ci_columns[1]], thickness=1.5)
            figure.add_trace(
                go.Bar(
                    x=[row["side"]],
                    y=[value],
                    name=row["side"],
                    marker_color=SIDE_COLOURS[row["side"]],
                    error_y=error,
                    text=["n/a" if pd.isna(value) else f"{value:,.1f}"],
                    # next to an error bar the label goes inside, at the base, so the two never overlap
                    textposition="outside" if error is None else "inside",
                    insidetextanchor="start",
                    hovertemplate=f"{row['side']}: %{{y:,.2f}}<extra></extra>",
                    showlegend=False,
                ),
                row=1,
                col=column,
            )
        figure.update_yaxes(rangemode="tozero", row=1, col=column)
    figure.update_yaxes(range=[0, 100], row=1, col=3)
    figure.update_layout(
        title={"text": f"Urban and rural side by side — {period_label}", "x": 0, "font": {"size": 16}},
        height=340,
        margin={"l": 40, "r": 10, "t": 90, "b": 30},
        font=FONT,
        bargap=0.35,
    )
    figure.update_annotations(font_size=12)
    return figure


def urban_rural_rows(table: pd.DataFrame) -> pd.DataFrame:
    """urban_rural_table turned to one row per measure and a column per side, as text: it reads on a
    phone, and no heading is cut off ('Trust 95% CI high'); the CSV keeps urban_rural_table itself."""
    from components import format as fmt

    sides = list(table["side"])
    rows = []
    for column, (heading, number_format) in URBAN_RURAL_COLUMNS.items():
        if column in ("side", "trust_ci_low", "trust_ci_high"):
            continue
        row = {"measure": heading}
        for side, record in zip(sides, table.to_dict("records"), strict=True):
            value = record[column]
            if column == "trust_0_100" and not fmt.is_missing(value):
                text = f"{fmt.number(value)} (95% CI {fmt.interval(record['trust_ci_low'], record['trust_ci_high'])})"
            elif fmt.is_missing(value):
                text = fmt.MISSING
            else:
                text = (number_format % value) if "," not in number_format else fmt.count(value)
            row[side] = text
        rows.append(row)
    return pd.DataFrame(rows, columns=["measure", *sides])


# column -> (heading, printf-style format) for showing urban_rural_table
URBAN_RURAL_COLUMNS = {
    "side": ("Areas", None),
    "population": ("Residents", "%,d"),
    "violent_per_1k": ("Violent crime (FBI) per 1,000", "%.2f"),
    "violent_change_pct": ("Violent crime (FBI) change vs a year earlier (%)", "%+.1f"),
    "crime_per_1k": ("All crime per 1,000", "%.1f"),
    "trust_0_100": ("Resident trust (0–100)", "%.1f"),
    "trust_ci_low": ("Trust 95% CI low", "%.1f"),
    "trust_ci_high": ("Trust 95% CI high", "%.1f"),
    "trust_n": ("Trust responses (n)", "%,d"),
    "programs_active": ("Programs running", "%d"),
    "participants_served": ("Participants served", "%,d"),
    "participants_per_1k": ("Participants per 1,000", "%.1f"),
}


# --- the responsive rule every chart is drawn with ------------------------------------

# No plotly toolbar: on a phone it covers the chart's title, and every chart's data is the
# CSV button under it.
CHART_CONFIG = {"displayModeBar": False, "displaylogo": False}
_AXIS_KEY = re.compile(r"^([xy])axis(\d*)$")
_AXIS_REF = re.compile(r"^([xy])(\d*)( domain)?$")


# a legend entry's characters per line: with its symbol, 42 characters of 12 px text fit a 390 px phone
LEGEND_LINE_CHARS = 42


def legend_below(figure: go.Figure, title: str | None = None) -> go.Figure:
    """Put the legend in rows under the plot, left-aligned, where it wraps at any width; an entry
    longer than LEGEND_LINE_CHARS is broken into lines at its spaces.

    Placed in pixels below the bottom axis's title, so a legend that wraps to more rows on a
    phone pushes the figure's bottom margin (plotly's automargin) instead of covering the plot.
    """
    layout = figure.layout
    height = layout.height or 450
    margin = layout.margin
    plot_height = max(
        height - (margin.t if margin.t is not None else 100) - (margin.b if margin.b is not None else 80), 60
    )
    titled = any(
        axis.title.text
        for axis in figure.select_xaxes()
        if axis.visible is not False and axis.showticklabels is not False
    )
    below_px = 62 if titled else 36
    for trace in figure.data:  # plotly never wraps a legend entry: a long one runs off a phone's edge
        if trace.name and len(trace.name) > LEGEND_LINE_CHARS and "<br>" not in trace.name:
            trace.name = "<br>".join(textwrap.wrap(trace.name, LEGEND_LINE_CHARS))
    # an entry of n lines is centred on its symbol, so its first line rises half a line per extra line
    lines = max((trace.name.count("<br>") + 1 for trace in figure.data if trace.name), default=1)
    below_px += 8 * (lines - 1)
    figure.update_layout(
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "xref": "paper",
            "y": -below_px / plot_height,
            "yanchor": "top",
            "yref": "paper",
            "title": {"text": title or "", "side": "top left"},
        }
    )
    return figure


def _panel_columns(layout: dict) -> list[list[str]]:
    """The figure's x axes grouped by column of panels (left to right), each as axis numbers ('' for the first)."""
    columns: dict[float, list[str]] = {}
    for key, axis in layout.items():
        match = _AXIS_KEY.match(key)
        if match and match.group(1) == "x":
            left = round(float((axis.get("domain") or [0, 1])[0]), 6)
            columns.setdefault(left, []).append(match.group(2))
    return [columns[left] for left in sorted(columns)]


def _numbers(array) -> pd.Series:
    """A trace's values as numbers, whether a list or plotly's typed array ({"dtype": "f8", "bdata": ...},
    which Figure.to_dict() gives for numpy data: read as a plain list it holds no number at all)."""
    if isinstance(array, dict) and "bdata" in array:
        array = np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).ravel()
    return pd.to_numeric(pd.Series(list(array)), errors="coerce")


def _shared_range(figure: dict, y_names: set[str], from_zero: bool = False) -> list[float] | None:
    """The y range spanning every trace on these y axes (with error bars), as plotly would autorange a shared
    axis; from zero (rangemode "tozero") as bars are."""
    lows, highs, bars = [], [], False
    for trace in figure.get("data", []):
        if trace.get("yaxis", "y") not in y_names or trace.get("y") is None:
            continue
        values = _numbers(trace["y"])
        if values.notna().sum() == 0:
            continue
        error = trace.get("error_y") or {}
        given_up, given_down = error.get("array"), error.get("arrayminus")
        up = (_numbers(given_up) if given_up is not None else pd.Series([0.0] * len(values))).fillna(0)
        down = (_numbers(given_down) if given_down is not None else up).fillna(0)
        lows.append(float((values - down.to_numpy()[: len(values)]).min()))
        highs.append(float((values + up.to_numpy()[: len(values)]).max()))
        bars = bars or trace.get("type") == "bar"
    if not lows:
        return None
    low, high = min(lows), max(highs)
    zero_based = bars or from_zero
    if zero_based:
        low, high = min(low, 0.0), max(high, 0.0)
    pad = (high - low) * 0.06 or 1.0
    return [low if zero_based and low == 0 else low - pad, high if zero_based and high == 0 else high + pad]


def _legend_key(trace: dict) -> str | None:
    """One legend entry per named series (a group such as 'urban' may hold the month and its mean)."""
    return f"{trace.get('legendgroup') or ''}|{trace['name']}" if trace.get("name") else None


def title_lifted(figure: go.Figure) -> go.Figure:
    """The figure without its title, whose room above the plot it gives back; like a panel of
    panel_figures it keeps the title in layout.meta, where the chart can still be found by it."""
    top = figure.layout.margin.t
    meta = figure.layout.meta if isinstance(figure.layout.meta, dict) else {}
    title = figure.layout.title.text or ""
    figure.update_layout(
        title=None, margin_t=min(100 if top is None else top, 40), meta={**meta, "figure_title": title}
    )
    return figure


def panel_figures(figure: go.Figure) -> tuple[str, list[go.Figure]]:
    """Split a grid of panels into one figure per column of panels, and lift out the title.

    Streamlit columns stack vertically on a narrow screen, so drawn one per column the panels
    sit side by side on a laptop and one under another on a phone, where a plotly grid would
    squeeze four panels (and their titles) into 390 px. A figure of one column comes back whole,
    less its title (title_lifted).
    Axes shared across columns keep one common range; subplot titles become the panels' titles.
    """
    whole = figure.to_dict()
    layout = whole.get("layout", {})
    title = (layout.get("title") or {}).get("text") or ""
    columns = _panel_columns(layout)
    if len(columns) <= 1:
        return title, [title_lifted(figure) if title else figure]
    y_of = {
        number: str((layout.get(f"xaxis{number}") or {}).get("anchor", "y"))[1:]
        for group in columns
        for number in group
    }
    # every y axis that matches another (shared_yaxes) shares one range with its whole match group
    shared: dict[str, list[float] | None] = {}
    groups: dict[str, set[str]] = {}
    for key, axis in layout.items():
        match = _AXIS_KEY.match(key)
        if match and match.group(1) == "y" and axis.get("matches"):
            groups.setdefault(axis["matches"], {axis["matches"]}).add(f"y{match.group(2)}")
    for leader, members in groups.items():
        explicit = (layout.get(f"yaxis{leader[1:]}") or {}).get("range")
        # rangemode "tozero" on any axis of the group holds for the whole group, as in plotly's own grid
        axes = [layout.get(f"yaxis{member[1:]}") or {} for member in members]
        from_zero = any(axis.get("rangemode") == "tozero" for axis in axes)
        span = explicit or _shared_range(whole, members, from_zero)
        for member in members:
            shared[member] = span
    in_legend = {_legend_key(t) for t in whole.get("data", []) if t.get("showlegend") is not False and t.get("name")}
    figures = []
    for group in columns:
        renumber = {old: ("" if index == 0 else str(index + 1)) for index, old in enumerate(group)}
        y_renumber = {y_of[old]: new for old, new in renumber.items()}

        def ref(value, renumber=renumber, y_renumber=y_renumber):
            match = _AXIS_REF.match(str(value)) if value is not None else None
            if not match:
                return value
            table = renumber if match.group(1) == "x" else y_renumber
            if match.group(2) not in table:
                return None
            return f"{match.group(1)}{table[match.group(2)]}{match.group(3) or ''}"

        left, right = (layout.get(f"xaxis{group[0]}") or {}).get("domain", [0, 1])
        panel_layout = {
            key: value
            for key, value in layout.items()
            if not _AXIS_KEY.match(key) and key not in ("annotations", "shapes", "title", "template")
        }
        panel_layout["template"] = layout.get("template")
        for old, new in renumber.items():
            x_axis = dict(layout.get(f"xaxis{old}") or {})
            x_axis.update(domain=[0, 1], anchor=f"y{y_renumber[y_of[old]]}")
            if x_axis.get("matches"):
                kept = ref(x_axis["matches"])
                x_axis.pop("matches")
                if kept:
                    x_axis["matches"] = kept
                else:
                    x_axis["showticklabels"] = True
            panel_layout[f"xaxis{new}"] = x_axis
            y_axis = dict(layout.get(f"yaxis{y_of[old]}") or {})
            y_axis["anchor"] = f"x{new}"
            span = shared.get(f"y{y_of[old]}")
            leader = y_axis.pop("matches", None)
            if leader is not None or f"y{y_of[old]}" in shared:
                y_axis["showticklabels"] = True
                if leader is not None and not (y_axis.get("title") or {}).get("text"):
                    # stacked on a phone, every panel needs its own axis title
                    y_axis["title"] = (layout.get(f"yaxis{leader[1:]}") or {}).get("title")
                if span:
                    y_axis.update(range=span, autorange=False)
            panel_layout[f"yaxis{y_renumber[y_of[old]]}"] = y_axis
        annotations = []
        for note in layout.get("annotations", []):
            note = dict(note)
            if note.get("xref", "paper") == "paper":
                if not left - 1e-6 <= float(note.get("x", 0.5)) <= right + 1e-6:
                    continue
                note["x"] = (float(note.get("x", 0.5)) - left) / ((right - left) or 1)
            else:
                note["xref"] = ref(note["xref"])
                if note["xref"] is None:
                    continue
            if note.get("yref", "paper") != "paper":
                note["yref"] = ref(note["yref"])
            annotations.append(note)
        shapes = []
        for shape in layout.get("shapes", []):
            shape = dict(shape)
            shape["xref"], shape["yref"] = ref(shape.get("xref", "x")), ref(shape.get("yref", "y"))
            if shape["xref"] is not None and shape["yref"] is not None:
                shapes.append(shape)
        panel_layout.update(annotations=annotations, shapes=shapes, meta={"figure_title": title})
        margin = dict(panel_layout.get("margin") or {})
        margin["t"] = min(margin.get("t", 100), 60)  # the figure's title is drawn above the columns
        panel_layout["margin"] = margin
        traces = []
        panel_data = [trace for trace in whole.get("data", []) if str(trace.get("xaxis", "x"))[1:] in renumber]
        shown_here = {_legend_key(t) for t in panel_data if t.get("showlegend") is not False and t.get("name")}
        seen: set[str | None] = set()
        for trace in panel_data:
            x_number = str(trace.get("xaxis", "x"))[1:]
            trace = dict(
                trace, xaxis=f"x{renumber[x_number]}", yaxis=f"y{y_renumber[str(trace.get('yaxis', 'y'))[1:]]}"
            )
            key = _legend_key(trace)
            if not trace.get("name"):
                trace["showlegend"] = False  # an unnamed band would read "trace 1"
            elif trace.get("showlegend") is not False:
                trace["showlegend"] = key not in seen
                seen.add(key)
            elif key in in_legend and key not in shown_here and key not in seen:
                # the grid named this series once, in another panel; each panel's legend names what it draws
                trace["showlegend"] = True
                seen.add(key)
            traces.append(trace)
        figures.append(go.Figure({"data": traces, "layout": panel_layout}))
    return title, figures


def note_axis_start(figure: go.Figure) -> go.Figure:
    """A value axis of lines or points that does not start at zero says where it starts, in its title.

    The range is fixed to what the data need (as plotly's autorange would draw it), so the words
    stay true; bar charts start at zero anyway and are left alone.
    """
    whole = figure.to_dict()
    for key in list(whole.get("layout", {})):
        match = _AXIS_KEY.match(key)
        if not match or match.group(1) != "y":
            continue
        name = f"y{match.group(2)}"
        axis = figure.layout[key]
        on_axis = [t for t in whole.get("data", []) if t.get("yaxis", "y") == name]
        if not on_axis or any(t.get("type") == "bar" for t in on_axis) or axis.type not in (None, "-", "linear"):
            continue
        if axis.visible is False or axis.showticklabels is False:
            continue
        span = list(axis.range) if axis.range is not None else _shared_range(whole, {name})
        if not span or span[0] is None or float(span[0]) <= 0:
            continue
        low = float(span[0])
        axis.update(range=span, autorange=False)
        title = axis.title.text or ""
        if "axis starts at" not in title:
            note = f"axis starts at {low:,.0f}" if abs(low) >= 10 else f"axis starts at {low:,.2g}"
            axis.update(title_text=f"{title} — {note}" if title else note.capitalize())
    return figure
