"""trust/scores on the fixture database (tests/fixture_db.py lists every response)."""

import math

import pandas as pd
import pytest

import queries

SPRING_2024 = {"start_date": "2024-04-01", "end_date": "2024-06-30", "urbanicity": None}


def scores(con, **params):
    return queries.run(con, "trust/scores", **{**SPRING_2024, **params})


def weighted_se(values, weights):
    """The se the header defines, written out independently of the SQL."""
    n, total = len(values), sum(weights)
    mean = sum(w * x for x, w in zip(values, weights, strict=True)) / total
    squares = sum(w * w * (x - mean) ** 2 for x, w in zip(values, weights, strict=True))
    return math.sqrt(n / (n - 1) * squares) / total


def test_residents_spring_2024(con):
    row = scores(con, group_by="all").set_index("audience").loc["resident"]
    # trust answers (index, weight): r1 (87.5, 1), r2 (25, 2), r3 (50, 1), r4 (87.5, 4); r5 answered no trust item
    assert row.n == 4
    assert row.trust_0_100 == pytest.approx((87.5 + 50 + 50 + 350) / 8)  # 67.1875
    assert row.n_eff == pytest.approx(8**2 / (1 + 4 + 1 + 16))  # 2.909
    se = weighted_se([87.5, 25, 50, 87.5], [1, 2, 1, 4])  # 17.34
    assert row.se == pytest.approx(se)
    assert row.ci_low == pytest.approx(67.1875 - 1.96 * se)
    assert row.ci_high == 100  # 67.19 + 33.98 capped
    # favourable: r1 and r4 (weights 5 of 8); unfavourable: r2 (2 of 8); r3 sits at 50
    assert row.favourable_pct == pytest.approx(62.5)
    assert row.unfavourable_pct == pytest.approx(25.0)
    assert not row.reportable
    # safety: r1 50 (w1), r2 12.5 (w2), r4 100 (w4), r5 75 (w1)
    assert row.safety_n == 4
    assert row.safety_0_100 == pytest.approx((50 + 25 + 400 + 75) / 8)  # 68.75


def test_officers_use_their_own_scale(con):
    frame = scores(con, start_date="2024-10-01", end_date="2024-10-31", group_by="all")
    row = frame.set_index("audience").loc["officer"]
    # 1-7 scale: 7 -> 100, 4 -> (4 - 1) / 6 = 50
    assert row.n == 2
    assert row.trust_0_100 == pytest.approx(75.0)
    assert row.safety_n == 0
    assert math.isnan(row.safety_0_100)
    assert "resident" not in set(frame["audience"])


def test_single_respondent_has_no_interval(con):
    frame = scores(con, group_by="area").query("audience == 'resident'").set_index("group_key")
    cedar = frame.loc["C3"]  # only r4 answered trust items in C3
    assert cedar.n == 1
    assert cedar.trust_0_100 == pytest.approx(87.5)
    assert math.isnan(cedar.se) and math.isnan(cedar.ci_low) and math.isnan(cedar.ci_high)
    assert cedar.group_label == "Cedar Township"
    assert cedar.safety_n == 2  # r4 and r5


def test_reportable_group_with_weights(con):
    row = scores(con, start_date="2024-11-01", end_date="2024-11-30", group_by="all").iloc[0]
    # 30 x 75 (w1) and 30 x 25 (w3): mean 37.5, n_eff 14400 / 300 = 48
    assert (row.n, row.n_eff) == (60, pytest.approx(48.0))
    assert row.trust_0_100 == pytest.approx(37.5)
    assert row.se == pytest.approx(weighted_se([75] * 30 + [25] * 30, [1] * 30 + [3] * 30))
    assert row.reportable
    assert row.favourable_pct == pytest.approx(25.0)  # 30 of 120 weight


def test_groups_urbanicity_quarter_and_missing_demographics(con):
    year = {"start_date": "2024-01-01", "end_date": "2024-12-31"}
    by_side = scores(con, group_by="urbanicity", **year).query("audience == 'resident'").set_index("group_key")
    # rural: r4 only (r5 has no trust answer) -> 87.5
    assert by_side.loc["rural", "trust_0_100"] == pytest.approx(87.5)
    assert by_side.loc["urban", "n"] == 3 + 60
    officers = scores(con, group_by="urbanicity", **year).query("audience == 'officer'").set_index("group_key")
    assert officers.loc["not stated", "n"] == 1  # o2 has no area
    quarters = scores(con, group_by="quarter", **year).query("audience == 'resident'")
    assert list(quarters["group_key"]) == ["2024-Q2", "2024-Q4"]
    bands = scores(con, group_by="age_band", **year)
    assert set(bands["group_key"]) == {"not stated"}
    rural_only = scores(con, group_by="all", urbanicity="rural", **year)
    assert list(rural_only["audience"]) == ["resident"]  # the officer with no area is not rural


def test_empty_period(con):
    assert scores(con, start_date="2019-01-01", end_date="2019-12-31", group_by="all").empty


def test_resident_officer_gap(con):
    frame = scores(con, start_date="2024-01-01", end_date="2024-12-31", group_by="all").set_index("audience")
    residents, officers = frame.loc["resident"], frame.loc["officer"]
    # residents 2024: 64 answers, mean (537.5 + 4,500) / 128; officers: 100 and 50 -> 75
    assert residents.trust_0_100 == pytest.approx(5037.5 / 128)
    assert officers.trust_0_100 == pytest.approx(75.0)
    assert residents.gap_0_100 == pytest.approx(5037.5 / 128 - 75)  # -35.6: residents trust less
    assert officers.gap_0_100 == residents.gap_0_100
    assert residents.gap_se == pytest.approx(math.sqrt(residents.se**2 + officers.se**2))
    assert residents.gap_ci_low == pytest.approx(residents.gap_0_100 - 1.96 * residents.gap_se)
    assert not residents.gap_reportable  # only 2 officers
    # a group where only residents answered has no gap
    by_side = scores(con, start_date="2024-01-01", end_date="2024-12-31", group_by="urbanicity")
    assert pd.isna(by_side.set_index(["audience", "group_key"]).loc[("resident", "rural"), "gap_0_100"])


def before_after(con, **params):
    base = {"start_date": "2020-01-01", "end_date": "2026-12-31", "urbanicity": None, "partnership_id": 1}
    return queries.run(con, "trust/before_after", **{**base, **params}).iloc[0]


def test_before_after_a_partnership(con):
    row = before_after(con)
    # P1 started 2023-01-01 in A1 + B2; 12 months either side
    assert row.window_days == 365
    assert row.before_from == pd.Timestamp("2022-01-01") and row.after_to == pd.Timestamp("2023-12-31")
    # before: wave 4 -> 25 (w1), 50 (w2), 0 (w1): (25 + 100 + 0) / 4 = 31.25
    assert (row.n_before, row.trust_before) == (3, pytest.approx(31.25))
    assert row.se_before == pytest.approx(weighted_se([25, 50, 0], [1, 2, 1]))
    # after: r6 50 and r7 75 (weights 1) -> 62.5
    assert (row.n_after, row.trust_after) == (2, pytest.approx(62.5))
    assert row.se_after == pytest.approx(weighted_se([50, 75], [1, 1]))  # 12.5
    assert row.difference == pytest.approx(31.25)
    se = math.sqrt(row.se_before**2 + row.se_after**2)
    assert row.difference_se == pytest.approx(se)
    assert (row.difference_ci_low, row.difference_ci_high) == (
        pytest.approx(31.25 - 1.96 * se),
        pytest.approx(31.25 + 1.96 * se),
    )
    assert row.significant == (1.96 * se < 31.25)
    assert not row.reportable


def test_before_after_windows_are_clipped_equally(con):
    # data asked for from 2022-07-01 only: the before window shrinks to 184 days, and so does the after one
    row = before_after(con, start_date="2022-07-01")
    assert row.window_days == (pd.Timestamp("2023-01-01") - pd.Timestamp("2022-07-01")).days
    assert row.n_before == 3
    assert row.n_after == 2  # r6, r7 on 2023-05 are inside 184 days of the start
    shorter = before_after(con, window_months=3)
    assert (shorter.n_before, shorter.n_after) == (3, 0)  # 2022-11-15 is within 3 months; May 2023 is not
    assert math.isnan(shorter.difference)
    assert before_after(con, urbanicity="rural").n_before == 0  # P1 serves no rural area


def test_null_or_bad_weights_are_refused_at_load(fixture_path, tmp_path):
    import shutil

    import duckdb

    copy = tmp_path / "copy.duckdb"
    shutil.copy(fixture_path, copy)
    writable = duckdb.connect(str(copy))
    insert = "insert into survey_responses values (999, 1, 1, 5, 1, null, ?, null, null, null, 3, 3, 3, 3, 3, 3)"
    for weight in (None, 0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(duckdb.ConstraintException):
            writable.execute(insert, [weight])
    writable.execute(insert, [0.5])  # a valid weight is accepted
    writable.close()
