"""crime/* on the fixture database (tests/fixture_db.py lists every incident)."""

import math

import pandas as pd
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
    # exact: 42 | 73 ~ Bin(73, 1/2); p = 2 x P(X <= 31) = 0.2416 (scipy.stats.binomtest(42, 73).pvalue)
    assert row.p_value == pytest.approx(0.241645, abs=1e-6)
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
    # exact: n = 8, p = 2 x P(X <= 1) = 2 x (1 + 8) / 2^8 = 0.0703 -> not significant, though z > 2
    assert rural.p_value == pytest.approx(18 / 256)
    assert not rural.significant
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
    assert (frame["p_value"] == 1).all() and not frame["significant"].any()  # 0 vs 0: nothing to test
    assert frame["change_pct"].isna().all()
    rural = yoy(con, urbanicity="rural", group_by="area", crime_class="violent")
    assert list(rural.index) == ["C3", "D4"]


def monthly(con, **params):
    base = {"start_date": "2024-01-01", "end_date": "2024-12-31", "urbanicity": None, "categories": None}
    return queries.run(con, "crime/monthly", **{**base, **params})


def test_monthly_is_zero_filled_by_area_month_and_category(con):
    frame = monthly(con, categories=["robbery", "theft"])
    # 4 areas x 12 months x 2 categories, every cell present even with no offence
    assert len(frame) == 4 * 12 * 2
    cell = frame.set_index(["group_key", "month", "category"])
    assert cell.loc[("A1", pd.Timestamp("2024-01-01"), "robbery"), "incidents"] == 10
    assert cell.loc[("A1", pd.Timestamp("2024-01-01"), "robbery"), "rate_per_1k"] == pytest.approx(1.0)  # 10 / 10k
    assert cell.loc[("A1", pd.Timestamp("2024-02-01"), "robbery"), "incidents"] == 0  # a zero-incident month
    assert cell.loc[("A1", pd.Timestamp("2024-12-01"), "theft"), "incidents"] == 1  # 23:59 on 31 December
    # D4 has no population: counts yes, rate null (never 0 or infinity)
    assert cell.loc[("D4", pd.Timestamp("2024-09-01"), "robbery"), "incidents"] == 3
    assert math.isnan(cell.loc[("D4", pd.Timestamp("2024-09-01"), "robbery"), "rate_per_1k"])
    assert frame["incidents"].sum() == 30 + 51 + 3


def test_monthly_by_urbanicity_and_all(con):
    urban = monthly(con, group_by="urbanicity", categories=["robbery"], urbanicity="urban")
    assert set(urban["group_key"]) == {"urban"} and len(urban) == 12
    july = urban.set_index("month").loc[pd.Timestamp("2024-07-01")]
    assert july.incidents == 20 and july.rate_per_1k == pytest.approx(20 / 15)  # A1 + B2 = 15,000
    every = monthly(con, group_by="all")
    assert len(every) == 12 * 17  # all 17 categories
    assert every["incidents"].sum() == 42 + 51
    # rural: D4's 3 robberies count but only C3's population rates
    rural = monthly(con, group_by="urbanicity", urbanicity="rural", categories=["robbery"]).set_index("month")
    assert rural.loc[pd.Timestamp("2024-09-01"), "incidents"] == 3
    assert rural.loc[pd.Timestamp("2024-09-01"), "rate_per_1k"] == 0  # no robbery in C3 that month


def test_monthly_limits_to_months_with_data_and_refuses_unknown_categories(con):
    # the database holds crime from 2023-02 to 2025-01: nothing is invented outside it
    frame = monthly(con, start_date="2020-01-01", end_date="2030-12-31", group_by="all", categories=["theft"])
    assert frame["month"].min() == pd.Timestamp("2023-02-01") and frame["month"].max() == pd.Timestamp("2025-01-01")
    assert len(frame) == 24
    with pytest.raises(queries.QueryError, match="must be one of"):
        monthly(con, categories=["theft", "jaywalking"])
    assert monthly(con, start_date="2019-01-01", end_date="2019-12-31").empty


def test_rolling_mean_over_12_months(con):
    frame = queries.run(
        con, "crime/rolling", start_date="2024-01-01", end_date="2024-12-31", urbanicity=None, group_by="all"
    ).set_index("month")
    assert len(frame) == 12
    # Feb 2023..Jan 2024: 20 + 40 + 2 (May) + 10 (Jun) + 1 (Nov) + 10 (Jan) = 83 over 12 months
    assert frame.loc[pd.Timestamp("2024-01-01"), "incidents"] == 10
    assert frame.loc[pd.Timestamp("2024-01-01"), "rolling_12m_incidents"] == pytest.approx(83 / 12)
    # Jan..Dec 2024: 42 violent + 51 property = 93
    assert frame.loc[pd.Timestamp("2024-12-01"), "rolling_12m_incidents"] == pytest.approx(93 / 12)
    assert frame.loc[pd.Timestamp("2024-12-01"), "rolling_12m_rate_per_1k"] == pytest.approx(
        (10 + 50 + 5 + 20 + 4 + 1) / 17 / 12  # the offences in areas with population, per 1,000 of 17,000
    )


def test_rolling_is_null_until_twelve_months_exist(con):
    frame = queries.run(
        con,
        "crime/rolling",
        start_date="2023-01-01",
        end_date="2023-12-31",
        urbanicity="urban",
        group_by="area",
        crime_class="violent",
    )
    a1 = frame[frame["group_key"] == "A1"].set_index("month")
    # data start in February 2023: January 2024 is the first month with 12 behind it
    assert a1["rolling_12m_incidents"].isna().all()
    assert a1.loc[pd.Timestamp("2023-02-01"), "incidents"] == 20
    assert set(frame["group_key"]) == {"A1", "B2"}
