"""Directors read crime under the public rules, applied by the query runner from their scope.

DESIGN.md gives a director "their own organisation's programs and partnerships, plus public
aggregates": by area a count of 1-9 reads "<10" (with every rate and test that would give it
back), and the sensitive categories are counted only for the whole agency.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

import fixture_db
import queries
from apptest import CHIEF, YEAR_2024, errors, metrics, open_page

DIRECTOR = "Director, Youth Org"
YEAR = {"start_date": dt.date(2024, 1, 1), "end_date": dt.date(2024, 12, 31), "urbanicity": None}


@pytest.fixture(scope="module")
def with_sexual_assaults(tmp_path_factory):
    """The fixture plus 12 rapes (NIBRS 11A, category sexual_assault) in Alder (A1) in May 2024 and 2 in Birch (B2)."""
    path = tmp_path_factory.mktemp("sensitive") / "fixture.duckdb"
    crimes = [
        *fixture_db.CRIMES,
        (1, "11A", "2024-05-05 02:00", 12),
        (2, "11A", "2024-05-06 02:00", 2),
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fixture_db, "CRIMES", crimes)
        fixture_db.build(path)
    return path


def all_offences(app):
    """The page with every offence class (the class of an offence is issue 10's to redefine)."""
    app.segmented_control(key="crime_class").set_value("all").run()
    assert not errors(app)
    return app, app.dataframe[0].value.set_index("group_key")


def test_director_sees_under_10_where_the_chief_sees_the_count(fixture_path, monkeypatch):
    chief_app, chief = all_offences(open_page(fixture_path, monkeypatch, "pages/crime.py", CHIEF, YEAR_2024))
    director_app, director = all_offences(open_page(fixture_path, monkeypatch, "pages/crime.py", DIRECTOR, YEAR_2024))
    # 2024 by area: A1 10 + 20 robberies + 50 + 1 thefts = 81, B2 5, C3 4, D4 3
    assert chief["incidents"].to_dict() == {"A1": 81, "B2": 5, "C3": 4, "D4": 3}
    assert director["incidents_shown"].to_dict() == {"A1": "81", "B2": "<10", "C3": "<10", "D4": "<10"}
    # a year earlier: A1 20 + 40 = 60, B2 10, C3 2, D4 1
    assert director["incidents_prior_shown"].to_dict() == {"A1": "60", "B2": "10", "C3": "<10", "D4": "<10"}
    # nothing in the table or its CSV gives a hidden count back: count, rate, change, z, exact p; a row
    # with its count hidden keeps only who it is, its population and the year before where that is shown
    # (a column added to crime/yoy later is hidden unless it is named here)
    keeps = {"group_key", "group_label", "urbanicity", "side", "areas", "population", "incidents_shown",
             "incidents_prior_shown", "change", "incidents_prior", "rate_per_1k_prior"}  # fmt: skip
    for area in ("B2", "C3", "D4"):
        row = director.loc[area]
        given_back = [
            column for column, value in row.items() if column not in keeps and not (value is None or pd.isna(value))
        ]
        assert given_back == [], (area, given_back)
        assert row["change"] == "– not shown for counts under 10"
    # D4: 3 against 1 a year earlier; both hidden, so is the year before
    assert pd.isna(director.loc["D4", "incidents_prior"]) and pd.isna(director.loc["D4", "rate_per_1k_prior"])
    assert director.loc["A1", "rate_per_1k"] == pytest.approx(8.1)  # 81 per 10,000 residents
    assert director.loc["B2", "rate_per_1k_prior"] == pytest.approx(2.0)  # 10 per 5,000: 10 is shown
    # the urban and rural cards are not by area: the same as the chief's (urban 86 over 15,000, 70 before)
    assert metrics(director_app) == metrics(chief_app)
    assert metrics(director_app)["Urban: offences per 1,000 residents"] == ("5.73", "+22.9%")


def test_sensitive_categories_only_agency_wide_for_directors(with_sexual_assaults):
    con = duckdb.connect(str(with_sexual_assaults), read_only=True)
    chief, director = queries.Scope("chief"), queries.Scope("director", 1)

    def counts(scope, group_by):
        frame = queries.run(con, "crime/yoy", scope=scope, group_by=group_by, crime_class="all", **YEAR)
        return frame.set_index("group_key")["incidents"].to_dict()

    # the chief: A1 81 + 12 = 93, B2 5 + 2 = 7; agency-wide 93 + 7 + 4 + 3 = 107
    assert counts(chief, "area") == {"A1": 93, "B2": 7, "C3": 4, "D4": 3}
    assert counts(chief, "all") == {"all": 107}
    # a director: no sexual assault below the whole agency (A1 81; B2 5, C3 4 and D4 3 hidden as <10) ...
    shown = queries.run(con, "crime/yoy", scope=director, group_by="area", crime_class="all", **YEAR)
    assert shown.set_index("group_key")["incidents_shown"].to_dict() == {
        "A1": "81",
        "B2": "<10",
        "C3": "<10",
        "D4": "<10",
    }
    assert counts(director, "urbanicity") == {"urban": 86, "rural": 7}  # 93 + 7 - 14 sexual assaults
    # ... and the whole agency's count with them, as the public file has it
    assert counts(director, "all") == {"all": 107}
    monthly = queries.run(con, "crime/monthly", scope=director, group_by="area", categories=None, **YEAR)
    assert "sexual_assault" not in set(monthly["category"])
    assert "sexual_assault" in set(
        queries.run(con, "crime/monthly", scope=chief, group_by="area", categories=None, **YEAR)["category"]
    )
    # asking for the sensitive categories alone by area or side is refused with the rule
    for group_by in ("area", "urbanicity"):
        with pytest.raises(queries.QueryError, match="only for the whole agency"):
            queries.run(con, "crime/rolling", scope=director, group_by=group_by, categories=["sexual_assault"], **YEAR)
    alone = queries.run(con, "crime/yoy", scope=director, group_by="all", categories=["sexual_assault"], **YEAR)
    assert alone["incidents"].tolist() == [14]  # 12 + 2


def test_director_rolling_means_by_area_are_hidden(fixture_path):
    """Two months' rolling means differ by single months' counts, so by area a director gets none."""
    con = duckdb.connect(str(fixture_path), read_only=True)
    chief = queries.run(con, "crime/rolling", scope=queries.Scope("chief"), group_by="area", **YEAR)
    director = queries.run(con, "crime/rolling", scope=queries.Scope("director", 2), group_by="area", **YEAR)
    assert chief["rolling_12m_incidents"].notna().any()
    assert director["rolling_12m_incidents"].isna().all()
    # A1 March 2024: 50 thefts shown; D4 September 2024: 3 robberies hidden
    month = dt.date(2024, 3, 1)
    a1 = director[(director["group_key"] == "A1") & (director["month"].dt.date == month)]
    assert a1["incidents_shown"].tolist() == ["50"]
    d4 = director[(director["group_key"] == "D4") & (director["month"].dt.date == dt.date(2024, 9, 1))]
    assert d4["incidents_shown"].tolist() == ["<10"] and d4["incidents"].isna().all()


def test_methodology_states_the_rules_for_directors_and_trainings(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/methodology.py", DIRECTOR)
    text = " ".join(markdown.value for markdown in app.markdown)
    assert 'count from 1 to 9 reads "<10"' in text
    assert "counted only for the whole agency" in text
    assert "**Officer trainings** of every partnership" in text
