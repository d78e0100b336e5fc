"""impact/* (and trust/before_after) on a hand-built region, then against the demo's planted truth."""

import math

import duckdb
import pandas as pd
import pytest

import queries
from data import db, demo

# A region of urban areas of 1,000 residents each (R1 is rural):
#   T1 T2  served by partnership 10 (youth program, starts 2023-01-15 -> after window from January)
#   T3     served by partnership 14 (youth, 2023-01-01)      T4  served by partnership 15 (youth, 2023-01-01)
#   X1     served by partnership 11, a youth program 2022-06..2022-12 (inside the windows -> never a control)
#   H1     served by partnership 12, a housing program (another focus -> still a control for youth)
#   C1 C2  served by nobody; C2 has no offence at all
#   R1     rural -> never a control for urban partnerships
AREAS = ["T1", "T2", "T3", "T4", "X1", "H1", "C1", "C2", "R1"]
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
]
# partnership id -> (start, program focus, program start, program end, areas)
PARTNERSHIPS = {
    10: ("2023-01-15", "youth", "2023-01-15", None, ["T1", "T2"]),
    11: ("2022-06-01", "youth", "2022-06-01", "2022-12-31", ["X1"]),
    12: ("2021-01-01", "homelessness", "2021-01-01", None, ["H1"]),
    14: ("2023-01-01", "youth", "2023-01-01", None, ["T3"]),
    15: ("2023-01-01", "youth", "2023-01-01", None, ["T4"]),
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
                "insert into partnerships values (?, 1, 1, ?, null, ?, null, 'active', null, 'none', null)",
                [partnership_id, f"Partnership {partnership_id}", start],
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
    # control: C1, C2, H1 (X1 had a youth program in the windows; T3 and T4 are youth partnerships; R1 is rural)
    assert (row.treated_areas, row.control_areas) == (2, 3)
    # T0 = 30 + 20, T1 = 10 + 15, C0 = 40 + 10, C1 = 44 + 6
    assert (row.treated_before, row.treated_after, row.control_before, row.control_after) == (50, 25, 50, 50)
    assert row.wdd == -25  # (25 - 50) - (50 - 50)
    assert row.wdd_se == pytest.approx(math.sqrt(175))
    assert row.z == pytest.approx(-25 / math.sqrt(175))  # -1.89
    assert row.verdict == "no detectable change"
    assert row.expected_after == pytest.approx(50.0)  # 50 x 50 / 50
    assert row.pct_vs_expected == pytest.approx(-50.0)
    assert row.windows_complete and row.urbanicity == "urban"


def test_wdd_class_windows_and_completeness(region):
    everything = wdd(region, 10, window_months=12, crime_class="all")
    assert everything.treated_after == 25 + 5  # the December theft counts too
    assert wdd(region, 10, window_months=12).treated_after == 30  # $crime_class defaults to all
    wide = wdd(region, 10, window_months=24, crime_class="violent")
    # 2021-01..2022-12 and 2023-01..2024-12: T1's 100 robberies on each side now count
    assert (wide.treated_before, wide.treated_after) == (150, 125)
    assert not wide.windows_complete  # the data start in December 2021


@pytest.mark.parametrize(
    ("partnership_id", "expected"),
    [
        # T3: 100 -> 20 against controls 50 -> 50: wdd -80, se sqrt(220), z -5.39
        (14, ("fewer crimes than expected", -80, -80 / math.sqrt(220))),
        # T4: 5 -> 60: wdd +55, se sqrt(165), z +4.28
        (15, ("more crimes than expected", 55, 55 / math.sqrt(165))),
    ],
)
def test_wdd_verdicts(region, partnership_id, expected):
    row = wdd(region, partnership_id, window_months=12, crime_class="violent")
    verdict, difference, z = expected
    assert (row.verdict, row.wdd) == (verdict, difference)
    assert row.z == pytest.approx(z)


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
    assert row.verdict == expected, row.to_dict()
    assert math.copysign(1, row.wdd) == math.copysign(1, effect.change_pct)
    # the effect runs from start + lag: the 12-month after window holds (12 - lag) affected months
    expected_pct = effect.change_pct * (12 - effect.lag_months) / 12
    assert row.pct_vs_expected == pytest.approx(expected_pct, abs=10), row.to_dict()
    assert row.windows_complete


@pytest.mark.parametrize("null", demo.PLANTED_NULLS, ids=lambda null: null.partnership_name)
def test_wdd_finds_nothing_where_nothing_was_planted(demo_con, null):
    row = wdd(demo_con, partnership_id(demo_con, null.partnership_name), crime_class=null.crime_class)
    assert row.verdict == "no detectable change", row.to_dict()


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
