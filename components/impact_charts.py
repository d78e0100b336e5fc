"""Partnership impact figures: event study, WDD summary, trust before/after; pure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.charts import FONT, ci_bars

TREATED_COLOUR = "#0072B2"  # Okabe-Ito blue
CONTROL_COLOUR = "#999999"
BEFORE_COLOUR = "#999999"
AFTER_COLOUR = "#009E73"  # Okabe-Ito bluish green


def event_study_figure(series: pd.DataFrame, window_months: int, lag_note: str) -> go.Figure:
    """Treated and comparison rates, each as % of its own pre-start year, by months since the start."""
    figure = go.Figure()
    for column, name, colour, width in (
        ("treated_index", "Areas served", TREATED_COLOUR, 3),
        ("control_index", "Comparison areas", CONTROL_COLOUR, 2),
    ):
        incidents = "treated_incidents" if column == "treated_index" else "control_incidents"
        rate = "treated_rate_per_1k" if column == "treated_index" else "control_rate_per_1k"
        figure.add_trace(
            go.Scatter(
                x=series["months_since_start"],
                y=series[column],
                name=name,
                mode="lines+markers",
                line={"color": colour, "width": width},
                marker={"size": 5},
                customdata=series[["month", incidents, rate]].to_numpy(),
                hovertemplate=(
                    "%{customdata[0]|%b %Y} (month %{x})<br>%{y:.0f}% of the pre-start year"
                    "<br>%{customdata[1]:,} offences, %{customdata[2]:.2f} per 1,000<extra>" + name + "</extra>"
                ),
            )
        )
    figure.add_vrect(
        x0=-0.5,
        x1=window_months - 0.5,
        fillcolor="#009E73",
        opacity=0.07,
        line_width=0,
        annotation_text="after window",
        annotation_position="top left",
    )
    figure.add_vline(x=-0.5, line_dash="dash", line_color="#333")
    figure.add_hline(y=100, line_dash="dot", line_color="#888")
    figure.update_layout(
        title={
            "text": f"Monthly rate as % of each group's year before the start{lag_note}",
            "x": 0,
            "font": {"size": 16},
        },
        xaxis_title="Months since the partnership started (0 = start month)",
        yaxis_title="% of pre-start average",
        height=420,
        margin={"l": 60, "r": 10, "t": 70, "b": 50},
        font=FONT,
        legend={"orientation": "h", "y": -0.2, "x": 0},
        hovermode="x unified",
    )
    return figure


def trust_before_after_figure(row: pd.Series) -> go.Figure:
    """Resident trust before and after the start, with 95% CIs."""
    figure = go.Figure()
    for side, colour in (("before", BEFORE_COLOUR), ("after", AFTER_COLOUR)):
        value = row[f"trust_{side}"]
        low, high = row[f"ci_low_{side}"], row[f"ci_high_{side}"]
        figure.add_trace(
            go.Bar(
                x=[side.capitalize()],
                y=[value],
                marker_color=colour,
                error_y=None if pd.isna(low) else ci_bars(value, low, high),
                text=[f"{value:.1f} (n = {int(row[f'n_{side}']):,})" if pd.notna(value) else "no answers"],
                textposition="inside",
                insidetextanchor="start",
                showlegend=False,
                hovertemplate=f"{side.capitalize()}: %{{y:.1f}} (95% CI {low:.1f}–{high:.1f})<extra></extra>",
            )
        )
    figure.update_yaxes(range=[0, 100], title_text="Trust index (0–100)")
    figure.update_layout(
        title={"text": "Resident trust in the areas served, before and after", "x": 0, "font": {"size": 16}},
        height=340,
        margin={"l": 60, "r": 10, "t": 60, "b": 30},
        font=FONT,
        bargap=0.45,
    )
    return figure


def wdd_table(row: pd.Series) -> pd.DataFrame:
    """The four counts of the test as a small table: before / after for served and comparison areas."""
    return pd.DataFrame(
        {
            "areas": ["Served by the partnership", "Comparison areas"],
            "area_count": [row["treated_areas"], row["control_areas"]],
            "before": [row["treated_before"], row["control_before"]],
            "after": [row["treated_after"], row["control_after"]],
            "change": [row["treated_after"] - row["treated_before"], row["control_after"] - row["control_before"]],
        }
    )


WDD_COLUMNS = {
    "areas": ("Areas", None),
    "area_count": ("Number of areas", "%d"),
    "before": ("Offences before", "%,d"),
    "after": ("Offences after", "%,d"),
    "change": ("Change", "%+,d"),
}
