"""Figures and tables for the public transparency page, from the published tables only; pure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.charts import FONT, SIDE_COLOURS, subplots

CLASS_WORDS = {"violent": "violent", "property": "property", "other": "other"}
# a primary cell is a count from 1 to 9; a complementary one can be any size, hidden only so
# that a primary cell cannot be worked out from a total
HIDDEN_WORDS = {
    "primary": "fewer than 10, not published",
    "complementary": "hidden to protect a small count",
    "rolled_up": "in a city-wide total below 10",
}
HIDDEN_SYMBOLS = {"primary": "circle-open", "complementary": "x-thin-open", "rolled_up": "line-ew-open"}


def manifest_values(manifest: pd.DataFrame) -> dict[str, str]:
    return dict(zip(manifest["key"], manifest["value"], strict=True))


def crime_trend_figure(by_side: pd.DataFrame, crime_class: str) -> go.Figure:
    """Monthly recorded offences, one panel per side (each on its own scale: rural counts are far smaller).

    Hidden small counts are drawn as open markers on the axis, never as zero.
    """
    rows = by_side[by_side["crime_class"] == crime_class]
    sides = [side for side in ("urban", "rural") if side in set(rows["urbanicity"])]
    figure = subplots(
        rows=max(len(sides), 1),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.12,
        subplot_titles=[f"{side.capitalize()} areas" for side in sides],
    )
    for row_number, side in enumerate(sides, start=1):
        frame = rows[rows["urbanicity"] == side].sort_values("month")
        colour = SIDE_COLOURS[side.capitalize()]
        figure.add_trace(
            go.Scatter(
                x=frame["month"],
                y=frame["incidents"],
                name=side.capitalize(),
                mode="lines+markers",
                line={"color": colour, "width": 2},
                marker={"size": 4},
                hovertemplate="%{x|%b %Y}: %{y:,} offences<extra>" + side.capitalize() + "</extra>",
            ),
            row=row_number,
            col=1,
        )
        for status, words in HIDDEN_WORDS.items():
            hidden = frame[frame["incidents_suppressed"] == status]
            if len(hidden):
                figure.add_trace(
                    go.Scatter(
                        x=hidden["month"],
                        y=[0] * len(hidden),
                        name=f"{side.capitalize()}: {words}",
                        mode="markers",
                        marker={"symbol": HIDDEN_SYMBOLS[status], "size": 8, "color": colour},
                        hovertemplate="%{x|%b %Y}: " + words + "<extra></extra>",
                    ),
                    row=row_number,
                    col=1,
                )
        figure.update_yaxes(title_text="Offences", rangemode="tozero", row=row_number, col=1)
    figure.update_layout(
        title={"text": f"Recorded {CLASS_WORDS[crime_class]} offences per month", "x": 0, "font": {"size": 16}},
        height=220 + 180 * len(sides),
        margin={"l": 50, "r": 10, "t": 70, "b": 40},
        font=FONT,
        legend={"orientation": "h", "y": -0.12, "x": 0},
    )
    return figure


def trust_figure(trust: pd.DataFrame) -> go.Figure:
    """Residents' trust by quarter with 95% bands, urban and rural; unstable estimates marked."""
    figure = go.Figure()
    residents = trust[(trust["audience"] == "resident") & trust["published"].fillna(False).astype(bool)]
    for side in ("urban", "rural"):
        frame = residents[residents["urbanicity"] == side].sort_values("quarter_start")
        if frame.empty:
            continue
        colour = SIDE_COLOURS[side.capitalize()]
        figure.add_trace(
            go.Scatter(
                x=list(frame["quarter_start"]) + list(frame["quarter_start"])[::-1],
                y=list(frame["ci_high"]) + list(frame["ci_low"])[::-1],
                fill="toself",
                fillcolor=colour,
                opacity=0.15,
                line={"width": 0},
                hoverinfo="skip",
                name=f"{side.capitalize()}: 95% interval",
                showlegend=True,
            )
        )
        symbols = ["diamond-open" if flagged else "circle" for flagged in frame["rse_flag"].fillna(False)]
        figure.add_trace(
            go.Scatter(
                x=frame["quarter_start"],
                y=frame["trust_0_100"],
                name=side.capitalize(),
                mode="lines+markers",
                line={"color": colour, "width": 2},
                marker={"symbol": symbols, "size": 8},
                customdata=frame[["quarter", "ci_low", "ci_high"]]
                .assign(residents=frame["n"].map(lambda n: "fewer than 10" if pd.isna(n) else f"{int(n):,}"))
                .to_numpy(),
                hovertemplate=(
                    "%{customdata[0]}: %{y:.1f} (95% CI %{customdata[1]:.1f}–%{customdata[2]:.1f}), "
                    "%{customdata[3]} residents<extra>" + side.capitalize() + "</extra>"
                ),
            )
        )
    figure.update_layout(
        title={"text": "Residents' trust in the police, 0–100, by quarter", "x": 0, "font": {"size": 16}},
        xaxis_title="Quarter",
        yaxis_title="Trust index (0–100)",
        yaxis_range=[0, 100],
        height=360,
        margin={"l": 50, "r": 10, "t": 60, "b": 40},
        font=FONT,
        legend={"orientation": "h", "y": -0.25, "x": 0},
    )
    return figure


PARTNERSHIP_COLUMNS = {
    "partnership_name": ("Partnership", None),
    "nonprofit_name": ("With", None),
    "description": ("What it does", None),
    "status": ("Status", None),
    "start_date": ("Since", "date"),
    "urbanicity": ("Urban / rural", None),
    "area_names": ("Areas", None),
    "programs": ("Programs", "%d"),
}
