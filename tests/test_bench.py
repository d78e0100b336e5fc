"""The benchmark harness on tiny demo databases: JSON shape, cache reuse, pandas = SQL. No timings asserted."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd
import pytest

import queries
from bench import __main__ as bench_main
from bench import builds, pandas_way, report, timing
from components import synthetic_control

SIZES = (5_000, 20_000)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One harness run through the CLI entry point: (JSON document, its file, RESULTS.md, cache dir)."""
    folder = tmp_path_factory.mktemp("bench")
    out, results = folder / "bench.json", folder / "RESULTS.md"
    argv = [
        "--sizes", ",".join(map(str, SIZES)), "--runs", "3", "--cache-dir", str(folder / "cache"),
        "--import-rows", "3000",
    ]  # fmt: skip
    exit_code = bench_main.main([*argv, "--out", str(out), "--results", str(results)])
    assert exit_code == 0
    return json.loads(out.read_text()), results, folder / "cache"


def test_json_has_every_section(run):
    document, _, _ = run
    assert {
        "command",
        "machine",
        "settings",
        "databases",
        "queries",
        "growth",
        "pandas",
        "peak_rss_mb",
        "pages",
        "import",
        "synthetic_control",
        "targets",
    } <= set(document)
    assert set(document["databases"]) == {"5k", "20k"}
    for label, database in document["databases"].items():
        assert database["tables"]["incidents"] == {"5k": 5_000, "20k": 20_000}[label]
        assert database["size_mb"] > 0 and database["build_s"] > 0 and database["build_peak_rss_mb"] > 0
    assert document["machine"]["nproc"] >= 1 and document["machine"]["duckdb"]
    assert document["settings"]["runs"] == 3


def test_every_query_is_timed_on_both_sizes(run):
    document, _, _ = run
    for label in ("5k", "20k"):
        timed = document["queries"][label]
        assert sorted(timed) == queries.agency_queries()
        for stats in timed.values():
            assert stats["runs"] == 3
            assert 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["max_ms"]
            assert stats["rows"] >= 0
    assert set(document["growth"]["p50_ratio"]) == set(queries.agency_queries())
    assert document["growth"]["max_ratio"] == max(document["growth"]["p50_ratio"].values())


def test_pandas_and_sql_give_the_same_numbers(run):
    document, _, _ = run
    comparisons = document["pandas"]["comparisons"]
    assert set(comparisons) == {"monthly_counts", "yoy", "trust_area_quarter", "rolling_12m"}
    for case in comparisons.values():
        assert case["agree"], case
        assert case["rows"] > 0 and case["unmatched_rows"] == 0
        assert case["ratio_pandas_over_sql_p50"] > 0
    assert document["targets"]["pandas_agrees_with_sql"]["pass"]
    # 37 areas x 12 months x 3 categories, zero-filled on both sides
    assert comparisons["monthly_counts"]["rows"] == 37 * 12 * 3
    assert comparisons["yoy"]["rows"] == 37


def test_targets_name_the_worst_case(run):
    document, _, _ = run
    targets = document["targets"]
    slowest = max(document["queries"]["20k"].values(), key=lambda stats: stats["p95_ms"])
    assert targets["query_p95_le_100ms"]["max_p95_ms"] == slowest["p95_ms"]
    assert targets["growth_lt_2x"]["max_ratio"] == document["growth"]["max_ratio"]
    assert all(isinstance(check["pass"], bool) for check in targets.values())


def test_results_markdown_names_the_command_and_keeps_hand_written_notes(run):
    document, results, _ = run
    text = results.read_text()
    assert document["command"] in text
    assert "## Targets" in text and "`crime/monthly`" in text
    results.write_text(text + "hand-written analysis\n")
    verdict = document["targets"]
    results_only = {key: value for key, value in document.items() if key not in ("command", "targets")}
    report.write(results, results_only, verdict, "python -m bench --again")
    rewritten = results.read_text()
    assert "python -m bench --again" in rewritten and "hand-written analysis" in rewritten


def test_databases_are_reused_until_the_generator_changes(run, monkeypatch):
    _, _, cache = run
    again = builds.ensure_db(SIZES[0], cache)
    assert again["reused"]
    built = json.loads(builds.cache_stem(SIZES[0], cache).with_suffix(".json").read_text())
    assert again["build_s"] == built["build_s"]
    monkeypatch.setattr(builds, "source_hash", lambda seed=builds.SEED: "changed00000")
    assert str(builds.cache_stem(SIZES[0], cache).with_suffix(".duckdb")) != again["path"]


def test_default_params_follow_the_headers():
    start, end = dt.date(2025, 10, 1), dt.date(2026, 9, 30)
    for name in queries.agency_queries():
        params = timing.default_params(name, start=start, end=end, partnership_id=7)
        # the runner accepts every set (scope comes from the viewer, never from here)
        queries.bind(name, timing.SCOPE, params)
        assert not any(key.startswith("scope_") for key in params)
    assert timing.default_params("trust/scores", start=start, end=end, partnership_id=7)["group_by"] == "area"
    monthly = timing.default_params("crime/monthly", start=start, end=end, partnership_id=7)
    assert monthly == {
        "start_date": start,
        "end_date": end,
        "urbanicity": None,
        "categories": None,
        "group_by": "area",
        "crime_class": "all",
        "crimes_against": None,
    }
    assert timing.default_params("impact/wdd", start=start, end=end, partnership_id=7)["partnership_id"] == 7


def test_whole_quarters_and_labels():
    assert pandas_way.whole_quarters(dt.date(2025, 10, 1), dt.date(2026, 9, 30)) == [
        (dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    ]
    assert pandas_way.whole_quarters(dt.date(2025, 11, 1), dt.date(2026, 10, 31))[0][0] == dt.date(2026, 1, 1)
    assert [builds.size_label(n) for n in (10_000_000, 100_000, 12_345)] == ["10M", "100k", "12345"]


def test_compare_catches_a_different_count():
    sql = pd.DataFrame({"group_key": ["N01", "N02"], "incidents": [3, 4], "rate": [0.1, 0.2]})
    same = pandas_way.compare(sql, sql.copy(), ["group_key"], ["incidents"], ["rate"])
    assert same["agree"] and same["rows"] == 2
    off_by_one = sql.assign(incidents=[3, 5])
    assert not pandas_way.compare(sql, off_by_one, ["group_key"], ["incidents"], ["rate"])["agree"]
    missing_row = sql.iloc[:1]
    assert pandas_way.compare(sql, missing_row, ["group_key"], ["incidents"], ["rate"])["unmatched_rows"] == 1


def test_every_page_rerun_is_timed_cold_and_cached(run):
    document, results_md, _ = run
    from components import navigation

    timed = document["pages"]["results"]
    expected = {page.path for page in navigation.pages_for("chief")} - {"pages/import_data.py"}
    expected |= {"pages/partnerships.py#One partnership in detail", "pages/trust.py#By area"}
    assert set(timed) == expected
    for page in timed.values():
        assert page["cold"]["runs"] == 3 and page["cached"]["runs"] == 3
        assert page["cold"]["p95_ms"] >= page["cold"]["p50_ms"] > 0
    assert {"page_rerun_p95_le_300ms", "import_ge_200k_rows_per_s"} <= set(document["targets"])
    assert "## Page reruns after a filter change" in results_md.read_text()


def test_synthetic_control_is_timed_for_the_partnership_with_most_units(run):
    document, results, _ = run
    timed = document["synthetic_control"]
    assert timed["runs"] == 3 and timed["p95_ms"] > 0 and timed["first_on_new_connection_ms"] > 0
    assert timed["units"] >= 3 and timed["partnership"]
    assert document["targets"]["synthetic_control_p95_lt_1s"]["partnership"] == timed["partnership"]
    assert "synthetic control for the largest partnership" in results.read_text()
    # "largest": no other partnership's synthetic control has more units (served areas + donors)
    with duckdb.connect(document["databases"]["20k"]["path"], read_only=True) as con:
        units = {}
        for partnership_id, name in con.execute("select partnership_id, name from partnerships").fetchall():
            series = queries.run(con, "impact/area_series", partnership_id=partnership_id, crime_class="violent")
            fit = synthetic_control.fit(series, 12)
            units[name] = fit.units if fit.fitted else 0
    assert units[timed["partnership"]] == timed["units"] == max(units.values())


def test_import_is_measured(run):
    document, _, _ = run
    imported = document["import"]
    assert imported["rows"] == 3000
    # the generated file puts about 0.1% of rows in an unknown district, refused on purpose
    assert imported["accepted"] + imported["rejected"] == 3000 and imported["accepted"] >= 2900
    assert imported["rows_per_s"] > 0 and imported["peak_rss_mb"] > 0
