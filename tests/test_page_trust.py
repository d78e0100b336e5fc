"""The Community trust page in AppTest: hand-known numbers on the fixture, every role on the demo."""

import datetime as dt
import json
import math

import pandas as pd
import pytest

import apptest
import independent
from apptest import YEAR_2024, assert_clean
from pagetree import page_text
from test_sql_trust import weighted_se

PAGE = "pages/trust.py"


def open_page(db_path, monkeypatch, view_as=None, period=YEAR_2024, side=None):
    app = apptest.open_page(db_path, monkeypatch, PAGE, view_as, period)
    if side:
        app.radio(key="filter_urbanicity").set_value(side).run()
    assert_clean(app)
    return app


def cards(app):
    return {label: value for label, (value, _delta) in apptest.metrics(app).items()}


def charts(app):
    """The page's plotly figures as dicts, by their title; a grid drawn as one chart per column of
    panels (runtime.draw_chart) comes back as one figure holding every panel's traces."""
    figures: dict[str, dict] = {}
    for chart in app.get("plotly_chart"):
        figure = json.loads(chart.proto.spec)
        layout = figure["layout"]
        title = (layout.get("meta") or {}).get("figure_title") or layout.get("title", {}).get("text", "")
        if title in figures:
            figures[title]["data"] += figure["data"]
            figures[title]["layout"]["annotations"] = [
                *figures[title]["layout"].get("annotations", []),
                *layout.get("annotations", []),
            ]
        else:
            figures[title] = figure
    return figures


def resident_trust(con, start, end, side=None):
    """Weighted resident trust (mean, CI, n, n_eff) straight from survey_responses, as the Overview's check does."""
    responses = con.execute(
        """
        select r.*, w.fielded_to, a.urbanicity
        from survey_responses r
        join survey_waves w using (wave_id)
        left join areas a on a.area_id = r.area_id
        where w.audience = 'resident'
        """
    ).df()
    answered = responses["responded_on"].fillna(responses["fielded_to"])
    keep = (answered >= pd.Timestamp(start)) & (answered <= pd.Timestamp(end))
    if side:
        keep &= responses["urbanicity"] == side
    responses = responses[keep]
    items = responses[["trust_respect", "trust_listen", "trust_fair", "trust_rely"]].astype("float")
    score = (items.mean(axis=1) - responses["scale_min"]) / (responses["scale_max"] - responses["scale_min"]) * 100
    answered_trust = score.notna()
    values, weights = score[answered_trust].tolist(), responses.loc[answered_trust, "weight"].tolist()
    mean = sum(w * x for x, w in zip(values, weights, strict=True)) / sum(weights)
    se = weighted_se(values, weights) if len(values) > 1 else math.nan
    n_eff = sum(weights) ** 2 / sum(w * w for w in weights)
    return mean, (max(mean - 1.96 * se, 0), min(mean + 1.96 * se, 100)), len(values), n_eff


# --- fixture: hand-known numbers --------------------------------------------------------


def test_headline_resident_trust_per_side_for_2024(fixture_path, con, monkeypatch):
    app = open_page(fixture_path, monkeypatch)
    shown = cards(app)
    captions = [caption.value for caption in app.caption]
    # all residents in 2024: r1-r4 (sum w 8, sum w x 537.5) and wave 3 (sum w 120, sum w x 4,500)
    assert shown["Resident trust, all areas"] == f"{(537.5 + 4500) / 128:.1f}" == "39.4"
    _, ci, n, n_eff = resident_trust(con, *YEAR_2024)
    assert (n, round(n_eff)) == (64, 51)
    assert f"95% CI {ci[0]:.1f}–{ci[1]:.1f}, n = 64 (effective n 51)." in captions
    # urban: r1, r2, r3 and wave 3: sum w 124, sum w x 87.5 + 50 + 50 + 4,500 = 4,687.5
    assert shown["Resident trust, urban areas"] == f"{4687.5 / 124:.1f}" == "37.8"
    _, ci, n, _ = resident_trust(con, *YEAR_2024, side="urban")
    assert n == 63 and f"95% CI {ci[0]:.1f}–{ci[1]:.1f}, n = 63 (effective n 50)." in captions
    # rural: r4 alone answered trust items, too few to show
    assert shown["Resident trust, rural areas"] == "—"
    assert "Not shown: n = 1 response, below the 50 needed." in captions
    # two officers answered in 2024: no gap is reported
    assert shown["Resident − officer gap"] == "—"
    assert "Not shown: officers: n = 2 responses, below the 50 needed." in captions


def test_suppressed_cells_are_grey_and_listed_with_their_reason(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch)  # the "Over time" view first
    hidden = {frame.value.columns[0]: frame.value for frame in app.dataframe}["chart"]
    quarter = hidden[(hidden["chart"] == "Over time") & (hidden["cell"] == "Trust 2024-Q2")]
    assert set(quarter["reason"]) == {"n = 3 responses, below the 50 needed", "n = 1 response, below the 50 needed"}
    # drawn hollow and grey, the reason in the hover
    trend = charts(app)["Trust index by quarter — Jan 2024 – Dec 2024"]
    grey = [trace for trace in trend["data"] if trace.get("name") == "Too few responses (hover: why)"]
    assert grey and all(trace["marker"]["symbol"] == "circle-open" for trace in grey)
    assert any("n = 3 responses, below the 50 needed" in text for trace in grey for text in trace["hovertext"])
    app.segmented_control(key="trust_view").set_value("By area").run()
    assert_clean(app)
    tables = {frame.value.columns[0]: frame.value for frame in app.dataframe}
    areas = tables["area_code"].set_index("name")
    assert areas.loc["Birch", "value"] == pytest.approx((50 + 4500) / 121)  # r3 and wave 3: 37.60
    assert areas.loc["Alder", "note"] == "n = 2 responses, below the 50 needed"
    assert math.isnan(areas.loc["Alder", "value"])
    # the table carries the map's sample: Birch's n = 61 (r3 + wave 3's 60); Alder's 2, with no interval
    assert (areas.loc["Birch", "n"], areas.loc["Alder", "n"]) == (61, 2)
    assert areas.loc["Birch", "ci_low"] < areas.loc["Birch", "value"] < areas.loc["Birch", "ci_high"]
    assert math.isnan(areas.loc["Alder", "ci_low"]) and math.isnan(areas.loc["Alder", "ci_high"])
    assert areas.loc["Dogwood Township", "note"] == "no data"
    assert {"chart": "By area", "side": "Urban", "who": "Residents", "cell": "Alder"} in (
        tables["chart"][["chart", "side", "who", "cell"]].to_dict("records")
    )
    # the map's tooltip says why too
    deck = app.get("deck_gl_json_chart")[0].proto.json
    assert "Resident trust: not shown, n = 2 responses, below the 50 needed" in deck


@pytest.mark.parametrize("view_as", ["Director, Youth Org", "Director, Housing Org"])
def test_directors_see_the_same_survey_numbers(fixture_path, monkeypatch, view_as):
    app = open_page(fixture_path, monkeypatch, view_as=view_as)
    assert cards(app)["Resident trust, all areas"] == "39.4"  # surveys are agency-wide, not program data


def test_rural_filter_draws_only_rural_panels_and_areas(fixture_path, monkeypatch):
    both = open_page(fixture_path, monkeypatch)
    titles = [a["text"] for a in charts(both)["Trust index by quarter — Jan 2024 – Dec 2024"]["layout"]["annotations"]]
    assert titles == ["Trust index — Urban areas", "Trust index — Rural areas"]
    both.radio(key="filter_urbanicity").set_value("Rural").run()
    assert_clean(both)
    assert set(cards(both)) == {"Resident trust, rural areas", "Resident − officer gap, rural areas"}
    figure = charts(both)["Trust index by quarter — Jan 2024 – Dec 2024"]
    titles = [annotation["text"] for annotation in figure["layout"]["annotations"]]
    assert titles == ["Trust index — Rural areas"]
    both.segmented_control(key="trust_measure").set_value("Safety").run()
    figure = charts(both)["Safety index by quarter — Jan 2024 – Dec 2024"]
    assert [annotation["text"] for annotation in figure["layout"]["annotations"]] == ["Safety index — Rural areas"]
    both.segmented_control(key="trust_view").set_value("By area").run()
    areas = next(frame.value for frame in both.dataframe if frame.value.columns[0] == "area_code")
    assert sorted(areas["name"]) == ["Cedar Township", "Dogwood Township"]


def test_a_period_without_responses_says_so(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, period=(dt.date(2023, 7, 1), dt.date(2023, 9, 30)))
    infos = [info.value for info in app.info]
    assert "No survey responses were given in this period for the selected areas." in infos
    assert cards(app)["Resident trust, all areas"] == "—"


# --- demo: every role, realistic data ---------------------------------------------------


def test_every_role_on_the_demo_matches_the_survey_and_leaks_no_program(demo_path, demo_con, monkeypatch):
    monkeypatch.setenv("BRIDGEBOARD_DB", str(demo_path))
    start, end = independent.default_period(demo_con)
    urban = resident_trust(demo_con, start, end, side="urban")
    rural = resident_trust(demo_con, start, end, side="rural")
    app = apptest.open_page(demo_path, monkeypatch, PAGE)
    roles = apptest.roles(demo_con)
    assert len(roles) >= 10
    for label, nonprofit_id in roles:
        app.selectbox(key="view_as").set_value(label).run()
        assert_clean(app)
        shown = cards(app)
        assert shown["Resident trust, urban areas"] == f"{urban[0]:,.1f}", label
        assert shown["Resident trust, rural areas"] == f"{rural[0]:,.1f}", label
        captions = " ".join(caption.value for caption in app.caption)
        assert f"95% CI {rural[1][0]:,.1f}–{rural[1][1]:,.1f}, n = {rural[2]:,}" in captions, label
        if nonprofit_id is not None:
            text = page_text(app)
            leaked = [name for name in apptest.other_programs(demo_con, nonprofit_id) if name in text]
            assert not leaked, (label, leaked)


def test_breakdown_by_race_shows_every_group_with_intervals(demo_path, demo_con, monkeypatch):
    app = open_page(demo_path, monkeypatch, period=None)
    app.segmented_control(key="trust_view").set_value("By group").run()
    app.selectbox(key="trust_breakdown").set_value("Race / ethnicity").run()
    assert_clean(app)
    start, end = independent.default_period(demo_con)
    figure = next(f for title, f in charts(app).items() if title.startswith("Trust index by race / ethnicity"))
    groups = demo_con.execute(
        "select distinct coalesce(race_ethnicity, 'not stated') from survey_responses r join survey_waves w "
        "using (wave_id) where coalesce(r.responded_on, w.fielded_to) between ? and ?",
        [start, end],
    ).fetchall()
    labels = figure["layout"]["yaxis"]["ticktext"]
    assert sorted(labels) == sorted(group.replace("_", " ").capitalize() for (group,) in groups)
    # urban and rural side by side, each reliable estimate with its error bars
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["Urban areas", "Rural areas"]
    residents = [trace for trace in figure["data"] if trace.get("name") == "Residents (95% CI)"]
    assert len(residents) == 2 and all(trace["error_x"]["array"] for trace in residents)
