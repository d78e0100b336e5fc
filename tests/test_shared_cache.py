"""The query cache shared by every session (st.cache_resource): keyed on the viewer's scope, and
a caller's changes to its frame never reach the kept one or the next caller.

Run outside a Streamlit server, as the worker threads of runtime.queries_at_once call it.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from components import runtime

PARAMS = runtime._plain(
    {
        "start_date": dt.date(2000, 1, 1),
        "end_date": dt.date(2024, 12, 31),
        "urbanicity": None,
        "nonprofit_id": None,
        "partnership_id": None,
    }
)


def scorecard_programs(fixture_path, scope: tuple[str, int | None]) -> set[str]:
    path = str(fixture_path)
    frame = runtime._cached_query(
        path,
        runtime.database_version(fixture_path),
        scope,
        "programs/scorecard",
        PARAMS,
    )
    return set(frame["program_name"])


def test_a_directors_rows_are_never_served_to_another_viewer(fixture_path):
    # the fixture's programs: nonprofit 1 runs Mentoring, Summer league and Old program, 2 runs Outreach
    youth = scorecard_programs(fixture_path, ("director", 1))
    housing = scorecard_programs(fixture_path, ("director", 2))
    chief = scorecard_programs(fixture_path, ("chief", None))
    assert "Outreach" not in youth and youth <= {"Mentoring", "Summer league", "Old program"} and youth
    assert housing == {"Outreach"}
    assert youth | housing <= chief and "Outreach" in chief and "Mentoring" in chief
    # asked again in the other order, from the cache: still each viewer's own rows
    assert scorecard_programs(fixture_path, ("director", 2)) == {"Outreach"}
    assert scorecard_programs(fixture_path, ("director", 1)) == youth


def test_a_callers_changes_do_not_reach_the_cache(fixture_path):
    version = runtime.database_version(fixture_path)
    ask = (str(fixture_path), version, ("chief", None), "meta/coverage", ())
    first = runtime._cached_query(*ask)
    kept = first.copy(deep=True)
    first.iloc[0, 0] = None  # in place, as a careless page might
    first["added"] = 1
    second = runtime._cached_query(*ask)
    assert second is not first
    assert list(second.columns) == list(kept.columns)
    assert second.equals(kept)


def overview_urban_rural_spec(app) -> tuple[str, ...]:
    """The Overview's urban/rural figure (one chart per panel) as sent to the browser."""
    specs = tuple(chart.proto.spec for chart in app.get("plotly_chart") if "overview-urban-rural" in chart.proto.id)
    assert specs, "the urban/rural chart is drawn"
    return specs


def test_kept_charts_and_maps_are_each_viewers_own(fixture_path, monkeypatch, con):
    # the Overview keeps its urban/rural chart (runtime.kept_chart) and its map across sessions; the
    # program counts in it are the director's own. Chief first, so a director would be served the
    # chief's kept chart if the viewer were missing from its key, then the chief again from the cache.
    from apptest import CHIEF, YEAR_2024, directors, open_page

    fresh = {}
    for label in (CHIEF, *[label for _, label in directors(con)]):
        st.cache_resource.clear()
        fresh[label] = overview_urban_rural_spec(open_page(fixture_path, monkeypatch, view_as=label, period=YEAR_2024))
    assert len(set(fresh.values())) == len(fresh), "the fixture's viewers see different program counts"
    st.cache_resource.clear()
    for label in fresh:  # one process, one cache: each viewer still gets their own figure
        app = open_page(fixture_path, monkeypatch, view_as=label, period=YEAR_2024)
        assert overview_urban_rural_spec(app) == fresh[label]
        decks = [deck.proto.json for deck in app.get("deck_gl_json_chart")]
        assert decks, "the map is drawn"
