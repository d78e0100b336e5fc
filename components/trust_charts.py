"""Community-trust figures and tables built from trust/scores and trust/vendor; pure functions of DataFrames.

Every estimate keeps its uncertainty next to it, and an estimate trust/scores marks as not
`reportable` is never drawn as if it were reliable: it is a hollow grey marker whose hover
(and the suppressed-cells table) says why.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components.charts import FONT, ci_bars, subplots
from components.headlines import Headline

# Okabe-Ito green and reddish purple: residents and officers, distinct from the urban/rural blue and orange.
AUDIENCE_COLOURS = {"Residents": "#009E73", "Officers": "#CC79A7"}
VENDOR_COLOUR = "#000000"
SUPPRESSED_COLOUR = "#9e9e9e"
# The thresholds behind trust/scores' `reportable` flag, repeated here only to say why a cell failed.
MIN_N = 50
MIN_N_EFF = 30
AUDIENCES = {"resident": "Residents", "officer": "Officers"}
SIDES = {"urban": "Urban", "rural": "Rural"}
# Which trust/scores columns hold each measure's estimate
MEASURES = {
    "Trust": ("trust_0_100", "ci_low", "ci_high", "n", "n_eff", "reportable"),
    "Safety": (
        "safety_0_100",
        "safety_ci_low",
        "safety_ci_high",
        "safety_n",
        "safety_n_eff",
        "safety_reportable",
    ),
}
DEMOGRAPHICS = {"Age": "age_band", "Gender": "gender", "Race / ethnicity": "race_ethnicity"}
# how every table of survey estimates shows the interval and sample behind a value
INTERVAL_COLUMNS = {
    "ci_low": ("95% CI low", "%.1f"),
    "ci_high": ("95% CI high", "%.1f"),
    "n": ("Responses (n)", "%,d"),
    "n_eff": ("Effective n", "%,.0f"),
    "note": ("Note", None),
}


ESTIMATE_COLUMNS = {
    "side": ("Areas", None),
    "measure": ("Measure", None),
    "series": ("Who", None),
    "period": ("Period", None),
    "value_0_100": ("Index (0–100)", "%.1f"),
    **INTERVAL_COLUMNS,
}


def suppression_reason(n: object, n_eff: object) -> str:
    """Why an estimate is not reportable, in words: 'n = 23 responses, below the 50 needed'."""
    if fmt.is_missing(n) or int(n) == 0:
        return "no responses"
    if int(n) < MIN_N:
        return f"n = {int(n):,} {'response' if int(n) == 1 else 'responses'}, below the {MIN_N} needed"
    if fmt.is_missing(n_eff):
        return "effective n unknown"
    shown = fmt.number(n_eff, 0)
    if float(shown.replace(",", "")) >= MIN_N_EFF:  # 29.7 must not read as "30 below 30"
        shown = fmt.number(math.floor(float(n_eff) * 10) / 10, 1)
    return f"effective n {shown} below {MIN_N_EFF}"


def _estimates(scores: pd.DataFrame, measure: str) -> pd.DataFrame:
    """One measure's estimate columns of trust/scores rows, renamed to a common shape, with the reason."""
    value, low, high, n, n_eff, reportable = MEASURES[measure]
    frame = pd.DataFrame(
        {
            "series": scores["audience"].map(AUDIENCES),
            "group_key": scores["group_key"],
            "group_label": scores["group_label"],
            "value_0_100": scores[value].astype("float64"),
            "ci_low": scores[low].astype("float64"),
            "ci_high": scores[high].astype("float64"),
            "n": scores[n].fillna(0).astype("int64"),
            "n_eff": scores[n_eff].astype("float64"),
            "reportable": scores[reportable].fillna(False).astype(bool),
        }
    )
    frame = frame[frame["value_0_100"].notna()]
    frame["note"] = [
        "" if ok else suppression_reason(count, effective)
        for ok, count, effective in zip(frame["reportable"], frame["n"], frame["n_eff"], strict=True)
    ]
    return frame


def quarter_midpoint(quarter: str) -> pd.Timestamp:
    """'2024-Q2' -> 2024-05-16, the middle of the quarter, where its point is drawn on a time axis."""
    period = pd.Period(quarter.replace("-", ""), freq="Q")
    return (period.start_time + (period.end_time - period.start_time) / 2).normalize()


def trend_frame(quarterly: dict[str, pd.DataFrame], vendor: pd.DataFrame) -> pd.DataFrame:
    """What the trend chart draws: our estimates per side x measure x audience x quarter, and vendor lines.

    quarterly: side ('urban' / 'rural') -> trust/scores rows with group_by='quarter' for that side;
    vendor: trust/vendor rows. A side's vendor line is the mean of the vendor's area scores for that
    side each month, weighted by the respondents it reports (equally when it does not say).
    """
    parts = []
    for side, scores in quarterly.items():
        for measure in MEASURES:
            estimates = _estimates(scores, measure)
            estimates.insert(0, "side", SIDES[side])
            estimates.insert(1, "measure", measure)
            estimates["period"] = estimates["group_key"]
            estimates["date"] = estimates["group_key"].map(quarter_midpoint)
            parts.append(estimates)
        parts.append(_vendor_lines(vendor, side))
    columns = ["side", "measure", "series", "period", "date", "value_0_100", "ci_low", "ci_high", "n", "n_eff"]
    columns += ["reportable", "note"]
    parts = [part for part in parts if not part.empty]
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)[columns]
    return frame.sort_values(["side", "measure", "series", "date"], ignore_index=True)


def _vendor_lines(vendor: pd.DataFrame, side: str) -> pd.DataFrame:
    rows = vendor[(vendor["urbanicity"] == side) & vendor["measure"].isin(["trust", "safety"])].copy()
    if rows.empty:
        return pd.DataFrame()
    rows["weight"] = rows["n"].astype("float64").fillna(1.0)
    rows["weighted"] = rows["value_0_100"] * rows["weight"]
    lines = rows.groupby(["source", "audience", "measure", "period_start", "period_end"], as_index=False).agg(
        weighted=("weighted", "sum"), weight=("weight", "sum"), n=("n", "sum"), areas=("area_code", "nunique")
    )
    start, end = pd.to_datetime(lines["period_start"]), pd.to_datetime(lines["period_end"])
    return pd.DataFrame(
        {
            "side": SIDES[side],
            "measure": lines["measure"].str.capitalize(),
            "series": lines["source"] + ", " + lines["audience"] + "s (as reported)",
            "period": start.dt.strftime("%Y-%m"),
            "date": (start + (end - start) / 2).dt.normalize(),
            "value_0_100": lines["weighted"] / lines["weight"],
            "ci_low": math.nan,
            "ci_high": math.nan,
            "n": lines["n"].astype("int64"),
            "n_eff": math.nan,
            "reportable": True,
            "note": "as reported by "
            + lines["source"]
            + ", no uncertainty available; mean of "
            + lines["areas"].astype(str)
            + " areas weighted by their reported respondents",
        }
    )


def _hover(series: str, period: str, value: float, low: float, high: float, n: int, note: str) -> str:
    text = f"{series}, {period}: {value:,.1f}"
    if not fmt.is_missing(low):
        text += f" (95% CI {fmt.interval(low, high)})"
    if n:
        text += f"<br>n = {n:,}"
    if note:
        text += f"<br>{note}"
    return text


def _runs(points: pd.DataFrame, order: list) -> list[pd.DataFrame]:
    """Split reportable points into runs of consecutive periods (a suppressed or missing period breaks a run)."""
    position = {period: index for index, period in enumerate(order)}
    runs, current, last = [], [], None
    for index, row in points.iterrows():
        here = position[row["period"]]
        if not row["reportable"] or (last is not None and here != last + 1):
            if current:
                runs.append(points.loc[current])
            current = []
        if row["reportable"]:
            current.append(index)
        last = here
    if current:
        runs.append(points.loc[current])
    return runs


def _add_estimates(figure, points: pd.DataFrame, order: list, colour: str, legend: set, row: int, col: int) -> None:
    """One audience on one panel: a line with a 95% CI band over consecutive reliable periods,
    error bars on isolated ones, hollow grey markers on suppressed ones."""
    series = points["series"].iloc[0]
    hover = [
        _hover(series, p, v, lo, hi, n, note)
        for p, v, lo, hi, n, note in zip(
            points["period"],
            points["value_0_100"],
            points["ci_low"],
            points["ci_high"],
            points["n"],
            points["note"],
            strict=True,
        )
    ]
    points = points.assign(hover=hover)
    for run in _runs(points, order):
        first = series not in legend
        legend.add(series)
        if len(run) >= 2:
            band_x = [*run["date"], *run["date"][::-1]]
            band_y = [*run["ci_high"], *run["ci_low"][::-1]]
            figure.add_trace(
                go.Scatter(
                    x=band_x,
                    y=band_y,
                    mode="lines",
                    fill="toself",
                    fillcolor=_transparent(colour, 0.2),
                    line={"width": 0},
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=series,
                ),
                row=row,
                col=col,
            )
        figure.add_trace(
            go.Scatter(
                x=run["date"],
                y=run["value_0_100"],
                mode="lines+markers" if len(run) >= 2 else "markers",
                line={"color": colour, "width": 2.5},
                marker={"color": colour, "size": 8},
                error_y=None
                if len(run) >= 2
                else ci_bars(run["value_0_100"], run["ci_low"], run["ci_high"], colour, width=6),
                name=f"{series} (95% CI)",
                legendgroup=series,
                showlegend=first,
                hovertext=run["hover"],
                hoverinfo="text",
            ),
            row=row,
            col=col,
        )
    _add_suppressed(figure, points[~points["reportable"]], "date", "value_0_100", legend, row, col)


def _add_suppressed(figure, points: pd.DataFrame, x: str, y: str, legend: set, row: int, col: int) -> None:
    if points.empty:
        return
    label = "Too few responses (hover: why)"
    figure.add_trace(
        go.Scatter(
            x=points[x],
            y=points[y],
            mode="markers",
            marker={"symbol": "circle-open", "color": SUPPRESSED_COLOUR, "size": 10, "line": {"width": 2}},
            name=label,
            legendgroup="suppressed",
            showlegend=label not in legend,
            hovertext=points["hover"],
            hoverinfo="text",
        ),
        row=row,
        col=col,
    )
    legend.add(label)


def _transparent(hex_colour: str, alpha: float) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def _layout(figure: go.Figure, title: str, height: int, legend_rows: int = 1) -> None:
    """Title, then the legend under it, then the panels: pinned in pixels so none overlaps."""
    top = 70 + 24 * legend_rows
    figure.update_layout(
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 1 - 12 / height,
            "yanchor": "top",
            "font": {"size": 16},
        },
        height=height,
        margin={"l": 70, "r": 20, "t": top, "b": 50},
        font=FONT,
        legend={
            "orientation": "h",
            "yref": "container",
            "y": 1 - 42 / height,
            "yanchor": "top",
            "x": 0,
            "xanchor": "left",
        },
        hoverlabel={"align": "left"},
        plot_bgcolor="white",
    )
    figure.update_xaxes(showline=True, linecolor="#999", gridcolor="#eee")
    figure.update_yaxes(showline=True, linecolor="#999", gridcolor="#eee", zeroline=False)
    figure.update_annotations(font_size=13)


def trend_figure(
    frame: pd.DataFrame, period: tuple[dt.date, dt.date], title: str, measures: list[str] | None = None
) -> go.Figure:
    """Trust and/or safety over time (a row each), a panel per side: residents and officers with
    95% CIs, the vendor's reported scores dashed beside them."""
    sides = [side for side in SIDES.values() if side in set(frame["side"])] or list(SIDES.values())[:1]
    measures = measures or list(MEASURES)
    figure = subplots(
        rows=len(measures),
        cols=len(sides),
        shared_xaxes=True,
        shared_yaxes=True,
        vertical_spacing=0.12,
        horizontal_spacing=0.07,
        subplot_titles=[f"{measure} index — {side} areas" for measure in measures for side in sides],
    )
    legend: set[str] = set()
    for row, measure in enumerate(measures, start=1):
        for col, side in enumerate(sides, start=1):
            panel = frame[(frame["side"] == side) & (frame["measure"] == measure)]
            for series, points in panel.groupby("series", sort=False):
                points = points.sort_values("date").reset_index(drop=True)
                if series in AUDIENCE_COLOURS:
                    order = sorted(panel.loc[panel["series"].isin(AUDIENCE_COLOURS), "period"].unique())
                    _add_estimates(figure, points, order, AUDIENCE_COLOURS[series], legend, row, col)
                else:
                    _add_vendor(figure, points, legend, row, col)
            if panel.empty:
                _note(figure, "No responses in this period", row, col)
    start, end = period[0].isoformat(), period[1].isoformat()
    figure.update_xaxes(range=[start, end], tickformat="%b %Y")
    # with a fixed x range plotly.js leaves shared y axes at their empty default unless told to autorange
    figure.update_yaxes(autorange=True)
    for row in range(1, len(measures) + 1):
        figure.update_yaxes(title_text="Index (0–100)", row=row, col=1)
    _layout(figure, title, 300 * len(measures) + 150, legend_rows=2)
    return figure


def _add_vendor(figure, points: pd.DataFrame, legend: set, row: int, col: int) -> None:
    series = points["series"].iloc[0]
    figure.add_trace(
        go.Scatter(
            x=points["date"],
            y=points["value_0_100"],
            mode="lines+markers",
            line={"color": VENDOR_COLOUR, "width": 1.5, "dash": "dash"},
            marker={"symbol": "diamond-open", "color": VENDOR_COLOUR, "size": 7},
            name=series.replace(" (as reported)", ": as reported, no uncertainty"),
            legendgroup=series,
            showlegend=series not in legend,
            hovertext=[
                f"{series}, {p}: {v:,.1f}" for p, v in zip(points["period"], points["value_0_100"], strict=True)
            ],
            hoverinfo="text",
        ),
        row=row,
        col=col,
    )
    legend.add(series)


def _note(figure: go.Figure, text: str, row: int, col: int) -> None:
    figure.add_annotation(
        text=text,
        xref="x domain",
        yref="y domain",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"color": "#666"},
        row=row,
        col=col,
    )


def gap_frame(quarterly: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The resident minus officer trust gap per side and quarter (only where both audiences answered)."""
    rows = []
    for side, scores in quarterly.items():
        residents = scores[scores["audience"] == "resident"].set_index("group_key")
        officers = scores[scores["audience"] == "officer"].set_index("group_key")
        for quarter, row in residents[residents["gap_0_100"].notna()].iterrows():
            why = []
            for name, estimate in (("residents", row), ("officers", officers.loc[quarter])):
                if not estimate["reportable"]:
                    why.append(f"{name}: {suppression_reason(estimate['n'], estimate['n_eff'])}")
            rows.append(
                {
                    "side": SIDES[side],
                    "period": quarter,
                    "gap_0_100": row["gap_0_100"],
                    "ci_low": row["gap_ci_low"],
                    "ci_high": row["gap_ci_high"],
                    "resident_n": int(row["n"]),
                    "officer_n": int(officers.loc[quarter, "n"]),
                    "reportable": bool(row["gap_reportable"]),
                    "note": "; ".join(why),
                }
            )
    columns = ["side", "period", "gap_0_100", "ci_low", "ci_high", "resident_n", "officer_n", "reportable", "note"]
    return pd.DataFrame(rows, columns=columns)


GAP_COLUMNS = {
    "side": ("Areas", None),
    "period": ("Quarter", None),
    "gap_0_100": ("Resident − officer gap (points)", "%+.1f"),
    "ci_low": ("95% CI low", "%+.1f"),
    "ci_high": ("95% CI high", "%+.1f"),
    "resident_n": ("Residents (n)", "%,d"),
    "officer_n": ("Officers (n)", "%,d"),
    "note": ("Note", None),
}


def gap_figure(frame: pd.DataFrame, title: str) -> go.Figure:
    """The gap per quarter, a panel per side, with 95% CIs; a gap below zero means residents trust less."""
    # an empty frame still draws one (empty) panel rather than a grid of none
    sides = [side for side in SIDES.values() if side in set(frame["side"])] or list(SIDES.values())[:1]
    figure = subplots(rows=1, cols=len(sides), shared_yaxes=True, subplot_titles=[f"{s} areas" for s in sides])
    legend: set[str] = set()
    for col, side in enumerate(sides, start=1):
        points = frame[frame["side"] == side].copy()
        points["hover"] = [
            f"{side}, {row.period}: {row.gap_0_100:+,.1f} points"
            + (f" (95% CI {fmt.signed(row.ci_low)} to {fmt.signed(row.ci_high)})" if pd.notna(row.ci_low) else "")
            + f"<br>residents n = {row.resident_n:,}, officers n = {row.officer_n:,}"
            + (f"<br>{row.note}" if row.note else "")
            for row in points.itertuples()
        ]
        shown = points[points["reportable"]]
        if not shown.empty:
            figure.add_trace(
                go.Scatter(
                    x=shown["period"],
                    y=shown["gap_0_100"],
                    mode="markers",
                    marker={"color": "#333", "size": 10},
                    error_y=ci_bars(shown["gap_0_100"], shown["ci_low"], shown["ci_high"], width=8),
                    name="Gap (95% CI)",
                    showlegend="gap" not in legend,
                    hovertext=shown["hover"],
                    hoverinfo="text",
                ),
                row=1,
                col=col,
            )
            legend.add("gap")
        _add_suppressed(figure, points[~points["reportable"]], "period", "gap_0_100", legend, 1, col)
        figure.add_hline(y=0, line={"color": "#999", "dash": "dot"}, row=1, col=col)
        figure.update_xaxes(type="category", title_text="Quarter", row=1, col=col)
    extent = frame[["gap_0_100", "ci_low", "ci_high"]].abs().max().max()
    reach = (extent if pd.notna(extent) else 10) * 1.15 + 1
    low = -reach if (frame[["gap_0_100", "ci_low"]] < 0).any().any() else -0.1 * reach
    high = reach if (frame[["gap_0_100", "ci_high"]] > 0).any().any() else 0.1 * reach
    figure.update_yaxes(range=[low, high])  # zero, "no gap", always in view
    figure.update_yaxes(title_text="Residents minus officers (points)", row=1, col=1)
    _layout(figure, title, 380)
    return figure


def _group_order(labels: pd.Series) -> list[str]:
    """Bands in their natural order ('18-24' before '65+'), 'Not stated' last."""
    known = sorted(label for label in labels.unique() if label != "Not stated")
    return known + (["Not stated"] if "Not stated" in set(labels) else [])


def demographic_frame(by_side: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Trust per demographic group, side and audience, with the reason where it is not reportable."""
    parts = []
    for side, scores in by_side.items():
        estimates = _estimates(scores, "Trust")
        estimates.insert(0, "side", SIDES[side])
        parts.append(estimates)
    columns = ["side", "series", "group_label", "value_0_100", "ci_low", "ci_high", "n", "n_eff", "reportable", "note"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns].rename(columns={"group_label": "group"})


DEMOGRAPHIC_COLUMNS = {
    "side": ("Areas", None),
    "series": ("Who", None),
    "group": ("Group", None),
    "value_0_100": ("Trust index (0–100)", "%.1f"),
    **INTERVAL_COLUMNS,
}


def demographic_figure(frame: pd.DataFrame, breakdown: str, title: str) -> go.Figure:
    """A dot plot per side: trust by group for residents and officers, 95% CIs as horizontal bars."""
    sides = [side for side in SIDES.values() if side in set(frame["side"])] or list(SIDES.values())[:1]
    order = _group_order(frame["group"])
    position = {group: index for index, group in enumerate(order)}
    offset = {"Residents": -0.15, "Officers": 0.15}
    figure = subplots(
        rows=1,
        cols=len(sides),
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=[f"{s} areas" for s in sides],
    )
    legend: set[str] = set()
    for col, side in enumerate(sides, start=1):
        for series, points in frame[frame["side"] == side].groupby("series", sort=False):
            points = points.assign(
                y=points["group"].map(position) + offset.get(series, 0),
                hover=[
                    _hover(f"{series}, {group}", side, v, lo, hi, n, note)
                    for group, v, lo, hi, n, note in zip(
                        points["group"],
                        points["value_0_100"],
                        points["ci_low"],
                        points["ci_high"],
                        points["n"],
                        points["note"],
                        strict=True,
                    )
                ],
            )
            shown = points[points["reportable"]]
            colour = AUDIENCE_COLOURS.get(series, "#333")
            if not shown.empty:
                figure.add_trace(
                    go.Scatter(
                        x=shown["value_0_100"],
                        y=shown["y"],
                        mode="markers",
                        marker={"color": colour, "size": 9},
                        error_x=ci_bars(shown["value_0_100"], shown["ci_low"], shown["ci_high"], colour, width=4),
                        name=f"{series} (95% CI)",
                        legendgroup=series,
                        showlegend=series not in legend,
                        hovertext=shown["hover"],
                        hoverinfo="text",
                    ),
                    row=1,
                    col=col,
                )
                legend.add(series)
            _add_suppressed(figure, points[~points["reportable"]], "value_0_100", "y", legend, 1, col)
        figure.update_xaxes(title_text="Trust index (0–100)", range=[0, 100], row=1, col=col)
    figure.update_yaxes(
        tickvals=list(range(len(order))),
        ticktext=order,
        range=[len(order) - 0.5, -0.5],
        title_text=breakdown,
        row=1,
        col=1,
    )
    _layout(figure, title, 170 + 42 * max(len(order), 2))
    return figure


def suppressed_table(**sections: pd.DataFrame) -> pd.DataFrame:
    """Every estimate on the page that is not reportable, with where it would have been shown and why.

    Each section is a frame from trend_frame, gap_frame or demographic_frame (rows with
    reportable false), or maps.area_table (rows without a value).
    """
    rows = []
    for where, frame in sections.items():
        if frame.empty:
            continue
        if "reportable" in frame:
            hidden = frame[~frame["reportable"].astype(bool)]
        else:
            hidden = frame[frame["value"].isna()].assign(series="Residents", side=lambda rows: rows["urbanicity"])
        for row in hidden.to_dict("records"):
            rows.append(
                {
                    "chart": where,
                    "side": row["side"],
                    "who": row.get("series", "Residents and officers"),
                    "cell": " ".join(
                        str(part) for part in (row.get("measure"), row.get("period") or row.get("group")) if part
                    )
                    or row.get("name"),
                    "reason": row["note"],
                }
            )
    return pd.DataFrame(rows, columns=["chart", "side", "who", "cell", "reason"])


SUPPRESSED_COLUMNS = {
    "chart": ("Chart", None),
    "side": ("Areas", None),
    "who": ("Who", None),
    "cell": ("Quarter, group or area", None),
    "reason": ("Why it is not shown as reliable", None),
}


def area_trust(scores: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Resident trust per area code where reportable, and the reason for every area that is not."""
    residents = _estimates(scores[scores["audience"] == "resident"], "Trust").set_index("group_key")
    values = residents.loc[residents["reportable"], "value_0_100"]
    reasons = residents.loc[~residents["reportable"], "note"]
    return values, reasons


def headline_cards(overall: pd.DataFrame, by_side: pd.DataFrame, sides: list[str]) -> list[Headline]:
    """Resident trust with its 95% CI and n for all areas and each side, then the resident-officer gap.

    overall: trust/scores with group_by='all'; by_side: group_by='urbanicity'; sides: the sides shown.
    """
    cards = []
    groups = [("all", "Resident trust, all areas", overall)] if len(sides) > 1 else []
    groups += [(side, f"Resident trust, {side} areas", by_side) for side in sides]
    for key, label, frame in groups:
        match = frame[(frame["audience"] == "resident") & (frame["group_key"] == key)]
        cards.append(_trust_card(key, label, match.iloc[0] if not match.empty else None))
    residents = overall[overall["audience"] == "resident"]
    gap = residents.iloc[0] if not residents.empty else None
    where = "all areas" if len(sides) > 1 else f"{sides[0]} areas"
    gap_label = "Resident − officer gap" + ("" if len(sides) > 1 else f", {where}")
    if gap is None or pd.isna(gap["gap_0_100"]):
        cards.append(Headline("gap", gap_label, fmt.MISSING, None, "off", GAP_HELP, "No officer survey."))
    elif not gap["gap_reportable"]:
        why = [
            f"{AUDIENCES[row['audience']].lower()}: {suppression_reason(row['n'], row['n_eff'])}"
            for _, row in overall.iterrows()
            if not row["reportable"]
        ]
        cards.append(
            Headline(
                "gap",
                gap_label,
                fmt.MISSING,
                None,
                "off",
                GAP_HELP,
                f"Not shown: {'; '.join(why)}.",
            )
        )
    else:
        cards.append(
            Headline(
                "gap",
                gap_label,
                f"{fmt.signed(gap['gap_0_100'])} pts",
                None,
                "off",
                GAP_HELP,
                f"{where.capitalize()}: 95% CI {fmt.signed(gap['gap_ci_low'])} to "
                f"{fmt.signed(gap['gap_ci_high'])} points.",
            )
        )
    return cards


GAP_HELP = (
    "Resident trust minus officers' view of that trust, on 0–100; below zero means officers "
    "think residents trust the police more than residents say they do."
)
TRUST_HELP = "Weighted mean of the trust items (respect, listening, fairness, reliability) on a 0–100 scale."


def _trust_card(key: str, label: str, row: pd.Series | None) -> Headline:
    if row is None:
        return Headline(key, label, fmt.MISSING, None, "off", TRUST_HELP, "No responses in the period.")
    if not row["reportable"]:
        return Headline(
            key,
            label,
            fmt.MISSING,
            None,
            "off",
            TRUST_HELP,
            f"Not shown: {suppression_reason(row['n'], row['n_eff'])}.",
        )
    return Headline(
        key,
        label,
        fmt.number(row["trust_0_100"]),
        None,
        "off",
        TRUST_HELP,
        f"95% CI {fmt.interval(row['ci_low'], row['ci_high'])}, n = {fmt.count(row['n'])} "
        f"(effective n {fmt.count(row['n_eff'])}).",
    )


def vendor_table(vendor: pd.DataFrame) -> pd.DataFrame:
    """The vendor's scores as reported, one row per source x area x month x audience x measure."""
    table = vendor[["source", "area_name", "urbanicity", "period_start", "period_end", "audience", "measure"]].copy()
    table["urbanicity"] = table["urbanicity"].map(SIDES).fillna("Urban and rural")
    for column in ("period_start", "period_end"):
        table[column] = pd.to_datetime(table[column]).dt.date
    table["value_0_100"] = vendor["value_0_100"]
    table["n"] = vendor["n"]
    return table


VENDOR_COLUMNS = {
    "source": ("Source", None),
    "area_name": ("Area", None),
    "urbanicity": ("Areas", None),
    "period_start": ("From", None),
    "period_end": ("To", None),
    "audience": ("Who", None),
    "measure": ("Measure", None),
    "value_0_100": ("Score (0–100), as reported", "%.1f"),
    "n": ("Respondents, as reported", "%,d"),
}


def area_intervals(areas: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """maps.area_table rows with each area's resident-trust 95% CI and sample, as the map's hover has them.

    The interval is given only where the value is shown (reportable); n and effective n always, so a
    grey area's table row says how few answered.
    """
    residents = _estimates(scores[scores["audience"] == "resident"], "Trust").set_index("group_key")
    table = areas.copy()
    for column in ("ci_low", "ci_high", "n", "n_eff"):
        table[column] = table["area_code"].map(residents[column])
    shown = table["area_code"].map(residents["reportable"]).fillna(False).astype(bool)
    table.loc[~shown, ["ci_low", "ci_high"]] = None
    table["n"] = table["n"].fillna(0).astype("int64")
    return table


AREA_COLUMNS = {
    "name": ("Area", None),
    "urbanicity": ("Urban or rural", None),
    "value": ("Resident trust (0–100)", "%.1f"),
    "ci_low": ("95% CI low", "%.1f"),
    "ci_high": ("95% CI high", "%.1f"),
    "n": ("Responses (n)", "%,d"),
    "n_eff": ("Effective n", "%,.0f"),
    "population": ("Residents", "%,d"),
    "note": ("Note", None),
}
