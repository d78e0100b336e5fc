"""Partnership registry, detail and feedback views built from query results; pure functions of DataFrames."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components import format as fmt
from components import scorecards
from components.charts import FONT, SIDE_COLOURS

ORG_TYPES = {
    "youth": "Youth",
    "mental_health": "Mental health",
    "neighborhood_association": "Neighborhood association",
    "advocacy": "Advocacy",
    "housing": "Housing",
    "substance_use": "Substance use",
    "domestic_violence": "Domestic violence",
    "faith": "Faith",
    "other": "Other",
}
STATUSES = {"active": "Active", "paused": "Paused", "planned": "Planned", "ended": "Ended"}
SHARING = {"none": "No data shared", "aggregate": "Aggregate", "case_level": "Case-level"}
SIDES = {"urban": "Urban", "rural": "Rural"}
# Okabe-Ito, matching the trust page: the police side in reddish purple (officers), the nonprofit in green
RESPONDENT_COLOURS = {"Police": "#CC79A7", "Nonprofit": "#009E73"}
RESPONDENTS = {"agency": "Police", "nonprofit": "Nonprofit"}
FUNDING_SOURCES = {
    "agency": ("Police agency", "#CC79A7"),
    "nonprofit": ("Nonprofit", "#009E73"),
    "grant": ("Grants", "#0072B2"),
    "private": ("Private donors", "#E69F00"),
    "in_kind": ("In kind", "#56B4E9"),
}


# The impact verdict on a partnership's detail: violent crime, 12 months before and after the start (the
# Impact page's default); it is phrased by components/verdicts like every other verdict.
DETAIL_IMPACT = {"window_months": 12, "crime_class": "violent"}
DETAIL_IMPACT_TITLE = "Impact on violent crime, 12 months before and after the start"


def label(value: object, labels: dict[str, str]) -> str:
    """A code as people read it: 'mental_health' -> 'Mental health'."""
    if fmt.is_missing(value):
        return fmt.MISSING
    return labels.get(str(value), str(value).replace("_", " ").capitalize())


def registry_table(registry: pd.DataFrame, org_types: list[str], statuses: list[str]) -> pd.DataFrame:
    """The registry rows of the chosen organisation types and statuses, with readable values."""
    rows = registry[registry["org_type"].isin(org_types) & registry["status"].isin(statuses)]
    return pd.DataFrame(
        {
            "partnership_id": rows["partnership_id"],
            "partnership_name": rows["partnership_name"],
            "nonprofit_name": rows["nonprofit_name"],
            "org_type": rows["org_type"].map(lambda code: label(code, ORG_TYPES)),
            "urbanicity": rows["urbanicity"].map(lambda code: label(code, SIDES)),
            "area_names": rows["area_names"],
            "since": pd.to_datetime(rows["start_date"]).dt.date,
            "status": rows["status"].map(lambda code: label(code, STATUSES)),
            "mou": [
                f"Signed {pd.Timestamp(day):%Y-%m-%d}" if signed else "Not signed"
                for day, signed in zip(rows["mou_signed_on"], rows["has_mou"], strict=True)
            ],
            "data_sharing": rows["data_sharing_level"].map(lambda code: label(code, SHARING)),
            "funding_usd": rows["funding_usd"],
            "funding_in_period_usd": rows["funding_in_period_usd"],
            "funding_fiscal_years": rows["funding_fiscal_years"],
            "co_funding_share_pct": rows["co_funding_share_pct"],
            "programs": rows["programs"],
        }
    ).reset_index(drop=True)


# what a reader looks for first comes first, so it is in view beside the pinned name on a laptop
REGISTRY_COLUMNS = {
    "partnership_name": ("Partnership", None),
    "status": ("Status", None),
    "programs": ("Programs", "%d"),
    "funding_in_period_usd": ("Funding in the period (prorated)", "$%,.0f"),
    "funding_fiscal_years": ("Fiscal years counted", None),
    "co_funding_share_pct": ("Co-funded (%)", "%.0f%%"),
    "data_sharing": ("Data sharing", None),
    "area_names": ("Areas served", None),
    "nonprofit_name": ("Nonprofit", None),
    "org_type": ("Type", None),
    "urbanicity": ("Urban or rural", None),
    "since": ("Since", "date"),
    "mou": ("MOU", None),
    "funding_usd": ("Funding, whole fiscal years", "$%,.0f"),
}


def funding_card(row: pd.Series) -> tuple[str, str, str | None]:
    """The detail's funding headline: (label, value, help) naming the fiscal years and how they are counted."""
    if fmt.is_missing(row["funding_in_period_usd"]):
        return "Funding in the period", fmt.MISSING, None
    years = row["funding_fiscal_years"]
    return (
        f"Funding in the period ({years}, prorated)",
        f"${row['funding_in_period_usd']:,.0f}",
        fmt.plain(
            f"{years} together hold ${row['funding_usd']:,.0f}; each fiscal year's funding is counted for the "
            "share of its days that falls inside the period, as the programs' cost is."
        ),
    )


def summary_table(summary: pd.DataFrame, org_types: list[str]) -> pd.DataFrame:
    """partnerships/summary for the chosen organisation types, with readable labels."""
    rows = summary[summary["org_type"].isin(org_types)].copy()
    rows["org_type"] = rows["org_type"].map(lambda code: label(code, ORG_TYPES))
    rows["urbanicity"] = rows["urbanicity"].map(lambda code: label(code, SIDES))
    return rows.reset_index(drop=True)


SUMMARY_COLUMNS = {
    "org_type": ("Type", None),
    "urbanicity": ("Urban or rural", None),
    "partnerships_active": ("Partnerships", "%d"),
    "mean_duration_months": ("Mean months running", "%.0f"),
    "mou_pct": ("With an MOU (%)", "%.0f%%"),
    "sharing_none": ("Share no data", "%d"),
    "sharing_aggregate": ("Share aggregates", "%d"),
    "sharing_case_level": ("Share case-level data", "%d"),
    "trainings_co_delivered": ("Trainings co-delivered", "%d"),
    "officers_trained": ("Officers trained", "%,d"),
}


def summary_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Partnerships by organisation type, urban and rural bars side by side."""
    types = sorted(
        table["org_type"].unique(), key=lambda name: -table.loc[table["org_type"] == name, "partnerships_active"].sum()
    )
    figure = go.Figure()
    for side in ("Urban", "Rural"):
        rows = table[table["urbanicity"] == side].set_index("org_type").reindex(types)
        if rows["partnerships_active"].notna().sum() == 0:
            continue
        counts = rows["partnerships_active"].fillna(0).astype(int)
        figure.add_trace(
            go.Bar(
                y=types,
                x=counts,
                name=f"{side} areas",
                orientation="h",
                marker_color=SIDE_COLOURS[side],
                text=[f"{count:,}" if count else "" for count in counts],
                textposition="outside",
                hovertemplate=f"{side}: %{{y}}, %{{x:,}} partnerships<extra></extra>",
            )
        )
    top = int(table["partnerships_active"].max()) if not table.empty else 1
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        barmode="group",
        height=130 + 46 * len(types),
        margin={"l": 10, "r": 30, "t": 90, "b": 50},
        font=FONT,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        plot_bgcolor="white",
        bargap=0.25,
    )
    figure.update_xaxes(
        title_text="Partnerships active in the period (count)",
        range=[0, top * 1.15 + 0.5],
        dtick=1 if top <= 10 else None,
        gridcolor="#eee",
        showline=True,
        linecolor="#999",
    )
    figure.update_yaxes(autorange="reversed", ticksuffix="  ")
    return figure


def partnership_from_link(
    raw: str | None, registry: pd.DataFrame, where: str = "in the registry for this period and these areas"
) -> tuple[int | None, str | None]:
    """The partnership a ?partnership=<id> link asks for, or one sentence saying why it cannot be shown.

    `registry` holds the partnerships the page may open; `where` says what that list is.
    """
    if raw is None or raw == "":
        return None, None
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 9:
        return None, "The link's partnership could not be read (it should be a number), so none is opened."
    wanted = int(text)
    if wanted not in set(registry["partnership_id"].astype(int)):
        return None, f"Partnership {wanted} is not {where}, so none is opened. Pick one from the list below."
    return wanted, None


def detail_choices(shown: pd.DataFrame) -> dict[int, str]:
    """The partnerships the detail picker offers (those in the registry table), id -> 'name — nonprofit'."""
    return {int(row.partnership_id): f"{row.partnership_name} — {row.nonprofit_name}" for row in shown.itertuples()}


def default_choice(choices: dict[int, str], registry: pd.DataFrame) -> int:
    """The first partnership whose programs the viewer may see (a director's own), else the first listed."""
    visible = set(registry.loc[registry["viewer_may_see_programs"].astype(bool), "partnership_id"].astype(int))
    return next((key for key in choices if key in visible), next(iter(choices)))


def facts(row: pd.Series) -> list[tuple[str, str]]:
    """The agreement in a few labelled lines: dates, status, areas, MOU, data sharing, roles."""
    ended = row["end_date"]
    dates = f"since {pd.Timestamp(row['start_date']):%d %b %Y}"
    if not fmt.is_missing(ended):
        dates = f"{pd.Timestamp(row['start_date']):%d %b %Y} to {pd.Timestamp(ended):%d %b %Y}"
    mou = "none signed"
    if row["has_mou"]:
        mou = f"signed {pd.Timestamp(row['mou_signed_on']):%d %b %Y}"
    elif not fmt.is_missing(row["mou_signed_on"]):
        mou = f"to be signed {pd.Timestamp(row['mou_signed_on']):%d %b %Y}"
    return [
        ("Nonprofit", f"{row['nonprofit_name']} ({label(row['org_type'], ORG_TYPES).lower()})"),
        ("Status", f"{label(row['status'], STATUSES)}, {dates}"),
        ("Areas served", f"{row['area_names'] or fmt.MISSING} ({label(row['urbanicity'], SIDES).lower()})"),
        ("Memorandum of understanding", mou),
        ("Data sharing", label(row["data_sharing_level"], SHARING)),
        ("Roles", row["roles"] if not fmt.is_missing(row["roles"]) else "not recorded"),
    ]


def program_table(scorecard: pd.DataFrame) -> pd.DataFrame:
    """One row per program: how much (people, sessions, events, hours) and how well (attendance, completion...)."""
    columns = [
        "program_name",
        "focus",
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
    ]
    table = scorecard.drop_duplicates("program_id")[columns].copy()
    table["focus"] = table["focus"].map(lambda code: label(code, {}))
    table["urbanicity"] = table["urbanicity"].map(lambda code: label(code, SIDES))
    return table.reset_index(drop=True)


PROGRAM_COLUMNS = {
    "program_name": ("Program", None),
    "focus": ("Focus", None),
    "urbanicity": ("Urban or rural", None),
    "participants": ("People served", "%,d"),
    "participants_target": ("Target", "%,d"),
    "sessions": ("Sessions", "%,d"),
    "events": ("Events", "%,d"),
    "volunteer_hours": ("Volunteer hours", "%,.0f"),
    "attendance_pct": ("Attendance (%)", "%.0f%%"),
    "completion_pct": ("Completion (%)", "%.0f%%"),
    "co_delivered_pct": ("Co-delivered with officers (%)", "%.0f%%"),
    "cost_usd": ("Cost in the period (prorated)", "$%,.0f"),
    "cost_per_participant": ("Cost per person", "$%,.0f"),
    "partner_feedback_0_100": ("Partner feedback (0–100)", "%.0f"),
}


def kpi_table(scorecard: pd.DataFrame) -> pd.DataFrame:
    """One row per performance measure: latest value against target, in the measure's direction."""
    rows = scorecard[scorecard["kpi_id"].notna()]
    return pd.DataFrame(
        {
            "program_name": rows["program_name"],
            "kpi_name": rows["kpi_name"],
            "rba_category": rows["rba_category"].map(
                {"how_much": "How much", "how_well": "How well", "better_off": "Better off"}
            ),
            "latest_text": [
                scorecards.latest_text(value, unit, end)
                for value, unit, end in zip(rows["value"], rows["unit"], rows["value_period_end"], strict=True)
            ],
            "target_text": [
                scorecards.measure_text(value, unit) for value, unit in zip(rows["target"], rows["unit"], strict=True)
            ],
            "value": rows["value"],
            "value_period_end": rows["value_period_end"],
            "target": rows["target"],
            "unit": rows["unit"],
            "direction": rows["higher_is_better"].map(scorecards.polarity),
            "on_track": rows.apply(scorecards.status, axis=1) if len(rows) else pd.Series(dtype=str),
            "change_from_baseline_pct": rows["change_from_baseline_pct"],
        }
    ).reset_index(drop=True)


KPI_COLUMNS = {
    "program_name": ("Program", None),
    "kpi_name": ("Measure", None),
    "rba_category": ("Kind", None),
    "latest_text": ("Latest (report to)", None),
    "target_text": ("Target", None),
    "direction": ("Direction", None),
    "on_track": ("Against target", None),
    "change_from_baseline_pct": ("Change from baseline (%)", "%+.0f%%"),
}


def trainings_table(trainings: pd.DataFrame) -> pd.DataFrame:
    """Officer trainings, newest first."""
    table = trainings[["held_on", "topic", "officers_trained", "hours", "officer_hours"]].copy()
    table["held_on"] = pd.to_datetime(table["held_on"]).dt.date
    return table.sort_values("held_on", ascending=False).reset_index(drop=True)


TRAINING_COLUMNS = {
    "held_on": ("Held on", None),
    "topic": ("Topic", None),
    "officers_trained": ("Officers trained", "%,d"),
    "hours": ("Hours", "%.1f"),
    "officer_hours": ("Officer-hours", "%,.1f"),
}


def feedback_table(feedback: pd.DataFrame) -> pd.DataFrame:
    """Each side's ratings per feedback period, with its comment."""
    table = feedback[
        ["period_start", "respondent_side", "communication", "trust", "shared_goals", "resources", "overall_0_100"]
    ].copy()
    table["period_start"] = pd.to_datetime(table["period_start"]).dt.date
    table["respondent_side"] = table["respondent_side"].map(RESPONDENTS)
    table["comment"] = feedback["comment"].fillna("")
    return table.reset_index(drop=True)


FEEDBACK_COLUMNS = {
    "period_start": ("Period from", None),
    "respondent_side": ("Side", None),
    "communication": ("Communication (1–5)", "%d"),
    "trust": ("Trust (1–5)", "%d"),
    "shared_goals": ("Shared goals (1–5)", "%d"),
    "resources": ("Resources (1–5)", "%d"),
    "overall_0_100": ("Overall (0–100)", "%.0f"),
    "comment": ("Comment", None),
}


def feedback_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Each side's overall rating of the partnership per feedback period."""
    figure = go.Figure()
    for side, colour in RESPONDENT_COLOURS.items():
        rows = table[table["respondent_side"] == side].sort_values("period_start")
        if rows.empty:
            continue
        figure.add_trace(
            go.Scatter(
                x=[f"{pd.Timestamp(day):%b %Y}" for day in rows["period_start"]],
                y=rows["overall_0_100"],
                mode="lines+markers+text",
                name="Police agency" if side == "Police" else "Nonprofit",
                line={"color": colour, "width": 2.5},
                marker={"color": colour, "size": 9},
                text=[f"{value:.0f}" for value in rows["overall_0_100"]],
                textposition="top center",
                hovertemplate=f"{side}, %{{x}}: %{{y:.0f}} of 100<extra></extra>",
            )
        )
    periods = sorted(pd.to_datetime(table["period_start"]).unique())
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        height=360,
        margin={"l": 60, "r": 20, "t": 90, "b": 50},
        font=FONT,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        plot_bgcolor="white",
    )
    figure.update_xaxes(
        title_text="Feedback period starting",
        type="category",
        categoryorder="array",
        categoryarray=[f"{pd.Timestamp(day):%b %Y}" for day in periods],
        showline=True,
        linecolor="#999",
    )
    figure.update_yaxes(
        title_text="Overall rating (0–100)", range=[0, 108], gridcolor="#eee", showline=True, linecolor="#999"
    )
    return figure


def funding_table(funding: pd.DataFrame) -> pd.DataFrame:
    """Funding per fiscal year and source, with each source's share of the year."""
    table = funding[["fiscal_year", "source", "amount_usd", "share_pct", "year_total_usd", "co_funding_share_pct"]]
    table = table.copy()
    table["source"] = table["source"].map(lambda code: FUNDING_SOURCES.get(code, (code, ""))[0])
    return table.reset_index(drop=True)


FUNDING_COLUMNS = {
    "fiscal_year": ("Fiscal year", "FY%d"),
    "source": ("Source", None),
    "amount_usd": ("Amount", "$%,.0f"),
    "share_pct": ("Share of the year (%)", "%.0f%%"),
    "year_total_usd": ("Year total", "$%,.0f"),
    "co_funding_share_pct": ("Not paid by the agency (%)", "%.0f%%"),
}


def funding_figure(table: pd.DataFrame, title: str) -> go.Figure:
    """Funding stacked by source, one bar per fiscal year."""
    years = sorted(table["fiscal_year"].unique())
    figure = go.Figure()
    for name, colour in FUNDING_SOURCES.values():
        rows = table[table["source"] == name].set_index("fiscal_year").reindex(years)
        if rows["amount_usd"].notna().sum() == 0:
            continue
        figure.add_trace(
            go.Bar(
                x=[f"FY{year}" for year in years],
                y=rows["amount_usd"].fillna(0),
                name=name,
                marker_color=colour,
                customdata=rows["share_pct"].fillna(0),
                hovertemplate=f"{name}, %{{x}}: $%{{y:,.0f}} (%{{customdata:.0f}}% of the year)<extra></extra>",
            )
        )
    totals = table.groupby("fiscal_year")["amount_usd"].sum().reindex(years)
    figure.add_trace(
        go.Scatter(
            x=[f"FY{year}" for year in years],
            y=totals,
            mode="text",
            text=[f"${total:,.0f}" for total in totals],
            textposition="top center",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        barmode="stack",
        height=380,
        margin={"l": 80, "r": 20, "t": 90, "b": 50},
        font=FONT,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        plot_bgcolor="white",
        bargap=0.5,
    )
    figure.update_xaxes(title_text="Fiscal year (named by the year it ends in)", type="category")
    figure.update_yaxes(
        title_text="Funding (agency currency)",
        tickprefix="$",
        tickformat=",.0f",
        range=[0, float(totals.max()) * 1.15 if len(totals) else 1],
        gridcolor="#eee",
    )
    return figure
