"""Sentences and headline numbers of the public report, from queries/public results; pure.

Each chart of the public report has one plain-language sentence generated from its numbers
(here) and a table of exactly the values it draws (components.public_tables). The app's Public
report and the static site call the same functions with the same frames, so both say the same
thing; `words` (reports.i18n.Words) holds every word and formats every number for its language.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from components.public_views import SIDES, series_value_column

CLASSES_SHOWN = ("violent", "property")  # the FBI classes; "other" is in the tables and downloads
SIGNIFICANCE_LEVEL = 0.05
ALL_SIDES = (*SIDES, "all")


def change_p_value(incidents: object, incidents_prior: object) -> float | None:
    """Two-sided p-value that two counts over equal exposures differ by more than chance.

    The exact conditional test: given the total n = a + b, the count a is Binomial(n, 1/2) when
    both periods have the same underlying rate (the published population is the same for both).
    None when either count is unknown or both are 0. The one place the public side tests a change;
    point it at the impact issue's exact test when that lands.
    """
    from scipy import stats

    if pd.isna(incidents) or pd.isna(incidents_prior):
        return None
    after, before = int(incidents), int(incidents_prior)
    if after + before == 0:
        return None
    return float(stats.binomtest(after, after + before, 0.5).pvalue)


def with_exact_test(change: pd.DataFrame) -> pd.DataFrame:
    """public/crime_change rows with p_value and significant (p < 0.05) added."""
    frame = change.copy()
    frame["p_value"] = [change_p_value(a, b) for a, b in zip(frame["incidents"], frame["incidents_prior"], strict=True)]
    frame["significant"] = [None if p is None else p < SIGNIFICANCE_LEVEL for p in frame["p_value"]]
    return frame


@dataclass
class Headline:
    """One headline number: what it is, the number, and a sentence around it."""

    label: str
    value: str
    detail: str
    side: str
    side_name: str = ""


# --- crime ------------------------------------------------------------------------------


def change_words(words, row: pd.Series) -> str:
    """'up 3.0%', 'down 11.0%', 'unchanged' from change_pct."""
    change = row["change_pct"]
    if pd.isna(change):
        return words.t("crime.change.no_prior")
    if round(float(change), 1) == 0:
        return words.t("crime.change.unchanged")
    key = "crime.change.up" if change > 0 else "crime.change.down"
    return words.t(key, pct=words.percent(abs(change), 1))


def verdict_words(words, row: pd.Series, section: str = "crime.verdict") -> str:
    """The exact test's answer in words; section crime.verdict_short gives the table's short form."""
    if row.get("significant") is None or pd.isna(row.get("significant")):
        return words.t(f"{section}.untestable")
    key = f"{section}.significant" if row["significant"] else f"{section}.normal"
    return words.t(key, p=words.p_value(row["p_value"]))


def period_words(words, row: pd.Series) -> str:
    if row["grain"] == "last_12_months":
        return words.t("crime.period.last_12_months", month=words.month(row["period_end"]))
    return words.t("crime.period.calendar_year", year=pd.Timestamp(row["period_start"]).year)


def crime_change_sentence(words, row: pd.Series) -> str:
    """'In urban areas, violent crime per 1,000 residents was 16.1 in the 12 months to September 2026, up 0.3%
    from 16.0 a year earlier: within normal variation (exact test, p = 0.83).'"""
    side = words.choice("side_in", row["side"])
    crime_class = words.choice("crime_class_rate", row["crime_class"])
    if row["grain"] == "none":
        return words.sentence("crime.sentence.not_published", side=side, crime_class=crime_class)
    if pd.isna(row["rate_per_1k"]):
        return words.sentence(
            "crime.sentence.counts",
            side=side,
            crime_class=words.choice("crime_class", row["crime_class"]),
            count=words.count(row["incidents"]),
            period=period_words(words, row),
            change=change_words(words, row),
            prior=words.count(row["incidents_prior"]),
            verdict=verdict_words(words, row),
        )
    return words.sentence(
        "crime.sentence.rates",
        side=side,
        crime_class=crime_class,
        rate=words.number(row["rate_per_1k"], 1),
        period=period_words(words, row),
        change=change_words(words, row),
        prior=words.number(row["rate_per_1k_prior"], 1),
        verdict=verdict_words(words, row),
    )


def period_label(words, grain: str, start: object) -> str:
    return words.month(start) if grain == "month" else str(pd.Timestamp(start).year)


def crime_series_sentence(words, series: pd.DataFrame, crime_class: str) -> str:
    """One sentence per chart: each side's latest value and its range, and why a side is shown by year."""
    parts = []
    for side in SIDES:
        frame = series[(series["side"] == side) & (series["crime_class"] == crime_class)].sort_values("period_start")
        if frame.empty:
            continue
        grain = frame["grain"].iloc[0]
        value = series_value_column(frame)
        shown = frame[frame["is_published"] & frame[value].notna()]
        side_name = words.choice("side_in", side)
        if shown.empty:
            parts.append(words.t("crime.series.none", side=side_name))
            continue
        low, high, last = shown.loc[shown[value].idxmin()], shown.loc[shown[value].idxmax()], shown.iloc[-1]
        digits = 1 if value == "rate_per_1k" else 0
        parts.append(
            words.t(
                f"crime.series.{grain}_{value}",
                side=side_name,
                last=words.number(last[value], digits),
                last_period=period_label(words, grain, last["period_start"]),
                low=words.number(low[value], digits),
                low_period=period_label(words, grain, low["period_start"]),
                high=words.number(high[value], digits),
                high_period=period_label(words, grain, high["period_start"]),
            )
        )
    crime_class_words = words.choice("crime_class_rate", crime_class)
    return words.t("crime.series.sentence", crime_class=crime_class_words, parts=words.t("list.join").join(parts))


def shown_count(words, value: object, shown: object) -> str:
    """A published count, or the words for why it is hidden ('<10' -> 'fewer than 10')."""
    if not pd.isna(value):
        return words.count(value)
    if shown == "<10":
        return words.t("disclosure.fewer_than_10")
    if pd.isna(shown):
        return words.t("crime.not_published_short")
    return words.t("disclosure.hidden")


# --- trust ------------------------------------------------------------------------------


def trust_sentence(words, trust_change: pd.DataFrame, measure: str = "trust") -> str:
    """Residents' latest trust (or safety) on each side with its interval and respondents."""
    residents = trust_change[(trust_change["audience"] == "resident") & trust_change["side"].isin(SIDES)]
    if residents.empty:
        return words.t(f"trust.sentence_no_survey.{measure}")
    value = "trust_0_100" if measure == "trust" else "safety_0_100"
    low, high = ("ci_low", "ci_high") if measure == "trust" else ("safety_ci_low", "safety_ci_high")
    parts = []
    for _, row in residents.iterrows():
        if pd.isna(row[value]):
            continue
        key = f"trust.part.{measure}"
        change = ""
        if measure == "trust" and not pd.isna(row["change_points"]):
            change = words.t(
                "trust.change.significant" if row["significant"] else "trust.change.normal",
                prior=words.number(row["trust_prior_0_100"], 1),
            )
        parts.append(
            words.t(
                key,
                side=words.choice("side_in", row["side"]),
                value=words.number(row[value], 1),
                low=words.number(row[low], 1),
                high=words.number(row[high], 1),
                respondents=respondents_words(words, row["n"]),
                quarter=words.quarter(row["quarter"]),
                change=change,
            )
        )
    if not parts:
        return words.t(f"trust.sentence_none.{measure}")
    return words.t(f"trust.sentence.{measure}", parts=words.t("list.join").join(parts))


def respondents_words(words, n: object) -> str:
    if pd.isna(n):
        return words.t("trust.respondents_hidden")
    return words.t("trust.respondents", n=words.count(n))


def interval(words, low: object, high: object) -> str:
    if pd.isna(low) or pd.isna(high):
        return words.t("format.missing")
    return words.t("format.interval", low=words.number(low, 1), high=words.number(high, 1))


# --- partnerships, programs, funding -------------------------------------------------


def partnerships_type_sentence(words, by_type: pd.DataFrame) -> str:
    active = by_type[by_type["partnerships_active"] > 0]
    if active.empty:
        return words.t("partnerships.type_sentence_none")
    totals = active.groupby("org_type")["partnerships_active"].sum().sort_values(ascending=False, kind="stable")
    top = totals.index[0]
    per_side = active[active["org_type"] == top].set_index("side")["partnerships_active"]
    return words.t(
        "partnerships.type_sentence",
        total=words.count(totals.sum()),
        urban=words.count(active.loc[active["side"] == "urban", "partnerships_active"].sum()),
        rural=words.count(active.loc[active["side"] == "rural", "partnerships_active"].sum()),
        top=words.choice("org_type", top),
        top_count=words.count(totals.iloc[0]),
        top_urban=words.count(per_side.get("urban", 0)),
        top_rural=words.count(per_side.get("rural", 0)),
    )


def latest_year(program_years: pd.DataFrame) -> int | None:
    """The latest calendar year the yearly program counts hold."""
    return int(program_years["year"].max()) if len(program_years) else None


def programs_sentence(words, program_years: pd.DataFrame) -> str:
    year = latest_year(program_years)
    if year is None:
        return words.t("programs.sentence_none")
    rows = program_years[program_years["year"] == year].set_index("side")
    return words.t(
        "programs.sentence",
        year=year,
        partnerships=words.count(rows.loc["all", "partnerships_active"]),
        programs=words.count(rows.loc["all", "programs_active"]),
        participants=shown_count(
            words, rows.loc["all", "participants_served"], rows.loc["all", "participants_served_shown"]
        ),
        urban=shown_count(
            words, rows.loc["urban", "participants_served"], rows.loc["urban", "participants_served_shown"]
        ),
        rural=shown_count(
            words, rows.loc["rural", "participants_served"], rows.loc["rural", "participants_served_shown"]
        ),
    )


def counts_explained(words, partnerships: pd.DataFrame, program_years: pd.DataFrame) -> str:
    """Why 'active today' (the registry) and 'ran during the year' (the Overview's count) differ."""
    year = latest_year(program_years)
    active_now = int((partnerships["status"] == "active").sum())
    programs_now = int(partnerships.loc[partnerships["status"] == "active", "programs"].sum())
    if year is None:
        return words.t("partnerships.counts_explained_no_year", active=words.count(active_now))
    city = program_years[(program_years["year"] == year) & (program_years["side"] == "all")].iloc[0]
    return words.t(
        "partnerships.counts_explained",
        active=words.count(active_now),
        programs=words.count(programs_now),
        year=year,
        year_partnerships=words.count(city["partnerships_active"]),
        year_programs=words.count(city["programs_active"]),
    )


def funding_sentence(words, funding: pd.DataFrame) -> str:
    if funding.empty:
        return words.t("funding.sentence_none")
    year = int(funding["fiscal_year"].max())
    rows = funding[funding["fiscal_year"] == year].sort_values("amount_usd", ascending=False, kind="stable")
    top = rows.iloc[0]
    return words.t(
        "funding.sentence",
        year=year,
        total=words.money(top["year_total_usd"]),
        top=words.choice("source", top["source"]),
        top_amount=words.money(top["amount_usd"]),
        top_share=words.percent(top["share_pct"], 1),
        co_funding=words.percent(top["co_funding_share_pct"], 1),
    )


# --- headline numbers ---------------------------------------------------------------------


def headlines(words, change: pd.DataFrame, trust_change: pd.DataFrame, program_years: pd.DataFrame) -> list[Headline]:
    """The home page's numbers: violent and property crime per 1,000, trust, programs; urban and rural."""
    cards = []
    for crime_class in CLASSES_SHOWN:
        for side in SIDES:
            match = change[(change["side"] == side) & (change["crime_class"] == crime_class)]
            if match.empty:
                continue
            row = match.iloc[0]
            value = (
                words.t("crime.not_published_short")
                if row["grain"] == "none"
                else words.number(row["rate_per_1k"], 1)
                if not pd.isna(row["rate_per_1k"])
                else words.count(row["incidents"])
            )
            cards.append(
                Headline(
                    words.sentence("home.card.crime", crime_class=words.choice("crime_class_rate", crime_class)),
                    value,
                    crime_change_sentence(words, row),
                    side,
                    words.choice("side", side),
                )
            )
    for side in SIDES:
        match = trust_change[(trust_change["side"] == side) & (trust_change["audience"] == "resident")]
        if match.empty:
            cards.append(
                Headline(
                    words.t("home.card.trust"),
                    words.t("crime.not_published_short"),
                    words.t("trust.sentence_none.trust"),
                    side,
                    words.choice("side", side),
                )
            )
            continue
        row = match.iloc[0]
        cards.append(
            Headline(
                words.t("home.card.trust"),
                words.number(row["trust_0_100"], 1),
                words.t(
                    "home.card.trust_detail",
                    quarter=words.quarter(row["quarter"]),
                    interval=interval(words, row["ci_low"], row["ci_high"]),
                    respondents=respondents_words(words, row["n"]),
                ),
                side,
                words.choice("side", side),
            )
        )
    year = latest_year(program_years)
    if year is not None:
        for side in SIDES:
            row = program_years[(program_years["year"] == year) & (program_years["side"] == side)].iloc[0]
            cards.append(
                Headline(
                    words.t("home.card.programs", year=year),
                    words.count(row["programs_active"]),
                    words.t(
                        "home.card.programs_detail",
                        partnerships=words.count(row["partnerships_active"]),
                        participants=shown_count(words, row["participants_served"], row["participants_served_shown"]),
                    ),
                    side,
                    words.choice("side", side),
                )
            )
    return cards


def map_sentence(words, area_crime: pd.DataFrame, crime_class: str) -> str:
    """The map in one sentence: the highest and lowest published rate and how many areas are hidden."""
    year = int(area_crime["year"].dropna().iloc[0]) if area_crime["year"].notna().any() else ""
    rated = area_crime[area_crime["rate_per_1k"].notna()].sort_values(["rate_per_1k", "name"], kind="stable")
    if rated.empty:
        return words.t("map.sentence_none", year=year)
    return words.sentence(
        "map.sentence",
        crime_class=words.choice("crime_class_rate", crime_class),
        year=year,
        top=rated.iloc[-1]["name"],
        top_value=words.number(rated.iloc[-1]["rate_per_1k"], 1),
        bottom=rated.iloc[0]["name"],
        bottom_value=words.number(rated.iloc[0]["rate_per_1k"], 1),
        hidden=words.count(area_crime["incidents"].isna().sum()),
    )
