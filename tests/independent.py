"""The Overview's numbers recomputed in pandas from raw tables, independently of queries/.

Crime is counted from `incidents` (not the crime_monthly rollup the app reads), trust from
`survey_responses` with the weighted-mean formulas written out again, programs from
`programs` and `program_activity`. Tests compare what pages show against these.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import duckdb
import pandas as pd


@dataclass(frozen=True)
class Expected:
    partnerships_active: int
    programs_active: int
    participants_served: int
    violent_per_1k: float
    violent_change_pct: float
    trust: float | None
    trust_ci: tuple[float, float] | None


def default_period(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date]:
    """The app's default: the 12 months ending with the last month that has crime."""
    last = pd.Timestamp(con.execute("select max(occurred_at) from incidents").fetchone()[0]).to_period("M")
    return (last - 11).start_time.date(), last.end_time.date()


def _overlaps(frame: pd.DataFrame, start: dt.date, end: dt.date) -> pd.Series:
    ends = frame["end_date"].fillna(pd.Timestamp(start))
    return (frame["start_date"] <= pd.Timestamp(end)) & (ends >= pd.Timestamp(start))


def expected(con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, nonprofit_id: int | None) -> Expected:
    table = lambda name: con.execute(f"select * from {name}").df()  # noqa: E731
    partnerships, programs, activity = table("partnerships"), table("programs"), table("program_activity")
    if nonprofit_id is not None:
        partnerships = partnerships[partnerships["nonprofit_id"] == nonprofit_id]
        programs = programs[programs["partnership_id"].isin(partnerships["partnership_id"])]
    partnerships_active = int((_overlaps(partnerships, start, end) & (partnerships["status"] != "planned")).sum())
    programs_active = int(_overlaps(programs, start, end).sum())
    first_month = pd.Timestamp(start).to_period("M").start_time
    in_period = activity[
        activity["program_id"].isin(programs["program_id"])
        & (activity["month"] >= first_month)
        & (activity["month"] <= pd.Timestamp(end))
    ].sort_values(["program_id", "month"])
    is_first = ~in_period["program_id"].duplicated()
    served = int(in_period.loc[is_first, "participants"].sum() + in_period.loc[~is_first, "new_participants"].sum())

    incidents = con.execute("select area_id, occurred_at from incidents where crime_class = 'violent'").df()
    areas = table("areas")
    populated = areas.loc[areas["population"] > 0, "area_id"]
    month_start = pd.Timestamp(first_month)
    month_end = pd.Timestamp(end) + pd.Timedelta(days=1)
    year = pd.DateOffset(years=1)
    now = incidents[(incidents["occurred_at"] >= month_start) & (incidents["occurred_at"] < month_end)]
    before = incidents[(incidents["occurred_at"] >= month_start - year) & (incidents["occurred_at"] < month_end - year)]
    rated = now["area_id"].isin(populated).sum()
    violent_per_1k = rated * 1000 / areas.loc[areas["population"] > 0, "population"].sum()
    change = (len(now) - len(before)) * 100 / len(before) if len(before) else math.nan

    trust, ci = _resident_trust(con, start, end)
    return Expected(partnerships_active, programs_active, served, violent_per_1k, change, trust, ci)


def _resident_trust(con, start, end) -> tuple[float | None, tuple[float, float] | None]:
    responses = con.execute(
        """
        select r.*, w.audience, w.fielded_to
        from survey_responses r join survey_waves w using (wave_id)
        where w.audience = 'resident'
        """
    ).df()
    answered = responses["responded_on"].fillna(responses["fielded_to"])
    responses = responses[(answered >= pd.Timestamp(start)) & (answered <= pd.Timestamp(end))]
    items = responses[["trust_respect", "trust_listen", "trust_fair", "trust_rely"]].astype("float")
    score = (items.mean(axis=1) - responses["scale_min"]) / (responses["scale_max"] - responses["scale_min"]) * 100
    keep = score.notna()
    x, w = score[keep].to_numpy(), responses.loc[keep, "weight"].to_numpy()
    n = len(x)
    if n < 50 or w.sum() ** 2 / (w**2).sum() < 30:
        return None, None
    mean = (w * x).sum() / w.sum()
    se = math.sqrt(n / (n - 1) * ((w**2) * (x - mean) ** 2).sum()) / w.sum()
    return mean, (max(mean - 1.96 * se, 0.0), min(mean + 1.96 * se, 100.0))
