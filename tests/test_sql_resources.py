"""resources/funding and partnerships/summary on the fixture database (tests/fixture_db.py)."""

import pandas as pd
import pytest

import queries

YEAR_2024 = {"start_date": "2024-01-01", "end_date": "2024-12-31", "urbanicity": None}
CHIEF = queries.Scope("chief")


def funding(con, scope=CHIEF, **params):
    return queries.run(con, "resources/funding", scope=scope, **{**YEAR_2024, **params})


def test_funding_by_source_and_fiscal_year(con):
    frame = funding(con).set_index(["fiscal_year", "source"])
    # 2024 overlaps FY2024 (Jul 2023 - Jun 2024) and FY2025 (Jul 2024 - Jun 2025)
    assert list(frame.index) == [(2024, "agency"), (2024, "in_kind"), (2024, "nonprofit"), (2025, "grant")]
    fy2024 = frame.loc[2024]
    assert fy2024["fiscal_year_from"].iloc[0] == pd.Timestamp("2023-07-01")
    assert fy2024["fiscal_year_to"].iloc[0] == pd.Timestamp("2024-06-30")
    total = 36_600 + 3_660 + 7_320  # 47,580
    assert fy2024["year_total_usd"].iloc[0] == total
    assert fy2024.loc["agency", "share_pct"] == pytest.approx(36_600 / total * 100)
    # co-funding: everything the agency did not pay, in-kind included: 10,980 / 47,580 = 23.1%
    assert fy2024.loc["agency", "co_funding_share_pct"] == pytest.approx((3_660 + 7_320) / total * 100)
    assert fy2024.loc["nonprofit", "in_kind_usd"] == 3_660
    assert frame.loc[(2025, "grant"), "co_funding_share_pct"] == pytest.approx(100.0)
    assert frame.loc[(2024, "agency"), "programs_funded"] == 1


def test_funding_scope_and_filters(con):
    housing = funding(con, scope=queries.Scope("director", 2))
    assert housing[["fiscal_year", "source", "amount_usd"]].values.tolist() == [[2024, "nonprofit", 7_320.0]]
    assert list(funding(con, urbanicity="rural")["source"]) == ["nonprofit"]  # G2 serves C3
    assert funding(con, start_date="2019-01-01", end_date="2019-12-31").empty
    # a period inside one fiscal year still reports that whole year
    assert set(funding(con, start_date="2024-08-01", end_date="2024-08-31")["fiscal_year"]) == {2025}


def test_partnership_summary(con):
    frame = queries.run(con, "partnerships/summary", **YEAR_2024).set_index(["org_type", "urbanicity"])
    # active in 2024: P1 (Youth Org, urban) and P2 (Housing Org, rural); P3 ended 2022, P4 is planned
    assert list(frame.index) == [("housing", "rural"), ("youth", "urban")]
    youth = frame.loc[("youth", "urban")]
    assert youth.partnerships_active == 1
    assert youth.mean_duration_months == pytest.approx(730 / 30.4375)  # 2023-01-01 to 2024-12-31
    assert (youth.with_mou, youth.mou_pct, youth.sharing_aggregate) == (1, 100.0, 1)
    # trainings co-delivered in 2024 with P1: 20 + 15 officers, 4 + 2.5 hours; the 2023 one with P2 is outside
    assert (youth.trainings_co_delivered, youth.officers_trained, youth.training_hours) == (2, 35, 6.5)
    housing = frame.loc[("housing", "rural")]
    assert housing.mean_duration_months == pytest.approx(305 / 30.4375)  # 2024-03-01 to 2024-12-31
    assert (housing.sharing_case_level, housing.trainings_co_delivered) == (1, 0)


def test_partnership_summary_periods(con):
    early = queries.run(
        con, "partnerships/summary", **{**YEAR_2024, "start_date": "2022-01-01", "end_date": "2022-12-31"}
    )
    # 2022: only P3 (Youth Org, ended 2022-12-31, no MOU)
    assert early[["org_type", "partnerships_active", "with_mou"]].values.tolist() == [["youth", 1, 0]]
    assert queries.run(con, "partnerships/summary", **{**YEAR_2024, "urbanicity": "rural"})["org_type"].tolist() == [
        "housing"
    ]
