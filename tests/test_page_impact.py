"""Impact page in AppTest: verdicts only where the data support one, the comparison areas, the synthetic control."""

import pandas as pd
import pytest

import queries
from apptest import CHIEF, YEAR_2024, directors, errors, metrics, open_page
from data import demo

# the whole demo period, so every partnership that ever ran is offered
DEMO_SPAN = (demo.DEMO_START, demo.DEMO_END)
VERDICT_WORDS = ("Fewer crimes than expected", "More crimes than expected", "No detectable change")
STATISTICS = ("WDD (offences)", "z", "Exact p", "Against expected")


def coloured_verdicts(app) -> list[str]:
    boxes = [*app.success, *app.warning, *app.info]
    return [box.value for box in boxes if any(word in box.value for word in VERDICT_WORDS)]


def cannot_judge(app) -> list[str]:
    """The "Cannot judge yet" blocks as read on screen (Markdown escapes of names removed)."""
    return [block.value.replace("\\", "") for block in app.markdown if "**Cannot judge yet:**" in block.value]


def assert_no_verdict(app) -> None:
    assert not coloured_verdicts(app)
    assert not set(STATISTICS) & set(metrics(app)), metrics(app)
    assert cannot_judge(app)


def test_fixture_partnership_without_comparison_areas(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/impact.py", CHIEF, YEAR_2024, {"partnership": "1"})
    assert app.selectbox(key="impact_partnership").value == 1
    # P1 (youth, A1 + B2, from 2023-01): no urban area is left to compare with; 2022 holds no crime
    assert_no_verdict(app)
    (reason,) = cannot_judge(app)
    assert "There are no comparison areas" in reason
    assert "the before window needs 12 months the crime data do not hold (Jan 2022–Dec 2022)" in reason
    counts = app.dataframe[0].value  # the four counts stay visible
    assert counts[["before", "after"]].values.tolist() == [[0, 30], [0, 0]]
    assert not errors(app)


def test_fixture_rural_partnership_with_too_few_offences(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/impact.py", CHIEF, YEAR_2024, {"partnership": "2"})
    # P2 (homelessness, C3, from 2024-03): T0 0, T1 4; control D4: C0 1, C1 3 -> the old page said z 0.71
    assert_no_verdict(app)
    (reason,) = cannot_judge(app)
    # months the data-quality check flags (Aug-Oct 2023 below half their trailing median, ...) are not held
    assert "The before window needs 5 months the crime data do not hold (Aug 2023, Sep 2023" in reason
    assert "Feb 2025" in reason  # the after window's month past the data
    assert "too few offences to test: the four counts are 0, 4, 1 and 3, and each needs at least 10" in reason
    assert app.dataframe[0].value[["before", "after"]].values.tolist() == [[0, 4], [1, 3]]


@pytest.mark.parametrize("raw", ["abc", "99999", "1; drop table incidents", "3"])
def test_bad_or_foreign_partnership_in_the_url(fixture_path, monkeypatch, raw):
    # "3" exists but is Youth Org's: the Housing director may not evaluate it
    app = open_page(
        fixture_path, monkeypatch, "pages/impact.py", "Director, Housing Org", YEAR_2024, {"partnership": raw}
    )
    assert not errors(app)
    assert any(
        "could not be read" in box.value or "is not among the partnerships you can evaluate here" in box.value
        for box in app.warning
    )
    assert app.selectbox(key="impact_partnership").options == ["Street outreach partnership"]


def partnership_id(con, name):
    return con.execute("select partnership_id from partnerships where name = ?", [name]).fetchone()[0]


@pytest.mark.parametrize("effect", demo.PLANTED_CRIME_EFFECTS, ids=lambda effect: effect.partnership_name)
def test_demo_planted_effect_reads_as_fewer_crimes(demo_path, demo_con, monkeypatch, effect):
    chosen = partnership_id(demo_con, effect.partnership_name)
    app = open_page(demo_path, monkeypatch, "pages/impact.py", query_params={"partnership": str(chosen)})
    assert not errors(app)
    assert any("Fewer crimes than expected" in box.value for box in app.success)
    shown = metrics(app)
    assert shown["Exact p"][0] == "< 0.001"
    # the synthetic control agrees, ranks the served areas first among the placebos, and shows its weights
    (synthetic,) = [box.value for box in app.info if box.value.startswith("**Synthetic control:")]
    assert "ranked 1 of" in synthetic
    weights = next(frame.value for frame in app.dataframe if "weight_pct" in frame.value.columns)
    assert weights["weight_pct"].sum() == pytest.approx(100) and (weights["weight_pct"] >= 0).all()
    spec = app.get("plotly_chart")[0].proto.spec
    # axis titles as title objects (a bare string title is dropped by the browser's plotly), windows shaded
    for text in (
        '"title":{"text":"Months since the start (0 = start month)"}',
        # a value axis that does not start at zero says where it starts (charts.note_axis_start)
        '"title":{"text":"Rate per 1,000, % of the year before ',
        "axis starts at ",
        "Synthetic control",
        "Areas served, 95% band",
        "Comparison areas, 95% band",
        '"text":"before"',
        '"text":"after"',
    ):
        assert text in spec, text
    assert spec.count('"type":"rect"') == 2


@pytest.mark.parametrize("null", demo.PLANTED_NULLS, ids=lambda null: null.partnership_name)
def test_demo_planted_null_states_the_detectable_effect(demo_path, demo_con, monkeypatch, null):
    chosen = partnership_id(demo_con, null.partnership_name)
    app = open_page(demo_path, monkeypatch, "pages/impact.py", query_params={"partnership": str(chosen)})
    assert any("No detectable change" in box.value for box in app.info)
    row = queries.run(demo_con, "impact/wdd", partnership_id=chosen, crime_class="violent").iloc[0]
    expected = f"only a fall of {row.mde_fall_pct:.0f}% or more, or a rise of {row.mde_rise_pct:.0f}% or more"
    assert any(expected in caption.value for caption in app.caption)


def test_safe_haven_director_default_view_shows_no_verdict(demo_path, demo_con, monkeypatch):
    app = open_page(demo_path, monkeypatch, "pages/impact.py", "Director, Safe Haven Family Violence Services")
    assert app.selectbox(key="impact_partnership").value == partnership_id(demo_con, "Family Violence Response Team")
    assert_no_verdict(app)
    (reason,) = cannot_judge(app)
    # the partnership started in March 2020; the data begin in January 2020
    assert "the before window needs 10 months the crime data do not hold (Mar 2019–Dec 2019)" in reason
    assert "+11,677" not in " ".join(block.value for block in app.markdown)
    # with no comparison areas the chart draws the areas served alone, no empty comparison line
    spec = app.get("plotly_chart")[0].proto.spec
    assert '"name":"Areas served"' in spec and '"name":"Comparison areas"' not in spec


def test_analyst_changes_the_comparison_areas(demo_path, demo_con, monkeypatch):
    chosen = partnership_id(demo_con, "East Side Safe Passages")
    app = open_page(demo_path, monkeypatch, "pages/impact.py", query_params={"partnership": str(chosen)})
    picker = app.multiselect(key=f"impact_comparison_{chosen}_12")
    default = queries.run(demo_con, "impact/comparison_candidates", partnership_id=chosen)
    assert sorted(picker.value) == sorted(default.loc[default["is_default"], "area_code"])
    assert set(picker.options) >= {"Downtown (urban)", "Salt Fork Township (rural)"}
    picker.set_value(["N04", "N16"]).run()
    expected = queries.run(
        demo_con, "impact/wdd", partnership_id=chosen, crime_class="violent", comparison_area_codes=["N04", "N16"]
    ).iloc[0]
    counts = app.dataframe[0].value
    assert counts.loc[1, ["area_count", "before", "after"]].tolist() == [
        2, expected.control_before, expected.control_after
    ]  # fmt: skip
    picker.set_value([]).run()
    assert_no_verdict(app)
    assert "No comparison areas are chosen" in cannot_judge(app)[0]


# --- acceptance: no verdict without support, for any partnership, window, offence class or role --------


def demo_partnerships(con):
    return [
        row[0] for row in con.execute("select partnership_id from partnerships where status <> 'planned'").fetchall()
    ]


@pytest.mark.parametrize("chosen", range(1, 22))
def test_every_window_and_class_follows_the_evaluable_rule(demo_path, demo_con, monkeypatch, chosen):
    if chosen not in demo_partnerships(demo_con):
        pytest.skip("a planned partnership is not offered for evaluation")
    app = open_page(
        demo_path, monkeypatch, "pages/impact.py", CHIEF, DEMO_SPAN, query_params={"partnership": str(chosen)}
    )
    assert app.selectbox(key="impact_partnership").value == chosen
    for window_months in (6, 12, 18, 24):
        app.selectbox(key="impact_window").set_value(window_months).run()
        for crime_class in ("violent", "property", "all"):
            app.selectbox(key="impact_class").set_value(crime_class).run()
            assert not app.exception and not errors(app)
            row = queries.run(
                demo_con, "impact/wdd", partnership_id=chosen, window_months=window_months, crime_class=crime_class
            ).iloc[0]
            # the rule, checked independently of the query's own flag
            unsupported = row.control_areas == 0 or row.months_missing > 0
            assert not (unsupported and row.evaluable)
            if row.evaluable:
                assert len(coloured_verdicts(app)) == 1 and "Exact p" in metrics(app)
            else:
                assert_no_verdict(app)
                assert pd.notna(row.not_evaluable_reason)


def test_directors_see_verdicts_only_under_the_same_rule_for_every_window_and_class(demo_path, demo_con, monkeypatch):
    names = dict(demo_con.execute("select name, partnership_id from partnerships").fetchall())
    for nonprofit_id, label in directors(demo_con):
        app = open_page(demo_path, monkeypatch, "pages/impact.py", label, DEMO_SPAN)
        offered = [names[name] for name in app.selectbox(key="impact_partnership").options]
        # every partnership of theirs that is not still being planned, and no one else's
        assert set(offered) == {
            partnership_id
            for (partnership_id,) in demo_con.execute(
                "select partnership_id from partnerships where nonprofit_id = ? and status <> 'planned'", [nonprofit_id]
            ).fetchall()
        }
        for chosen in offered:
            app.selectbox(key="impact_partnership").set_value(chosen).run()
            for window_months in (6, 12, 18, 24):
                app.selectbox(key="impact_window").set_value(window_months).run()
                for crime_class in ("violent", "property", "all"):
                    app.selectbox(key="impact_class").set_value(crime_class).run()
                    assert not app.exception and not errors(app)
                    row = queries.run(
                        demo_con,
                        "impact/wdd",
                        partnership_id=chosen,
                        window_months=window_months,
                        crime_class=crime_class,
                    ).iloc[0]
                    assert not ((row.control_areas == 0 or row.months_missing > 0) and row.evaluable)
                    if row.evaluable:
                        assert len(coloured_verdicts(app)) == 1
                    else:
                        assert_no_verdict(app)
