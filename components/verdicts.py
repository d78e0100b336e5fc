"""Impact verdicts in words: the one place a verdict is phrased; pure (runtime.show_verdict draws it).

Every page that states whether a partnership changed crime (Impact, Partnerships detail) builds
its verdict here from an impact/wdd row, so the evaluable rule of that query decides for all of
them: a row that is not evaluable yields "Cannot judge yet" with its reason, no statistic and no
colour. tests/test_verdicts.py checks that no page or component phrases a verdict elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

import queries
from components import format as fmt
from components import synthetic_control

GOOD, BAD, NEUTRAL, CANNOT_JUDGE = "good", "bad", "neutral", "cannot_judge"
TONES = {
    "fewer crimes than expected": GOOD,
    "more crimes than expected": BAD,
    "no detectable change": NEUTRAL,
    "cannot judge yet": CANNOT_JUDGE,
}
OFFENCES = {
    "violent": "Violent offences",
    "property": "Property offences",
    "other": "Other offences",
    "all": "Offences",
}


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    help: str


@dataclass(frozen=True)
class Verdict:
    """What a verdict says: tone (good | bad | neutral | cannot_judge), the words, and its statistics."""

    tone: str
    headline: str
    body: str
    notes: tuple[str, ...] = ()
    cards: tuple[Card, ...] = ()

    @property
    def judged(self) -> bool:
        return self.tone != CANNOT_JUDGE


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def wdd_verdict(row: pd.Series, crime_class: str) -> Verdict:
    """The verdict of one impact/wdd row (one partnership, window and offence class)."""
    offences = OFFENCES.get(crime_class, "Offences")
    counts = (
        f"{offences} in the areas served went from {fmt.count(row['treated_before'])} to "
        f"{fmt.count(row['treated_after'])}; in the {fmt.count(row['control_areas'])} comparison areas from "
        f"{fmt.count(row['control_before'])} to {fmt.count(row['control_after'])}."
    )
    if not row["evaluable"]:
        return Verdict(
            CANNOT_JUDGE,
            "Cannot judge yet:",
            _sentence(fmt.plain(row["not_evaluable_reason"])) + " " + counts,
            ("No test is shown: the data cannot support one for this choice.",),
        )
    verdict = str(row["verdict"])
    body = (
        f"{offences} in the areas served went from {fmt.count(row['treated_before'])} to "
        f"{fmt.count(row['treated_after'])}; had they moved like the {fmt.count(row['control_areas'])} comparison "
        f"areas there would have been about {fmt.count(row['expected_after'])} "
        f"({fmt.percent(row['pct_vs_expected'], signed=True)} against that; exact {fmt.p_value(row['p_value'])})."
    )
    notes = []
    if TONES[verdict] == NEUTRAL:
        notes.append(
            f"With these counts only a fall of {fmt.number(row['mde_fall_pct'], 0)}% or more, or a rise of "
            f"{fmt.number(row['mde_rise_pct'], 0)}% or more, against expected would have shown "
            "(80% power, 5% significance)."
        )
    cards = (
        Card(
            "WDD (offences)",
            fmt.signed(row["wdd"], 0),
            "Weighted displacement difference: (after − before in the areas served) − (after − before in the "
            "comparison areas); Wheeler & Ratcliffe (2018)",
        ),
        Card("z", fmt.signed(row["z"], 2), "WDD ÷ √(sum of the four counts); shown for continuity, not the test"),
        Card(
            "Exact p",
            fmt.p_value(row["p_value"]).removeprefix("p = ").removeprefix("p "),
            "Two-sided p of the exact conditional test on the four counts (Fisher); below 0.05 is a change",
        ),
        Card(
            "Against expected",
            fmt.percent(row["pct_vs_expected"], signed=True),
            "Served areas' count after, against their count before scaled by the comparison areas' change",
        ),
    )
    return Verdict(TONES[verdict], _sentence(verdict), body, tuple(notes), cards)


def synthetic_verdict(row: pd.Series, fit: synthetic_control.SyntheticControl | None) -> Verdict:
    """The synthetic control's reading for the same choice; judged only where the WDD row is evaluable."""
    if not row["evaluable"]:
        return Verdict(
            CANNOT_JUDGE, "Synthetic control: cannot judge yet.", _sentence(fmt.plain(row["not_evaluable_reason"]))
        )
    if fit is None or not fit.fitted:
        return Verdict(
            CANNOT_JUDGE,
            "Synthetic control: none could be built.",
            _sentence(fit.problem if fit is not None else "it was not computed"),
        )
    smallest = 1 / fit.units
    headline = (
        f"Synthetic control: {fmt.percent(fit.effect_pct, 0, signed=True)} against a matched mix of comparison "
        f"areas, ranked {fit.rank} of {fit.units} by the placebo test (p = {fit.p_value:.2f})."
    )
    direction = "fewer" if fit.effect_pct < 0 else "more"
    body = (
        f"The areas served had {fmt.number(abs(fit.effect_pct), 0)}% {direction} offences in the after window than "
        f"their synthetic control; refitted as if each donor area had been served instead, "
        f"{fit.rank - 1} of {fit.units - 1} departed as much relative to their fit before the start "
        f"(with {fit.units - 1} donor areas the smallest possible p is {smallest:.2f}). Fit before the start, "
        f"each month predicted from the others: RMSPE {fmt.number(fit.pre_rmspe, 1)}% of the before-window level."
    )
    return Verdict(NEUTRAL, headline, body)


@dataclass(frozen=True)
class ImpactReading:
    """One partnership, window and offence class in numbers: what a verdict rests on, for documents.

    The statistics are None where the evaluable rule withholds them (evaluable False) or where no
    synthetic control could be fitted (synthetic_problem says why).
    """

    partnership_id: int
    partnership_name: str
    window_months: int
    crime_class: str
    evaluable: bool
    verdict: str  # impact/wdd's verdict: 'fewer crimes than expected', ..., or 'cannot judge yet'
    reason: str | None  # impact/wdd's not_evaluable_reason
    treated_before: int
    treated_after: int
    control_before: int
    control_after: int
    control_areas: int
    wdd: float | None
    z: float | None
    p_value: float | None
    mde_fall_pct: float | None
    mde_rise_pct: float | None
    synthetic_effect_pct: float | None
    placebo_p: float | None
    synthetic_problem: str | None


def _number(value: object) -> float | None:
    return None if fmt.is_missing(value) else float(value)


def reading(row: pd.Series, crime_class: str, fit: synthetic_control.SyntheticControl | None) -> ImpactReading:
    """An impact/wdd row and its synthetic control (None when not computed) as plain values."""
    fitted = row["evaluable"] and fit is not None and fit.fitted
    if not row["evaluable"]:
        problem = "not evaluable"
    elif fit is None:
        problem = "not computed"
    else:
        problem = fit.problem
    return ImpactReading(
        partnership_id=int(row["partnership_id"]),
        partnership_name=str(row["partnership_name"]),
        window_months=int(row["window_months"]),
        crime_class=crime_class,
        evaluable=bool(row["evaluable"]),
        verdict=str(row["verdict"]),
        reason=None if fmt.is_missing(row["not_evaluable_reason"]) else str(row["not_evaluable_reason"]),
        treated_before=int(row["treated_before"]),
        treated_after=int(row["treated_after"]),
        control_before=int(row["control_before"]),
        control_after=int(row["control_after"]),
        control_areas=int(row["control_areas"]),
        wdd=_number(row["wdd"]),
        z=_number(row["z"]),
        p_value=_number(row["p_value"]),
        mde_fall_pct=_number(row["mde_fall_pct"]),
        mde_rise_pct=_number(row["mde_rise_pct"]),
        synthetic_effect_pct=fit.effect_pct if fitted else None,
        placebo_p=fit.p_value if fitted else None,
        synthetic_problem=problem,
    )


def impact_reading(
    con: duckdb.DuckDBPyConnection,
    partnership_id: int,
    window_months: int = 12,
    crime_class: str = "violent",
    *,
    scope: queries.Scope | None = None,
    comparison_area_codes: list[str] | None = None,
    months_not_held: list[str] | None = None,
) -> ImpactReading:
    """impact/wdd and, where it is evaluable, the synthetic control, for one partnership and window.

    Outside Streamlit (reports, the CLI): the same queries and the same rule as the Impact page, with
    the default comparison areas unless `comparison_area_codes` names others.
    """
    choice = {
        "partnership_id": partnership_id,
        "window_months": window_months,
        "crime_class": crime_class,
        "comparison_area_codes": comparison_area_codes,
    }
    row = queries.run(con, "impact/wdd", scope=scope, months_not_held=months_not_held, **choice).iloc[0]
    fit = None
    if row["evaluable"]:
        series = queries.run(con, "impact/area_series", scope=scope, **choice)
        fit = synthetic_control.fit(series, window_months)
    return reading(row, crime_class, fit)
