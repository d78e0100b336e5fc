"""python -m data publish: the public file from the fixture (given/expect), from random small
databases (hypothesis), and through the command line.

Hidden cells read: count NULL, `_shown` '<10' (primary) or 'suppressed' (complementary: it
may be any size), `_suppressed` 'primary' / 'complementary'.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import attacker
import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import queries
from data import db, publish
from data.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
COUNT_COLUMNS = {
    "crime_area_month": "incidents",
    "crime_urbanicity_month": "incidents",
    "crime_city_month": "incidents",
    "crime_sensitive_city_month": "incidents",
    "crime_area_year": "incidents",
    "program_counts": "participants_served",
    "program_counts_city": "participants_served",
}
TRUST_TABLES = ("trust_area_quarter", "trust_urbanicity_quarter", "trust_city_quarter")


@pytest.fixture(scope="module")
def public_path(fixture_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("public") / "public.duckdb"
    publish.publish(fixture_path, out)
    return out


@pytest.fixture(scope="module")
def public(public_path):
    connection = duckdb.connect(str(public_path), read_only=True)
    yield connection
    connection.close()


def rows(con, sql, params=None):
    return con.execute(sql, params or []).df()


# --- the fixture, by hand ---------------------------------------------------------------


def test_tables_and_their_contract_columns(public):
    tables = dict(
        public.execute(
            "select table_name, list(column_name order by ordinal_position) from information_schema.columns"
            " group by table_name"
        ).fetchall()
    )
    assert set(tables) == set(publish.TABLES)
    contract = {
        "manifest": ["key", "value"],
        "areas": ["area_code", "name", "kind", "urbanicity", "population", "geojson"],
        "crime_area_month": ["area_code", "urbanicity", "month", "crime_class", "incidents", "incidents_shown",
                             "incidents_suppressed"],
        "crime_urbanicity_month": ["urbanicity", "month", "crime_class", "incidents", "incidents_shown",
                                   "incidents_suppressed"],
        "crime_city_month": ["month", "crime_class", "incidents", "incidents_shown", "incidents_suppressed"],
        "crime_sensitive_city_month": ["month", "category", "incidents", "incidents_shown", "incidents_suppressed"],
        "crime_area_year": ["area_code", "urbanicity", "year", "crime_class", "incidents", "incidents_shown",
                            "incidents_suppressed", "population", "rate_per_1k"],
        "trust_area_quarter": ["area_code", "urbanicity", "quarter", "quarter_start", "audience", "n", "n_eff",
                               "trust_0_100", "ci_low", "ci_high", "rse_pct", "rse_flag", "safety_0_100",
                               "safety_ci_low", "safety_ci_high", "published", "reason"],
        "trust_urbanicity_quarter": ["urbanicity", "quarter", "quarter_start", "audience", "n", "n_eff",
                                     "trust_0_100", "ci_low", "ci_high", "rse_pct", "rse_flag", "published", "reason"],
        "trust_city_quarter": ["quarter", "quarter_start", "audience", "n", "n_eff", "trust_0_100", "ci_low",
                               "ci_high", "rse_pct", "rse_flag", "published", "reason"],
        "partnerships": ["partnership_name", "nonprofit_name", "org_type", "status", "start_date", "end_date",
                         "description", "urbanicity", "area_names", "programs", "has_mou", "data_sharing_level"],
        "program_counts": ["year", "urbanicity", "partnerships_active", "programs_active", "participants_served",
                           "participants_served_shown", "participants_served_suppressed"],
        "program_counts_city": ["year", "partnerships_active", "programs_active", "participants_served",
                                "participants_served_shown", "participants_served_suppressed"],
        "funding_year_source": ["fiscal_year", "source", "amount_usd", "share_pct", "co_funding_share_pct",
                                "in_kind_usd"],
    }  # fmt: skip
    for table, columns in contract.items():
        missing = [column for column in columns if column not in tables[table]]
        assert not missing, f"{table} lacks {missing}"


def test_row_counts_are_the_zero_filled_grids(public):
    counts = {table: public.execute(f"select count(*) from {table}").fetchone()[0] for table in publish.TABLES}
    # crime months 2023-02 .. 2025-01 = 24; 4 areas, 2 sides, 3 classes, 2 sensitive categories
    assert counts["crime_area_month"] == 24 * 4 * 3
    assert counts["crime_urbanicity_month"] == 24 * 2 * 3
    assert counts["crime_city_month"] == 24 * 3
    assert counts["crime_sensitive_city_month"] == 24 * 2
    # only 2024 has all 12 months (2023 starts in February, 2025 has January only)
    assert counts["crime_area_year"] == 4 * 3
    # resident quarters 2022-Q4, 2023-Q2, 2024-Q2, 2024-Q4 x 4 areas; officers only 2024-Q4
    assert counts["trust_area_quarter"] == 4 * 4
    assert counts["trust_urbanicity_quarter"] == (4 + 1) * 2
    assert counts["trust_city_quarter"] == 4 + 1
    # program activity runs 2023-12 .. 2024-08
    assert counts["program_counts"] == 2 * 2
    assert counts["program_counts_city"] == 2
    assert counts["partnerships"] == 4
    assert counts["funding_year_source"] == 4
    assert counts["areas"] == 4


def test_violent_crime_2024_by_month(public):
    urban = rows(
        public,
        "select month, incidents, incidents_shown, incidents_suppressed from crime_urbanicity_month"
        " where urbanicity = 'urban' and crime_class = 'violent' and year(month) = 2024 order by month",
    )
    # Jan: 10 robberies in Alder. Jul: 20. Jun: 5 aggravated assaults in Birch -> city 5 ("<10"), and the
    # parts of a total below 10 are not published: urban, rural, Alder and Birch that month read
    # "in total only". Aug and Sep likewise (Cedar 4, Dogwood 3: city 4 and 3).
    assert urban["incidents_shown"].tolist() == [
        "10", "0", "0", "0", "0", "in total only", "20", "in total only", "in total only", "0", "0", "0"
    ]  # fmt: skip
    assert urban["incidents_suppressed"].tolist()[5] == "rolled_up"
    birch_june = rows(
        public,
        "select * from crime_area_month where area_code = 'B2' and month = '2024-06-01' and crime_class = 'violent'",
    ).iloc[0]
    assert pd.isna(birch_june.incidents) and birch_june.incidents_shown == "in total only"
    city = rows(public, "select * from crime_city_month where month = '2024-06-01' and crime_class = 'violent'").iloc[0]
    assert city.incidents_suppressed == "primary" and city.incidents_shown == "<10"


def test_hidden_cells_of_the_fixture(public):
    hidden = rows(
        public,
        "select 'city' as grain, strftime(month, '%Y-%m') as month, crime_class, incidents_suppressed"
        " from crime_city_month where incidents_suppressed is not null order by all",
    )
    # every city month of 1-9 in fixture_db.CRIMES is primary; below it nothing of those months is published
    assert hidden[["month", "crime_class"]].values.tolist() == [
        ["2023-05", "property"],  # 2 burglaries in Cedar
        ["2023-11", "violent"],  # 1 robbery in Dogwood
        ["2024-06", "violent"],  # 5 aggravated assaults in Birch
        ["2024-08", "violent"],  # 4 aggravated assaults in Cedar
        ["2024-09", "violent"],  # 3 robberies in Dogwood
        ["2024-12", "property"],  # 1 theft in Alder, 2024-12-31 23:59
        ["2025-01", "property"],  # 1 theft in Alder, 2025-01-01 00:00
    ]
    assert set(hidden["incidents_suppressed"]) == {"primary"}
    assert public.execute("select count(*) from crime_area_month where incidents_suppressed = 'primary'").fetchone()[
        0
    ] == 0  # fmt: skip
    visible = public.execute("select count(*) from crime_area_month where incidents > 0").fetchone()[0]
    assert visible == 6  # A1 2023-02, 2023-03, 2024-01, 2024-03, 2024-07; B2 2023-06


def test_latest_12_months_and_rural_coverage_by_hand(public):
    latest = rows(public, "select * from crime_area_latest_12m where crime_class = 'violent' order by area_code")
    # the source's last 12 months: 2024-02 .. 2025-01. Alder 20 (Jul; Jan's 10 is outside), Birch 5,
    # Cedar 4, Dogwood 3: only Alder's is published, 20 per 10,000 = 2.0 per 1,000
    period = public.execute("select distinct period_start, period_end from crime_area_latest_12m").fetchall()
    assert period == [(dt.date(2024, 2, 1), dt.date(2025, 1, 31))]
    assert latest["incidents_shown"].tolist() == ["20", "<10", "<10", "<10"]
    assert latest["rate_per_1k"].iloc[0] == pytest.approx(2.0)
    manifest = dict(public.execute("select key, value from manifest").fetchall())
    # urban residents 10,000 + 5,000, of them Alder's 10,000 covered: 66.7%. Rural: Cedar's 2,000 not
    # covered; Dogwood's population is unknown and counts on neither side of the share: 0.0%
    assert manifest["violent_latest_12m_area_coverage_urban_pct"] == "66.7"
    assert manifest["violent_latest_12m_area_coverage_rural_pct"] == "0.0"
    # Cedar (RUCA 7) and Dogwood (RUCA 10) share no code: no area groups in the fixture
    assert public.execute("select count(*) from crime_group_latest_12m").fetchone()[0] == 0
    assert public.execute("select count(*) from areas where area_group is not null").fetchone()[0] == 0


def test_area_year_and_the_complementary_total(public):
    year = rows(public, "select * from crime_area_year order by area_code, crime_class").set_index(
        ["area_code", "crime_class"]
    )
    # Alder 2024 violent: 10 (Jan) + 20 (Jul) = 30 per 10,000 residents = 3.0 per 1,000
    assert year.loc[("A1", "violent")].incidents == 30
    assert year.loc[("A1", "violent")].rate_per_1k == pytest.approx(3.0)
    # Alder 2024 property: 50 (Mar) + 1 (Dec) = 51. Shown, it would give Dec = 51 - 50 = 1. Hiding
    # March instead would leave Urban March = Alder + Birch with one hidden cell (a cascade); the
    # year total is in no other equation, so it goes, marked 'suppressed' (it is 51, not "<10").
    alder_property = year.loc[("A1", "property")]
    assert pd.isna(alder_property.incidents) and pd.isna(alder_property.rate_per_1k)
    assert alder_property.incidents_suppressed == "complementary"
    assert alder_property.incidents_shown == "suppressed"
    # Birch 5, Cedar 4, Dogwood 3 violent: primary; Dogwood has no population, so no rate either way
    for area in ("B2", "C3", "D4"):
        assert year.loc[(area, "violent")].incidents_shown == "<10"
    assert year.loc[("C3", "property")].incidents == 0  # the 2023 burglaries are outside 2024
    assert year.loc[("C3", "property")].rate_per_1k == 0
    assert pd.isna(year.loc[("D4", "other")].rate_per_1k) and year.loc[("D4", "other")].incidents == 0
    assert year["population"].isna().sum() == 3  # Dogwood's three classes


def test_sensitive_categories_only_city_wide(public, con):
    sensitive = rows(public, "select * from crime_sensitive_city_month")
    assert set(sensitive["category"]) == {"sexual_assault", "domestic_violence"}
    assert (sensitive["incidents"] == 0).all()  # the fixture has none
    manifest = dict(public.execute("select key, value from manifest").fetchall())
    assert manifest["sensitive_categories"] == "domestic_violence,sexual_assault"


def test_trust_needs_50_responses_and_an_effective_30(public):
    area = rows(public, "select * from trust_area_quarter order by area_code, quarter").set_index(
        ["area_code", "quarter"]
    )
    birch = area.loc[("B2", "2024-Q4")]
    # 30 answers of 75 (weight 1) and 30 of 25 (weight 3): n 60, n_eff 120^2 / 300 = 48,
    # mean (2250 + 2250) / 120 = 37.5; se = sqrt(60/59 x (30 x 37.5^2 + 270 x 12.5^2)) / 120 = 2.44
    assert birch.published and birch.n == 60 and birch.n_eff == 48
    assert birch.trust_0_100 == 37.5
    assert birch.se == pytest.approx(2.44)
    assert (birch.ci_low, birch.ci_high) == (pytest.approx(37.5 - 1.96 * 2.441, abs=0.01), pytest.approx(42.28))
    assert birch.rse_pct == pytest.approx(6.5) and not birch.rse_flag  # 2.44 / 37.5
    assert birch.safety_published and birch.safety_0_100 == 37.5  # the same answers on the safety items
    # spring 2024: Alder r1 r2, Birch r3, Cedar r4 (r5 answered no trust item): far below 50
    alder = area.loc[("A1", "2024-Q2")]
    assert not alder.published and alder.reason == "fewer than 50 responses"
    assert pd.isna(alder.n) and alder.n_suppressed == "primary"
    assert alder[["n_eff", "trust_0_100", "se", "ci_low", "ci_high", "rse_pct", "safety_0_100"]].isna().all()
    assert not area.drop(("B2", "2024-Q4"))["published"].any()


def test_a_published_groups_n_is_hidden_when_it_would_give_away_a_small_one(public):
    urban = rows(
        public,
        "select * from trust_urbanicity_quarter where quarter = '2024-Q4' and audience = 'resident'"
        " and urbanicity = 'urban'",
    ).iloc[0]
    # Urban 2024-Q4 = Alder 0 + Birch 60. Published, urban n 60 would show Alder's hidden n is 0;
    # the estimate stays (it is Birch's: 37.5), the n goes.
    assert urban.published and urban.trust_0_100 == 37.5
    assert pd.isna(urban.n) and urban.n_suppressed == "complementary"
    city = rows(public, "select * from trust_city_quarter where quarter = '2024-Q4'").set_index("audience")
    # city 60 = urban (hidden, 50+) + rural (hidden, 0-49): rural = 60 - urban <= 10 narrows it; hidden too
    assert pd.isna(city.loc["resident"].n) and city.loc["resident"].published
    # officers: o1 (Alder) and o2 (no area): 2 answers
    assert not city.loc["officer"].published and city.loc["officer"].reason == "fewer than 50 responses"


def test_trust_is_the_apps_own_metric(public, con):
    published = rows(public, "select * from trust_city_quarter where published")
    app = queries.run(con, "trust/scores", start_date="2024-10-01", end_date="2024-12-31", urbanicity=None,
                      group_by="quarter")  # fmt: skip
    app_row = app[(app.audience == "resident") & (app.group_key == "2024-Q4")].iloc[0]
    row = published[published.audience == "resident"].iloc[0]
    for column in ("trust_0_100", "ci_low", "ci_high", "safety_0_100", "safety_ci_low", "safety_ci_high"):
        assert row[column] == pytest.approx(app_row[column], abs=0.005)


def test_crime_totals_are_the_apps_own_metric(public, con):
    app = queries.run(con, "crime/monthly", start_date="2023-02-01", end_date="2025-01-31", urbanicity=None,
                      categories=None, group_by="urbanicity")  # fmt: skip
    app = app.groupby(["group_key", "month", "crime_class"], as_index=False)["incidents"].sum()
    published = rows(
        public, "select urbanicity as group_key, month, crime_class, incidents from crime_urbanicity_month"
    )
    merged = published.merge(app, on=["group_key", "month", "crime_class"], suffixes=("", "_app"))
    assert len(merged) == len(published)
    visible = merged.dropna(subset=["incidents"])
    assert (visible["incidents"] == visible["incidents_app"]).all()  # no sensitive offences in the fixture


def test_programs_participants_and_partnership_counts(public):
    counts = rows(public, "select * from program_counts order by year, urbanicity desc").set_index(
        ["year", "urbanicity"]
    )
    # 2023: Mentoring's December, 20 participants; rural nothing yet
    assert counts.loc[(2023, "urban")].participants_served == 20
    assert counts.loc[(2023, "rural")].participants_served == 0
    # 2024: urban Mentoring 22 + 3 = 25 and Summer league 30 + 0 + 3 = 33: 58; rural Outreach 6 + 3 = 9.
    # 9 is primary; city 67 = urban + rural would give it away, so urban (58) is hidden as well.
    assert counts.loc[(2024, "rural")].participants_served_shown == "<10"
    assert counts.loc[(2024, "urban")].participants_served_suppressed == "complementary"
    assert counts.loc[(2024, "urban")].participants_served_shown == "suppressed"
    assert (counts.loc[(2024, "urban")].partnerships_active, counts.loc[(2024, "urban")].programs_active) == (1, 2)
    assert (counts.loc[(2024, "rural")].partnerships_active, counts.loc[(2024, "rural")].programs_active) == (1, 1)
    city = rows(public, "select * from program_counts_city order by year").set_index("year")
    assert city.loc[2024].participants_served == 67 and city.loc[2024].participants_served_shown == "67"
    assert (city.loc[2024].partnerships_active, city.loc[2024].programs_active) == (2, 3)


def test_partnerships_publish_no_free_text_and_nothing_internal(public):
    table = rows(public, "select * from partnerships order by partnership_name").set_index("partnership_name")
    youth = table.loc["Youth mentoring partnership"]
    assert (youth.nonprofit_name, youth.area_names, youth.programs) == ("Youth Org", "Alder, Birch", 2)
    # the description a partner typed ("Mentors and officers") is free text: it stays in the agency's file
    assert table["description"].isna().all()
    assert youth.has_mou and youth.data_sharing_level == "aggregate"
    assert not table.loc["Old youth partnership"].has_mou
    assert table.loc["Planned housing partnership"].status == "planned"
    assert {"roles", "funding_usd", "co_funding_share_pct", "partnership_id", "nonprofit_id"}.isdisjoint(table.columns)


def test_funding_by_year_and_source(public):
    funding = rows(public, "select * from funding_year_source order by fiscal_year, source")
    # FY2024: agency 36,600 + in-kind 3,660 + nonprofit 7,320 = 47,580; not the agency's: 10,980 = 23.08%
    fy2024 = funding[funding.fiscal_year == 2024].set_index("source")
    assert fy2024.amount_usd.to_dict() == {"agency": 36_600, "in_kind": 3_660, "nonprofit": 7_320}
    assert fy2024.loc["agency"].share_pct == pytest.approx(76.92)
    assert fy2024.loc["agency"].co_funding_share_pct == pytest.approx(23.08)
    assert fy2024.loc["agency"].in_kind_usd == 3_660
    assert funding[funding.fiscal_year == 2025].iloc[0].to_dict() | {} == {
        "fiscal_year": 2025, "source": "grant", "amount_usd": 36_500.0, "share_pct": 100.0,
        "co_funding_share_pct": 100.0, "in_kind_usd": 0.0, "year_total_usd": 36_500.0,
    }  # fmt: skip


def test_areas_have_outlines_but_no_centroids(public):
    areas = rows(public, "select * from areas order by area_code")
    assert areas["area_code"].tolist() == ["A1", "B2", "C3", "D4"]
    assert areas["geojson"].str.startswith('{"type":"Polygon"').all()
    assert not any("centroid" in column or column in ("lat", "lon") for column in areas.columns)


def test_manifest(public, con):
    manifest = dict(public.execute("select key, value from manifest").fetchall())
    assert manifest["min_published_count"] == "10"
    assert manifest["survey_min_n"] == "50" and manifest["survey_min_n_eff"] == "30"
    assert manifest["rse_flag_pct"] == "30" and manifest["ci_level"] == "95"
    assert manifest["sensitive_rule"] == "city-wide only"
    assert manifest["source_first_month"] == "2023-02" and manifest["source_last_month"] == "2025-01"
    assert manifest["published_from_checksum"] == publish.source_checksum(con)
    assert manifest["schema_version"] == publish.PUBLIC_SCHEMA_VERSION
    assert manifest["suppression_method"].count(". ") == 0  # one sentence
    assert manifest["audit_solver"].startswith("HiGHS 1.")
    assert manifest["protection_level"] == "8"
    assert manifest["audit_result"] == f"0 of {manifest['audit_cells']} hidden cells can be narrowed below the" \
        " protection level"  # fmt: skip
    # crime: 7 city months, 3 area years and 3 latest-12-month areas (Birch, Cedar, Dogwood violent);
    # 1 participants; 15 + 9 + 4 survey n
    assert manifest["cells_suppressed_primary"] == str(7 + 3 + 3 + 1 + 28)
    # Alder's 2024 and latest-12-month property (51, 52: either gives December's theft away with
    # March's 50), urban 2024 participants, urban and city 2024-Q4 resident n
    assert manifest["cells_suppressed_complementary"] == "5"
    # the thresholds stated are the schema's is_reportable
    assert con.execute("select is_reportable(49, 49), is_reportable(50, 29.99), is_reportable(50, 30)").fetchone() == (
        False, False, True
    )  # fmt: skip


# --- random small databases ---------------------------------------------------------------

CATEGORIES = {
    "robbery": "violent",
    "aggravated_assault": "violent",
    "theft": "property",
    "drug_offense": "other",
    "sexual_assault": "violent",
    "domestic_violence": "violent",
}
SENSITIVE = {"sexual_assault", "domestic_violence"}
FIRST_MONTH = dt.date(2023, 1, 1)
QUARTER_DAYS = {0: dt.date(2023, 2, 14), 1: dt.date(2023, 5, 14)}  # 2023-Q1, 2023-Q2

small_counts = st.one_of(st.integers(1, 9), st.integers(0, 3), st.integers(10, 30))


@dataclass(frozen=True)
class World:
    areas: list[tuple[str, int | None]]  # (urbanicity, population)
    months: int
    crime: dict[tuple[int, int, str], int]  # (area index, month index, category) -> count
    residents: dict[tuple[int, int], tuple[int, bool]]  # (area index, quarter) -> (responses, one heavy weight)
    officers: int
    participants: dict[tuple[int, int], int]  # (program index, month index) -> participants
    seed: int


@st.composite
def worlds(draw) -> World:
    areas = draw(
        st.lists(
            st.tuples(st.sampled_from(["urban", "rural"]), st.one_of(st.none(), st.integers(50, 5000))),
            min_size=1,
            max_size=4,
        )
    )
    months = draw(st.integers(1, 14))
    cell = st.tuples(st.integers(0, len(areas) - 1), st.integers(0, months - 1), st.sampled_from(sorted(CATEGORIES)))
    return World(
        areas=areas,
        months=months,
        crime=draw(st.dictionaries(cell, small_counts, min_size=1, max_size=25)),
        residents=draw(
            st.dictionaries(
                st.tuples(st.integers(0, len(areas) - 1), st.integers(0, 1)),
                st.tuples(st.one_of(st.integers(0, 12), st.integers(45, 75)), st.booleans()),
                max_size=5,
            )
        ),
        officers=draw(st.one_of(st.just(0), st.integers(1, 70))),
        participants=draw(st.dictionaries(st.tuples(st.integers(0, 1), st.integers(0, 11)), small_counts, max_size=8)),
        seed=draw(st.integers(0, 2**16)),
    )


def month_start(index: int) -> dt.date:
    return dt.date(FIRST_MONTH.year + index // 12, index % 12 + 1, 1)


def build_template(path: Path) -> Path:
    """The rows every random database shares: an agency, a partnership with two programs, two survey waves."""
    with db.building(path) as con:
        db.create_schema(con)
        con.execute(
            """
            insert into agencies values (1, 'Test PD', 'police', 10, null);
            insert into nonprofits values (1, 'Helpers', 'youth', 'Helping', 2000, null);
            insert into partnerships values (1, 1, 1, 'Helping together', 'Helps', '2022-01-01', null, 'active',
                '2021-12-01', 'aggregate', 'internal roles text');
            insert into programs values (1, 1, 'Secret Program Alpha', 'youth', null, '2022-01-01', null, 50),
                                        (2, 1, 'Secret Program Beta', 'youth', null, '2022-01-01', null, 50);
            insert into survey_waves values
                (1, 1, 'resident', 'Residents 2023', '2023-01-01', '2023-06-30', 1, 5, 'web', null),
                (2, 1, 'officer', 'Officers 2023', '2023-01-01', '2023-03-31', 1, 5, 'web', null);
            """
        )
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return build_template(tmp_path_factory.mktemp("template") / "template.duckdb")


def build_world(path: Path, world: World, template: Path) -> dict:
    """Write `world` as a Bridgeboard database (the template plus its rows); return the raw rows."""
    rng = np.random.default_rng(world.seed)
    incidents = pd.DataFrame(
        [
            (area + 1, category, dt.datetime.combine(month_start(month), dt.time(12)) + dt.timedelta(days=int(day)))
            for (area, month, category), count in sorted(world.crime.items())
            for day in rng.integers(0, 28, count)
        ],
        columns=["area_id", "category", "occurred_at"],
    )
    incidents.insert(0, "incident_id", np.arange(1, len(incidents) + 1))
    incidents["source_id"] = [f"CASE-{i:06d}" for i in incidents["incident_id"]]
    incidents["lat"] = rng.uniform(40.0, 40.2, len(incidents)).round(5)
    incidents["lon"] = rng.uniform(-90.2, -90.0, len(incidents)).round(5)

    responses = []
    for (area, quarter), (count, heavy) in sorted(world.residents.items()):
        weights = rng.uniform(0.5, 2.0, count)
        if heavy and count:
            weights[0] = 60.0  # one dominant weight: n_eff falls below 30 although n may be 50+
        items = rng.integers(1, 6, (count, 6)).astype(object)
        items[rng.random(count) < 0.1, :4] = None  # some answered no trust item
        items[rng.random(count) < 0.2, 4:] = None  # more answered no safety item
        for weight, answers in zip(weights, items, strict=True):
            responses.append((1, area + 1, QUARTER_DAYS[quarter], float(weight), *answers))
    for _ in range(world.officers):
        area = int(rng.integers(0, len(world.areas) + 1))  # len(areas): no area
        answers = rng.integers(1, 6, 6).astype(object)
        responses.append((2, None if area == len(world.areas) else area + 1, QUARTER_DAYS[0], 1.0, *answers))
    survey = pd.DataFrame(
        responses,
        columns=["wave_id", "area_id", "responded_on", "weight", "trust_respect", "trust_listen", "trust_fair",
                 "trust_rely", "safety_day", "safety_night"],
    )  # fmt: skip
    survey.insert(0, "response_id", np.arange(1, len(survey) + 1))

    sides = [side for side, _ in world.areas]
    # program 1 serves the first urban area, program 2 the first rural one (area 1 when there is none)
    program_area = {
        program: sides.index(side) + 1 if side in sides else 1 for program, side in ((1, "urban"), (2, "rural"))
    }
    activity = pd.DataFrame(
        [(program + 1, month_start(month), count) for (program, month), count in sorted(world.participants.items())],
        columns=["program_id", "month", "participants"],
    )
    activity["new_participants"] = [int(rng.integers(0, count + 1)) for count in activity["participants"]]

    shutil.copyfile(template, path)
    with duckdb.connect(str(path)) as con:
        con.execute("begin")
        for index, (side, population) in enumerate(world.areas):
            con.execute(
                "insert into areas (area_id, agency_id, area_code, name, kind, population, urbanicity)"
                " values (?, 1, ?, ?, 'beat', ?, ?)",
                [index + 1, f"Z{index + 1}", f"Zone {index + 1}", population, side],
            )
        con.execute("insert into partnership_areas select 1, area_id from areas")
        con.executemany("insert into program_areas values (?, ?)", [[1, program_area[1]], [2, program_area[2]]])
        con.register("incident_frame", incidents)
        con.execute(
            "insert into incidents select f.incident_id, f.source_id, f.occurred_at, f.area_id, null, f.category,"
            " c.crime_class, c.crimes_against, f.lat, f.lon from incident_frame f join offense_categories c"
            " using (category)"
        )
        con.register("survey_frame", survey)
        con.execute(
            "insert into survey_responses (response_id, wave_id, scale_min, scale_max, area_id, responded_on, weight,"
            " trust_respect, trust_listen, trust_fair, trust_rely, safety_day, safety_night)"
            " select response_id, wave_id, 1, 5, area_id, responded_on, weight, trust_respect, trust_listen,"
            " trust_fair, trust_rely, safety_day, safety_night from survey_frame"
        )
        db.rebuild_rollups(con)
        con.register("activity_frame", activity)
        con.execute(
            "insert into program_activity (program_id, month, participants, new_participants)"
            " select program_id, month, participants, new_participants from activity_frame"
        )
        con.execute("commit")
    area_side = {f"Z{index + 1}": side for index, side in enumerate(sides)}
    program_side = {program: sides[area - 1] for program, area in program_area.items()}
    return {"incidents": incidents, "survey": survey, "activity": activity, "area_side": area_side,
            "program_side": program_side}  # fmt: skip


def survey_truth(survey: pd.DataFrame, items: list[str], by: list[str]) -> dict[tuple, tuple]:
    """Group -> (n, n_eff, weighted mean, se) of the 0-100 index, written out from the raw rows."""
    answers = survey[items].astype(float)
    frame = survey.assign(score=(answers.mean(axis=1, skipna=True) - 1) / 4 * 100)[answers.notna().any(axis=1)]
    truth = {}
    for keys, group in frame.groupby(by):
        weights, scores = group["weight"].to_numpy(), group["score"].to_numpy()
        n, total = len(group), weights.sum()
        mean = (weights * scores).sum() / total
        se = math.sqrt(n / (n - 1) * (weights**2 * (scores - mean) ** 2).sum()) / total if n > 1 else math.nan
        truth[keys] = (n, total**2 / (weights**2).sum(), mean, se)
    return truth


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(world=worlds())
def test_random_databases_publish_safely(template, world):
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "source.duckdb", Path(folder) / "public.duckdb"
        raw = build_world(source, world, template)
        publish.publish(source, out)
        public = duckdb.connect(str(out), read_only=True)
        try:
            check_counts(public, world, raw)
            check_trust(public, raw)
        finally:
            public.close()


def check_counts(public, world: World, raw: dict) -> None:
    # no published count is 1-9; hidden cells read '<10' / 'suppressed'; shown ones are their number
    for table, column in COUNT_COLUMNS.items():
        frame = public.execute(f"select {column}, {column}_shown, {column}_suppressed from {table}").df()
        values, shown, label = frame[column], frame[f"{column}_shown"], frame[f"{column}_suppressed"]
        assert not values.between(1, 9).any(), table
        assert (values.isna() == label.notna()).all(), table
        assert (shown[label == "primary"] == "<10").all() and (shown[label == "complementary"] == "suppressed").all()
        assert (shown[values.notna()] == values.dropna().astype(int).astype(str)).all(), table

    # shown counts are the truth, computed here from the generated incidents; sensitive ones city-wide only
    incidents = raw["incidents"].assign(
        month=[day.date().replace(day=1) for day in raw["incidents"]["occurred_at"]],
        crime_class=raw["incidents"]["category"].map(CATEGORIES),
        area_code="Z" + raw["incidents"]["area_id"].astype(str),
    )
    ordinary = incidents[~incidents["category"].isin(SENSITIVE)]
    truth = ordinary.groupby(["area_code", "month", "crime_class"]).size().to_dict()
    area_month = public.execute("select area_code, month, crime_class, incidents from crime_area_month").fetchall()
    assert len(area_month) == len(world.areas) * len(_months_between(incidents)) * 3
    for area, month, crime_class, count in area_month:
        if count is not None:
            assert count == truth.get((area, month, crime_class), 0)
    sensitive_truth = incidents[incidents["category"].isin(SENSITIVE)].groupby(["month", "category"]).size()
    for month, category, count in public.execute(
        "select month, category, incidents from crime_sensitive_city_month"
    ).fetchall():
        if count is not None:
            assert count == sensitive_truth.get((month, category), 0)

    # an integer program over every published crime equation at once: no hidden count of 1-9 can be
    # told from any other value 1-9 (tests/attacker.py, not the audit's code)
    cells, equations = attacker.crime_cells(public), attacker.crime_equations(public)
    found, _, primary = attacker.attack(cells, equations)
    side_of = dict(public.execute("select area_code, urbanicity from areas").fetchall())
    for cell in primary:
        assert found[cell] == (1, 9), f"{cell} narrowed to {found[cell]}"
    for cell, (_, label) in cells.items():
        if label == "complementary":
            assert found[cell][0] < found[cell][1], f"{cell} is worked out: it should be shown"
        if label == "rolled_up" and 1 <= _true_count(cell, truth, side_of) <= 9:
            assert found[cell][1] - found[cell][0] >= 8, f"{cell} narrowed to {found[cell]}"


def _true_count(cell: tuple, truth: dict, side_of: dict) -> int:
    """A crime cell's real count, from the generated incidents."""
    kind, *key = cell
    match = {
        "area_month": lambda a, m, c: (a, m, c) == tuple(key),
        "side_month": lambda a, m, c: (side_of[a], m, c) == tuple(key),
        "city_month": lambda a, m, c: (m, c) == tuple(key),
        "area_year": lambda a, m, c: (a, m.year, c) == tuple(key),
    }.get(kind)
    return sum(count for (a, m, c), count in truth.items() if match(a, m, c)) if match else 0


def _months_between(incidents: pd.DataFrame) -> set[dt.date]:
    if incidents.empty:
        return set()
    first, last = min(incidents["month"]), max(incidents["month"])
    return {day.date() for day in pd.date_range(first, last, freq="MS")}


def check_trust(public, raw: dict) -> None:
    survey = raw["survey"].assign(
        quarter=[f"{day.year}-Q{(day.month - 1) // 3 + 1}" for day in raw["survey"]["responded_on"]],
        area_code=["none" if pd.isna(a) else f"Z{int(a)}" for a in raw["survey"]["area_id"]],
        audience=raw["survey"]["wave_id"].map({1: "resident", 2: "officer"}),
        everyone="all",
    )
    survey["urbanicity"] = survey["area_code"].map(raw["area_side"])
    trust_items = ["trust_respect", "trust_listen", "trust_fair", "trust_rely"]
    safety_items = ["safety_day", "safety_night"]
    for table, by in (
        ("trust_area_quarter", ["area_code", "quarter", "audience"]),
        ("trust_urbanicity_quarter", ["urbanicity", "quarter", "audience"]),
        ("trust_city_quarter", ["everyone", "quarter", "audience"]),
    ):
        trust, safety = survey_truth(survey, trust_items, by), survey_truth(survey, safety_items, by)
        published = public.execute(f"select * from {table}").df().assign(everyone="all")
        for row in published.itertuples():
            key = tuple(getattr(row, column) for column in by)
            n, n_eff, mean, se = trust.get(key, (0, 0.0, math.nan, math.nan))
            reportable = n >= 50 and n_eff >= 30
            assert bool(row.published) == reportable, (table, key, n, n_eff)
            if reportable:
                assert row.trust_0_100 == pytest.approx(mean, abs=0.006)
                assert row.ci_low <= row.trust_0_100 <= row.ci_high
                assert row.n_eff == pytest.approx(n_eff, abs=0.006)
                assert pd.isna(row.n) or row.n == n
                assert bool(row.rse_flag) == (se / mean * 100 >= 30 if mean > 0 else True)
            else:
                assert row.reason == ("fewer than 50 responses" if n < 50 else "effective sample below 30")
                estimates = [row.n, row.n_eff, row.trust_0_100, row.se, row.ci_low, row.ci_high, row.rse_pct]
                assert all(pd.isna(value) for value in estimates), (table, key)
            s_n, s_n_eff, s_mean, _ = safety.get(key, (0, 0.0, math.nan, math.nan))
            if s_n >= 50 and s_n_eff >= 30:
                assert row.safety_published and row.safety_0_100 == pytest.approx(s_mean, abs=0.006)
                assert row.safety_ci_low <= row.safety_0_100 <= row.safety_ci_high
            else:
                assert not row.safety_published
                assert all(pd.isna(value) for value in (row.safety_0_100, row.safety_ci_low, row.safety_ci_high))
        # a survey n is never published below 50
        assert not (published["n"] < 50).any(), table
    # residents' n: an urbanicity's n = its areas' n; never exactly one of them hidden
    area = public.execute("select urbanicity, quarter, n from trust_area_quarter").fetchall()
    for side, quarter, n in public.execute(
        "select urbanicity, quarter, n from trust_urbanicity_quarter where audience = 'resident'"
    ).fetchall():
        members = [n, *(part for u, q, part in area if (u, q) == (side, quarter))]
        assert sum(member is None for member in members) != 1 or len(members) == 1


# --- command line ---------------------------------------------------------------------------


def test_cli_missing_source_writes_nothing(tmp_path, capsys):
    out = tmp_path / "public.duckdb"
    assert main(["publish", "--db", str(tmp_path / "missing.duckdb"), "--out", str(out)]) == 1
    error = capsys.readouterr().err.strip()
    assert error == f"publish failed: there is no database file at {tmp_path / 'missing.duckdb'}"
    assert "\n" not in error
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_to_overwrite_its_source(fixture_path, tmp_path, capsys):
    assert main(["publish", "--db", str(fixture_path), "--out", str(fixture_path)]) == 1
    assert "must not overwrite the source" in capsys.readouterr().err


def test_cli_refuses_a_database_that_is_not_bridgeboards(tmp_path, capsys):
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    assert main(["publish", "--db", str(other), "--out", str(tmp_path / "public.duckdb")]) == 1
    assert "is not a Bridgeboard database" in capsys.readouterr().err
    assert not (tmp_path / "public.duckdb").exists()


def test_cli_run_and_repeatable(fixture_path, tmp_path):
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    completed = subprocess.run(
        [sys.executable, "-m", "data", "publish", "--db", str(fixture_path), "--out", str(first)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(f"public database written to {first}")
    assert main(["publish", "--db", str(fixture_path), "--out", str(second)]) == 0
    with duckdb.connect(str(first), read_only=True) as one, duckdb.connect(str(second), read_only=True) as two:
        assert one.execute("select count(*) from manifest").fetchone()[0] > 0
        assert db.table_checksums(one) == db.table_checksums(two)


def test_publishing_leaves_an_open_connection_to_the_source_as_it_was(fixture_path, tmp_path):
    # in the app's process DuckDB shares one instance per file: publish's single-thread setting
    # for repeatable sums must not stay on the app's connection
    with duckdb.connect(str(fixture_path), read_only=True) as app:
        before = app.execute("select current_setting('threads')").fetchone()[0]
        publish.publish(fixture_path, tmp_path / "public.duckdb")
        assert app.execute("select current_setting('threads')").fetchone()[0] == before


def test_a_hidden_groups_mean_is_not_left_to_subtraction():
    # city 120 respondents, mean 60 = urban 100 at 62 + rural 20 at 50 (hidden: under 50 responses).
    # With both n's shown, rural's sum is 120 x 60 - 100 x 62 = 1000 and its n 20: mean 50, exactly.
    # Withdrawing urban's n (the smaller shown one that frees rural) leaves n_u free: rural's n is
    # 120 - n_u and its sum 7200 - 62 n_u, a line of possible means.
    city, urban, rural = ("city", "2024-Q1", "resident"), ("urbanicity", "urban", "2024-Q1", "resident"), (
        "urbanicity", "rural", "2024-Q1", "resident")  # fmt: skip
    groups = {
        city: {"n": 120, "reportable": True, "trust_0_100": 60.0, "safety_reportable": False, "safety_0_100": None},
        urban: {"n": 100, "reportable": True, "trust_0_100": 62.0, "safety_reportable": False, "safety_0_100": None},
        rural: {"n": 20, "reportable": False, "trust_0_100": 50.0, "safety_reportable": False, "safety_0_100": None},
    }
    values = {cell: row["n"] for cell, row in groups.items()}
    equations = [(city, [urban, rural])]
    status = {city: None, urban: None, rural: "primary"}

    def published(withdrawn):
        return {
            cell: {"n": None if cell in withdrawn or status[cell] else row["n"],
                   "mean": row["trust_0_100"] if row["reportable"] else None,
                   "n_min": 50 if row["reportable"] else 0, "n_max": math.inf if row["reportable"] else 49}
            for cell, row in groups.items()
        }  # fmt: skip

    before = attacker.survey_ranges(published(set()), equations)
    assert before[rural]["sum"][0] == pytest.approx(1000) and before[rural]["sum"][1] == pytest.approx(1000)
    withdrawn = publish.mean_protection(groups, values, status, equations, set())
    assert withdrawn == {urban}
    after = attacker.survey_ranges(published(withdrawn), equations)
    # n_u is 50 or more; rural's n = 120 - n_u at most 49, so n_u >= 71: rural's sum 7200 - 62 n_u is at most
    # 2798; it is at least 0, so n_u <= 7200 / 62 = 116.13 and rural's n is 3.87 to 49
    assert after[rural]["sum"] == pytest.approx((0, 2798))
    assert after[rural]["n"] == pytest.approx((120 - 7200 / 62, 49))
