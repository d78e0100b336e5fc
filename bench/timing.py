"""Latency of every metric query at default parameters, the way the app runs them.

One read-only connection per database, `queries.run` (a cursor per call, result fetched
into a DataFrame) with the chief's scope, one warm-up call, then `runs` timed calls, the
databases alternating call by call. The app caches results with st.cache_data; these are
the uncached latencies, its worst case.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np

import queries
from data import demo

SCOPE = queries.Scope("chief")


def summarize(seconds: list[float]) -> dict:
    """p50 / p95 / max in milliseconds (numpy's linear-interpolated percentiles)."""
    ms = np.asarray(seconds) * 1000
    return {
        "runs": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "max_ms": round(float(ms.max()), 3),
    }


def latest_twelve_months(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date]:
    """First and last day of the 12 months ending with meta/coverage's last crime month."""
    last_month = queries.run(con, "meta/coverage", scope=SCOPE)["last_crime_month"].iloc[0]
    last_month = dt.date(last_month.year, last_month.month, 1)
    start = add_months(last_month, -11)
    end = add_months(last_month, 1) - dt.timedelta(days=1)
    return start, end


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def planted_partnership_id(con: duckdb.DuckDBPyConnection) -> int:
    name = demo.PLANTED_CRIME_EFFECTS[0].partnership_name
    rows = con.execute("select partnership_id from partnerships where name = ?", [name]).fetchall()
    if not rows:
        raise LookupError(f"the demo database has no partnership named {name!r}")
    return rows[0][0]


def default_params(name: str, *, start: dt.date, end: dt.date, partnership_id: int) -> dict[str, object]:
    """The parameters the benchmark passes to `name`, derived from its header.

    Period = the latest 12 full months; $urbanicity and $nonprofit_id NULL (everything the
    chief sees); a required $partnership_id is the first planted partnership, an optional one
    keeps its declared default (null = all); trust/scores per area. Then the declared default,
    else NULL for a nullable list (all categories: the page default and the heaviest), else
    the first allowed choice, else NULL when nullable. A new required parameter with none of
    these fails here, loudly, rather than being skipped.
    """
    fixed: dict[str, object] = {"start_date": start, "end_date": end, "urbanicity": None, "nonprofit_id": None}
    params: dict[str, object] = {}
    for key, param in queries.spec(name).params.items():
        if key.startswith("scope_"):
            continue  # bound by the runner from the viewer's scope
        if key in fixed:
            params[key] = fixed[key]
        elif key == "partnership_id" and not param.has_default:
            params[key] = partnership_id
        elif name == "trust/scores" and key == "group_by":
            params[key] = "area"
        elif param.has_default:
            params[key] = param.default
        elif param.type == "varchar[]" and param.nullable:
            params[key] = None
        elif param.choices:
            params[key] = [param.choices[0]] if param.type == "varchar[]" else param.choices[0]
        elif param.nullable:
            params[key] = None
        else:
            raise ValueError(f"{name}: no benchmark default for ${key}; add one to bench.timing.default_params")
    return params


def jsonable(params: dict[str, object]) -> dict[str, object]:
    return {key: value.isoformat() if isinstance(value, dt.date) else value for key, value in params.items()}


def time_interleaved(calls: dict[str, Callable[[], object]], runs: int) -> dict[str, tuple[dict, object]]:
    """Warm each call up once, then time `runs` calls of each, alternating them run by run.

    Comparing sizes needs this: the machine's speed drifts over a run (other tenants, clock),
    and timing one database after the other would put that drift into the ratio.
    """
    results = {label: call() for label, call in calls.items()}
    gc.collect()
    seconds: dict[str, list[float]] = {label: [] for label in calls}
    order = list(calls)
    for run in range(runs):
        for label in order if run % 2 == 0 else reversed(order):
            started = time.perf_counter()
            calls[label]()
            seconds[label].append(time.perf_counter() - started)
    return {label: (summarize(seconds[label]), results[label]) for label in calls}


def bench_queries(
    db_paths: dict[str, str | Path], runs: int, log: Callable[[str], None] = lambda _: None
) -> dict[str, dict]:
    """Time every query of queries.agency_queries() on each database, interleaved; {label: {query: stats}}."""
    connections = {label: duckdb.connect(str(path), read_only=True) for label, path in db_paths.items()}
    try:
        context = {}
        for label, con in connections.items():
            start, end = latest_twelve_months(con)
            context[label] = {"start": start, "end": end, "partnership_id": planted_partnership_id(con)}
        results: dict[str, dict] = {label: {} for label in connections}
        for name in queries.agency_queries():
            params = {label: default_params(name, **context[label]) for label in connections}
            calls = {
                label: functools.partial(queries.run, con, name, scope=SCOPE, **params[label])
                for label, con in connections.items()
            }
            line = []
            for label, (stats, frame) in time_interleaved(calls, runs).items():
                results[label][name] = {**stats, "rows": len(frame), "params": jsonable(params[label])}
                line.append(f"{label} p50 {stats['p50_ms']:7.2f} p95 {stats['p95_ms']:7.2f}")
            log(f"  {name:<22} {'  '.join(line)} ms")
        return results
    finally:
        for con in connections.values():
            con.close()
