"""The public report in AppTest: every figure comes from the published file, hidden cells stay hidden."""

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from apptest import APP
from components import runtime


@pytest.fixture
def public_app(fixture_path, tmp_path, monkeypatch):
    from data import publish

    path = tmp_path / "public.duckdb"
    publish.publish(fixture_path, path)
    monkeypatch.setenv("BRIDGEBOARD_MODE", "public")
    monkeypatch.setenv("BRIDGEBOARD_PUBLIC_DB", str(path))
    monkeypatch.setenv("BRIDGEBOARD_DB", str(tmp_path / "not-here.duckdb"))
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception and not app.error
    connection = duckdb.connect(str(path), read_only=True)
    yield app, connection
    connection.close()


def test_partnership_list_is_the_published_one(public_app):
    app, published = public_app
    table = app.dataframe[0].value
    expected = published.execute("select partnership_name from partnerships order by all").fetchall()
    assert sorted(table["partnership_name"]) == [name for (name,) in expected]
    assert "roles" not in table.columns and "funding_usd" not in table.columns


def test_crime_chart_draws_published_counts_and_marks_hidden_ones(public_app):
    app, published = public_app
    spec = app.get("plotly_chart")[0].proto.spec
    # the fixture's small violent months are 1-9 city-wide, so urban and rural read "in total only" there:
    # drawn as such, never as a number
    rolled_up = published.execute(
        "select count(*) from crime_urbanicity_month where crime_class = 'violent'"
        " and incidents_suppressed = 'rolled_up'"
    ).fetchall()[0][0]
    assert rolled_up > 0
    assert "in a city-wide total below 10" in spec
    visible = published.execute(
        "select incidents from crime_urbanicity_month where crime_class = 'violent' and incidents is not null"
        " and incidents >= 10"
    ).fetchall()
    for (count,) in visible:
        assert str(count) in spec


def test_open_data_offers_every_published_table(public_app):
    app, _ = public_app
    labels = [button.label for button in app.get("download_button")]
    for table in runtime.PUBLIC_TABLES:
        assert f"{table.replace('_', ' ')} (CSV)" in labels


def test_side_filter_keeps_one_side(public_app):
    app, _ = public_app
    app.segmented_control(key="public_side").set_value("Rural").run()
    assert set(app.dataframe[0].value["urbanicity"]) == {"rural"}
    spec = app.get("plotly_chart")[0].proto.spec
    assert "Rural areas" in spec and "Urban areas" not in spec
