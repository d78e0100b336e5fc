"""Headline numbers (value, change against a year earlier) built from query results; pure."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from components import format as fmt


@dataclass(frozen=True)
class Headline:
    """One st.metric card: what it says, how it changed, and the fine print under it."""

    key: str
    label: str
    value: str
    delta: str | None
    delta_color: str  # "normal": up is good; "inverse": up is bad; "off": neutral
    help: str
    caption: str = ""
    delta_arrow: str = "auto"  # "off" when nothing changed: no arrow pointing up at +0


def _total(frame: pd.DataFrame, column: str) -> int:
    return int(frame[column].sum()) if not frame.empty else 0


def _count_delta(now: int, before: int) -> str:
    return f"{now - before:+,}"


def headlines(
    totals: pd.DataFrame,
    totals_prior: pd.DataFrame,
    violent: pd.DataFrame,
    trust: pd.DataFrame,
    trust_prior: pd.DataFrame,
    own_programs_only: bool,
    crime_held: bool = True,
) -> list[Headline]:
    """The Overview's five cards.

    totals / totals_prior: programs/totals for the period and a year earlier; violent:
    crime/yoy with group_by='all', crime_class='violent'; trust / trust_prior:
    trust/scores with group_by='all' for the period and a year earlier. crime_held: the
    database holds any incident at all (without, a rate of 0 would claim no crime).
    """
    whose = "Your " if own_programs_only else ""
    cards = []
    for key, column, label, explain in (
        (
            "partnerships",
            "partnerships_active",
            "active partnerships",
            "Partnerships whose dates overlap the period, excluding ones only planned.",
        ),
        ("programs", "programs_active", "programs running", "Programs whose dates overlap the period."),
        (
            "participants",
            "participants_served",
            "participants served",
            "People in programs during the period: each program's participants in its first month of "
            "the period plus new participants after that.",
        ),
    ):
        now, before = _total(totals, column), _total(totals_prior, column)
        same = now == before
        cards.append(
            Headline(
                key,
                (whose + label).capitalize(),
                fmt.count(now),
                "no change" if same else _count_delta(now, before),
                "off" if same else "normal",
                explain,
                delta_arrow="off" if same else "auto",
            )
        )

    crime = violent.iloc[0] if not violent.empty else None
    if not crime_held or crime is None or pd.isna(crime["rate_per_1k"]):
        why = "No population is known for the selected areas." if crime_held else "No incidents are held yet."
        cards.append(Headline("violent", "Violent crime (FBI) per 1k", fmt.MISSING, None, "off", why))
    else:
        change = crime["change_pct"]
        cards.append(
            Headline(
                "violent",
                "Violent crime (FBI) per 1k",
                fmt.number(crime["rate_per_1k"], 2),
                None if pd.isna(change) else fmt.percent(change, signed=True),
                "inverse",
                "Violent crime as the FBI counts it (murder and non-negligent manslaughter, rape, robbery, "
                "aggravated assault) recorded in the period per 1,000 residents (not annualised); "
                "the change compares counts with the same months a year earlier.",
                f"{fmt.count(crime['incidents'])} offences, {fmt.count(crime['incidents_prior'])} a year earlier; "
                + (
                    f"a significant change (exact test, {fmt.p_value(crime['p_value'])})."
                    if crime["significant"]
                    else f"within what chance alone would give (exact test, {fmt.p_value(crime['p_value'])})."
                ),
            )
        )

    residents = trust[trust["audience"] == "resident"]
    residents_prior = trust_prior[trust_prior["audience"] == "resident"]
    row = residents.iloc[0] if not residents.empty else None
    if row is None or not row["reportable"]:
        n = 0 if row is None else int(row["n"])
        cards.append(
            Headline(
                "trust",
                "Resident trust",
                fmt.MISSING,
                None,
                "off",
                "Weighted mean of the trust items on a 0–100 scale.",
                f"Not shown: {n} responses in the period; at least 50 are needed.",
            )
        )
    else:
        before = residents_prior.iloc[0] if not residents_prior.empty else None
        delta = None
        if before is not None and before["reportable"]:
            delta = f"{fmt.signed(row['trust_0_100'] - before['trust_0_100'])} pts"
        cards.append(
            Headline(
                "trust",
                "Resident trust",
                fmt.number(row["trust_0_100"]),
                delta,
                "normal",
                "Weighted mean of the trust items (respect, listening, fairness, reliability) on a 0–100 scale.",
                f"95% CI {fmt.interval(row['ci_low'], row['ci_high'])}, n = {fmt.count(row['n'])} "
                f"(effective n {fmt.count(row['n_eff'])}).",
            )
        )
    return cards
