"""Results-Based Accountability scorecards from programs/scorecard; pure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components.charts import FONT, subplots

CATEGORY_TITLES = {
    "how_much": "How much did we do?",
    "how_well": "How well did we do it?",
    "better_off": "Is anyone better off?",
}


def status(row: pd.Series) -> str:
    """On-track status in words and a symbol, so it reads without colour."""
    if pd.isna(row.get("on_track")):
        return "– no target" if pd.isna(row.get("target")) else "– no value yet"
    return "✓ on track" if row["on_track"] else "✗ off track"


def status_style(text: object) -> str:
    """Cell colour for a status (Okabe-Ito green / vermilion, light); the words say it too."""
    if isinstance(text, str) and text.startswith("✓"):
        return "background-color: #d4efe6; color: #00563f"
    if isinstance(text, str) and text.startswith("✗"):
        return "background-color: #fbe0d0; color: #8a3200"
    return ""


def polarity(higher_is_better: object) -> str:
    if pd.isna(higher_is_better):
        return ""
    return "↑ higher is better" if higher_is_better else "↓ lower is better"


# programs/scorecard columns that describe the program (the rest describe one measure)
PROGRAM_LEVEL = (
    "program_id",
    "program_name",
    "focus",
    "partnership_id",
    "partnership_name",
    "nonprofit_id",
    "nonprofit_name",
    "urbanicity",
    "participants",
    "participants_target",
    "sessions",
    "events",
    "volunteer_hours",
    "attendance_pct",
    "completion_pct",
    "co_delivered_pct",
    "cost_usd",
    "cost_per_participant",
    "partner_feedback_0_100",
)


def programs_table(scorecard: pd.DataFrame) -> pd.DataFrame:
    """One row per program: how much and how well, and how many of its measures are on track."""
    if scorecard.empty:
        return scorecard
    program_columns = [column for column in scorecard.columns if column in PROGRAM_LEVEL]
    per_program = scorecard.drop_duplicates("program_id")[program_columns].set_index("program_id")
    judged = scorecard.dropna(subset=["on_track"])
    counts = (
        judged.assign(on_track=judged["on_track"].astype("int64"))
        .groupby("program_id")
        .agg(measures_on_track=("on_track", "sum"), measures_with_target=("on_track", "size"))
    )
    table = per_program.join(counts).reset_index()
    for column in ("measures_on_track", "measures_with_target"):
        table[column] = table[column].fillna(0).astype(int)
    table["on_track_text"] = [
        f"{on} of {judged_count}" if judged_count else "no targets"
        for on, judged_count in zip(table["measures_on_track"], table["measures_with_target"], strict=True)
    ]
    table["side"] = table["urbanicity"].str.capitalize()
    return table


PROGRAM_COLUMNS = {
    "program_name": ("Program", None),
    "nonprofit_name": ("Nonprofit", None),
    "side": ("Urban / rural", None),
    "participants": ("Participants", "%,d"),
    "participants_target": ("Target", "%,d"),
    "sessions": ("Sessions", "%,d"),
    "attendance_pct": ("Attendance (%)", "%.1f"),
    "completion_pct": ("Completion (%)", "%.1f"),
    "co_delivered_pct": ("Co-delivered with officers (%)", "%.1f"),
    "cost_per_participant": ("Cost per participant", "$%,.0f"),
    "partner_feedback_0_100": ("Partner feedback (0–100)", "%.0f"),
    "on_track_text": ("Measures on track", None),
}


def measure_text(value: object, unit: object) -> str:
    """A measure's value with its unit: '50 sessions', '79.5%', '3.5 days'; '—' when missing.

    Percentages keep one decimal; anything else counted shows no decimals when it is whole.
    """
    if fmt.is_missing(value):
        return fmt.MISSING
    unit = "" if fmt.is_missing(unit) else str(unit)
    if unit == "%":
        return f"{fmt.number(value, 1)}%"
    number = fmt.count(value) if float(value).is_integer() else fmt.number(value, 1)
    return f"{number} {unit}".strip()


def latest_text(value: object, unit: object, period_end: object) -> str:
    """'205 people (to Sep 2026)': every "Latest" says which report it is."""
    if fmt.is_missing(value):
        return "— (no report in the period)"
    text = measure_text(value, unit)
    return text if fmt.is_missing(period_end) else f"{text} (to {pd.Timestamp(period_end):%b %Y})"


def measures_table(scorecard: pd.DataFrame, program_id: int, category: str) -> pd.DataFrame:
    """One program's measures in one RBA category, with status, polarity and trend, and display text
    ('—' for a missing target or baseline; the numbers stay beside it for the CSV)."""
    rows = scorecard[(scorecard["program_id"] == program_id) & (scorecard["rba_category"] == category)].copy()
    rows["status"] = rows.apply(status, axis=1) if len(rows) else pd.Series(dtype=str)
    rows["direction"] = rows["higher_is_better"].map(polarity)
    rows["trend"] = rows["trend_values"].map(
        lambda values: list(values) if isinstance(values, (list, tuple, np.ndarray)) else []
    )
    rows["latest_text"] = [
        latest_text(value, unit, end)
        for value, unit, end in zip(rows["value"], rows["unit"], rows["value_period_end"], strict=True)
    ]
    rows["target_text"] = [measure_text(value, unit) for value, unit in zip(rows["target"], rows["unit"], strict=True)]
    rows["baseline_text"] = [
        measure_text(value, unit) for value, unit in zip(rows["baseline"], rows["unit"], strict=True)
    ]
    rows["change_text"] = rows["change_from_baseline_pct"].map(lambda change: fmt.percent(change, 0, signed=True))
    return rows[
        [
            "kpi_name",
            "latest_text",
            "target_text",
            "baseline_text",
            "direction",
            "status",
            "change_text",
            "trend",
            "value",
            "value_period_end",
            "target",
            "baseline",
            "unit",
            "change_from_baseline_pct",
        ]
    ]


MEASURE_COLUMNS = {
    "kpi_name": ("Measure", None),
    "latest_text": ("Latest (report to)", None),
    "target_text": ("Target", None),
    "baseline_text": ("Baseline", None),
    "direction": ("Direction", None),
    "status": ("Status", None),
    "change_text": ("Change from baseline", None),
    "trend": ("Trend", "sparkline"),
}


def trend_figure(measures: pd.DataFrame, title: str, columns: int = 3) -> go.Figure:
    """One small panel per measure: its values oldest to latest (trend_values), the target dashed.

    measures: programs/scorecard rows of one program that have a KPI.
    """
    rows = [row for _, row in measures.iterrows() if isinstance(row["trend_values"], (list, tuple, np.ndarray))]
    panels = max(len(rows), 1)
    grid_rows = math.ceil(panels / columns)
    figure = subplots(
        rows=grid_rows,
        cols=min(columns, panels),
        subplot_titles=[str(row["kpi_name"]) for row in rows],
        vertical_spacing=0.5 / grid_rows,
    )
    for number, row in enumerate(rows):
        where = {"row": number // columns + 1, "col": number % columns + 1}
        values = [float(value) for value in row["trend_values"]]
        figure.add_trace(
            go.Scatter(
                x=list(range(1, len(values) + 1)),
                y=values,
                mode="lines+markers",
                line={"color": "#0072B2", "width": 2},
                name=str(row["kpi_name"]),
                showlegend=False,
            ),
            **where,
        )
        if pd.notna(row["target"]):
            figure.add_trace(
                go.Scatter(
                    x=[1, max(len(values), 1)],
                    y=[float(row["target"])] * 2,
                    mode="lines",
                    line={"color": "#D55E00", "width": 1.5, "dash": "dash"},
                    name="Target",
                    showlegend=False,
                ),
                **where,
            )
        figure.update_xaxes(title_text="reports, oldest → latest", title_font_size=10, dtick=1, **where)
    figure.update_annotations(font_size=11)
    figure.update_layout(
        title={"text": title, "x": 0},
        height=200 * grid_rows + 40,
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
        font=FONT,
    )
    return figure
