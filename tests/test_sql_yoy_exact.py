"""crime/yoy's exact test on counts chosen so the p-values can be checked by hand."""

import math

import duckdb
import pytest
from scipy import stats

import queries
from data import db

# schema v2's rollup also keys on crimes_against: each row takes its category's class and
# crimes-against from offense_categories, as data.db.rebuild_crime_monthly does
ROBBERIES = (
    "insert into crime_monthly select ?, ?, category, crime_class, crimes_against, ?"
    " from offense_categories where category = 'robbery'"
)
THEFTS = (
    "insert into crime_monthly select 1, ?, category, crime_class, crimes_against, ?"
    " from offense_categories where category = 'theft'"
)
# area -> (offences in 2023, offences in 2024), all robberies in June
COUNTS = {"Y1": (1, 4), "Y2": (5, 12), "Y3": (500, 550), "Y4": (100, 140), "Y5": (7, 7), "Y6": (30, 9)}


@pytest.fixture(scope="module")
def yoy_con(tmp_path_factory):
    path = tmp_path_factory.mktemp("yoy") / "yoy.duckdb"
    with db.building(path) as con:
        db.create_schema(con)
        con.execute("insert into agencies values (1, 'PD', 'police', 1, null)")
        for area_id, (code, (before, after)) in enumerate(COUNTS.items(), start=1):
            con.execute(
                "insert into areas values (?, 1, ?, ?, 'beat', 1000, null, 'urban', 1, 'RUCA', null, null, null)",
                [area_id, code, code],
            )
            for month, count in (("2023-06-01", before), ("2024-06-01", after)):
                con.execute(ROBBERIES, [area_id, month, count])
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def by_area(yoy_con):
    return queries.run(
        yoy_con, "crime/yoy", start_date="2024-01-01", end_date="2024-12-31", urbanicity=None, group_by="area"
    ).set_index("group_key")


def test_one_to_four_is_not_significant(by_area):
    row = by_area.loc["Y1"]
    # n = 5; p = 2 x P(X <= 1) = 2 x (C(5,0) + C(5,1)) / 2^5 = 2 x 6 / 32 = 0.375 (the old z = 2(2 - 1) = 2.00 said yes)
    assert row.p_value == pytest.approx(0.375)
    assert row.poisson_z == pytest.approx(2.0)
    assert not row.significant


def test_five_to_twelve_by_hand(by_area):
    row = by_area.loc["Y2"]
    # n = 17; p = 2 x (C(17,0) + C(17,1) + C(17,2) + C(17,3) + C(17,4) + C(17,5)) / 2^17
    #           = 2 x (1 + 17 + 136 + 680 + 2380 + 6188) / 131072 = 2 x 9402 / 131072 = 0.14346
    assert row.p_value == pytest.approx(2 * 9402 / 131072)
    assert not row.significant  # the old z = 2(sqrt 12 - sqrt 5) = 2.46 said significant


def test_five_hundred_to_five_fifty(by_area):
    row = by_area.loc["Y3"]
    # the Capitol Hill case: z = 2(sqrt 550 - sqrt 500) = 2.18, but the exact p is 0.13
    assert row.poisson_z > 2
    assert row.p_value == pytest.approx(0.1305, abs=5e-4)
    assert row.p_value == pytest.approx(stats.binomtest(550, 1050).pvalue, rel=1e-9)
    assert not row.significant


def test_hundred_to_hundred_forty_is_significant(by_area):
    row = by_area.loc["Y4"]
    assert row.p_value == pytest.approx(stats.binomtest(140, 240).pvalue, rel=1e-9)  # 0.0117
    assert row.p_value < 0.05 and row.significant


def test_ties_falls_and_the_sum_of_all(by_area, yoy_con):
    assert by_area.loc["Y5", "p_value"] == 1.0 and not by_area.loc["Y5", "significant"]
    # 30 -> 9: n = 39, p = 2 x P(X <= 9) = 0.00082, a significant fall
    fall = by_area.loc["Y6"]
    assert fall.p_value == pytest.approx(2 * sum(math.comb(39, k) for k in range(10)) / 2**39)
    assert fall.significant
    everything = queries.run(
        yoy_con, "crime/yoy", start_date="2024-01-01", end_date="2024-12-31", urbanicity=None, group_by="all"
    ).iloc[0]
    assert (everything.incidents, everything.incidents_prior) == (722, 643)
    assert everything.p_value == pytest.approx(stats.binomtest(722, 1365).pvalue, rel=1e-9)


def test_large_counts_keep_their_precision(tmp_path):
    """A city-sized count: the sum starts 20 sqrt(n) below the smaller count, and still matches scipy."""
    path = tmp_path / "big.duckdb"
    with db.building(path) as con:
        db.create_schema(con)
        con.execute("insert into agencies values (1, 'PD', 'police', 1, null)")
        con.execute(
            "insert into areas values (1, 1, 'B', 'B', 'beat', 1000, null, 'urban', 1, 'RUCA', null, null, null)"
        )
        for month, count in (("2023-06-01", 200000), ("2024-06-01", 201000)):
            con.execute(THEFTS, [month, count])
    con = duckdb.connect(str(path), read_only=True)
    row = queries.run(con, "crime/yoy", start_date="2024-01-01", end_date="2024-12-31", urbanicity=None).iloc[0]
    con.close()
    assert row.p_value == pytest.approx(stats.binomtest(201000, 401000).pvalue, rel=1e-6)  # about 0.114
