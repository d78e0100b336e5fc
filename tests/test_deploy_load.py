"""The load harness (`python -m bench load`) on the small demo: every part runs, counts add up. No timings asserted."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bench import __main__ as bench_main
from bench import load, load_report
from deploy_support import require_nginx


@pytest.fixture(scope="module")
def document(demo_path, tmp_path_factory):
    require_nginx()
    folder = tmp_path_factory.mktemp("load")
    out, results = folder / "load.json", folder / "RESULTS.md"
    results.write_text("# Benchmark results\n\nabove\n" + load_report.report.MARKER + "\nhand-written analysis\n")
    argv = ["load", "--quick", "--db", str(demo_path), "--out", str(out), "--results", str(results)]
    assert bench_main.main(argv) == 0
    return json.loads(out.read_text()), results


def test_server_cpu_per_rerun_is_measured_for_every_page_cold_and_cached(document):
    measured, _ = document
    cpu = measured["cpu_per_rerun"]
    assert set(cpu["pages"]) == {name or "overview" for name in load.page_names()}
    for page in cpu["pages"].values():
        for case in ("cold", "cached"):
            assert page[case]["runs"] == 2 and page[case]["failed"] == 0, page
            assert page[case]["cpu_ms"] >= 0 and page[case]["p50_ms"] > 0
    colds = sorted(page["cold"]["cpu_ms"] for page in cpu["pages"].values())
    assert cpu["median_cold_cpu_ms"] == pytest.approx(colds[len(colds) // 2], abs=0.1)  # 9 pages: the 5th


def test_the_load_table_has_one_process_and_two_replicas_and_every_rerun_accounted_for(document):
    measured, _ = document
    rows = measured["load"]
    assert [row["replicas"] for row in rows] == [1, 2]
    for row in rows:
        assert row["reruns"] == 4 and row["reruns_ok"] + row["failed"] == row["reruns"]
        assert row["failed"] == 0, row["first_problem"]
        assert row["server_tracebacks"] == 0
        assert row["p50_ms"] <= row["p95_ms"] <= row["max_ms"]
        assert row["server_cpu_s"] >= 0 and row["server_rss_peak_mb"] > 0
    assert sum(rows[1]["users_per_replica"]) == rows[1]["users"]


def test_idle_sessions_are_counted_and_closed(document):
    measured, _ = document
    idle = measured["idle"]
    assert [round_["sessions"] for round_ in idle["rounds"]] == [4, 4]
    assert idle["errors"] == 0 and idle["server_tracebacks"] == 0
    expected = (idle["rounds"][0]["rss_open_mb"] - idle["rss_baseline_mb"]) / 4
    assert idle["rss_per_session_mb"] == pytest.approx(expected, abs=0.1 / 4)  # the MB figures are rounded to 0.1
    assert set(measured["targets"]) == {
        "idle_sessions_le_1mb_zero_errors",
        "closed_sessions_free_their_memory",
        "no_failed_rerun",
    }  # the 25-user targets are judged only on the full run
    assert measured["targets"]["no_failed_rerun"]["pass"] is True


def test_results_section_replaces_itself_and_keeps_the_rest(document):
    measured, results = document
    text = results.read_text()
    assert text.startswith("# Benchmark results\n\nabove\n") and "hand-written analysis" in text
    assert text.count(load_report.BEGIN) == 1 and text.count(load_report.END) == 1
    assert measured["command"] in text and "### The load table" in text
    load_report.write(results, measured)
    assert results.read_text() == text


def test_fresh_periods_never_repeat_and_stay_inside_the_data():
    periods = load.Periods(first_month=dt.date(2020, 1, 1), last_month=dt.date(2026, 9, 1))
    issued = [periods.fresh() for _ in range(400)]
    assert len({(p.start, p.end, p.side) for p in issued}) == 400
    for period in issued:
        assert dt.date(2020, 1, 1) <= period.start and period.end <= dt.date(2026, 9, 30)
        assert 11 <= (period.end.year * 12 + period.end.month) - (period.start.year * 12 + period.start.month) <= 11
    assert {p.side for p in issued} == set(load.SIDES)
