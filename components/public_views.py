"""Figures of the public report, from the published tables only (queries/public); pure.

The app's Public report page and the static site (reports.site) draw the same figures from
the same query results; every word on them comes from `words` (reports.i18n.Words), so the
Spanish site gets Spanish axes and legends. Colour is never the only carrier: urban and rural
also differ by line dash, marker symbol and bar pattern, and every figure has a table of its
values beside it (components.public_text).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.charts import FONT, SIDE_COLOURS, subplots

SIDES = ("urban", "rural")
COLOURS = {"urban": SIDE_COLOURS["Urban"], "rural": SIDE_COLOURS["Rural"]}
DASHES = {"urban": "solid", "rural": "dash"}
SYMBOLS = {"urban": "circle", "rural": "square"}
PATTERNS = {"urban": "", "rural": "/"}
NOT_PUBLISHED_SYMBOL = "circle-open"
# Okabe-Ito colours, each source with its own bar pattern as well
SOURCE_COLOURS = {
    "agency": "#0072B2",
    "grant": "#009E73",
    "nonprofit": "#E69F00",
    "private": "#CC79A7",
    "in_kind": "#56B4E9",
}
SOURCE_PATTERNS = {"agency": "", "grant": "/", "nonprofit": ".", "private": "x", "in_kind": "-"}
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "x": 0, "xanchor": "left"}


def manifest_values(manifest: pd.DataFrame) -> dict[str, str]:
    return dict(zip(manifest["key"], manifest["value"], strict=True))


def _layout(figure: go.Figure, title: str, height: int, legend_y: float = -0.18, bottom: int = 70) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        height=height,
        margin={"l": 56, "r": 12, "t": 64, "b": bottom},
        font=FONT,
        legend={**LEGEND_BELOW, "y": legend_y},
        hoverlabel={"namelength": -1},
    )
    return figure


def has_points(figure: go.Figure) -> bool:
    """Whether a figure draws anything: an empty one is left out, and its sentence says why."""
    for trace in figure.data:
        values = trace.values if trace.type == "pie" else trace.y
        if values is not None and any(value is not None and not pd.isna(value) for value in values):
            return True
    return False


def series_value_column(rows: pd.DataFrame) -> str:
    """Rates where the side has a known population, otherwise counts (an area without population is not rated)."""
    return "rate_per_1k" if rows["rate_per_1k"].notna().any() else "incidents"


def crime_rate_figure(series: pd.DataFrame, crime_class: str, words) -> go.Figure:
    """Offences of one class per 1,000 residents, a panel per side on its own scale (public/crime_series rows).

    A side published month by month is a monthly line; a side whose months are partly hidden is
    drawn by calendar year (the coarser published grain), and a year that is not published either
    is an open marker on the axis, never a zero.
    """
    rows = series[(series["crime_class"] == crime_class) & series["side"].isin(SIDES)]
    # a side with nothing published gets no empty panel: the sentence and table beside the chart say so
    sides = [side for side in SIDES if rows.loc[rows["side"] == side, "is_published"].any()]
    titles = []
    for side in sides:
        grain = rows.loc[rows["side"] == side, "grain"].iloc[0]
        titles.append(words.t(f"charts.crime.panel_{grain}", side=words.choice("side", side)))
    figure = subplots(
        rows=max(len(sides), 1), cols=1, vertical_spacing=0.2 if len(sides) > 1 else None, subplot_titles=titles
    )
    for row_number, side in enumerate(sides, start=1):
        frame = rows[rows["side"] == side].sort_values("period_start")
        grain = frame["grain"].iloc[0]
        value = series_value_column(frame)
        shown = frame[frame["is_published"]]
        hover_value = "%{y:,.2f}" if value == "rate_per_1k" else "%{y:,}"
        date_format = "%b %Y" if grain == "month" else "%Y"
        figure.add_trace(
            go.Scatter(
                x=shown["period_start"],
                y=shown[value],
                name=words.choice("side", side),
                mode="lines+markers",
                line={"color": COLOURS[side], "width": 2, "dash": DASHES[side]},
                marker={"size": 4 if grain == "month" else 8, "symbol": SYMBOLS[side]},
                hovertemplate=f"%{{x|{date_format}}}: {hover_value}<extra>{words.choice('side', side)}</extra>",
            ),
            row=row_number,
            col=1,
        )
        hidden = frame[~frame["is_published"]]
        if len(hidden):
            figure.add_trace(
                go.Scatter(
                    x=hidden["period_start"],
                    y=[0] * len(hidden),
                    name=words.t("charts.not_published_in", side=words.choice("side", side)),
                    mode="markers",
                    marker={"symbol": NOT_PUBLISHED_SYMBOL, "size": 9, "color": COLOURS[side]},
                    hovertemplate=f"%{{x|{date_format}}}: {words.t('charts.not_published')}<extra></extra>",
                ),
                row=row_number,
                col=1,
            )
        axis_title = words.t(f"charts.crime.axis_{value}_{grain}")
        figure.update_yaxes(title_text=axis_title, rangemode="tozero", row=row_number, col=1)
    title = words.t("charts.crime.title", crime_class=words.choice("crime_class", crime_class))
    return _layout(figure, title, height=200 + 200 * max(len(sides), 1), legend_y=-0.12, bottom=90)


def trust_figure(quarters: pd.DataFrame, words, measure: str = "trust") -> go.Figure:
    """Residents' trust (or safety) by quarter with 95% bands, urban and rural (public/trust_quarters rows).

    Estimates whose relative standard error is 30% or more are open diamonds.
    """
    prefix = "" if measure == "trust" else "safety_"
    value, published = ("trust_0_100", "published") if measure == "trust" else ("safety_0_100", "safety_published")
    figure = go.Figure()
    residents = quarters[(quarters["audience"] == "resident") & quarters["side"].isin(SIDES)]
    residents = residents[residents[published].fillna(False).astype(bool)]
    for side in SIDES:
        frame = residents[residents["side"] == side].sort_values("quarter_start")
        if frame.empty:
            continue
        side_name = words.choice("side", side)
        figure.add_trace(
            go.Scatter(
                x=list(frame["quarter_start"]) + list(frame["quarter_start"])[::-1],
                y=list(frame[f"{prefix}ci_high"]) + list(frame[f"{prefix}ci_low"])[::-1],
                fill="toself",
                fillcolor=COLOURS[side],
                opacity=0.15,
                line={"width": 0},
                hoverinfo="skip",
                name=words.t("charts.trust.band", side=side_name),
            )
        )
        flagged = frame[f"{prefix}rse_flag"].fillna(False).astype(bool)
        respondents = [words.t("charts.trust.hidden_n") if pd.isna(n) else words.count(n) for n in frame["n"]]
        figure.add_trace(
            go.Scatter(
                x=frame["quarter_start"],
                y=frame[value],
                name=side_name,
                mode="lines+markers",
                line={"color": COLOURS[side], "width": 2, "dash": DASHES[side]},
                marker={
                    "symbol": ["diamond-open" if flag else SYMBOLS[side] for flag in flagged],
                    "size": 8,
                    "color": COLOURS[side],
                },
                customdata=list(
                    zip(
                        [words.quarter(quarter) for quarter in frame["quarter"]],
                        frame[f"{prefix}ci_low"],
                        frame[f"{prefix}ci_high"],
                        respondents,
                        strict=True,
                    )
                ),
                hovertemplate=words.t("charts.trust.hover") + f"<extra>{side_name}</extra>",
            )
        )
    figure.update_yaxes(title_text=words.t(f"charts.{measure}.axis"), range=[0, 100])
    figure.update_xaxes(title_text=words.t("charts.trust.quarter"))
    return _layout(figure, words.t(f"charts.{measure}.title"), height=380, legend_y=-0.25, bottom=100)


def partnerships_type_figure(by_type: pd.DataFrame, words) -> go.Figure:
    """Partnerships active today by the partner's type, urban beside rural (public/partnerships_by_type rows)."""
    active = by_type[by_type["partnerships_active"] > 0]
    totals = active.groupby("org_type")["partnerships_active"].sum().sort_values()
    labels = {org_type: words.choice("org_type", org_type) for org_type in totals.index}
    figure = go.Figure()
    for side in SIDES:
        frame = active[active["side"] == side].set_index("org_type").reindex(totals.index)
        counts = frame["partnerships_active"].fillna(0).astype(int)
        figure.add_trace(
            go.Bar(
                y=[labels[org_type] for org_type in totals.index],
                x=counts,
                name=words.choice("side", side),
                orientation="h",
                marker={"color": COLOURS[side], "pattern": {"shape": PATTERNS[side]}},
                hovertemplate="%{y}: %{x}<extra>" + words.choice("side", side) + "</extra>",
            )
        )
    figure.update_layout(barmode="stack")
    figure.update_xaxes(title_text=words.t("charts.partnerships.axis"), dtick=1, rangemode="tozero")
    figure.update_yaxes(automargin=True)
    height = 160 + 34 * max(len(totals), 1)
    return _layout(figure, words.t("charts.partnerships.title"), height=height, legend_y=-0.3, bottom=90)


def programs_figure(program_years: pd.DataFrame, words) -> go.Figure:
    """Participants in programs per year, urban beside rural (public/program_years rows); hidden cells on the axis."""
    figure = go.Figure()
    rows = program_years[program_years["side"].isin(SIDES)]
    for side in SIDES:
        frame = rows[rows["side"] == side].sort_values("year")
        figure.add_trace(
            go.Bar(
                x=frame["year"].astype(str),
                y=frame["participants_served"],
                name=words.choice("side", side),
                marker={"color": COLOURS[side], "pattern": {"shape": PATTERNS[side]}},
                hovertemplate="%{x}: %{y:,}<extra>" + words.choice("side", side) + "</extra>",
            )
        )
        hidden = frame[frame["participants_served"].isna()]
        if len(hidden):
            figure.add_trace(
                go.Scatter(
                    x=hidden["year"].astype(str),
                    y=[0] * len(hidden),
                    name=words.t("charts.not_published_in", side=words.choice("side", side)),
                    mode="markers",
                    marker={"symbol": NOT_PUBLISHED_SYMBOL, "size": 10, "color": COLOURS[side]},
                    hovertemplate="%{x}: " + words.t("charts.not_published") + "<extra></extra>",
                )
            )
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text=words.t("charts.programs.axis"), rangemode="tozero")
    figure.update_xaxes(type="category")
    return _layout(figure, words.t("charts.programs.title"), height=360, legend_y=-0.2, bottom=90)


def funding_figure(funding: pd.DataFrame, words) -> go.Figure:
    """Funding of programs by source and fiscal year, stacked (public/funding rows)."""
    figure = go.Figure()
    for source in SOURCE_COLOURS:
        frame = funding[funding["source"] == source].sort_values("fiscal_year")
        if frame.empty:
            continue
        figure.add_trace(
            go.Bar(
                x=frame["fiscal_year"].astype(str),
                y=frame["amount_usd"],
                name=words.choice("source", source),
                marker={"color": SOURCE_COLOURS[source], "pattern": {"shape": SOURCE_PATTERNS[source]}},
                hovertemplate="%{x}: $%{y:,.0f}<extra>" + words.choice("source", source) + "</extra>",
            )
        )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(title_text=words.t("charts.funding.axis"), rangemode="tozero", tickprefix="$")
    figure.update_xaxes(title_text=words.t("charts.funding.fiscal_year"), type="category")
    return _layout(figure, words.t("charts.funding.title"), height=380, legend_y=-0.28, bottom=110)
