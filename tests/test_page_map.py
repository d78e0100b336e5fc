"""The Map page in AppTest: hand-known numbers on the fixture, sites and scope on the demo."""

import json
import math

import pandas as pd
import pytest

import apptest
import independent
from apptest import YEAR_2024, assert_clean
from pagetree import page_text

PAGE = "pages/map.py"


def open_page(db_path, monkeypatch, view_as=None, period=YEAR_2024, metric=None):
    app = apptest.open_page(db_path, monkeypatch, PAGE, view_as, period)
    if metric:
        app.selectbox(key="map_metric").set_value(metric).run()
    assert_clean(app)
    return app


def tables(app):
    """The page's tables by their first column: 'area_code' (areas) and 'site_name' (sites)."""
    return {frame.value.columns[0]: frame.value for frame in app.dataframe}


def deck(app):
    charts = app.get("deck_gl_json_chart")
    assert len(charts) == 1
    return charts[0].proto.json


def violent_per_1k(con, start, end):
    """Violent offences per 1,000 residents by area name, counted from incidents (not the rollup)."""
    counts = con.execute(
        "select a.name, a.population, count(i.incident_id) filter (where i.crime_class = 'violent'"
        " and i.occurred_at >= ? and i.occurred_at < ?) as violent"
        " from areas a left join incidents i using (area_id) group by a.name, a.population",
        [pd.Timestamp(start).to_period("M").start_time, pd.Timestamp(end) + pd.Timedelta(days=1)],
    ).df()
    return (counts["violent"] * 1000 / counts["population"].astype("float")).set_axis(counts["name"])


# --- fixture: hand-known numbers --------------------------------------------------------


def test_violent_crime_rate_per_area_for_2024(fixture_path, con, monkeypatch):
    app = open_page(fixture_path, monkeypatch)
    areas = tables(app)["area_code"].set_index("name")
    # Alder 10 + 20 robberies / 10,000; Birch 5 assaults / 5,000; Cedar 4 assaults / 2,000
    assert areas.loc["Alder", "value"] == pytest.approx(30 * 1000 / 10_000)
    assert areas.loc["Birch", "value"] == pytest.approx(5 * 1000 / 5_000)
    assert areas.loc["Cedar Township", "value"] == pytest.approx(4 * 1000 / 2_000)
    truth = violent_per_1k(con, *YEAR_2024)
    for name in ("Alder", "Birch", "Cedar Township"):
        assert areas.loc[name, "value"] == pytest.approx(truth[name])
    # Dogwood's 3 robberies have no population to divide by
    assert math.isnan(areas.loc["Dogwood Township", "value"]) and areas.loc["Dogwood Township", "note"] == "no data"
    spec = deck(app)
    assert "Violent crime (FBI) per 1,000: 3.00" in spec and '"Urban"' in spec and '"Rural"' in spec
    assert '"city-limit"' in spec and '"html"' not in spec  # tooltip text only: names come from imported files
    assert "No program sites are recorded" in " ".join(caption.value for caption in app.caption)


def test_trust_map_greys_thin_areas_with_the_reason(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, metric="Resident trust index (0–100)")
    areas = tables(app)["area_code"].set_index("name")
    assert areas.loc["Birch", "value"] == pytest.approx((50 + 4500) / 121)  # r3 and wave 3
    assert areas.loc["Alder", "note"] == "n = 2 responses, below the 50 needed"
    assert areas.loc["Cedar Township", "note"] == "n = 1 response, below the 50 needed"
    assert "Resident trust: not shown, n = 1 response, below the 50 needed" in deck(app)


@pytest.mark.parametrize(
    ("view_as", "expected"),
    [
        # G1 serves Alder and Birch all year, G3 Birch in the summer, G2 Cedar from March; G4 ended in 2022
        ("Chief of police (whole agency)", {"Alder": 1, "Birch": 2, "Cedar Township": 1, "Dogwood Township": 0}),
        ("Director, Youth Org", {"Alder": 1, "Birch": 2, "Cedar Township": 0, "Dogwood Township": 0}),
        ("Director, Housing Org", {"Alder": 0, "Birch": 0, "Cedar Township": 1, "Dogwood Township": 0}),
    ],
)
def test_programs_running_counts_the_viewers_programs(fixture_path, monkeypatch, view_as, expected):
    app = open_page(fixture_path, monkeypatch, view_as=view_as, metric="Programs running")
    areas = tables(app)["area_code"].set_index("name")
    assert areas["value"].to_dict() == expected


def test_rural_filter_keeps_only_rural_areas(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch)
    assert len(tables(app)["area_code"]) == 4
    app.radio(key="filter_urbanicity").set_value("Rural").run()
    assert_clean(app)
    assert sorted(tables(app)["area_code"]["name"]) == ["Cedar Township", "Dogwood Township"]
    spec = deck(app)
    assert '"Alder"' not in spec and '"Cedar Township"' in spec


# --- demo: sites, scope and every role --------------------------------------------------


def sites_in_period(con, start, end, nonprofit_id=None, side=None):
    frame = con.execute(
        """
        select s.name as site, p.name as program, pa.nonprofit_id, a.urbanicity
        from program_sites s join programs p using (program_id) join partnerships pa using (partnership_id)
        left join areas a on a.area_id = s.area_id
        where p.start_date <= ? and coalesce(p.end_date, ?) >= ?
        """,
        [end, start, start],
    ).df()
    if nonprofit_id is not None:
        frame = frame[frame["nonprofit_id"] == nonprofit_id]
    if side is not None:
        frame = frame[frame["urbanicity"] == side]
    return frame


def test_every_role_sees_its_own_sites_and_no_one_elses(demo_path, demo_con, monkeypatch):
    monkeypatch.setenv("BRIDGEBOARD_DB", str(demo_path))
    start, end = independent.default_period(demo_con)
    app = apptest.open_page(demo_path, monkeypatch, PAGE)
    truth = violent_per_1k(demo_con, start, end)
    areas = tables(app)["area_code"].set_index("name")
    assert areas["value"].dropna().to_dict() == pytest.approx(truth.dropna().to_dict())
    roles = apptest.roles(demo_con)
    assert len(roles) >= 10
    for label, nonprofit_id in roles:
        app.selectbox(key="view_as").set_value(label).run()
        assert_clean(app)
        expected = sites_in_period(demo_con, start, end, nonprofit_id)
        shown = tables(app).get("site_name", pd.DataFrame(columns=["site_name"]))
        assert sorted(shown["site_name"]) == sorted(expected["site"]), label
        # sites within about a kilometre are drawn as one circle: the circles hold every site, once
        layers = json.loads(deck(app))["layers"]
        circles = next((layer["data"] for layer in layers if layer["id"] == "program-sites"), [])
        assert sum(circle["sites"] for circle in circles) == len(expected), label
        single = {circle["name"] for circle in circles if circle["sites"] == 1}
        assert single <= set(expected["site"]), label
        if nonprofit_id is not None:
            text = page_text(app)
            leaked = [name for name in apptest.other_programs(demo_con, nonprofit_id) if name in text]
            assert not leaked, (label, leaked)


def test_urban_filter_on_demo_keeps_urban_areas_and_sites(demo_path, demo_con, monkeypatch):
    app = open_page(demo_path, monkeypatch, period=None)
    app.radio(key="filter_urbanicity").set_value("Urban").run()
    assert_clean(app)
    start, end = independent.default_period(demo_con)
    shown = tables(app)
    urban_areas = demo_con.execute("select name from areas where urbanicity = 'urban'").df()["name"]
    assert sorted(shown["area_code"]["name"]) == sorted(urban_areas)
    assert sorted(shown["site_name"]["site_name"]) == sorted(
        sites_in_period(demo_con, start, end, side="urban")["site"]
    )


def test_the_view_fits_areas_lying_across_the_antimeridian():
    import shapely

    from components import maps

    aleutians = shapely.MultiPolygon([shapely.box(172, 51, 180, 53), shapely.box(-180, 51, -165, 55)])
    mainland = shapely.box(-170, 55, -130, 71)
    # plain bounds would be -180..180; counted eastwards the region spans 172..230 (= -130)
    assert maps.extent([aleutians, mainland]) == (172, 51, 230, 71)
    shapes = pd.DataFrame({"geojson": [shapely.to_geojson(aleutians), shapely.to_geojson(mainland)]})
    assert maps._view(shapes).longitude == pytest.approx(-159)
    # one side of the antimeridian, or across Greenwich: the bounds as they are
    assert maps.extent([shapely.box(-90, 39, -89, 40)]) == (-90, 39, -89, 40)
    assert maps.extent([shapely.box(-0.5, 51, 0.3, 52)]) == (-0.5, 51, 0.3, 52)
