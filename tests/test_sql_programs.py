"""programs/* on the fixture database (tests/fixture_db.py lists programs and activity)."""

import math

import pandas as pd
import pytest

import queries

YEAR_2024 = {"start_date": "2024-01-01", "end_date": "2024-12-31", "urbanicity": None}
CHIEF = queries.Scope("chief")
YOUTH_DIRECTOR = queries.Scope("director", 1)
HOUSING_DIRECTOR = queries.Scope("director", 2)


def totals(con, scope, **params):
    return queries.run(con, "programs/totals", scope=scope, **{**YEAR_2024, **params}).set_index("urbanicity")


def test_totals_for_the_agency(con):
    frame = totals(con, CHIEF)
    # urban: P1 active (P3 ended 2022); G1 + G3 running; served G1 22 + 3, G3 30 + 0 + 3 = 58
    assert frame.loc["urban"].to_dict() == {
        "partnerships_active": 1,
        "programs_active": 2,
        "participants_served": 58,
        "sessions": 4 + 4 + 8 * 3,
        "volunteer_hours": 10 + 10 + 5 * 3,
    }
    # rural: P2 active, P4 only planned; G2 served 6 + 3
    assert frame.loc["rural", ["partnerships_active", "programs_active", "participants_served"]].tolist() == [1, 1, 9]


def test_totals_are_scoped_to_the_director(con):
    youth = totals(con, YOUTH_DIRECTOR)
    assert youth.loc["urban", "participants_served"] == 58
    assert youth.loc["rural"].sum() == 0
    housing = totals(con, HOUSING_DIRECTOR)
    assert housing.loc["urban"].sum() == 0
    assert housing.loc["rural", "participants_served"] == 9


def test_totals_edge_periods(con):
    # 2023: only G1 in December (first month of the period -> its 20 participants)
    assert totals(con, CHIEF, start_date="2023-01-01", end_date="2023-12-31").loc["urban", "participants_served"] == 20
    # a period with nothing still gives both rows, with zeros
    empty = totals(con, CHIEF, start_date="2019-01-01", end_date="2019-12-31")
    assert list(empty.index) == ["urban", "rural"] and empty.to_numpy().sum() == 0
    assert list(totals(con, CHIEF, urbanicity="rural").index) == ["rural"]


def test_by_area_shares_participants_by_population(con):
    frame = queries.run(con, "programs/by_area", scope=CHIEF, **YEAR_2024).set_index("area_code")
    # G1's 25 split 10,000 : 5,000 between A1 and B2; G3's 33 all in B2; G2's 9 in C3
    assert frame.loc["A1", "participants_served"] == pytest.approx(25 * 2 / 3)
    assert frame.loc["B2", "participants_served"] == pytest.approx(25 / 3 + 33)
    assert frame.loc["B2", "participants_per_1k"] == pytest.approx((25 / 3 + 33) / 5)
    assert frame.loc["C3", "participants_per_1k"] == pytest.approx(9 / 2)
    assert frame["programs_active"].to_dict() == {"A1": 1, "B2": 2, "C3": 1, "D4": 0}
    assert math.isnan(frame.loc["D4", "participants_per_1k"])  # no population
    assert frame["participants_served"].sum() == pytest.approx(58 + 9)


def test_by_area_director_sees_only_own_programs(con):
    frame = queries.run(con, "programs/by_area", scope=HOUSING_DIRECTOR, **YEAR_2024).set_index("area_code")
    assert frame["programs_active"].to_dict() == {"A1": 0, "B2": 0, "C3": 1, "D4": 0}


def scorecard(con, scope=CHIEF, **params):
    return queries.run(con, "programs/scorecard", scope=scope, **{**YEAR_2024, "nonprofit_id": None, **params})


def test_scorecard_how_much_and_how_well(con):
    frame = scorecard(con)
    # programs running in 2024: G1 Mentoring (2 KPIs), G2 Outreach (1 KPI), G3 Summer league (none)
    assert frame.groupby("program_name").size().to_dict() == {"Mentoring": 2, "Outreach": 1, "Summer league": 1}
    mentoring = frame[frame["program_name"] == "Mentoring"].iloc[0]
    assert (mentoring.participants, mentoring.participants_target, mentoring.sessions, mentoring.events) == (
        25,
        40,
        8,
        1,
    )
    assert mentoring.volunteer_hours == 20
    assert mentoring.attendance_pct == pytest.approx((70 + 80) / (88 + 100) * 100)  # 79.8
    assert mentoring.completion_pct == pytest.approx(4 / 5 * 100)  # 1 + 3 completed of 2 + 3 leaving
    assert mentoring.co_delivered_pct == pytest.approx(3 / 8 * 100)
    # FY2024 agency 100/day + in-kind 10/day over 1 Jan-30 Jun (182 days); FY2025 grant 100/day, 1 Jul-31 Dec (184)
    assert mentoring.cost_usd == pytest.approx(182 * 110 + 184 * 100)  # 38,420
    assert mentoring.cost_per_participant == pytest.approx(38_420 / 25)
    # P1 feedback in 2024: 4 4 5 3 and 3 - 4 2 on 1-5 -> (75 + 75 + 100 + 50 + 50 + 75 + 25) / 7
    assert mentoring.partner_feedback_0_100 == pytest.approx(450 / 7)
    league = frame[frame["program_name"] == "Summer league"].iloc[0]
    assert league.completion_pct == pytest.approx(25 / 31 * 100)
    assert pd.isna(league.cost_usd)  # no funding recorded
    assert pd.isna(league.kpi_id)
    outreach = frame[frame["program_name"] == "Outreach"].iloc[0]
    assert outreach.cost_per_participant == pytest.approx(182 * 20 / 9)
    assert outreach.attendance_pct == pytest.approx(21 / 30 * 100)


def test_scorecard_better_off_honours_polarity(con):
    frame = scorecard(con).set_index("kpi_name")
    arrests = frame.loc["Participants arrested within 6 months"]
    # lower is better: latest 2024 value 9 against target 10 -> on track; (9 - 20) / 20 = -55%
    assert (arrests.rba_category, arrests.value, arrests.on_track) == ("better_off", 9.0, True)
    assert arrests.change_from_baseline_pct == pytest.approx(-55.0)
    assert arrests.value_period_end == pd.Timestamp("2024-06-30")
    assert list(arrests.trend_values) == [18.0, 15.0, 9.0]  # from two years before the period
    attendance = frame.loc["Attendance rate"]
    assert (attendance.value, attendance.on_track) == (79.5, False)  # higher is better, target 80
    assert math.isnan(attendance.change_from_baseline_pct)  # no baseline
    housing = frame.loc["Days from referral to housing"]
    assert math.isnan(housing.value) and pd.isna(housing.on_track)  # nothing reported yet


def test_scorecard_scope_and_nonprofit_filter(con):
    assert set(scorecard(con, nonprofit_id=2)["program_name"]) == {"Outreach"}
    assert set(scorecard(con, scope=YOUTH_DIRECTOR)["program_name"]) == {"Mentoring", "Summer league"}
    # a director asking for another organisation's programs gets nothing, not their data
    assert scorecard(con, scope=YOUTH_DIRECTOR, nonprofit_id=2).empty
    assert scorecard(con, start_date="2019-01-01", end_date="2019-12-31").empty
    assert set(scorecard(con, urbanicity="rural")["program_name"]) == {"Outreach"}
