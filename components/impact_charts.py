"""Partnership impact figures: event study, WDD summary, trust before/after; pure."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.charts import FONT, ci_bars

TREATED_COLOUR = "#0072B2"  # Okabe-Ito blue
CONTROL_COLOUR = "#999999"
BEFORE_COLOUR = "#999999"
AFTER_COLOUR = "#009E73"  # Okabe-Ito bluish green


SYNTHETIC_COLOUR = "#D55E00"  # Okabe-Ito vermillion
BEFORE_WINDOW_COLOUR = "#999999"


def _band(figure: go.Figure, x, low, high, colour: str, name: str) -> None:
    """A filled 95% band between `low` and `high` (two traces; the second fills to the first)."""
    figure.add_trace(
        go.Scatter(x=x, y=low, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip", legendgroup=name)
    )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=high,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=_translucent(colour, 0.18),
            name=f"{name}, 95% band",
            hoverinfo="skip",
            legendgroup=name,
        )
    )


def _translucent(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def with_synthetic(series: pd.DataFrame, synthetic: pd.DataFrame | None) -> pd.DataFrame:
    """impact/event_study rows with the synthetic control's index beside them (null where there is none).

    The synthetic rate goes on the served areas' index scale by their own rate-to-index ratio for
    the month (index = rate x 100 / the served areas' pre-start mean), so no base is recomputed here.
    """
    frame = series.copy()
    frame["synthetic_rate_per_1k"] = float("nan")
    frame["synthetic_index"] = float("nan")
    if synthetic is None or synthetic.empty:
        return frame
    rates = synthetic.set_index("months_since_start")["synthetic_rate_per_1k"]
    frame["synthetic_rate_per_1k"] = frame["months_since_start"].map(rates)
    scale = frame["treated_index"] / frame["treated_rate_per_1k"].where(frame["treated_rate_per_1k"] > 0)
    frame["synthetic_index"] = frame["synthetic_rate_per_1k"] * scale
    return frame


def event_study_figure(series: pd.DataFrame, window_months: int, lag_note: str) -> go.Figure:
    """Treated and comparison rates (each as % of its own pre-start year) with 95% bands, the
    synthetic control where `series` has one (see with_synthetic), and the two windows shaded."""
    figure = go.Figure()
    x = series["months_since_start"]
    for side, name, colour, width in (
        ("treated", "Areas served", TREATED_COLOUR, 3),
        ("control", "Comparison areas", CONTROL_COLOUR, 2),
    ):
        if series[f"{side}_index"].isna().all():  # no comparison areas (or no offence before): nothing to draw
            continue
        _band(figure, x, series[f"{side}_index_low"], series[f"{side}_index_high"], colour, name)
        figure.add_trace(
            go.Scatter(
                x=x,
                y=series[f"{side}_index"],
                name=name,
                mode="lines+markers",
                line={"color": colour, "width": width},
                marker={"size": 5},
                legendgroup=name,
                customdata=series[["month", f"{side}_incidents", f"{side}_rate_per_1k"]].to_numpy(),
                hovertemplate=(
                    "%{customdata[0]|%b %Y} (month %{x})<br>%{y:.0f}% of the pre-start year"
                    "<br>%{customdata[1]:,} offences, %{customdata[2]:.2f} per 1,000<extra>" + name + "</extra>"
                ),
            )
        )
    if "synthetic_index" in series and series["synthetic_index"].notna().any():
        figure.add_trace(
            go.Scatter(
                x=x,
                y=series["synthetic_index"],
                name="Synthetic control (matched mix of comparison areas)",
                mode="lines",
                line={"color": SYNTHETIC_COLOUR, "width": 2, "dash": "dash"},
                customdata=series[["synthetic_rate_per_1k"]].to_numpy(),
                hovertemplate="month %{x}: %{y:.0f}%, %{customdata[0]:.2f} per 1,000<extra>Synthetic control</extra>",
            )
        )
    figure.add_vrect(
        x0=-window_months - 0.5,
        x1=-0.5,
        fillcolor=BEFORE_WINDOW_COLOUR,
        opacity=0.08,
        line_width=0,
        annotation_text="before",
        annotation_position="top left",
    )
    figure.add_vrect(
        x0=-0.5,
        x1=window_months - 0.5,
        fillcolor=AFTER_COLOUR,
        opacity=0.07,
        line_width=0,
        annotation_text="after",
        annotation_position="top left",
    )
    figure.add_vline(x=-0.5, line_dash="dash", line_color="#333")
    figure.add_hline(y=100, line_dash="dot", line_color="#888")
    figure.update_layout(
        title={
            "text": f"Monthly rate, % of the year before the start{lag_note}",
            "x": 0,
            "font": {"size": 16},
        },
        height=460,
        margin={"l": 60, "r": 10, "t": 70, "b": 50},
        font=FONT,
        legend={"orientation": "h", "y": -0.22, "x": 0},
        hovermode="x unified",
    )
    figure.update_xaxes(title_text="Months since the start (0 = start month)")
    figure.update_yaxes(title_text="Rate per 1,000, % of the year before")
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


def weights_table(weights: pd.DataFrame) -> pd.DataFrame:
    """The synthetic control's donor weights, largest first, as a share of 100."""
    table = weights.copy()
    table["weight_pct"] = table["weight"] * 100
    return table[["area_code", "area_name", "weight_pct"]]


WEIGHT_COLUMNS = {
    "area_name": ("Comparison area", None),
    "area_code": ("Code", None),
    "weight_pct": ("Weight (%)", "%.1f"),
}

PLACEBO_COLUMNS = {
    "area_name": ("Unit", None),
    "pre_rmspe": ("RMSPE before (%)", "%.1f"),
    "post_rmspe": ("RMSPE after (%)", "%.1f"),
    "ratio": ("After ÷ before", "%.2f"),
}


WDD_COLUMNS = {
    "areas": ("Areas", None),
    "area_count": ("Number of areas", "%d"),
    "before": ("Offences before", "%,d"),
    "after": ("Offences after", "%,d"),
    "change": ("Change", "%+,d"),
}
