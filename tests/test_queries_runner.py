"""queries.run: parameters are checked against each file's header before DuckDB sees them."""

import datetime as dt

import pytest

import queries
from queries import QueryError, Scope

GOOD = {"start_date": "2024-01-01", "end_date": "2024-12-31", "urbanicity": None, "group_by": "all"}


def test_runs_on_its_own_cursor_with_bound_values(con):
    frame = queries.run(con, "crime/yoy", **GOOD, crime_class="violent")
    assert frame.loc[0, "incidents"] == 42
    # the same call with real dates instead of ISO text gives the same numbers
    same = queries.run(con, "crime/yoy", **{**GOOD, "start_date": dt.date(2024, 1, 1)}, crime_class="violent")
    assert same.equals(frame)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"crime_class": "violent", "start_date": None}, "needs a value"),
        ({"crime_class": "violent", "colour": "red"}, "unknown parameter $colour"),
        ({"crime_class": "violent", "start_date": "31/01/2024"}, "must be a date like 2024-01-31"),
        ({"crime_class": "violent", "start_date": "1850-01-01"}, "between 1900 and 2100"),
        ({"crime_class": "violent", "start_date": 20240101}, "must be a date"),
        ({"crime_class": "violent", "urbanicity": "suburban"}, "must be one of urban, rural"),
        ({"crime_class": "'; drop table incidents; --"}, "must be one of all, violent"),
        ({"crime_class": "violent", "group_by": ["area"]}, "must be text"),
    ],
)
def test_bad_parameters_are_refused_with_a_sentence(con, params, message):
    with pytest.raises(QueryError, match=message.replace("$", r"\$")):
        queries.run(con, "crime/yoy", **{**GOOD, **params})
    assert queries.run(con, "meta/coverage").shape[0] == 1  # the connection is still usable


def test_missing_parameter_and_defaults(con):
    with pytest.raises(QueryError, match=r"missing parameter \$end_date \(date: last day of the period"):
        queries.run(con, "crime/yoy", start_date="2024-01-01", urbanicity=None)
    # $group_by and $crime_class declare defaults (area, all) and may be left out
    frame = queries.run(con, "crime/yoy", start_date="2024-01-01", end_date="2024-12-31", urbanicity=None)
    assert list(frame["group_key"]) == ["A1", "B2", "C3", "D4"]
    assert frame["incidents"].sum() == 42 + 51
    assert queries.spec("crime/yoy").params["crime_class"].default == "all"


@pytest.mark.parametrize("name", ["../data/schema", "crime/../../x", "crime/nope", "CRIME/yoy", "", "crime"])
def test_unknown_or_unsafe_names(con, name):
    with pytest.raises(QueryError):
        queries.run(con, name)


def test_scope_comes_from_the_viewer_not_the_caller(con):
    period = {"start_date": "2024-01-01", "end_date": "2024-12-31", "urbanicity": None}
    # trusted code without a viewer (CLI, tests) sees the whole agency
    assert queries.run(con, "programs/totals", **period)["participants_served"].sum() == 58 + 9
    with pytest.raises(QueryError, match="comes from the signed-in viewer"):
        queries.run(con, "programs/totals", scope=Scope("chief"), scope_nonprofit_id=2, **period)
    housing = queries.run(con, "programs/totals", scope=Scope("director", 2), **period)
    assert housing["participants_served"].sum() == 9


def test_pages_never_call_the_runner_directly():
    """Pages go through components.runtime.query, which always binds the viewer's scope."""
    from pathlib import Path

    for page in (Path(__file__).resolve().parent.parent / "pages").glob("*.py"):
        text = page.read_text()
        assert "queries.run" not in text and "import queries" not in text, page.name


@pytest.mark.parametrize(("role", "nonprofit_id"), [("director", None), ("chief", 3), ("mayor", None)])
def test_scope_must_be_consistent(role, nonprofit_id):
    with pytest.raises(QueryError):
        Scope(role, nonprofit_id)


def test_header_is_parsed():
    spec = queries.spec("crime/yoy")
    assert spec.params["crime_class"].choices == ("all", "violent", "property", "other")
    assert spec.params["urbanicity"].nullable and not spec.params["start_date"].nullable
    assert spec.grain.startswith("one row per group")
    assert "rate_per_1k" in [column.name for column in spec.columns]
    assert not spec.needs_scope and queries.spec("programs/totals").needs_scope
