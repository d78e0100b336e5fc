"""crime/* on the fixture database (tests/fixture_db.py lists every incident)."""

import math

import pytest

import queries

YEAR_2024 = {"start_date": "2024-01-01", "end_date": "2024-12-31", "urbanicity": None}


def yoy(con, **params):
    merged = {**YEAR_2024, **params}
    return queries.run(con, "crime/yoy", **merged).set_index("group_key")


def test_violent_all_areas(con):
    row = yoy(con, group_by="all", crime_class="violent").loc["all"]
    # 2024: A1 10+20 robbery, B2 5 assault, C3 4 assault, D4 3 robbery = 42
    # 2023: A1 20, B2 10, C3 0, D4 1 = 31
    assert (row.incidents, row.incidents_prior, row.areas) == (42, 31, 4)
    # D4 has no population: its 3 (and 1) offences are left out of the rate
    assert row.population == 17_000
    assert row.rate_per_1k == pytest.approx(39 / 17_000 * 1000)  # 2.2941
    assert row.rate_per_1k_prior == pytest.approx(30 / 17_000 * 1000)
    assert row.change_pct == pytest.approx((42 - 31) / 31 * 100)  # 35.48
    assert row.poisson_z == pytest.approx(2 * (math.sqrt(42) - math.sqrt(31)))  # 1.826
    assert not row.significant


def test_by_urbanicity(con):
    frame = yoy(con, group_by="urbanicity", crime_class="violent")
    assert list(frame.index) == ["rural", "urban"]
    urban, rural = frame.loc["urban"], frame.loc["rural"]
    # urban: 30 + 5 = 35 vs 20 + 10 = 30 over 15,000 residents
    assert (urban.incidents, urban.incidents_prior) == (35, 30)
    assert urban.rate_per_1k == pytest.approx(35 / 15)
    assert urban.change_pct == pytest.approx(5 / 30 * 100)
    # rural: 4 + 3 = 7 vs 0 + 1 = 1; z = 2(sqrt 7 - 1) = 3.29
    assert (rural.incidents, rural.incidents_prior) == (7, 1)
    assert rural.poisson_z == pytest.approx(2 * (math.sqrt(7) - 1))
    assert rural.significant
    assert rural.rate_per_1k == pytest.approx(4 / 2)  # C3 only


def test_by_area_edge_cases(con):
    frame = yoy(con, group_by="area", crime_class="violent")
    assert list(frame.index) == ["A1", "B2", "C3", "D4"]
    # A1: 30 vs 20, rate 30 / 10k
    assert frame.loc["A1", "rate_per_1k"] == pytest.approx(3.0)
    assert frame.loc["A1", "change_pct"] == pytest.approx(50.0)
    # C3: 4 vs 0 -> no percentage change, but z = 2 * 2 = 4
    assert math.isnan(frame.loc["C3", "change_pct"])
    assert frame.loc["C3", "poisson_z"] == pytest.approx(4.0)
    # D4: no population -> rate null, never 0 or infinity
    assert math.isnan(frame.loc["D4", "rate_per_1k"])
    assert frame.loc["D4", "incidents"] == 3


def test_class_and_month_boundaries(con):
    frame = yoy(con, group_by="area", crime_class="property")
    # A1 theft: 50 in March + 1 at 2024-12-31 23:59; the one at 2025-01-01 00:00 is next year
    assert frame.loc["A1", "incidents"] == 51
    assert frame.loc["A1", "incidents_prior"] == 40
    everything = yoy(con, group_by="all", crime_class="all").loc["all"]
    assert everything.incidents == 42 + 51  # violent + property, no 'other' offences
    # a period ending mid-month still counts that whole month (rollups are monthly)
    january = yoy(con, start_date="2025-01-01", end_date="2025-01-15", group_by="all", crime_class="all")
    assert january.loc["all", "incidents"] == 1


def test_empty_period_and_filter(con):
    frame = yoy(con, start_date="2019-01-01", end_date="2019-12-31", group_by="area", crime_class="all")
    assert len(frame) == 4
    assert frame["incidents"].sum() == 0
    assert (frame["poisson_z"] == 0).all()
    assert frame["change_pct"].isna().all()
    rural = yoy(con, urbanicity="rural", group_by="area", crime_class="violent")
    assert list(rural.index) == ["C3", "D4"]
