"""Every .sql file in queries/ runs, and its header tells the truth about it."""

import datetime as dt

import pytest

import queries

ALL_QUERIES = queries.available()
# Folders whose queries must take the common period and urban/rural filter (DESIGN.md, Metrics)
PERIOD_FOLDERS = {"crime", "trust", "programs", "partnerships", "resources"}
# Tables holding one nonprofit's program-level data; a query reading them must bind the scope
PROGRAM_LEVEL_TABLES = (
    "program_activity",
    "program_funding",
    "program_sites",
    "kpis",
    "kpi_values",
    "partner_feedback",
)


def sample_params(spec):
    values = {}
    for name, param in spec.params.items():
        if name.startswith("scope_"):
            continue
        if param.type == "date":
            values[name] = dt.date(2024, 1, 1) if "start" in name else dt.date(2024, 12, 31)
        elif param.nullable:
            values[name] = None
        elif param.choices:
            values[name] = list(param.choices[:1]) if param.type == "varchar[]" else param.choices[0]
        elif param.type == "integer":
            values[name] = 1
        elif param.type == "double":
            values[name] = 1.0
        elif param.type == "boolean":
            values[name] = True
        else:
            values[name] = "x"
    return values


def test_there_are_queries():
    assert {"crime/yoy", "trust/scores", "programs/totals"} <= set(ALL_QUERIES)


@pytest.mark.parametrize("name", ALL_QUERIES)
def test_query_runs_and_matches_its_header(con, public_con, name):
    spec = queries.spec(name)
    assert spec.title, f"{name} has no title line"
    assert spec.grain, f"{name} does not say what a row is"
    assert spec.placeholders == set(spec.params), f"{name}: header params differ from the $names used"
    # queries/public read the published file, the others the agency's
    database = public_con if name.startswith("public/") else con
    frame = queries.run(database, name, scope=queries.Scope("chief"), **sample_params(spec))
    assert list(frame.columns) == [column.name for column in spec.columns], f"{name}: columns differ from header"


@pytest.mark.parametrize("name", ALL_QUERIES)
def test_period_queries_take_the_shared_filters(name):
    if name.split("/")[0] in PERIOD_FOLDERS:
        assert {"start_date", "end_date", "urbanicity"} <= set(queries.spec(name).params)


@pytest.mark.parametrize("name", ALL_QUERIES)
def test_program_level_queries_bind_the_scope(name):
    spec = queries.spec(name)
    reads_program_data = any(table in spec.sql for table in PROGRAM_LEVEL_TABLES)
    if reads_program_data or name.startswith("programs/"):
        assert "scope_nonprofit_id" in spec.params, f"{name} reads program-level data without the viewer's scope"
