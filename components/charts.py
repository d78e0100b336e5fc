"""Plotly figures and tidy tables built from query results; pure functions of DataFrames."""

from __future__ import annotations

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
