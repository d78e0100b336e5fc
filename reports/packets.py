"""PDF packets: the council packet (chief, analyst) and a nonprofit's funder scorecard.

Each packet is gathered with `run(name, **params)`: the app passes components.runtime.query,
whose scope comes from the signed-in identity; the CLI passes queries.run bound to the scope
of `--as` (or to the whole agency for the operator holding the file). So a packet shows what
its reader's pages show, from the same queries, headline cards (components.headlines), tables
(the pages' column definitions) and figures (components' builders, printed by plotly.js as in
the public site). It is one HTML document (reports/templates/packet-*.html.j2, the site's
macros) printed to PDF by reports/pdf.py.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

import queries
from components import charts, crime_charts, headlines, partnership_views, scorecards, synthetic_control, verdicts
from components import format as fmt
from components.public_tables import Table
from reports import i18n, pdf, site

Run = Callable[..., pd.DataFrame]
KINDS = ("council", "scorecard")
STATIC_DIR = Path(__file__).parent / "static"
PRINT_WIDTH_PX = 680  # the text width of a Letter or A4 page less 15 mm margins, at 96 px per inch
# "FBI violent crime" is the class issue 10 gives crime_class = 'violent'; the words are set here once
CLASS_TITLES = {"violent": "FBI violent crime", "property": "Property crime"}
SMALL_COUNT = 10  # fewer offences than this in both years: too few to test a change in an area
GREY_DASHES = ("solid", "dash", "dot", "dashdot", "longdash")
GREY_PATTERNS = ("", "/", ".", "x", "\\", "+")


class PacketError(ValueError):
    """A packet cannot be made for this reader or these choices; the message is one sentence."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    urbanicity: str | None = None

    def params(self) -> dict[str, object]:
        return {"start_date": self.start, "end_date": self.end, "urbanicity": self.urbanicity}

    def prior(self) -> Period:
        return Period(_year_earlier(self.start), _year_earlier(self.end), self.urbanicity)

    @property
    def label(self) -> str:
        return f"{self.start:%b %Y} – {self.end:%b %Y}"

    @property
    def side(self) -> str:
        return {"urban": "urban areas only", "rural": "rural areas only"}.get(
            self.urbanicity or "", "urban and rural areas"
        )


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass
class Packet:
    kind: str
    title: str
    html: str
    seconds_gathering: float = 0.0


@dataclass
class Made:
    """A printed packet and how it went."""

    pdf: bytes
    pages: int
    seconds: float
    title: str


# --- tables and figures as print shows them ----------------------------------------------------


_PRINTF = re.compile(r"%([+,]*)(\.\d+)?([df])")


def cell(value: object, spec: str | None) -> str:
    """A value with a page's printf-style column format ("%,d", "$%,.0f", "%.0f%%"); missing reads '—'."""
    if isinstance(value, (list, tuple)):
        return ""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return fmt.MISSING
    if spec is None:
        return str(value.date() if isinstance(value, pd.Timestamp) else value)

    def one(match: re.Match) -> str:
        flags, precision, kind = match.groups()
        number = round(float(value)) if kind == "d" else float(value)
        return format(number, f"{flags}{precision or ''}{kind}")

    return _PRINTF.sub(one, spec).replace("%%", "%")


def table(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None]], caption: str) -> Table:
    """A page's table (its column -> (heading, format) definition) as the site's Table of text cells."""
    shown = {name: spec for name, spec in columns.items() if name in frame.columns and spec[1] != "sparkline"}
    numeric = [spec is not None and "%" in spec and not spec.startswith("FY") for _, spec in shown.values()]
    rows = [[cell(row[name], spec) for name, (_, spec) in shown.items()] for _, row in frame.iterrows()]
    return Table(caption, [heading for heading, _ in shown.values()], rows, numeric)


def for_print(figure: go.Figure) -> go.Figure:
    """A figure at the page's width, its series told apart by dash and hatch as well as colour (greyscale)."""
    lines = bars = 0
    for trace in figure.data:
        if trace.showlegend is False:  # told apart by its panel or its label, not by a legend
            continue
        if trace.type == "scatter" and "lines" in (trace.mode or "lines"):
            if not (trace.line and trace.line.dash):
                trace.update(line_dash=GREY_DASHES[lines % len(GREY_DASHES)])
            lines += 1
        elif trace.type == "bar":
            trace.update(marker_pattern_shape=GREY_PATTERNS[bars % len(GREY_PATTERNS)], marker_line_color="#222",
                         marker_line_width=0.6)  # fmt: skip
            bars += 1
    figure.update_layout(width=PRINT_WIDTH_PX, autosize=False, font_family="DejaVu Sans, sans-serif")
    return figure


def print_chart(chart_id: str, figure: go.Figure, sentence: str, tables: list[Table]) -> site.Chart:
    """The site's chart block for a figure made for print (no mode bar, fixed size: nothing runs off the page)."""
    drawn = site.chart(chart_id, for_print(figure), sentence, tables, i18n.words("en"))
    drawn.spec = drawn.spec.replace('"responsive":true', '"responsive":false,"staticPlot":true')
    return drawn


# --- one place for what other issues will refine ----------------------------------------------


def data_quality_line(coverage: pd.DataFrame) -> str:
    """The packet's one data-quality line (the import issue's flags will feed it; today: the data held)."""
    if coverage.empty or pd.isna(coverage.iloc[0]["first_crime_month"]):
        return "No incidents are held yet, so the crime figures are empty."
    row = coverage.iloc[0]
    survey = (
        f"; survey answers from {pd.Timestamp(row['first_survey_day']):%d %b %Y} to "
        f"{pd.Timestamp(row['last_survey_day']):%d %b %Y}"
        if pd.notna(row["first_survey_day"])
        else "; no survey answers are held"
    )
    return (
        f"Data held: crime from {pd.Timestamp(row['first_crime_month']):%b %Y} to "
        f"{pd.Timestamp(row['last_crime_month']):%b %Y}{survey}."
    )


@dataclass
class Impact:
    """One partnership's impact as the packet states it: the Impact page's words (components.verdicts)."""

    partnership: str
    verdict: str
    judged: bool
    reason: str = ""
    counts: str = ""
    wdd: str = ""
    synthetic: str = ""


def partnership_impact(
    run: Run, partnership_id: int, crime_class: str = "violent", window_months: int = 12, months_not_held=None
) -> Impact:
    """The packet's impact of one partnership: impact/wdd's evaluable rule and the synthetic control, worded
    by components.verdicts exactly as on the Impact page (12-month windows, FBI violent crime by default)."""
    choice = {"partnership_id": partnership_id, "window_months": window_months, "crime_class": crime_class}
    row = run("impact/wdd", months_not_held=months_not_held, **choice).iloc[0]
    fit = synthetic_control.fit(run("impact/area_series", **choice), window_months) if row["evaluable"] else None
    wdd = verdicts.wdd_verdict(row, crime_class)
    synthetic = verdicts.synthetic_verdict(row, fit)
    if not wdd.judged:
        return Impact(row["partnership_name"], wdd.headline.rstrip(":"), False, fmt.unplain(wdd.body).rstrip("."))
    stats = "; ".join(f"{card.label} {card.value}" for card in wdd.cards)
    notes = " ".join(wdd.notes)
    return Impact(
        row["partnership_name"],
        wdd.headline.rstrip("."),
        True,
        counts=fmt.unplain(wdd.body + (" " + notes if notes else "")).rstrip("."),
        wdd=stats,
        synthetic=fmt.unplain(f"{synthetic.headline} {synthetic.body}") if fit is not None else "",
    )


# --- the council packet -------------------------------------------------------------------------


def council_content(run: Run, period: Period, own_programs_only: bool = False) -> dict[str, object]:
    """Everything the council packet shows, from `run` (scoped by the caller)."""
    now, before = period.params(), period.prior().params()
    coverage = run("meta/coverage")
    totals, totals_before = run("programs/totals", **now), run("programs/totals", **before)
    violent_all = run("crime/yoy", **now, group_by="all", crime_class="violent")
    trust_all, trust_before = run("trust/scores", **now, group_by="all"), run("trust/scores", **before, group_by="all")
    cards = headlines.headlines(
        totals,
        totals_before,
        violent_all,
        trust_all,
        trust_before,
        own_programs_only=own_programs_only,
        crime_held=coverage.notna().iloc[0]["first_crime_month"] if not coverage.empty else False,
    )
    crime_rates, crime_charts_ = [], []
    for crime_class, title in CLASS_TITLES.items():
        by_side = run("crime/yoy", **now, group_by="urbanicity", crime_class=crime_class)
        every = run("crime/yoy", **now, group_by="all", crime_class=crime_class)
        crime_rates.append((title, pd.concat([by_side, every], ignore_index=True)))
        rolling = run("crime/rolling", **now, group_by="urbanicity", crime_class=crime_class)
        figure = crime_charts.trend_figure(rolling, f"{title} per 1,000 residents, by month")
        crime_charts_.append(print_chart(f"trend-{crime_class}", figure, crime_trend_sentence(title, by_side), []))
    rate_rows = pd.DataFrame(
        [
            {
                "crime": title,
                "group_label": row["group_label"],
                "incidents": row["incidents"],
                "incidents_prior": row["incidents_prior"],
                "rate_per_1k": row["rate_per_1k"],
                "rate_per_1k_prior": row["rate_per_1k_prior"],
                "change_pct": row["change_pct"],
                "change": change_words(row),
            }
            for title, frame in crime_rates
            for _, row in frame.iterrows()
        ]
    )
    by_area = run("crime/yoy", **now, group_by="area", crime_class="violent")
    by_area = by_area.assign(change=[change_words(row) for _, row in by_area.iterrows()])
    by_area = by_area.assign(side=by_area["urbanicity"].str.capitalize()).sort_values(["urbanicity", "group_label"])

    trust_side = run("trust/scores", **now, group_by="urbanicity")
    urban_rural = charts.urban_rural_table(
        run("crime/yoy", **now, group_by="urbanicity", crime_class="violent"),
        run("crime/yoy", **now, group_by="urbanicity", crime_class="all"),
        trust_side,
        totals,
    )
    summary = run("partnerships/summary", **now)
    registry = run("partnerships/registry", **now)
    funding = run("resources/funding", **now)
    impacts = [
        partnership_impact(run, int(row.partnership_id))
        for row in registry.sort_values("partnership_name").itertuples()
        if row.status != "planned"
    ]
    funding_shown = partnership_views.funding_table(funding)
    return {
        "quality_line": data_quality_line(coverage),
        "agency": coverage.iloc[0]["agency_name"] if not coverage.empty else "",
        "cards": cards,
        "rates": table(
            rate_rows, RATE_COLUMNS, "Offences and rates per 1,000 residents, against the same months a year earlier"
        ),
        "crime_charts": crime_charts_,
        "by_area": table(by_area, AREA_COLUMNS, f"FBI violent crime by area, {period.label}"),
        "small_count": SMALL_COUNT,
        "trust": table(
            trust_rows(trust_all, trust_side), TRUST_COLUMNS, "Residents and officers, with 95% confidence intervals"
        ),
        "urban_rural": print_chart(
            "urban-rural",
            charts.urban_rural_figure(urban_rural, period.label),
            "Urban and rural areas side by side: violent and all crime per 1,000, resident trust with its 95% CI, "
            "and program participants per 1,000.",
            [table(urban_rural, URBAN_RURAL_COLUMNS, "Urban and rural side by side")],
        )
        if not urban_rural.empty
        else None,
        "partnership_summary": table(
            partnership_views.summary_table(summary, sorted(summary["org_type"].unique())),
            partnership_views.SUMMARY_COLUMNS,
            "Partnerships active in the period by type of organisation",
        ),
        "registry": table(
            registry.sort_values("partnership_name"), REGISTRY_COLUMNS, "Every partnership in the period"
        ),
        "funding": print_chart(
            "funding",
            partnership_views.funding_figure(funding_shown, "Funding by source"),
            funding_sentence(funding),
            [table(funding_shown, partnership_views.FUNDING_COLUMNS, "Funding by fiscal year and source")],
        )
        if not funding.empty
        else None,
        "impacts": impacts,
        "methods": methods(COUNCIL_QUERIES),
    }


def change_words(row: pd.Series) -> str:
    """A change in counts in words, with the small-count rule: below it no test is run."""
    now, before = row["incidents"], row["incidents_prior"]
    if pd.isna(now) or pd.isna(before):
        return "no data"
    if now < SMALL_COUNT and before < SMALL_COUNT:
        return f"too few offences to test (under {SMALL_COUNT} in both years)"
    if not row["significant"]:
        return "within what chance alone would give"
    return "a significant rise" if row["poisson_z"] > 0 else "a significant fall"


def crime_trend_sentence(title: str, by_side: pd.DataFrame) -> str:
    parts = [
        f"{row['group_label']} areas {fmt.number(row['rate_per_1k'], 2)} per 1,000 ({change_words(row)})"
        for _, row in by_side.iterrows()
        if pd.notna(row["rate_per_1k"])
    ]
    return f"{title} in the period: " + ("; ".join(parts) if parts else "no rate can be given") + "."


def funding_sentence(funding: pd.DataFrame) -> str:
    total = funding["amount_usd"].sum()
    years = sorted(funding["fiscal_year"].unique())
    return f"${total:,.0f} across fiscal years {', '.join(f'FY{year}' for year in years)}, by source."


def trust_rows(overall: pd.DataFrame, by_side: pd.DataFrame) -> pd.DataFrame:
    """Trust and safety per audience, overall then per side, with CIs in words where shown."""
    rows = []
    for frame in (overall, by_side):
        for _, row in frame.iterrows():
            shown = bool(row["reportable"])
            safety_shown = bool(row["safety_reportable"])
            rows.append(
                {
                    "audience": "Residents" if row["audience"] == "resident" else "Officers",
                    "group_label": "All areas" if row["group_key"] == "all" else row["group_label"],
                    "n": row["n"],
                    "trust": f"{fmt.number(row['trust_0_100'])} ({fmt.interval(row['ci_low'], row['ci_high'])})"
                    if shown
                    else f"not shown: {fmt.count(row['n'])} responses",
                    "safety": f"{fmt.number(row['safety_0_100'])} "
                    f"({fmt.interval(row['safety_ci_low'], row['safety_ci_high'])})"
                    if safety_shown
                    else f"not shown: {fmt.count(row['safety_n'])} responses",
                    "gap": f"{fmt.signed(row['gap_0_100'])} ({fmt.interval(row['gap_ci_low'], row['gap_ci_high'])})"
                    if row["audience"] == "resident" and bool(row["gap_reportable"])
                    else "",
                }
            )
    return pd.DataFrame(rows, columns=["audience", "group_label", "n", "trust", "safety", "gap"])


# the page's urban/rural columns that fit a printed page's width
URBAN_RURAL_COLUMNS = {
    name: charts.URBAN_RURAL_COLUMNS[name]
    for name in ("side", "population", "violent_per_1k", "violent_change_pct", "crime_per_1k", "trust_0_100",
                 "trust_n", "programs_active", "participants_served")
}  # fmt: skip
RATE_COLUMNS = {
    "crime": ("Crime", None),
    "group_label": ("Areas", None),
    "incidents": ("Offences", "%,d"),
    "incidents_prior": ("A year earlier", "%,d"),
    "rate_per_1k": ("Per 1,000", "%.2f"),
    "rate_per_1k_prior": ("Per 1,000 a year earlier", "%.2f"),
    "change_pct": ("Change (%)", "%+.1f"),
    "change": ("Change in words", None),
}
AREA_COLUMNS = {
    "group_label": ("Area", None),
    "side": ("Urban / rural", None),
    "incidents": ("Offences", "%,d"),
    "incidents_prior": ("A year earlier", "%,d"),
    "rate_per_1k": ("Per 1,000", "%.2f"),
    "change_pct": ("Change (%)", "%+.1f"),
    "change": ("Change in words", None),
}
TRUST_COLUMNS = {
    "audience": ("Who answered", None),
    "group_label": ("Areas", None),
    "n": ("Responses", "%,d"),
    "trust": ("Trust 0–100 (95% CI)", None),
    "safety": ("Safety 0–100 (95% CI)", None),
    "gap": ("Residents minus officers (95% CI)", None),
}
REGISTRY_COLUMNS = {
    "partnership_name": ("Partnership", None),
    "nonprofit_name": ("Nonprofit", None),
    "status": ("Status", None),
    "start_date": ("Started", None),
    "area_count": ("Areas", "%d"),
    "programs": ("Programs", "%d"),
    "data_sharing_level": ("Data shared", None),
    "funding_usd": ("Funding", "$%,.0f"),
}
COUNCIL_QUERIES = (
    "crime/yoy",
    "crime/rolling",
    "trust/scores",
    "programs/totals",
    "partnerships/summary",
    "partnerships/registry",
    "resources/funding",
    "impact/wdd",
)


def methods(names: tuple[str, ...]) -> list[dict[str, object]]:
    """The methodology appendix from the SQL headers, as the Methodology page builds it."""
    return [
        {
            "name": name,
            "title": queries.spec(name).title_sentence,
            "grain": queries.spec(name).grain,
            "notes": list(queries.spec(name).notes),
        }
        for name in names
    ]


# --- the funder scorecard -------------------------------------------------------------------------


def nonprofit_choices(run: Run, period: Period) -> dict[int, str]:
    """nonprofit_id -> name of every nonprofit with a partnership in the period that `run` may see."""
    registry = run("partnerships/registry", **period.params())
    pairs = registry[["nonprofit_id", "nonprofit_name"]].drop_duplicates().sort_values("nonprofit_name")
    return {int(row.nonprofit_id): row.nonprofit_name for row in pairs.itertuples()}


def scorecard_content(run: Run, period: Period, nonprofit_id: int, nonprofit_name: str) -> dict[str, object]:
    """Everything a nonprofit's funder scorecard shows: its programs only, in RBA form."""
    now = period.params()
    coverage = run("meta/coverage")
    rows = run("programs/scorecard", **now, nonprofit_id=nonprofit_id)
    rows = rows[rows["nonprofit_id"] == nonprofit_id]
    programs = scorecards.programs_table(rows)
    registry = run("partnerships/registry", **now)
    own = registry[registry["nonprofit_id"] == nonprofit_id]
    feedback = pd.concat(
        [run("partnerships/feedback", **now, partnership_id=int(pid)) for pid in own["partnership_id"]]
        or [pd.DataFrame(columns=["respondent_side", "overall_0_100", "period_start"])],
        ignore_index=True,
    )
    details = []
    for program in programs.itertuples():
        categories = []
        for category, title in scorecards.CATEGORY_TITLES.items():
            measures = scorecards.measures_table(rows, program.program_id, category)
            categories.append(
                {
                    "title": title,
                    "table": table(measures, scorecards.MEASURE_COLUMNS, f"{program.program_name}: measures")
                    if not measures.empty
                    else None,
                    "sentences": [measure_sentence(measure) for _, measure in measures.iterrows()],
                }
            )
        trends = rows[(rows["program_id"] == program.program_id) & rows["kpi_name"].notna()]
        details.append(
            {
                "name": program.program_name,
                "facts": table(
                    programs[programs["program_id"] == program.program_id], FACT_COLUMNS, "How much and how well"
                ),
                "categories": categories,
                "trend": print_chart(
                    f"trend-{program.program_id}",
                    scorecards.trend_figure(trends, f"{program.program_name}: each measure over time"),
                    f"Each measure of {program.program_name} over time, against its target (dashed).",
                    [],
                )
                if not trends.empty
                else None,
            }
        )
    with_targets = int(programs["measures_with_target"].sum()) if not programs.empty else 0
    return {
        "quality_line": data_quality_line(coverage),
        "agency": coverage.iloc[0]["agency_name"] if not coverage.empty else "",
        "nonprofit": nonprofit_name,
        "summary": [
            ("Programs", fmt.count(len(programs))),
            ("Participants served", fmt.count(programs["participants"].sum() if not programs.empty else 0)),
            (
                "Measures on track",
                f"{int(programs['measures_on_track'].sum()) if not programs.empty else 0:,} of {with_targets:,}",
            ),
        ],
        "programs": table(programs, PROGRAM_COLUMNS, "Programs in the period"),
        "details": details,
        "feedback": table(feedback_summary(feedback), FEEDBACK_COLUMNS, "Each side's rating of the partnership"),
        "methods": methods(("programs/scorecard", "partnerships/feedback")),
    }


def measure_sentence(measure: pd.Series) -> str:
    """'On track' in words: the latest value against target, in the measure's own direction."""
    name, status = measure["kpi_name"], measure["status"]
    if pd.isna(measure["value"]):
        return f"{name}: no value reported in the period."
    value = f"{fmt.number(measure['value'])} {measure['unit'] or ''}".strip()
    if pd.isna(measure["target"]):
        return f"{name}: {value}; no target is set."
    direction = "at or above" if measure["direction"].startswith("↑") else "at or below"
    verdict = "on track" if status.startswith("✓") else "not on track"
    return f"{name}: {value} against a target of {fmt.number(measure['target'])} ({direction} is good), {verdict}."


def feedback_summary(feedback: pd.DataFrame) -> pd.DataFrame:
    """Mean overall rating per side over the period's feedback (ratings only; comments stay in the app)."""
    if feedback.empty:
        return pd.DataFrame(columns=["side", "periods", "overall_0_100"])
    grouped = feedback.groupby("respondent_side").agg(
        periods=("period_start", "nunique"), overall_0_100=("overall_0_100", "mean")
    )
    grouped.index = grouped.index.map(lambda side: "Police agency" if side == "agency" else "Nonprofit")
    return grouped.rename_axis("side").reset_index()


PROGRAM_COLUMNS = {
    name: scorecards.PROGRAM_COLUMNS[name]
    for name in ("program_name", "side", "participants", "participants_target", "sessions", "on_track_text")
}
FACT_COLUMNS = {
    name: scorecards.PROGRAM_COLUMNS[name]
    for name in (
        "participants",
        "participants_target",
        "sessions",
        "attendance_pct",
        "completion_pct",
        "co_delivered_pct",
        "cost_per_participant",
        "partner_feedback_0_100",
    )
}
FEEDBACK_COLUMNS = {
    "side": ("Side", None),
    "periods": ("Feedback periods", "%d"),
    "overall_0_100": ("Overall rating (0–100)", "%.0f"),
}


# --- rendering --------------------------------------------------------------------------------


def render(kind: str, content: dict[str, object], period: Period, generated_on: dt.date) -> str:
    """The packet's HTML: the site's macros and chart blocks, the packet's print stylesheet."""
    words = i18n.words("en")
    title = packet_title(kind, content)
    return (
        site.environment()
        .get_template(f"packet-{kind}.html.j2")
        .render(
            **content,
            t=words.t,
            title=title,
            contents=contents(kind, content),
            period=period,
            generated_on=generated_on,
            css=(STATIC_DIR / "packet.css").read_text(encoding="utf-8"),
            plotly_js=pdf.PLOTLY_JS.as_uri(),
        )
    )


COUNCIL_CONTENTS = (
    ("headlines", "Headline numbers"),
    ("crime", "Crime trends"),
    ("trust", "Community trust and safety"),
    ("partnerships", "Partnerships and funding"),
    ("impact", "Impact of each partnership"),
    ("methods", "Methodology"),
)


def contents(kind: str, content: dict[str, object]) -> list[tuple[str, str]]:
    """(anchor, heading) of each chapter; the headings are the chapters' <h2> text, which the PDF outline repeats."""
    if kind == "council":
        return list(COUNCIL_CONTENTS)
    programs = [(f"program-{number}", detail["name"]) for number, detail in enumerate(content["details"], start=1)]
    return [("summary", "Summary"), *programs, ("feedback", "Partner feedback"), ("methods", "Methodology")]


def packet_title(kind: str, content: dict[str, object]) -> str:
    if kind == "council":
        return f"Council packet · {content['agency']}"
    return f"Funder scorecard · {content['nonprofit']}"


def make(
    kind: str,
    run: Run,
    period: Period,
    *,
    nonprofit_id: int | None = None,
    nonprofit_name: str | None = None,
    own_programs_only: bool = False,
    paper: str = "letter",
    generated_on: dt.date | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Made:
    """Gather, render and print one packet; `progress(fraction, what)` hears of each step."""
    started = time.perf_counter()
    tell = progress or (lambda fraction, what: None)
    tell(0.05, "Reading the figures")
    if kind == "council":
        content = council_content(run, period, own_programs_only=own_programs_only)
    elif kind == "scorecard":
        if nonprofit_id is None:
            raise PacketError("a scorecard is for one nonprofit: choose which")
        content = scorecard_content(run, period, nonprofit_id, nonprofit_name or "")
    else:
        raise PacketError(f"the report is council or scorecard, not {kind!r}")
    tell(0.4, "Laying out the pages")
    html = render(kind, content, period, generated_on or dt.date.today())
    tell(0.6, "Printing the PDF")
    printed = pdf.print_html(html, packet_title(kind, content), paper)
    tell(1.0, "Done")
    return Made(printed.pdf, printed.pages, time.perf_counter() - started, packet_title(kind, content))
