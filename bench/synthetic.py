"""Time the synthetic control (impact/area_series + components.synthetic_control.fit) for the largest partnership.

"Largest" is the demo partnership whose fit is the most work: the most units (served areas +
donor areas) among those a synthetic control can be fitted for, 12-month windows, violent crime
(the Impact page's default). Each timed run is cold as the app sees it (nothing cached by
st.cache_data): the series query on a fresh cursor, then the fit with every placebo refit. The
first run on a newly opened connection is reported on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import duckdb

import queries
from bench.timing import SCOPE, summarize
from components import synthetic_control

PARAMS = {"window_months": 12, "crime_class": "violent"}


def _fit(con: duckdb.DuckDBPyConnection, partnership_id: int) -> synthetic_control.SyntheticControl:
    series = queries.run(con, "impact/area_series", scope=SCOPE, partnership_id=partnership_id, **PARAMS)
    return synthetic_control.fit(series, PARAMS["window_months"])


def largest_partnership(con: duckdb.DuckDBPyConnection) -> tuple[int, str, int]:
    """(partnership_id, name, units) of the partnership whose synthetic control has the most units."""
    best = None
    for partnership_id, name in con.execute("select partnership_id, name from partnerships order by 1").fetchall():
        fit = _fit(con, partnership_id)
        if fit.fitted and (best is None or fit.units > best[2]):
            best = (partnership_id, name, fit.units)
    if best is None:
        raise LookupError("no demo partnership has a synthetic control to time")
    return best


def bench_synthetic(db_path: str | Path, runs: int, log: Callable[[str], None] = lambda _: None) -> dict[str, object]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        partnership_id, name, units = largest_partnership(con)
    with duckdb.connect(str(db_path), read_only=True) as con:
        started = time.perf_counter()
        _fit(con, partnership_id)
        first_ms = (time.perf_counter() - started) * 1000
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            _fit(con, partnership_id)
            seconds.append(time.perf_counter() - started)
    stats = summarize(seconds)
    log(
        f"  synthetic control for {name} ({units} units): first {first_ms:.0f} ms on a new connection,"
        f" then p50 {stats['p50_ms']:.0f} ms p95 {stats['p95_ms']:.0f} ms"
    )
    return {
        "partnership": name,
        "units": units,
        "params": PARAMS,
        "first_on_new_connection_ms": round(first_ms, 3),
        **stats,
    }
