"""queries/public on a public database written by hand (tests/public_fixture.py): given/expect."""

import duckdb
import pandas as pd
import pytest

import public_fixture
import queries
from components import public_text


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    path = public_fixture.build(tmp_path_factory.mktemp("public") / "hand.duckdb")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def by(frame, *keys):
    return {tuple(row[key] for key in keys) if len(keys) > 1 else row[keys[0]]: row for _, row in frame.iterrows()}


def test_crime_change_takes_12_months_where_all_are_published_else_calendar_years(hand):
    change = by(queries.run(hand, "public/crime_change"), "side", "crime_class")
    assert list(change) == [("urban", "violent"), ("urban", "property"), ("rural", "violent"), ("all", "violent")]

    urban = change[("urban", "violent")]  # 24 months published: 2024 (12 x 12) against 2023 (12 x 10)
    assert urban.grain == "last_12_months"
    assert (urban.period_start, urban.period_end) == (pd.Timestamp(2024, 1, 1), pd.Timestamp(2024, 12, 31))
    assert (urban.prior_start, urban.prior_end) == (pd.Timestamp(2023, 1, 1), pd.Timestamp(2023, 12, 31))
    assert (urban.incidents, urban.incidents_prior, urban.population) == (144, 120, 4000)
    assert urban.rate_per_1k == pytest.approx(36.0)  # 144 x 1000 / 4000
    assert urban.rate_per_1k_prior == pytest.approx(30.0)  # 120 x 1000 / 4000
    assert urban.change_pct == pytest.approx(20.0)  # (144 - 120) / 120

    rural = change[("rural", "violent")]  # 2024-03 hidden: calendar years, 2024 from its areas (150 + 100)
    assert rural.grain == "calendar_year"
    assert (rural.period_start, rural.period_end) == (pd.Timestamp(2024, 1, 1), pd.Timestamp(2024, 12, 31))
    assert (rural.incidents, rural.incidents_prior) == (250, 240)  # 2023: 12 months x 20
    assert rural.rate_per_1k == pytest.approx(250.0)  # 250 x 1000 / 1000
    assert rural.change_pct == pytest.approx(10 / 240 * 100)

    # 2024 property: a month hidden and an area's year hidden, so no year pair is published
    urban_property = change[("urban", "property")]
    assert urban_property.grain == "none"
    assert urban_property.incidents is None or urban_property.isna()["incidents"]

    city = change[("all", "violent")]  # 12 x 32 against 12 x 30 over 5,000 residents
    assert (city.grain, city.incidents, city.incidents_prior) == ("last_12_months", 384, 360)
    assert city.rate_per_1k == pytest.approx(76.8)


def test_crime_series_falls_back_to_years_instead_of_breaking(hand):
    series = queries.run(hand, "public/crime_series")
    grains = series.groupby(["side", "crime_class"])["grain"].agg(set).to_dict()
    assert grains == {
        ("urban", "violent"): {"month"},
        ("urban", "property"): {"year"},
        ("rural", "violent"): {"year"},
        ("all", "violent"): {"month"},
    }
    rural = series[series["side"] == "rural"].set_index("period_start")
    # 2023 from its 12 published months (12 x 20), 2024 from its areas' years (150 + 100); 1,000 residents
    assert rural.loc[pd.Timestamp(2023, 1, 1), "incidents"] == 240
    assert rural.loc[pd.Timestamp(2024, 1, 1), "incidents"] == 250
    assert rural.loc[pd.Timestamp(2024, 1, 1), "rate_per_1k"] == pytest.approx(250.0)
    assert rural.loc[pd.Timestamp(2024, 1, 1), "period_end"] == pd.Timestamp(2024, 12, 31)
    urban_property = series[(series["side"] == "urban") & (series["crime_class"] == "property")]
    assert list(urban_property["is_published"]) == [True, False]  # 2023: 120 from months; 2024: U1 hidden
    assert urban_property.iloc[0]["rate_per_1k"] == pytest.approx(30.0)  # 120 x 1000 / 4000
    urban_violent = series[(series["side"] == "urban") & (series["crime_class"] == "violent")]
    assert len(urban_violent) == 24 and urban_violent["rate_per_1k"].iloc[-1] == pytest.approx(3.0)  # 12 / 4
    only_violent = queries.run(hand, "public/crime_series", crime_class="violent")
    assert set(only_violent["crime_class"]) == {"violent"}


def test_exact_test_of_two_counts():
    # Binomial(n, 1/2): P(X <= 0 or X >= 10) for 10 against 0 is 2 / 2^10
    assert public_text.change_p_value(10, 0) == pytest.approx(2 / 1024)
    assert public_text.change_p_value(5, 5) == pytest.approx(1.0)
    # 12 against 4 of 16: 2 x P(X >= 12) = 2 x (1820 + 560 + 120 + 16 + 1) / 65536
    assert public_text.change_p_value(12, 4) == pytest.approx(2 * 2517 / 65536)
    assert public_text.change_p_value(0, 0) is None
    assert public_text.change_p_value(None, 3) is None


def test_trust_change_compares_the_same_quarter_a_year_earlier(hand):
    change = by(queries.run(hand, "public/trust_change"), "side", "audience")
    assert set(change) == {("urban", "resident"), ("urban", "officer"), ("all", "resident")}  # rural: none published
    urban = change[("urban", "resident")]
    assert (urban.quarter, urban.n, urban.trust_0_100, urban.prior_quarter) == ("2024-Q4", 120, 56.0, "2023-Q4")
    assert urban.change_points == pytest.approx(6.0)
    assert urban.change_se == pytest.approx(2.5)  # sqrt(1.5^2 + 2^2)
    assert urban.significant  # 6 >= 1.96 x 2.5 = 4.9
    city = change[("all", "resident")]
    assert city.change_se == pytest.approx((1.4**2 + 1.9**2) ** 0.5)  # 2.36
    assert not city.significant  # 4 < 1.96 x 2.36 = 4.63
    assert city.n is None or city.isna()["n"]  # hidden (complementary) stays hidden
    assert pd.isna(change[("urban", "officer")].prior_quarter)


def test_trust_quarters_keep_unpublished_groups_with_their_reason(hand):
    quarters = by(queries.run(hand, "public/trust_quarters", audience="resident"), "side", "quarter")
    rural = quarters[("rural", "2024-Q4")]
    assert not rural.published and rural.reason == "fewer than 50 responses"
    assert quarters[("urban", "2024-Q4")].ci_low == pytest.approx(53.06)  # 56 - 1.96 x 1.5


def test_partnerships_by_type_and_area_count_active_today(hand):
    by_type = queries.run(hand, "public/partnerships_by_type")
    assert [tuple(row) for row in by_type.itertuples(index=False)] == [
        ("housing", "rural", 1, 3, 1),
        ("youth", "urban", 1, 2, 1),
        ("housing", "urban", 0, 0, 1),  # D is only planned
        ("youth", "rural", 0, 0, 1),  # B has ended
    ]
    by_area = by(queries.run(hand, "public/partnerships_by_area"), "area_code")
    assert (by_area["U2"].partnerships_active, by_area["U2"].partnerships_listed) == (1, 2)  # A; A and D
    assert (by_area["R1"].partnerships_active, by_area["R1"].partnerships_listed) == (1, 2)  # C; B and C
    assert (by_area["R2"].partnerships_active, by_area["U1"].partnerships_active) == (1, 1)
    registry = queries.run(hand, "public/partnerships")
    assert "description" not in registry.columns
    assert list(registry["partnership_name"])[:2] == ["A youth partnership", "D housing partnership"]  # urban first


def test_program_years_funding_and_area_crime(hand):
    years = by(queries.run(hand, "public/program_years"), "year", "side")
    assert (years[(2024, "all")].partnerships_active, years[(2024, "all")].programs_active) == (3, 4)
    assert years[(2024, "rural")].participants_served_shown == "<10"
    funding = queries.run(hand, "public/funding")
    assert list(funding["source"]) == ["agency", "grant"] and list(funding["share_pct"]) == [60.0, 40.0]
    area = by(queries.run(hand, "public/area_crime", crime_class="violent"), "area_code")
    assert area["R1"].year == 2024 and area["R1"].rate_per_1k == pytest.approx(300.0)  # 150 x 1000 / 500
    property_map = by(queries.run(hand, "public/area_crime", crime_class="property"), "area_code")
    assert property_map["U1"].incidents_shown == "suppressed" and pd.isna(property_map["R1"].incidents_shown)


def test_a_rural_year_hidden_by_area_is_the_sum_of_its_published_area_group(tmp_path):
    """R1 and R2 form one group; their 2024 area years are hidden, the group's 2024 year (250) is published."""
    path = public_fixture.build(tmp_path / "grouped.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("update areas set area_group = 'rural-7' where area_code in ('R1', 'R2')")
        con.execute(
            "update crime_area_year set incidents = null, incidents_shown = '<10', incidents_suppressed = 'primary'"
            " where area_code in ('R1', 'R2') and year = 2024"
        )
    with duckdb.connect(str(path), read_only=True) as con:
        # no group row yet: 2024 is not published for the rural side
        rural = queries.run(con, "public/crime_series", crime_class="violent").query("side == 'rural'")
        assert list(rural["is_published"]) == [True, False]
        assert queries.run(con, "public/crime_change").query("side == 'rural'")["grain"].item() == "none"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "insert into crime_group_year values ('rural-7', 'rural', 2024, 'violent', 250, '250', null, 1000, 250.0)"
        )
    with duckdb.connect(str(path), read_only=True) as con:
        rural = queries.run(con, "public/crime_series", crime_class="violent").query("side == 'rural'")
        # 2023: 12 months x 20 = 240; 2024: the group's 250 over 1,000 residents
        assert list(rural["incidents"]) == [240, 250]
        assert rural["rate_per_1k"].iloc[-1] == pytest.approx(250.0)
        change = queries.run(con, "public/crime_change").query("side == 'rural'").iloc[0]
        assert (change.grain, change.incidents, change.incidents_prior) == ("calendar_year", 250, 240)
        # the whole jurisdiction still reads its own published months, never a sum of parts
        city = queries.run(con, "public/crime_series", crime_class="violent").query("side == 'all'")
        assert set(city["grain"]) == {"month"}
