"""Benchmark harness: `python -m bench` (see bench/RESULTS.md for the latest full run).

`run_benchmark` builds or reuses demo databases of two sizes, times every metric query at
default parameters on both, times four dashboard computations in pandas against their SQL
counterparts on the larger one, and returns one JSON-ready dict; `evaluate` adds the
pass/fail verdict against the targets. Nothing here asserts on timings: a missed target is
reported, not raised. A pandas answer that differs from SQL makes __main__ exit 1 after the
report is written, because then the speed comparison would mean nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import resource
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow

from bench import builds, pandas_way, timing

TARGET_P95_MS = 100.0
TARGET_PANDAS_RATIO = 5.0
TARGET_GROWTH = 2.0
TARGET_PAGE_P95_MS = 300.0  # a page rerun after a filter change, server side (the dashboard-pages issue)
TARGET_SYNTHETIC_P95_MS = 1000.0  # the synthetic control for the largest partnership, cold (the impact issue)
TARGET_IMPORT_ROWS_PER_S = 200_000  # importing an incidents CSV (the importers issue)
TARGET_PUBLISH_S = 60.0  # python -m data publish with its disclosure audit (the disclosure issue)
PUBLISH_RUNS = 3  # publishes timed; the median is the result
IMPORT_ROWS = 1_000_000
FULL_SIZES = (1_000_000, 10_000_000)
QUICK_SIZES = (100_000, 1_000_000)


def machine() -> dict[str, object]:
    cpu_model = ""
    if Path("/proc/cpuinfo").is_file():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    return {
        "nproc": len(os.sched_getaffinity(0)),
        # other work on the machine skews timings; the 1-minute load when the run started
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpu": cpu_model,
        "memory_gb": round(memory_gb, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "numpy": np.__version__,
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, 1)


def run_benchmark(
    sizes: tuple[int, int] = FULL_SIZES,
    runs: int = 30,
    cache_dir: Path = builds.CACHE_DIR,
    log: Callable[[str], None] = builds.log,
    import_rows: int = IMPORT_ROWS,
) -> dict[str, object]:
    """Run every section and return the results (without the verdict; see `evaluate`)."""
    small, large = sorted(sizes)
    labels = {size: builds.size_label(size) for size in (small, large)}
    started_at = dt.datetime.now().astimezone()
    machine_info = machine()  # now, so the load average is the one the run started under
    if machine_info["load_average_1m"] > 0.5 * machine_info["nproc"]:
        log(
            f"warning: load average {machine_info['load_average_1m']} on {machine_info['nproc']} cores;"
            " other work will skew the timings"
        )
    databases = {}
    for size in (large, small):
        databases[labels[size]] = builds.ensure_db(size, cache_dir)

    log(f"queries on {labels[large]} and {labels[small]}, interleaved ({runs} runs each after one warm-up)")
    query_results = timing.bench_queries(
        {labels[size]: databases[labels[size]]["path"] for size in (large, small)}, runs, log
    )
    rss_after_queries = peak_rss_mb()

    log(f"pandas vs SQL on {labels[large]} ({runs} runs each after one warm-up)")
    pandas_results = pandas_way.bench_pandas(
        databases[labels[large]]["path"], builds.cache_stem(large, cache_dir), runs, log
    )

    log(f"page reruns after a filter change on {labels[large]} ({runs} cold and {runs} cached each)")
    from bench import pages  # imports streamlit; only the full harness needs it
    from data.importers.bench import bench_import

    large_path = Path(databases[labels[large]]["path"])
    public_path = Path(cache_dir) / f"{large_path.stem}.public.duckdb"
    page_results = pages.bench_pages(large_path, public_path, _last_month(large_path), runs, log)
    log(f"publish with the disclosure audit on {labels[large]}")
    publish_results = bench_publish(large_path, Path(cache_dir) / f"{large_path.stem}.bench-public.duckdb")
    log(
        f"  median {publish_results['publish_s']} s wall, {publish_results['publish_cpu_s']} s CPU;"
        f" {publish_results['audit_result']}"
    )
    log(f"synthetic control on {labels[large]} ({runs} cold runs)")
    from bench.synthetic import bench_synthetic

    synthetic_results = {"database": labels[large], **bench_synthetic(large_path, runs, log)}
    log(f"import of a {import_rows:,}-row incidents CSV")
    import_results = bench_import(import_rows, Path(cache_dir) / "import")
    log(f"  {import_results['rows_per_s']:,} rows/s, peak RSS {import_results['peak_rss_mb']} MB")

    growth = {
        name: round(stats["p50_ms"] / query_results[labels[small]][name]["p50_ms"], 2)
        for name, stats in query_results[labels[large]].items()
    }
    worst_growth = max(growth, key=growth.get)
    return {
        "started_at": started_at.isoformat(timespec="seconds"),
        "duration_s": round((dt.datetime.now().astimezone() - started_at).total_seconds(), 1),
        "machine": machine_info,
        "settings": {
            "sizes": [small, large],
            "runs": runs,
            "seed": builds.SEED,
            "scope": "chief",
            "timer": "time.perf_counter around queries.run (execute + fetch to DataFrame), one warm-up call;"
            " the two databases alternate call by call",
            "percentiles": "numpy linear interpolation",
        },
        "databases": databases,
        "queries": query_results,
        "growth": {
            "from": labels[small],
            "to": labels[large],
            "p50_ratio": growth,
            "max_ratio": growth[worst_growth],
            "max_query": worst_growth,
        },
        "pandas": {"incidents": large, **pandas_results},
        "pages": {"database": labels[large], "runs": runs, "results": page_results},
        "synthetic_control": synthetic_results,
        "import": import_results,
        "publish": {"database": labels[large], **publish_results},
        "peak_rss_mb": {
            "build": {label: database["build_peak_rss_mb"] for label, database in databases.items()},
            "bench_after_queries": rss_after_queries,
            "bench_after_pandas": peak_rss_mb(),
        },
    }


def bench_publish(db_path: Path, out: Path, runs: int = PUBLISH_RUNS) -> dict[str, object]:
    """Median wall and CPU time of `publish` (queries, suppression, the LP/MIP audit, writing the file).

    CPU time (this process, all threads) is reported beside wall time: on a shared machine the
    wall time is mostly waiting for a core.
    """
    import statistics
    import time

    from data import publish

    walls, cpus = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        summary = publish.publish(db_path, out)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    with duckdb.connect(str(out), read_only=True) as con:
        manifest = dict(con.execute("select key, value from manifest").fetchall())
    out.unlink()
    return {
        "runs": runs,
        "publish_s": round(statistics.median(walls), 2),
        "publish_cpu_s": round(statistics.median(cpus), 2),
        "publish_s_each": [round(wall, 2) for wall in walls],
        "audit_result": manifest["audit_result"],
        "audit_method": manifest["audit_method"],
        "cells_primary": summary.primary,
        "cells_complementary": summary.complementary,
        "survey_n_withdrawn_for_means": int(manifest["survey_n_withdrawn_for_means"]),
    }


def _last_month(path: Path) -> dt.date:
    with duckdb.connect(str(path), read_only=True) as con:
        (month,) = con.execute("select max(month) from crime_monthly").fetchall()[0]
    return month


def evaluate(results: dict[str, object]) -> dict[str, object]:
    """Pass/fail against the targets of the benchmark issue, at the larger size."""
    large = results["growth"]["to"]
    query_stats = results["queries"][large]
    worst_query = max(query_stats, key=lambda name: query_stats[name]["p95_ms"])
    comparisons = results["pandas"]["comparisons"]
    worst_comparison = min(comparisons, key=lambda name: comparisons[name]["ratio_pandas_over_sql_p50"])
    return {
        "query_p95_le_100ms": {
            "pass": all(stats["p95_ms"] <= TARGET_P95_MS for stats in query_stats.values()),
            "at": large,
            "max_p95_ms": query_stats[worst_query]["p95_ms"],
            "max_query": worst_query,
            "failing": sorted(name for name, stats in query_stats.items() if stats["p95_ms"] > TARGET_P95_MS),
        },
        "pandas_ratio_ge_5x": {
            "pass": all(case["ratio_pandas_over_sql_p50"] >= TARGET_PANDAS_RATIO for case in comparisons.values()),
            "at": large,
            "min_ratio": comparisons[worst_comparison]["ratio_pandas_over_sql_p50"],
            "min_case": worst_comparison,
            "failing": sorted(
                name for name, case in comparisons.items() if case["ratio_pandas_over_sql_p50"] < TARGET_PANDAS_RATIO
            ),
        },
        "growth_lt_2x": {
            "pass": results["growth"]["max_ratio"] < TARGET_GROWTH,
            "from": results["growth"]["from"],
            "to": large,
            "max_ratio": results["growth"]["max_ratio"],
            "max_query": results["growth"]["max_query"],
        },
        "page_rerun_p95_le_300ms": {
            "pass": all(page["cold"]["p95_ms"] <= TARGET_PAGE_P95_MS for page in results["pages"]["results"].values()),
            "at": results["pages"]["database"],
            "max_p95_ms": max(page["cold"]["p95_ms"] for page in results["pages"]["results"].values()),
            "max_page": max(
                results["pages"]["results"], key=lambda path: results["pages"]["results"][path]["cold"]["p95_ms"]
            ),
            "failing": sorted(
                path
                for path, page in results["pages"]["results"].items()
                if page["cold"]["p95_ms"] > TARGET_PAGE_P95_MS
            ),
        },
        "synthetic_control_p95_lt_1s": {
            "pass": results["synthetic_control"]["p95_ms"] < TARGET_SYNTHETIC_P95_MS,
            "at": results["synthetic_control"]["database"],
            "partnership": results["synthetic_control"]["partnership"],
            "units": results["synthetic_control"]["units"],
            "p95_ms": results["synthetic_control"]["p95_ms"],
            "first_on_new_connection_ms": results["synthetic_control"]["first_on_new_connection_ms"],
        },
        "import_ge_200k_rows_per_s": {
            "pass": results["import"]["rows_per_s"] >= TARGET_IMPORT_ROWS_PER_S,
            "rows_per_s": results["import"]["rows_per_s"],
            "peak_rss_mb": results["import"]["peak_rss_mb"],
        },
        "publish_le_60s": {
            "pass": results["publish"]["publish_s"] <= TARGET_PUBLISH_S,
            "at": results["publish"]["database"],
            "publish_s": results["publish"]["publish_s"],
            "publish_cpu_s": results["publish"]["publish_cpu_s"],
            "audit_result": results["publish"]["audit_result"],
        },
        "pandas_agrees_with_sql": {
            "pass": all(case["agree"] for case in comparisons.values()),
            "failing": sorted(name for name, case in comparisons.items() if not case["agree"]),
        },
    }
