"""crime-counts: area x month x offence x count feeds crime_monthly; counts and incidents never add up twice."""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import pytest

import queries
from data.importers import ImportFailed, ImportOptions, run_import


@contextlib.contextmanager
def open_db(path: Path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


COUNTS = """district,month,offense_code,count
D1,2024-01,120,3
D1,2024-01,23H,5
D1,2024-02,13B,4
D2,2024-01,13A,2
D2,2024-02,220,6
D1,2023-01,120,1
D2,2023-02,220,3
"""
# FBI class of each code (data/nibrs_offenses.csv): 120 robbery and 13A aggravated assault violent;
# 23H larceny and 220 burglary property; 13B simple assault other.


@pytest.fixture
def counts_db(tmp_path) -> Path:
    path = tmp_path / "counts.duckdb"
    areas = tmp_path / "areas.csv"
    areas.write_text("area_code,name,population,urbanicity\nD1,North,10000,urban\nD2,South,5000,rural\n")
    run_import("areas", areas, path)
    source = tmp_path / "district_months.csv"
    source.write_text(COUNTS)
    summary = run_import("crime-counts", source, path)
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (7, 7, 0)
    return path


def test_a_district_by_month_file_gives_monthly_and_yoy_equal_to_hand_sums(counts_db):
    with open_db(counts_db) as con:
        monthly = queries.run(
            con, "crime/monthly", start_date="2024-01-01", end_date="2024-02-29", urbanicity=None,
            group_by="all", crime_class="violent", categories=None,
        )  # fmt: skip
        by_month = monthly.groupby(monthly["month"].dt.strftime("%Y-%m"))["incidents"].sum().to_dict()
        assert by_month == {"2024-01": 5, "2024-02": 0}  # D1 robbery 3 + D2 aggravated assault 2; none in Feb
        period = {"start_date": "2024-01-01", "end_date": "2024-02-29", "urbanicity": None}
        every = queries.run(con, "crime/yoy", **period, group_by="all", crime_class="all").iloc[0]
        assert (every["incidents"], every["incidents_prior"]) == (20, 4)  # 3+5+4+2+6 against 1+3
        violent = queries.run(con, "crime/yoy", **period, group_by="all", crime_class="violent").iloc[0]
        assert (violent["incidents"], violent["incidents_prior"]) == (5, 1)
        by_area = queries.run(con, "crime/yoy", **period, group_by="area", crime_class="property")
        property_counts = dict(zip(by_area["group_key"], by_area["incidents"], strict=True))
        assert property_counts == {"D1": 5, "D2": 6}
        # D1 2024: 3 + 5 + 4 = 12 offences over 10,000 residents = 1.2 per 1,000
        d1 = queries.run(con, "crime/yoy", **period, group_by="area", crime_class="all").set_index("group_key")
        assert d1.loc["D1", "rate_per_1k"] == pytest.approx(1.2)


def test_counts_and_incidents_for_the_same_area_month_are_refused_not_summed(counts_db, tmp_path):
    incidents = tmp_path / "incidents.csv"
    incidents.write_text(
        "source_id,occurred_at,area_code,offense_code\nI1,2024-01-10 10:00,D1,120\nI2,2024-03-10 10:00,D1,120\n"
    )
    before = counts_db.read_bytes()
    with pytest.raises(ImportFailed, match="1 of the 2 rows"):
        run_import("incidents", incidents, counts_db)
    assert counts_db.read_bytes() == before
    summary = run_import("incidents", incidents, counts_db, ImportOptions(max_rejected=1))
    assert [reason.reason for reason in summary.reasons] == [
        "this area and month are held as offence counts (import crime-counts): it would count twice"
    ]
    # March now holds an incident: counts for D1 March are refused the other way round
    more = tmp_path / "march.csv"
    more.write_text("district,month,offense_code,count\nD1,2024-03,120,7\nD2,2024-03,120,1\n")
    summary = run_import("crime-counts", more, counts_db, ImportOptions(max_rejected=1))
    assert [reason.reason for reason in summary.reasons] == [
        "this area and month hold incidents: counts would count them twice"
    ]
    with open_db(counts_db) as con:
        march = con.execute(
            "select area_code, sum(incidents) from crime_monthly join areas using (area_id)"
            " where month = date '2024-03-01' group by 1 order by 1"
        ).fetchall()
    assert march == [("D1", 1), ("D2", 1)]  # the one incident, and D2's count; never 1 + 7


def test_reimporting_counts_changes_nothing_and_a_corrected_count_updates(counts_db, tmp_path):
    source = tmp_path / "district_months.csv"
    before = counts_db.read_bytes()
    again = run_import("crime-counts", source, counts_db)
    assert (again.rows_accepted, again.rows_unchanged, again.swapped) == (0, 7, False)
    assert counts_db.read_bytes() == before
    source.write_text(COUNTS.replace("D1,2024-01,120,3", "D1,2024-01,120,9"))
    corrected = run_import("crime-counts", source, counts_db)
    assert corrected.written.get("crime_counts (updated)") == 1
    with open_db(counts_db) as con:
        assert con.execute("select sum(incidents) from crime_monthly").fetchall() == [(30,)]  # 24 + 9 - 3


def test_a_count_that_is_not_a_whole_number_or_names_no_offence_is_refused(counts_db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("district,month,offense_code,count\nD1,2024-05,120,-2\nD1,2024-05,220,2.5\nD1,2024-05,XYZ,1\n")
    with pytest.raises(ImportFailed) as refused:
        run_import("crime-counts", bad, counts_db)
    assert refused.value.summary.rows_rejected == 3
    with open_db(counts_db) as con:
        assert con.execute("select count(*) from crime_counts").fetchall() == [(7,)]
