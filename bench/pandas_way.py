"""The same four computations done the way a typical Streamlit + pandas dashboard does them.

Such a dashboard loads incident-level data from parquet into one DataFrame (cached with
st.cache_data) and on every interaction filters and groups it in pandas. Here the parquet
files are exported once from the demo database (cached next to it), loaded once, and given
the month column such a loader adds; the timed section then only computes, on a DataFrame
already in memory. Each pandas answer is checked against its SQL counterpart, so the speed
comparison is between two ways of getting the same numbers.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

import queries
from bench.timing import (
    SCOPE,
    add_months,
    default_params,
    latest_twelve_months,
    planted_partnership_id,
    time_interleaved,
)

CATEGORIES = ("theft", "robbery", "burglary")
TRUST_ITEMS = ("trust_respect", "trust_listen", "trust_fair", "trust_rely")

EXPORTS = {
    # what the pandas dashboard keeps in memory: incidents with their area's population,
    # the survey responses with what the trust index needs, and the small area list
    "incidents": """
        select incidents.occurred_at, incidents.area_id, incidents.category,
            incidents.crime_class = 'violent' as is_violent, areas.population,
        from incidents
        join areas using (area_id)
        order by incidents.incident_id
    """,
    "responses": """
        select
            survey_responses.response_id,
            survey_waves.audience,
            survey_responses.area_id,
            coalesce(survey_responses.responded_on, survey_waves.fielded_to) as answered_on,
            survey_responses.weight,
            survey_responses.scale_min,
            survey_responses.scale_max,
            survey_responses.trust_respect,
            survey_responses.trust_listen,
            survey_responses.trust_fair,
            survey_responses.trust_rely,
        from survey_responses
        join survey_waves using (wave_id)
        order by survey_responses.response_id
    """,
    "areas": "select area_id, area_code, name, urbanicity, population, from areas order by area_id",
}


def export_parquet(db_path: str | Path, stem: Path) -> dict[str, Path]:
    """Write <stem>.<table>.parquet for each export unless already there; returns the paths."""
    paths = {table: Path(f"{stem}.{table}.parquet") for table in EXPORTS}
    missing = [table for table, path in paths.items() if not path.is_file()]
    if missing:
        with duckdb.connect(str(db_path), read_only=True) as con:
            for table in missing:
                scratch = paths[table].with_name(paths[table].name + ".partial")
                # the statements are the constants above; only the file name varies
                con.execute(f"copy ({EXPORTS[table]}) to '{scratch}' (format parquet)")
                scratch.replace(paths[table])
    return paths


def load(paths: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """Read the parquet files as a dashboard's cached loader would, adding the month column."""
    incidents = pd.read_parquet(paths["incidents"])
    incidents["month"] = incidents["occurred_at"].dt.to_period("M").dt.to_timestamp()
    responses = pd.read_parquet(paths["responses"])
    responses["answered_on"] = pd.to_datetime(responses["answered_on"])
    return {"incidents": incidents, "responses": responses, "areas": pd.read_parquet(paths["areas"])}


# --- the four computations, plain pandas on the in-memory frames ---------------------------


def monthly_counts(frames: dict[str, pd.DataFrame], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Offences per area x month x category for CATEGORIES, zero-filled, with the rate per 1,000."""
    incidents, areas = frames["incidents"], frames["areas"]
    in_period = incidents[
        (incidents["month"] >= pd.Timestamp(start))
        & (incidents["month"] <= pd.Timestamp(end))
        & incidents["category"].isin(CATEGORIES)
    ]
    counts = in_period.groupby(["area_id", "month", "category"]).size()
    grid = pd.MultiIndex.from_product(
        [areas["area_id"], pd.date_range(start, end, freq="MS"), sorted(CATEGORIES)],
        names=["area_id", "month", "category"],
    )
    result = counts.reindex(grid, fill_value=0).rename("incidents").reset_index()
    result = result.merge(areas[["area_id", "area_code", "population"]], on="area_id")
    result["rate_per_1k"] = result["incidents"] * 1000 / result["population"].where(result["population"] > 0)
    return result.rename(columns={"area_code": "group_key"})


def yoy(frames: dict[str, pd.DataFrame], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Offences per area in the period and in the same months a year earlier, with the Poisson z."""
    incidents, areas = frames["incidents"], frames["areas"]
    prior_start, prior_end = pd.Timestamp(start) - pd.DateOffset(years=1), pd.Timestamp(end) - pd.DateOffset(years=1)
    month = incidents["month"]
    current = (month >= pd.Timestamp(start)) & (month <= pd.Timestamp(end))
    prior = (month >= prior_start) & (month <= prior_end)
    either = current | prior
    both = incidents[either]
    counts = (
        both.groupby(["area_id", np.where(current[either], "incidents", "incidents_prior")])
        .size()
        .unstack(fill_value=0)
        .reindex(index=areas["area_id"], columns=["incidents", "incidents_prior"], fill_value=0)
    )
    result = areas[["area_id", "area_code", "population"]].merge(counts.reset_index(), on="area_id")
    rated = result["population"].where(result["population"] > 0)
    result["rate_per_1k"] = result["incidents"] * 1000 / rated
    result["rate_per_1k_prior"] = result["incidents_prior"] * 1000 / rated
    prior_count = result["incidents_prior"].where(result["incidents_prior"] > 0)
    result["change_pct"] = (result["incidents"] - result["incidents_prior"]) * 100 / prior_count
    result["poisson_z"] = 2 * (np.sqrt(result["incidents"]) - np.sqrt(result["incidents_prior"]))
    return result.rename(columns={"area_code": "group_key"})


def trust_by_area_quarter(frames: dict[str, pd.DataFrame], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Weighted trust index (0-100) per audience x area x quarter: n, Kish n_eff, weighted mean."""
    responses, areas = frames["responses"], frames["areas"]
    in_period = responses[
        (responses["answered_on"] >= pd.Timestamp(start)) & (responses["answered_on"] <= pd.Timestamp(end))
    ]
    span = in_period["scale_max"] - in_period["scale_min"]
    items = in_period[list(TRUST_ITEMS)].sub(in_period["scale_min"], axis=0).div(span, axis=0) * 100
    scored = pd.DataFrame(
        {
            "audience": in_period["audience"],
            "area_id": in_period["area_id"],
            "quarter": in_period["answered_on"].dt.year.astype(str)
            + "-Q"
            + in_period["answered_on"].dt.quarter.astype(str),
            "w": in_period["weight"],
            "trust": items.mean(axis=1),  # mean of the items answered
        }
    ).dropna(subset=["trust"])
    scored["wx"] = scored["w"] * scored["trust"]
    scored["ww"] = scored["w"] * scored["w"]
    sums = scored.groupby(["audience", "area_id", "quarter"], dropna=False).agg(
        n=("trust", "size"), w=("w", "sum"), wx=("wx", "sum"), ww=("ww", "sum")
    )
    result = sums.reset_index().merge(areas[["area_id", "area_code"]], on="area_id", how="left")
    result["group_key"] = result["area_code"].fillna("not stated")
    result["trust_0_100"] = result["wx"] / result["w"]
    result["n_eff"] = result["w"] ** 2 / result["ww"]
    return result[["audience", "group_key", "quarter", "n", "n_eff", "trust_0_100"]]


def rolling_12m(frames: dict[str, pd.DataFrame], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Offences per area and month with the mean over the 12 months ending with each month."""
    incidents, areas = frames["incidents"], frames["areas"]
    history_start = pd.Timestamp(start) - pd.DateOffset(months=11)
    months = pd.date_range(history_start, end, freq="MS")
    window = incidents[(incidents["month"] >= history_start) & (incidents["month"] <= pd.Timestamp(end))]
    counts = (
        window.groupby(["month", "area_id"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=months, columns=areas["area_id"], fill_value=0)
    )
    rolled = counts.rolling(12, min_periods=12).mean()
    population = areas.set_index("area_id")["population"]
    rates = counts * 1000 / population.where(population > 0)
    result = pd.DataFrame(
        {
            "incidents": counts.stack(),
            "rolling_12m_incidents": rolled.stack(),
            "rate_per_1k": rates.stack(),
            "rolling_12m_rate_per_1k": rates.rolling(12, min_periods=12).mean().stack(),
        }
    )
    result.index.names = ["month", "area_id"]
    result = result.reset_index()
    result = result[result["month"] >= pd.Timestamp(start)]
    result = result.merge(areas[["area_id", "area_code"]], on="area_id")
    return result.rename(columns={"area_code": "group_key"})


# --- the SQL calls answering the same questions ---------------------------------------------


def whole_quarters(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The calendar quarters lying wholly inside [start, end], as (first day, last day)."""
    first = dt.date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    if first < start:
        first = add_months(first, 3)
    spans = []
    while (last := add_months(first, 3) - dt.timedelta(days=1)) <= end:
        spans.append((first, last))
        first = add_months(first, 3)
    return spans


def sql_trust_by_area_quarter(con: duckdb.DuckDBPyConnection, quarters: list[tuple[dt.date, dt.date]]) -> pd.DataFrame:
    """trust/scores has no area x quarter grouping: one call per quarter, grouped by area."""
    frames = []
    for first, last in quarters:
        frame = queries.run(
            con, "trust/scores", scope=SCOPE, start_date=first, end_date=last, urbanicity=None, group_by="area"
        )
        frames.append(frame.assign(quarter=f"{first.year}-Q{(first.month - 1) // 3 + 1}"))
    return pd.concat(frames, ignore_index=True)


QUESTIONS = {
    "monthly_counts": {
        "question": "offences per area x month for theft, robbery, burglary (zero-filled, with rate per 1,000)",
        "sql_call": "crime/monthly $categories=[theft, robbery, burglary] $group_by=area",
        "pandas_method": "filter month and category, groupby(area_id, month, category).size(), reindex to the grid",
    },
    "yoy": {
        "question": "offences per area, latest 12 months vs the 12 before, change % and Poisson z",
        "sql_call": "crime/yoy (defaults: $group_by=area $crime_class=all)",
        "pandas_method": "filter both years, groupby(area_id, which year).size().unstack()",
    },
    "trust_area_quarter": {
        "question": "weighted trust index per audience x area x quarter (weighted mean, n, Kish n_eff)",
        "sql_call": "trust/scores $group_by=area, once per quarter (4 calls: it has no area x quarter grouping)",
        "pandas_method": "items to 0-100, row mean, groupby(audience, area_id, quarter) sums of w, w*x, w^2",
    },
    "rolling_12m": {
        "question": "offences per area and month with the 12-month rolling mean",
        "sql_call": "crime/rolling (defaults: $group_by=area $crime_class=all)",
        "pandas_method": "groupby(month, area_id).size().unstack(), reindex, .rolling(12).mean()",
    },
}


def compare(
    sql: pd.DataFrame, pandas: pd.DataFrame, keys: list[str], exact: list[str], approx: list[str]
) -> dict[str, object]:
    """Do both frames hold the same rows (by `keys`) and the same numbers?"""
    sql, pandas = sql.copy(), pandas.copy()
    for frame in (sql, pandas):
        if "month" in keys:
            frame["month"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m-%d")
    merged = sql[keys + exact + approx].merge(
        pandas[keys + exact + approx], on=keys, how="outer", suffixes=("_sql", "_pandas"), indicator=True
    )
    unmatched = int((merged["_merge"] != "both").sum())
    both = merged[merged["_merge"] == "both"]
    exact_equal = all(
        (both[f"{column}_sql"].astype("int64") == both[f"{column}_pandas"].astype("int64")).all() for column in exact
    )
    max_abs_diff = 0.0
    approx_equal = True
    for column in approx:
        left = both[f"{column}_sql"].astype("float64").to_numpy()
        right = both[f"{column}_pandas"].astype("float64").to_numpy()
        approx_equal &= bool(np.allclose(left, right, rtol=1e-9, atol=1e-9, equal_nan=True))
        finite = np.isfinite(left) & np.isfinite(right)
        if finite.any():
            max_abs_diff = max(max_abs_diff, float(np.abs(left[finite] - right[finite]).max()))
    return {
        "agree": unmatched == 0 and exact_equal and approx_equal and len(both) > 0,
        "rows": len(both),
        "unmatched_rows": unmatched,
        "max_abs_diff": max_abs_diff,
    }


def bench_pandas(
    db_path: str | Path, stem: Path, runs: int, log: Callable[[str], None] = lambda _: None
) -> dict[str, object]:
    """Time the four computations in pandas and in SQL on the same database; check they agree."""
    started = time.perf_counter()
    paths = export_parquet(db_path, stem)
    export_s = time.perf_counter() - started
    started = time.perf_counter()
    frames = load(paths)
    load_s = time.perf_counter() - started
    frame_bytes = sum(int(frame.memory_usage(deep=True).sum()) for frame in frames.values())
    log(
        f"pandas frames in memory: {len(frames['incidents']):,} incidents, {len(frames['responses']):,} responses,"
        f" {frame_bytes / 1e6:.0f} MB (load {load_s:.1f} s, not timed)"
    )

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        start, end = latest_twelve_months(con)
        quarters = whole_quarters(start, end)
        quarters_from, quarters_to = quarters[0][0], quarters[-1][1]
        partnership_id = planted_partnership_id(con)

        def sql(name: str, **overrides: object) -> Callable[[], pd.DataFrame]:
            params = default_params(name, start=start, end=end, partnership_id=partnership_id) | overrides
            return functools.partial(queries.run, con, name, scope=SCOPE, **params)

        cases = {
            "monthly_counts": (
                functools.partial(monthly_counts, frames, start, end),
                sql("crime/monthly", categories=list(CATEGORIES), group_by="area"),
                (["group_key", "month", "category"], ["incidents"], ["rate_per_1k"]),
            ),
            "yoy": (
                functools.partial(yoy, frames, start, end),
                sql("crime/yoy"),
                (
                    ["group_key"],
                    ["incidents", "incidents_prior"],
                    ["rate_per_1k", "rate_per_1k_prior", "change_pct", "poisson_z"],
                ),
            ),
            "trust_area_quarter": (
                functools.partial(trust_by_area_quarter, frames, quarters_from, quarters_to),
                functools.partial(sql_trust_by_area_quarter, con, quarters),
                (["audience", "group_key", "quarter"], ["n"], ["n_eff", "trust_0_100"]),
            ),
            "rolling_12m": (
                functools.partial(rolling_12m, frames, start, end),
                sql("crime/rolling"),
                (
                    ["group_key", "month"],
                    ["incidents"],
                    ["rolling_12m_incidents", "rate_per_1k", "rolling_12m_rate_per_1k"],
                ),
            ),
        }
        comparisons = {}
        for name, (pandas_call, sql_call, (keys, exact, approx)) in cases.items():
            timed = time_interleaved({"pandas": pandas_call, "sql": sql_call}, runs)
            (pandas_stats, pandas_result), (sql_stats, sql_result) = timed["pandas"], timed["sql"]
            if name == "trust_area_quarter":
                sql_result = sql_result[sql_result["n"] > 0]  # groups with safety answers only
            check = compare(sql_result, pandas_result, keys, exact, approx)
            ratio = pandas_stats["p50_ms"] / sql_stats["p50_ms"]
            comparisons[name] = {
                **QUESTIONS[name],
                "pandas": pandas_stats,
                "sql": sql_stats,
                "ratio_pandas_over_sql_p50": round(ratio, 1),
                **check,
            }
            log(
                f"  {name:<20} pandas p50 {pandas_stats['p50_ms']:8.1f} ms  sql p50 {sql_stats['p50_ms']:7.2f} ms"
                f"  ratio {ratio:6.1f}x  agree={check['agree']} ({check['rows']} rows)"
            )
    finally:
        con.close()
    return {
        "note": (
            "Timed section computes on DataFrames already in memory (loaded once from parquet, month column"
            " added at load, as a cached loader would); parquet export and load are not timed."
        ),
        "period": {"start_date": start.isoformat(), "end_date": end.isoformat()},
        "trust_quarters": [f"{first.isoformat()}..{last.isoformat()}" for first, last in quarters],
        "frame_rows": {name: len(frame) for name, frame in frames.items()},
        "frame_mb": round(frame_bytes / 1e6, 1),
        "parquet_mb": round(sum(path.stat().st_size for path in paths.values()) / 1e6, 1),
        "export_s": round(export_s, 2),
        "load_s": round(load_s, 2),
        "comparisons": comparisons,
    }
