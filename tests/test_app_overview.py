"""The Overview page in AppTest for every demo role, on the fixture database."""

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import apptest
from apptest import APP, YEAR_2024, assert_clean
from components import format as fmt
from test_sql_trust import weighted_se


def open_app(db_path, monkeypatch, view_as=None, period=YEAR_2024):
    app = apptest.open_page(db_path, monkeypatch, view_as=view_as, period=period)
    assert_clean(app)
    return app


cards = apptest.metrics


def test_chief_sees_the_whole_agency(fixture_path, monkeypatch):
    app = open_app(fixture_path, monkeypatch)
    shown = cards(app)
    # see test_sql_programs / test_sql_crime for the arithmetic; a year earlier: 1 partnership, 1 program, 20 served
    assert shown["Active partnerships"] == ("2", "+1")
    assert shown["Programs running"] == ("3", "+2")
    assert shown["Participants served"] == ("67", "+47")
    assert shown["Violent crime (FBI) per 1k"] == ("2.29", "+35.5%")
    # residents in 2024: r1-r4 (sum w 8, sum w x 537.5) and wave 3 (sum w 120, sum w x 4,500)
    trust = (537.5 + 4500) / 128  # 39.36; 2023 had 2 responses, too few for a change
    values = [87.5, 25, 50, 87.5] + [75] * 30 + [25] * 30
    se = weighted_se(values, [1, 2, 1, 4] + [1] * 30 + [3] * 30)
    assert shown["Resident trust"] == (f"{trust:.1f}", "")
    captions = [caption.value for caption in app.caption]
    assert f"95% CI {trust - 1.96 * se:.1f}–{trust + 1.96 * se:.1f}, n = 64 (effective n 51)." in captions
    assert "42 offences, 31 a year earlier; within what chance alone would give (exact test, p = 0.24)." in captions
    assert any("whole agency" in caption for caption in captions)


@pytest.mark.parametrize(
    ("view_as", "expected"),
    [
        (
            "Director, Youth Org",
            {"partnerships": ("1", "no change"), "programs": ("2", "+1"), "participants": ("58", "+38")},
        ),
        ("Director, Housing Org", {"partnerships": ("1", "+1"), "programs": ("1", "+1"), "participants": ("9", "+9")}),
    ],
)
def test_director_sees_own_programs(fixture_path, monkeypatch, view_as, expected):
    app = open_app(fixture_path, monkeypatch, view_as=view_as)
    shown = cards(app)
    for key, label in (
        ("partnerships", "Your active partnerships"),
        ("programs", "Your programs running"),
        ("participants", "Your participants served"),
    ):
        value, delta = expected[key]
        assert shown[label] == (value, f"{delta}")
    # area-wide crime is the same for every viewer
    assert shown["Violent crime (FBI) per 1k"] == ("2.29", "+35.5%")


def test_rural_filter_changes_every_number(fixture_path, monkeypatch):
    app = open_app(fixture_path, monkeypatch)
    app.radio(key="filter_urbanicity").set_value("Rural").run()
    shown = cards(app)
    assert shown["Programs running"] == ("1", "+1")
    # the rate counts C3 only (D4 has no population); the change compares counts: 7 vs 1
    assert shown["Violent crime (FBI) per 1k"] == ("2.00", "+600.0%")
    assert shown["Resident trust"][0] == "—"  # 1 rural respondent


def test_map_and_urban_rural_table(fixture_path, monkeypatch):
    app = open_app(fixture_path, monkeypatch)
    table = app.dataframe[0].value.set_index("measure")  # a row per measure, a column per side, as text
    assert table.loc["Violent crime (FBI) per 1,000", "Urban"] == f"{35 / 15:.2f}" == "2.33"
    assert table.loc["Participants per 1,000", "Rural"] == f"{9 / 2:.1f}"
    assert table.loc["Participants served", "Urban"] == "58"
    assert table.loc["Resident trust (0–100)", "Rural"] == "—"  # 1 rural respondent: not reportable
    app.selectbox(key="overview_map_metric").set_value("Program participants per 1,000 residents").run()
    assert not app.exception
    charts = app.get("deck_gl_json_chart")
    assert len(charts) == 1
    spec = charts[0].proto.json
    assert '"Birch"' in spec and "Participants per 1,000: 8.3" in spec


def test_unreadable_database_gives_one_sentence(tmp_path, monkeypatch):
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"this is not a database")
    monkeypatch.setenv("BRIDGEBOARD_DB", str(broken))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        f"Bridgeboard cannot open its database at {fmt.plain(broken)}. "
        "Check BRIDGEBOARD_DB or rebuild it with `python -m data demo`."
    ]


def test_a_database_with_only_areas_opens_every_page(tmp_path, monkeypatch):
    """A department's first import is often its areas: every page opens and says what is missing."""
    from components import maps, navigation
    from data.importers import run_import

    database = tmp_path / "areas-only.duckdb"
    areas = tmp_path / "areas.csv"
    areas.write_text("area_code,name,population,urbanicity\nA1,Alder,1000,urban\nB2,Birch,500,rural\n")
    users = tmp_path / "users.csv"
    users.write_text("email,display_name,role\nchief@example.org,Chief,chief\n")
    run_import("areas", areas, database)
    run_import("users", users, database)
    app = apptest.open_page(database, monkeypatch)
    assert_clean(app)
    assert [caption.value for caption in app.sidebar.caption][-1] == (
        "No incidents, survey answers or program activity are held yet."
    )
    assert apptest.metrics(app)["Violent crime (FBI) per 1k"] == ("—", "")
    assert apptest.metrics(app)["Active partnerships"] == ("0", "no change")
    assert [info.value for info in app.info] == [maps.NO_OUTLINES]  # areas from a CSV have no shapes
    for page in navigation.pages_for("chief"):
        app.switch_page(page.path).run()
        assert_clean(app)
    app.switch_page("pages/map.py").run()
    assert [info.value for info in app.info] == [maps.NO_OUTLINES]
    assert sorted(app.dataframe[0].value["name"]) == ["Alder", "Birch"]
    app.switch_page("pages/crime.py").run()
    assert [info.value for info in app.info] == [
        "No incidents are held yet. An analyst can import a records-system export on the Import data page."
    ]


def test_the_period_filter_spans_all_data_and_defaults_to_the_latest_crime():
    from components.runtime import data_span

    held = pd.Series(
        {
            "first_crime_month": pd.Timestamp("2023-01-01"),
            "last_crime_month": pd.Timestamp("2024-12-01"),
            "first_data_month": pd.Timestamp("2017-11-01"),  # years of vendor trust scores before the crime data
            "last_data_month": pd.Timestamp("2025-03-01"),
        }
    )
    assert data_span(held) == (dt.date(2017, 11, 1), dt.date(2025, 3, 1), dt.date(2024, 12, 1), True)
    no_crime = held.copy()
    no_crime[["first_crime_month", "last_crime_month"]] = pd.NaT
    assert data_span(no_crime) == (dt.date(2017, 11, 1), dt.date(2025, 3, 1), dt.date(2025, 3, 1), True)
    nothing = no_crime.copy()
    nothing[:] = pd.NaT
    assert data_span(nothing, today=dt.date(2026, 11, 25)) == (
        dt.date(2025, 11, 1),
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 1),
        False,
    )


def test_the_banner_calls_only_the_generated_demo_synthetic(fixture_path, demo_path, monkeypatch):
    banners = {}
    for name, path in (("fixture", fixture_path), ("demo", demo_path)):
        app = apptest.open_page(path, monkeypatch)
        # the data-quality line is a warning too when months are incomplete; the banners are the rest
        banners[name] = [warning.value for warning in app.warning if not warning.value.startswith("Data quality:")]
    assert banners["demo"] == [
        "**Demo mode** — synthetic data for a fictional agency. Nothing here describes real people or places. "
        "Switch roles with “View as” in the sidebar."
    ]
    # the fixture stands for an agency's own data: no claim that it is invented, a plain word on who can see it
    assert banners["fixture"] == [
        "**Demo mode on real data** — no sign-in is configured, so anyone who opens this app can view it as any "
        'role. Set up sign-in (README, "Sign-in") before it runs where others can reach it.'
    ]
