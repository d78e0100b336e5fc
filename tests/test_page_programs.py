"""Programs scorecard page in AppTest: numbers from the fixture, scope for directors."""

import re

import pytest

from apptest import CHIEF, YEAR_2024, directors, errors, metrics, open_page, other_programs
from pagetree import page_text


def test_chief_sees_every_program(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/programs.py", CHIEF, YEAR_2024)
    assert not errors(app)
    shown = metrics(app)
    assert shown["Programs"][0] == "3"
    assert shown["Participants served"][0] == "67"  # 25 + 9 + 33
    assert shown["Measures on track"][0] == "1 of 2"  # arrests 9 <= 10 yes; attendance 79.5 < 80 no
    assert shown["Urban · rural programs"][0] == "2 · 1"
    overview = app.dataframe[0].value.set_index("program_name")
    assert overview.loc["Mentoring", "cost_per_participant"] == pytest.approx(38_420 / 25)


def test_detail_shows_status_in_words(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/programs.py", CHIEF, YEAR_2024)
    app.selectbox(key="programs_detail").set_value(1).run()  # program 1 is Mentoring
    tables = [table.value for table in app.dataframe[1:]]
    statuses = {row["kpi_name"]: row["status"] for table in tables for _, row in table.iterrows()}
    assert statuses == {"Attendance rate": "✗ off track", "Participants arrested within 6 months": "✓ on track"}


def test_director_sees_only_own_programs(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/programs.py", "Director, Housing Org", YEAR_2024)
    assert metrics(app)["Programs"][0] == "1"
    assert list(app.dataframe[0].value["program_name"]) == ["Outreach"]
    assert "Mentoring" not in page_text(app) and "Summer league" not in page_text(app)


def test_no_director_sees_another_organisations_programs_on_the_demo(demo_path, demo_con, monkeypatch):
    for nonprofit_id, label in directors(demo_con):
        app = open_page(demo_path, monkeypatch, "pages/programs.py", label)
        text = page_text(app)
        leaked = [name for name in other_programs(demo_con, nonprofit_id) if name in text]
        assert not leaked, (label, leaked)


def test_scorecard_shows_a_dash_for_a_missing_baseline_and_dates_every_latest(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/programs.py", CHIEF, YEAR_2024)
    app.selectbox(key="programs_detail").set_value(1).run()  # Mentoring: kpis 1 and 2 of the fixture
    rows = {row["kpi_name"]: row for table in app.dataframe[1:] for _, row in table.value.iterrows()}
    attendance = rows["Attendance rate"]  # kpi 2: baseline None, one report 79.5 for Jan-Mar 2024
    assert attendance["baseline_text"] == "—" and attendance["change_text"] == "—"
    assert attendance["latest_text"] == "79.5% (to Mar 2024)"
    arrests = rows["Participants arrested within 6 months"]  # kpi 1: baseline 20, latest 9 (Apr-Jun 2024)
    assert (arrests["latest_text"], arrests["target_text"], arrests["baseline_text"]) == (
        "9.0% (to Jun 2024)",
        "10.0%",
        "20.0%",
    )
    assert arrests["change_text"] == "-55%"  # (9 - 20) / 20 = -55%
    text = page_text(app)
    assert not re.search(r"\bNone\b|\bnan\b|\bNaT\b", text), re.search(r".{80}\b(None|nan|NaT)\b.{40}", text)
    labels = [button.label for button in app.get("download_button")]
    assert "Download CSV" not in labels and len(labels) == len(set(labels))


def test_counts_in_a_scorecard_have_no_decimals():
    from components import scorecards

    assert scorecards.measure_text(50.0, "sessions") == "50 sessions"
    assert scorecards.measure_text(1205.0, "people") == "1,205 people"
    assert scorecards.measure_text(3.5, "days") == "3.5 days"
    assert scorecards.measure_text(None, "people") == "—"
    assert scorecards.latest_text(205.0, "people", "2026-09-30") == "205 people (to Sep 2026)"
