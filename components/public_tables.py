"""Tables of the public report: exactly the values each chart draws, as people read them; pure.

Cells are formatted by `words` (reports.i18n.Words), so the tables read the same on the site,
in the app's Public report and in a screen reader, and with JavaScript off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from components.public_text import (
    interval,
    period_label,
    period_words,
    shown_count,
    verdict_words,
)
from components.public_views import SIDES


@dataclass
class Table:
    """A table as people read it: a caption, column headings and rows of formatted cells."""

    caption: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.columns)


def _headings(words, prefix: str, names: str) -> list[str]:
    """Column headings of a table from its locale section: _headings(words, "funding.table", "year source")."""
    return [words.t(f"{prefix}.{name}") for name in names.split()]


def crime_change_table(words, change: pd.DataFrame) -> Table:
    """The change in every class and side: the values the headline sentences use."""
    table = Table(
        words.t("crime.change_table.caption"),
        _headings(
            words,
            "crime.change_table",
            "side crime_class period incidents incidents_prior rate rate_prior change verdict",
        ),
        numeric=[False, False, False, True, True, True, True, True, False],
    )
    for _, row in change.iterrows():
        published = row["grain"] != "none"
        table.rows.append(
            [
                words.choice("side", row["side"]),
                words.choice("crime_class", row["crime_class"]),
                period_words(words, row) if published else words.t("crime.not_published_short"),
                words.count(row["incidents"]),
                words.count(row["incidents_prior"]),
                words.number(row["rate_per_1k"], 1),
                words.number(row["rate_per_1k_prior"], 1),
                words.percent(row["change_pct"], 1, signed=True),
                verdict_words(words, row, "crime.verdict_short") if published else words.t("crime.not_published_short"),
            ]
        )
    return table


def crime_series_table(words, series: pd.DataFrame, crime_class: str, side: str) -> Table:
    """The values of one panel of crime_rate_figure: period, offences, rate."""
    frame = series[(series["side"] == side) & (series["crime_class"] == crime_class)].sort_values("period_start")
    grain = frame["grain"].iloc[0] if len(frame) else "month"
    table = Table(
        words.t(
            "crime.series_table.caption",
            crime_class=words.choice("crime_class", crime_class),
            side=words.choice("side", side),
            grain=words.t(f"crime.grain.{grain}"),
        ),
        _headings(words, "crime.series_table", "period incidents rate"),
        numeric=[False, True, True],
    )
    for _, row in frame.iterrows():
        table.rows.append(
            [
                period_label(words, grain, row["period_start"]),
                words.count(row["incidents"]) if row["is_published"] else words.t("crime.not_published_short"),
                words.number(row["rate_per_1k"], 2),
            ]
        )
    return table


def area_table(words, area_crime: pd.DataFrame, crime_class: str) -> Table:
    """The map's values: every area's offences and rate in the latest published year."""
    year = int(area_crime["year"].dropna().iloc[0]) if area_crime["year"].notna().any() else None
    table = Table(
        words.t("map.table_caption", crime_class=words.choice("crime_class", crime_class), year=year or ""),
        _headings(words, "map.table", "area side population incidents rate"),
        numeric=[False, False, True, True, True],
    )
    for _, row in area_crime.iterrows():
        table.rows.append(
            [
                str(row["name"]),
                words.choice("side", row["urbanicity"]),
                words.count(row["population"]),
                shown_count(words, row["incidents"], row["incidents_shown"]),
                words.number(row["rate_per_1k"], 1),
            ]
        )
    return table


def trust_table(words, quarters: pd.DataFrame, measure: str = "trust") -> Table:
    """The values of trust_figure: every resident quarter and side with its interval and respondents."""
    prefix = "" if measure == "trust" else "safety_"
    value, published = ("trust_0_100", "published") if measure == "trust" else ("safety_0_100", "safety_published")
    rows = quarters[(quarters["audience"] == "resident") & quarters["side"].isin(SIDES)]
    rows = rows[rows[published].fillna(False).astype(bool)].sort_values(["quarter_start", "side"])
    table = Table(
        words.t(f"trust.table_caption.{measure}"),
        _headings(words, "trust.table", "quarter side value ci_low ci_high n rse"),
        numeric=[False, False, True, True, True, True, False],
    )
    for _, row in rows.iterrows():
        table.rows.append(
            [
                words.quarter(row["quarter"]),
                words.choice("side", row["side"]),
                words.number(row[value], 1),
                words.number(row[f"{prefix}ci_low"], 1),
                words.number(row[f"{prefix}ci_high"], 1),
                words.count(row["n"]) if not pd.isna(row["n"]) else words.t("charts.trust.hidden_n"),
                words.t("trust.read_with_care") if row[f"{prefix}rse_flag"] is True else "",
            ]
        )
    return table


def trust_latest_table(words, trust_change: pd.DataFrame) -> Table:
    """Residents' and officers' latest trust and safety per side, with intervals, respondents and the change."""
    table = Table(
        words.t("trust.latest_caption"),
        _headings(words, "trust.latest", "side audience quarter trust interval safety safety_interval n prior change"),
        numeric=[False, False, False, True, False, True, False, True, True, False],
    )
    for _, row in trust_change.iterrows():
        table.rows.append(
            [
                words.choice("side", row["side"]),
                words.choice("audience", row["audience"]),
                words.quarter(row["quarter"]),
                words.number(row["trust_0_100"], 1),
                interval(words, row["ci_low"], row["ci_high"]),
                words.number(row["safety_0_100"], 1),
                interval(words, row["safety_ci_low"], row["safety_ci_high"]),
                words.count(row["n"]) if not pd.isna(row["n"]) else words.t("charts.trust.hidden_n"),
                words.number(row["trust_prior_0_100"], 1),
                ""
                if pd.isna(row["change_points"])
                else words.t(
                    "trust.change_cell.significant" if row["significant"] else "trust.change_cell.normal",
                    points=words.number(row["change_points"], 1),
                ),
            ]
        )
    return table


def partnerships_type_table(words, by_type: pd.DataFrame) -> Table:
    table = Table(
        words.t("partnerships.type_table.caption"),
        _headings(words, "partnerships.type_table", "org_type side active programs listed"),
        numeric=[False, False, True, True, True],
    )
    for _, row in by_type.iterrows():
        table.rows.append(
            [
                words.choice("org_type", row["org_type"]),
                words.choice("side", row["side"]),
                words.count(row["partnerships_active"]),
                words.count(row["programs_active_partnerships"]),
                words.count(row["partnerships_listed"]),
            ]
        )
    return table


def partnerships_area_table(words, by_area: pd.DataFrame) -> Table:
    table = Table(
        words.t("partnerships.area_table.caption"),
        _headings(words, "partnerships.area_table", "area side active listed"),
        numeric=[False, False, True, True],
    )
    for _, row in by_area.iterrows():
        table.rows.append(
            [
                str(row["name"]),
                words.choice("side", row["urbanicity"]),
                words.count(row["partnerships_active"]),
                words.count(row["partnerships_listed"]),
            ]
        )
    return table


def registry_table(words, partnerships: pd.DataFrame) -> Table:
    table = Table(
        words.t("partnerships.registry.caption"),
        _headings(
            words,
            "partnerships.registry",
            "partnership nonprofit org_type status since until side areas programs mou sharing",
        ),
        numeric=[False, False, False, False, False, False, False, False, True, False, False],
    )
    for _, row in partnerships.iterrows():
        table.rows.append(
            [
                str(row["partnership_name"]),
                str(row["nonprofit_name"]),
                words.choice("org_type", row["org_type"]),
                words.choice("status", row["status"]),
                words.date(row["start_date"]),
                words.date(row["end_date"]) if not pd.isna(row["end_date"]) else "",
                words.choice("side", row["urbanicity"]),
                "" if pd.isna(row["area_names"]) else str(row["area_names"]),
                words.count(row["programs"]),
                words.t("format.yes") if row["has_mou"] else words.t("format.no"),
                words.choice("sharing", row["data_sharing_level"]),
            ]
        )
    return table


def programs_table(words, program_years: pd.DataFrame) -> Table:
    table = Table(
        words.t("programs.table.caption"),
        _headings(words, "programs.table", "year side partnerships programs participants"),
        numeric=[False, False, True, True, True],
    )
    for _, row in program_years.iterrows():
        table.rows.append(
            [
                str(row["year"]),
                words.choice("side", row["side"]),
                words.count(row["partnerships_active"]),
                words.count(row["programs_active"]),
                shown_count(words, row["participants_served"], row["participants_served_shown"]),
            ]
        )
    return table


def funding_table(words, funding: pd.DataFrame) -> Table:
    table = Table(
        words.t("funding.table.caption"),
        _headings(words, "funding.table", "year source amount share total"),
        numeric=[False, False, True, True, True],
    )
    for _, row in funding.iterrows():
        table.rows.append(
            [
                str(row["fiscal_year"]),
                words.choice("source", row["source"]),
                words.money(row["amount_usd"]),
                words.percent(row["share_pct"], 1),
                words.money(row["year_total_usd"]),
            ]
        )
    return table
