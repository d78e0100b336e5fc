"""impact/* (and trust/before_after) on a hand-built region, then against the demo's planted truth."""

import math

import duckdb
import pandas as pd
import pytest
from scipy import stats

import queries
from data import db, demo

# A region of urban areas of 1,000 residents each (R1 is rural):
#   T1 T2  served by partnership 10 (youth program, starts 2023-01-15 -> after window from January)
#   T3     served by partnership 14 (youth, 2023-01-01)      T4  served by partnership 15 (youth, 2023-01-01)
#   X1     served by partnership 11, a youth program 2022-06..2022-12 (inside the windows -> never a control)
#   H1     served by partnership 12, a housing program (another focus -> still a control for youth)
#   C1 C2  served by nobody; C2 has no offence at all
#   R1     rural -> never a default control for urban partnerships (an analyst may choose it)
#   O1     served by partnership 16 (youth, 2023-01-01) and by 17 (youth, from 2023-06-01: inside 16's windows)
#   E1     served by partnership 18 (youth, 2023-01-01 to 2023-06-30: its after window runs past its end)
AREAS = ["T1", "T2", "T3", "T4", "X1", "H1", "C1", "C2", "R1", "O1", "E1"]
# (area, month, category, count); robbery is violent, theft property
CRIME = [
    ("T1", "2021-12-01", "robbery", 100),  # before the 12-month windows
    ("T1", "2022-03-01", "robbery", 30),
    ("T1", "2023-05-01", "robbery", 10),
    ("T1", "2023-12-01", "theft", 5),
    ("T1", "2024-01-01", "robbery", 100),  # after the 12-month windows
    ("T2", "2022-12-01", "robbery", 20),
    ("T2", "2023-01-01", "robbery", 15),
    ("T3", "2022-04-01", "robbery", 100),
    ("T3", "2023-04-01", "robbery", 20),
    ("T4", "2022-04-01", "robbery", 5),
    ("T4", "2023-04-01", "robbery", 60),
    ("X1", "2022-07-01", "robbery", 500),
    ("H1", "2022-02-01", "robbery", 10),
    ("H1", "2023-02-01", "robbery", 6),
    ("C1", "2022-06-01", "robbery", 40),
    ("C1", "2023-06-01", "robbery", 44),
    ("R1", "2022-05-01", "robbery", 300),
    ("R1", "2023-05-01", "robbery", 330),
    ("O1", "2022-05-01", "robbery", 50),
    ("O1", "2023-05-01", "robbery", 50),
    ("E1", "2022-09-01", "robbery", 50),
    ("E1", "2023-03-01", "robbery", 50),
]
# partnership id -> (start, program focus, program start, program end, areas)
PARTNERSHIPS = {
    10: ("2023-01-15", "youth", "2023-01-15", None, ["T1", "T2"]),
    11: ("2022-06-01", "youth", "2022-06-01", "2022-12-31", ["X1"]),
    12: ("2021-01-01", "homelessness", "2021-01-01", None, ["H1"]),
    14: ("2023-01-01", "youth", "2023-01-01", None, ["T3"]),
    15: ("2023-01-01", "youth", "2023-01-01", None, ["T4"]),
    16: ("2023-01-01", "youth", "2023-01-01", None, ["O1"]),
    17: ("2023-06-01", "youth", "2023-06-01", None, ["O1"]),
    18: ("2023-01-01", "youth", "2023-01-01", "2023-06-30", ["E1"]),
}


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    path = tmp_path_factory.mktemp("impact") / "impact.duckdb"
    with db.building(path) as con:
        db.create_schema(con)
        con.execute("insert into agencies values (1, 'Test PD', 'police', 10, null)")
        con.execute("insert into nonprofits values (1, 'Org', 'youth', null, null, null)")
        for area_id, code in enumerate(AREAS, start=1):
            urbanicity, ruca = ("rural", 8) if code == "R1" else ("urban", 1)
            con.execute(
                "insert into areas values (?, 1, ?, ?, 'neighbourhood', 1000, null, ?, ?, 'RUCA', null, null, null)",
                [area_id, code, code, urbanicity, ruca],
            )
        for partnership_id, (start, focus, program_start, program_end, codes) in PARTNERSHIPS.items():
            con.execute(
                "insert into partnerships values (?, 1, 1, ?, null, ?, ?, 'active', null, 'none', null)",
                [partnership_id, f"Partnership {partnership_id}", start, program_end if partnership_id == 18 else None],
            )
            con.execute(
                "insert into programs values (?, ?, ?, ?, null, ?, ?, null)",
                [partnership_id, partnership_id, f"Program {partnership_id}", focus, program_start, program_end],
            )
            for code in codes:
                area_id = AREAS.index(code) + 1
                con.execute("insert into partnership_areas values (?, ?)", [partnership_id, area_id])
                con.execute("insert into program_areas values (?, ?)", [partnership_id, area_id])
        for code, month, category, count in CRIME:
            con.execute(
                "insert into crime_monthly select ?, ?, category, crime_class, crimes_against, ?"
                " from offense_categories where category = ?",
                [AREAS.index(code) + 1, month, count, category],
            )
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def wdd(con, partnership_id, **params):
    return queries.run(con, "impact/wdd", partnership_id=partnership_id, **params).iloc[0]


def test_wdd_counts_and_test(region):
    row = wdd(region, 10, window_months=12, crime_class="violent")
    assert row.before_from == pd.Timestamp("2022-01-01") and row.after_to == pd.Timestamp("2023-12-01")
    # control: C1, C2, H1 (X1 had a youth program in the windows; T3, T4, O1, E1 are youth partnerships' areas;
    # R1 is rural)
    assert (row.treated_areas, row.control_areas) == (2, 3)
    # T0 = 30 + 20, T1 = 10 + 15, C0 = 40 + 10, C1 = 44 + 6
    assert (row.treated_before, row.treated_after, row.control_before, row.control_after) == (50, 25, 50, 50)
    assert row.evaluable and pd.isna(row.not_evaluable_reason)
    assert row.wdd == -25  # (25 - 50) - (50 - 50)
    assert row.wdd_se == pytest.approx(math.sqrt(175))
    assert row.z == pytest.approx(-25 / math.sqrt(175))  # -1.89: Wheeler & Ratcliffe's z alone says no change
    assert row.expected_after == pytest.approx(50.0)  # 50 x 50 / 50
    assert row.pct_vs_expected == pytest.approx(-50.0)
    # the exact test: given the margins (75 treated, 100 control, 75 after), T1 is hypergeometric;
    # the outcomes no likelier than T1 = 25 add up to 0.0314 (Fisher), so halving against flat controls shows
    assert row.p_value == pytest.approx(stats.fisher_exact([[50, 25], [50, 50]]).pvalue, rel=1e-9)
    assert row.p_value == pytest.approx(0.0314, abs=5e-4)
    assert row.significant and row.verdict == "fewer crimes than expected"
    assert row.windows_complete and row.months_missing == 0 and row.urbanicity == "urban"


def test_minimum_detectable_effect(region):
    row = wdd(region, 10, window_months=12, crime_class="violent")
    # E = 50; se = sqrt(1/50 + 1/50 + 1/50 + 1/50) = 0.2828; first guess for a fall exp(-2.8016 x 0.2828) = 0.4527;
    # refined twice with the after cell at theta x E: |log theta| = 1.96 x 0.2828 + 0.8416 x sqrt(0.06 + 1/(50 theta))
    theta = math.exp(-2.8016 * math.sqrt(4 / 50))
    for _ in range(2):
        theta = math.exp(-(1.96 * math.sqrt(4 / 50) + 0.8416 * math.sqrt(3 / 50 + 1 / (50 * theta))))
    assert row.mde_fall_pct == pytest.approx(100 * (1 - theta))  # about 60%
    assert 55 < row.mde_fall_pct < 65
    assert row.mde_rise_pct > row.mde_fall_pct  # on the ratio scale a rise needs more


def test_wdd_class_windows_and_completeness(region):
    everything = wdd(region, 10, window_months=12, crime_class="all")
    assert everything.treated_after == 25 + 5  # the December theft counts too
    assert wdd(region, 10, window_months=12).treated_after == 30  # $crime_class defaults to all
    wide = wdd(region, 10, window_months=24, crime_class="violent")
    # 2021-01..2022-12 and 2023-01..2024-12: T1's 100 robberies on each side now count
    assert (wide.treated_before, wide.treated_after) == (150, 125)
    # the data hold 2021-12..2024-01: 11 months missing before, 11 after
    assert not wide.windows_complete and wide.months_missing == 22
    assert not wide.evaluable and wide.verdict == "cannot judge yet"
    assert wide.not_evaluable_reason == (
        "the before window needs 11 months the crime data do not hold (Jan 2021–Nov 2021); "
        "the after window needs 11 months the crime data do not hold (Feb 2024–Dec 2024)"
    )
    assert all(pd.isna(wide[column]) for column in ("wdd", "wdd_se", "z", "p_value", "significant", "mde_fall_pct"))


def test_months_flagged_incomplete_count_as_not_held(region):
    # the data-quality flags of a caller (issue 10's incomplete months) are passed as YYYY-MM
    flagged = wdd(
        region, 10, window_months=12, crime_class="violent", months_not_held=["2022-03", "2022-05", "2023-07"]
    )
    assert (flagged.treated_before, flagged.treated_after) == (50, 25)  # the counts stay as held
    assert not flagged.windows_complete and flagged.months_missing == 3
    assert not flagged.evaluable and pd.isna(flagged.z) and pd.isna(flagged.p_value)
    # two months that are not adjacent are listed, not written as a span
    assert flagged.not_evaluable_reason == (
        "the before window needs 2 months the crime data do not hold (Mar 2022, May 2022); "
        "the after window needs 1 month the crime data do not hold (Jul 2023)"
    )
    # months outside both windows, and an empty list, change nothing
    for months in (["2021-12", "2024-01"], []):
        assert wdd(region, 10, window_months=12, crime_class="violent", months_not_held=months).evaluable
    span = wdd(region, 10, window_months=12, crime_class="violent", months_not_held=["2023-02", "2023-03", "2023-04"])
    assert span.not_evaluable_reason == "the after window needs 3 months the crime data do not hold (Feb 2023–Apr 2023)"


def test_big_change_with_small_counts_cannot_be_judged(region):
    big = wdd(region, 14, window_months=12, crime_class="violent")
    # T3: 100 -> 20 against controls 50 -> 50: p far below 0.05
    assert (big.verdict, big.wdd) == ("fewer crimes than expected", -80)
    assert big.p_value < 1e-6
    small = wdd(region, 15, window_months=12, crime_class="violent")
    # T4: 5 -> 60; WDD +55 would read z = 4.28, but a before count of 5 could as well be 1.6 or 11.7
    assert (small.treated_before, small.treated_after) == (5, 60)
    assert not small.evaluable and small.verdict == "cannot judge yet"
    assert small.not_evaluable_reason == (
        "too few offences to test: the four counts are 5, 60, 50 and 50, and each needs at least 10"
    )
    assert pd.isna(small.z) and pd.isna(small.wdd)


def test_no_comparison_areas(region):
    none_chosen = wdd(region, 10, crime_class="violent", comparison_area_codes=[])
    assert (none_chosen.control_areas, none_chosen.evaluable) == (0, False)
    assert none_chosen.not_evaluable_reason == "no comparison areas are chosen"
    # T3 is served by another youth partnership in the windows: it cannot be a comparison, even when chosen
    unusable = wdd(region, 10, crime_class="violent", comparison_area_codes=["T3", "T1"])
    assert unusable.control_areas == 0 and not unusable.evaluable
    assert unusable.not_evaluable_reason.startswith("none of the chosen areas can be compared with")


def test_chosen_comparison_areas(region):
    only_c1 = wdd(region, 10, crime_class="violent", comparison_area_codes=["C1"])
    assert (only_c1.control_areas, only_c1.control_before, only_c1.control_after) == (1, 40, 44)
    rural_too = wdd(region, 10, crime_class="violent", comparison_area_codes=["C1", "R1", "X1"])
    # R1 (rural) may be chosen; X1 (youth program inside the windows) is left out
    assert (rural_too.control_areas, rural_too.control_before, rural_too.control_after) == (2, 340, 374)
    candidates = queries.run(region, "impact/comparison_candidates", partnership_id=10)
    assert candidates.set_index("area_code")["is_default"].to_dict() == {
        "C1": True, "C2": True, "H1": True, "R1": False
    }  # fmt: skip


def test_overlapping_partnership_of_the_same_focus(region):
    row = wdd(region, 16, crime_class="violent")
    assert not row.evaluable
    assert row.not_evaluable_reason == (
        "the windows overlap another partnership of the same focus in the same areas: "
        "Partnership 17 (its youth program started 1 Jun 2023)"
    )


def test_window_past_the_partnership_end(region):
    row = wdd(region, 18, crime_class="violent")
    assert not row.evaluable
    assert row.not_evaluable_reason == ("the after window (to Dec 2023) runs past the partnership's end on 30 Jun 2023")
    six = wdd(region, 18, window_months=6, crime_class="violent")
    assert "end" not in six.not_evaluable_reason  # Jan-Jun 2023 is inside (the controls are too thin then)


@pytest.mark.parametrize(
    ("t0", "t1", "c0", "c1"), [(10, 30, 40, 40), (12, 25, 15, 14), (97, 131, 1200, 1100), (5000, 4700, 20000, 20500)]
)
def test_exact_p_matches_fisher(tmp_path, t0, t1, c0, c1):
    """The SQL's hypergeometric sum against scipy's Fisher test on a one-partnership database."""
    path = tmp_path / "fisher.duckdb"
    with db.building(path) as con:
        db.create_schema(con)
        con.execute("insert into agencies values (1, 'PD', 'police', 1, null)")
        con.execute("insert into nonprofits values (1, 'Org', 'youth', null, null, null)")
        for area_id, code in ((1, "S"), (2, "C")):
            con.execute(
                "insert into areas values (?, 1, ?, ?, 'beat', 100, null, 'urban', 1, 'RUCA', null, null, null)",
                [area_id, code, code],
            )
        con.execute(
            "insert into partnerships values (1, 1, 1, 'P', null, '2023-01-01', null, 'active', null, 'none', null)"
        )
        con.execute("insert into programs values (1, 1, 'G', 'youth', null, '2023-01-01', null, null)")
        con.execute("insert into partnership_areas values (1, 1)")
        rows = [(1, "2022-01-01", t0), (1, "2023-01-01", t1), (2, "2022-01-01", c0), (2, "2023-01-01", c1)]
        rows += [(2, "2022-12-01", 1), (2, "2023-12-01", 1)]  # so the data hold every month of both windows
        for area_id, month, count in rows:
            con.execute(
                "insert into crime_monthly select ?, ?, category, crime_class, crimes_against, ?"
                " from offense_categories where category = 'robbery'",
                [area_id, month, count],
            )
    con = duckdb.connect(str(path), read_only=True)
    row = wdd(con, 1, crime_class="violent")
    con.close()
    expected = stats.fisher_exact([[t0, t1], [c0 + 1, c1 + 1]]).pvalue
    assert row.evaluable and row.p_value == pytest.approx(expected, rel=1e-9)


def test_event_study_indexes_to_the_pre_start_year(region):
    frame = queries.run(region, "impact/event_study", partnership_id=10, months=2, crime_class="violent")
    assert frame["months_since_start"].tolist() == [-2, -1, 0, 1, 2]
    assert frame["month"].tolist() == list(pd.date_range("2022-11-01", "2023-03-01", freq="MS"))
    # treated T1 + T2 (2,000 residents): Dec 2022 20, Jan 2023 15; control C1 C2 H1: Feb 2023 6
    assert frame["treated_incidents"].tolist() == [0, 20, 15, 0, 0]
    assert frame["control_incidents"].tolist() == [0, 0, 0, 6, 0]
    assert frame["treated_rate_per_1k"].tolist() == pytest.approx([0, 10, 7.5, 0, 0])
    # index base: mean rate over months -12..-1 that exist here: (0 + 10) / 2 = 5
    assert frame["treated_index"].tolist() == pytest.approx([0, 200, 150, 0, 0])
    assert frame["control_index"].isna().all()  # no control offence before the start: nothing to index to


def test_event_study_stays_inside_the_data(region):
    frame = queries.run(region, "impact/event_study", partnership_id=10)
    # the database holds 2021-12..2024-01; 24 months either side of 2023-01 would reach 2021-01..2025-01
    assert frame["month"].min() == pd.Timestamp("2021-12-01")
    assert frame["month"].max() == pd.Timestamp("2024-01-01")
    assert frame["months_since_start"].min() == -13


# --- the demo's planted truth, read from the generator ----------------------------------


def partnership_id(con, name):
    return con.execute("select partnership_id from partnerships where name = ?", [name]).fetchone()[0]


@pytest.mark.parametrize("effect", demo.PLANTED_CRIME_EFFECTS, ids=lambda effect: effect.partnership_name)
def test_wdd_recovers_planted_effects(demo_con, effect):
    row = wdd(demo_con, partnership_id(demo_con, effect.partnership_name), crime_class=effect.crime_class)
    expected = "fewer crimes than expected" if effect.change_pct < 0 else "more crimes than expected"
    assert row.evaluable and row.verdict == expected, row.to_dict()
    assert row.p_value < 0.001
    assert math.copysign(1, row.wdd) == math.copysign(1, effect.change_pct)
    # the effect runs from start + lag: the 12-month after window holds (12 - lag) affected months
    expected_pct = effect.change_pct * (12 - effect.lag_months) / 12
    assert row.pct_vs_expected == pytest.approx(expected_pct, abs=10), row.to_dict()
    assert row.windows_complete


@pytest.mark.parametrize("null", demo.PLANTED_NULLS, ids=lambda null: null.partnership_name)
def test_wdd_finds_nothing_where_nothing_was_planted(demo_con, null):
    row = wdd(demo_con, partnership_id(demo_con, null.partnership_name), crime_class=null.crime_class)
    assert row.evaluable and row.verdict == "no detectable change", row.to_dict()
    # and the page can say how large a change would have shown: with ~1,700 and ~12,000 offences, about 10%
    assert 5 < row.mde_fall_pct < 15


@pytest.mark.parametrize("effect", demo.PLANTED_CRIME_EFFECTS, ids=lambda effect: effect.partnership_name)
def test_event_study_shows_the_planted_drop_after_the_lag(demo_con, effect):
    frame = queries.run(
        demo_con,
        "impact/event_study",
        partnership_id=partnership_id(demo_con, effect.partnership_name),
        crime_class=effect.crime_class,
    ).set_index("months_since_start")
    before = frame.loc[-12:-1]
    after = frame.loc[effect.lag_months : effect.lag_months + 11]
    ratio = (after["treated_rate_per_1k"].mean() / before["treated_rate_per_1k"].mean()) / (
        after["control_rate_per_1k"].mean() / before["control_rate_per_1k"].mean()
    )
    assert ratio == pytest.approx(1 + effect.change_pct / 100, abs=0.1)


@pytest.mark.parametrize("effect", demo.PLANTED_TRUST_EFFECTS, ids=lambda effect: effect.partnership_name)
def test_trust_before_after_recovers_the_planted_shift(demo_con, effect):
    row = queries.run(
        demo_con,
        "trust/before_after",
        start_date="2020-01-01",
        end_date="2026-12-31",
        urbanicity=None,
        partnership_id=partnership_id(demo_con, effect.partnership_name),
        audience=effect.audience,
    ).iloc[0]
    assert row.reportable and row.significant
    assert row.difference_ci_low <= effect.shift_0_100 <= row.difference_ci_high, row.to_dict()


def test_an_overlapping_partnership_is_named_once_with_each_of_its_programs(demo_con):
    """Peace Walks (victim services) overlaps Victim Advocates, whose two programs started inside the windows."""
    peace_walks = demo_con.execute(
        "select partnership_id from partnerships where name = 'Peace Walks and Clergy Response'"
    ).fetchall()[0][0]
    reason = queries.run(demo_con, "impact/wdd", partnership_id=peace_walks, crime_class="violent").iloc[0][
        "not_evaluable_reason"
    ]
    assert reason.count("Victim Advocates in the Precincts") == 1
    assert (
        "Victim Advocates in the Precincts (its victim services programs: started 1 Feb 2020, started 1 Mar 2021)"
        in (reason)
    )
