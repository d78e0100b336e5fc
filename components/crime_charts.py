"""Crime trend figures and tables from crime/rolling and crime/yoy; pure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components.charts import FONT, SIDE_COLOURS, subplots

# Offence sets a page offers: the FBI UCR classes, NIBRS's crimes against persons beside them, or all.
CLASS_LABELS = {
    "violent": "Violent crime (FBI)",
    "property": "Property crime (FBI)",
    "person": "Crimes against persons (NIBRS)",
    "other": "Other offences",
    "all": "All offences",
}


def class_selection(choice: str) -> dict[str, str | None]:
    """The crime query parameters of a CLASS_LABELS choice: an FBI class, or NIBRS crimes against persons."""
    if choice == "person":
        return {"crime_class": "all", "crimes_against": "person"}
    return {"crime_class": choice, "crimes_against": None}


def categories_in(categories: pd.DataFrame, choice: str) -> pd.DataFrame:
    """The rows of meta/categories that can hold offences of a CLASS_LABELS choice."""
    if choice == "all":
        return categories
    if choice == "person":
        return categories[categories["crimes_against"].map(lambda values: "person" in list(values))]
    return categories[categories["crime_classes"].map(lambda values: choice in list(values))]


def trend_figure(rolling: pd.DataFrame, title: str) -> go.Figure:
    """Monthly rate per 1,000 with its 12-month rolling mean; one panel per side, shared y-axis.

    rolling: crime/rolling grouped by urbanicity.
    """
    sides = [side for side in ("urban", "rural") if side in set(rolling["group_key"])] or ["urban"]
    figure = subplots(
        rows=1,
        cols=len(sides),
        shared_yaxes=True,
        subplot_titles=[side.capitalize() for side in sides],
        horizontal_spacing=0.04,
    )
    for column, side in enumerate(sides, start=1):
        frame = rolling[rolling["group_key"] == side]
        colour = SIDE_COLOURS[side.capitalize()]
        hover = (
            "%{x|%b %Y}<br>%{customdata[0]:,} offences<br>%{y:.2f} per 1,000 residents"
            "<br>12-month mean %{customdata[1]:.2f} per 1,000<extra>" + side.capitalize() + "</extra>"
        )
        custom = frame[["incidents", "rolling_12m_rate_per_1k"]].to_numpy()
        figure.add_trace(
            go.Scatter(
                x=frame["month"],
                y=frame["rate_per_1k"],
                mode="lines+markers",
                name=f"{side.capitalize()}: month",
                line={"color": colour, "width": 1},
                marker={"size": 4},
                opacity=0.55,
                customdata=custom,
                hovertemplate=hover,
                legendgroup=side,
            ),
            row=1,
            col=column,
        )
        figure.add_trace(
            go.Scatter(
                x=frame["month"],
                y=frame["rolling_12m_rate_per_1k"],
                mode="lines",
                name=f"{side.capitalize()}: 12-month mean",
                line={"color": colour, "width": 3},
                customdata=custom,
                hovertemplate=hover,
                legendgroup=side,
            ),
            row=1,
            col=column,
        )
    figure.update_yaxes(title_text="Offences per 1,000 residents, per month", row=1, col=1, rangemode="tozero")
    figure.update_xaxes(title_text="Month")
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        height=420,
        margin={"l": 60, "r": 10, "t": 80, "b": 40},
        font=FONT,
        legend={"orientation": "h", "y": -0.18, "x": 0},
        hovermode="x unified",
    )
    return figure


def yoy_table(yoy: pd.DataFrame) -> pd.DataFrame:
    """crime/yoy rows for display: a change marker that reads without colour."""

    def marker(row) -> str:
        if fmt.is_missing(row["significant"]):  # a count of 1-9 hidden under the public rules
            return "– not shown for counts under 10"
        if not row["significant"]:
            return "– within chance"
        return "▲ significant rise" if row["incidents"] > row["incidents_prior"] else "▼ significant fall"

    table = yoy.copy()
    table["change"] = table.apply(marker, axis=1) if len(table) else pd.Series(dtype=str)
    table["side"] = table["urbanicity"].str.capitalize()
    return table


YOY_COLUMNS = {
    "group_label": ("Area", None),
    "side": ("Urban / rural", None),
    "incidents": ("Offences", "%,d"),
    "incidents_prior": ("A year earlier", "%,d"),
    "change_pct": ("Change (%)", "%+.1f"),
    "rate_per_1k": ("Per 1,000 residents", "%.2f"),
    "rate_per_1k_prior": ("Per 1,000 a year earlier", "%.2f"),
    "p_value": ("Exact p", "%.3f"),
    "change": ("Change vs chance (p < 0.05)", None),
}


def yoy_columns(table: pd.DataFrame) -> dict[str, tuple[str, str | None]]:
    """YOY_COLUMNS, with counts as the text a director reads ("<10") where the runner hid small ones."""
    columns = {}
    for column, spec in YOY_COLUMNS.items():
        if f"{column}_shown" in table.columns:
            columns[f"{column}_shown"] = (spec[0], None)
        else:
            columns[column] = spec
    return columns
