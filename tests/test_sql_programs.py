"""programs/* on the fixture database (tests/fixture_db.py lists programs and activity)."""

import math

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
