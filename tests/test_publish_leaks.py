"""The public file from the demo database holds nothing individual: every value of every
column of every table is scanned for what must never leave the source.

Survey response ids and incident ids are small integers that any count could equal, so
they are checked by shape instead: no column named like an id, no table with one row per
incident or response. Area outlines are polygons whose vertices are decimals, so
coordinates are checked as pairs there and as any 5-decimal number elsewhere.
"""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from data import publish

SENSITIVE_WORDS = ("sexual_assault", "domestic_violence", "sexual assault", "domestic violence")
AREA_LEVEL_TABLES = ("crime_area_month", "crime_area_year", "crime_urbanicity_month", "crime_city_month")
FORBIDDEN_COLUMN = re.compile(
    r"(^id$|_id$|(^|_)(lat|lon|latitude|longitude)($|_)|centroid|email|comment|roles|site|case|program_name|source_id)"
)
FIVE_DECIMALS = re.compile(r"-?\d+\.\d{5,}")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@pytest.fixture(scope="module")
def public(demo_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_public") / "public.duckdb"
    publish.publish(demo_path, out)
    connection = duckdb.connect(str(out), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def rows(public) -> list[tuple[str, list[tuple[str, str]]]]:
    """(table, [(column, value as text), ...]) for every row of the public file, nulls left out."""
    found = []
    for (table,) in public.execute("select table_name from information_schema.tables order by 1").fetchall():
        result = public.execute(f'select * from "{table}"')
        columns = [description[0] for description in result.description]
        for row in result.fetchall():
            values = zip(columns, row, strict=True)
            found.append((table, [(column, str(value)) for column, value in values if value is not None]))
    return found


@pytest.fixture(scope="module")
def cells(rows) -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every non-null value in the public file."""
    return [(table, column, text) for table, values in rows for column, text in values]


def blob(cells, *, skip=()) -> str:
    return "\x00".join(text for table, column, text in cells if (table, column) not in skip)


def test_only_the_published_tables(public):
    tables = {name for (name,) in public.execute("select table_name from information_schema.tables").fetchall()}
    assert tables == set(publish.TABLES)


def test_no_column_is_an_id_a_coordinate_or_internal_text(public):
    columns = public.execute("select table_name, column_name from information_schema.columns").fetchall()
    offending = [(table, column) for table, column in columns if FORBIDDEN_COLUMN.search(column)]
    assert offending == []


def test_no_table_has_a_row_per_incident_or_response(public, demo_con):
    incidents = demo_con.execute("select count(*) from incidents").fetchone()[0]
    responses = demo_con.execute("select count(*) from survey_responses").fetchone()[0]
    assert incidents > 100_000 and responses > 10_000
    for (table,) in public.execute("select table_name from information_schema.tables").fetchall():
        count = public.execute(f'select count(*) from "{table}"').fetchone()[0]
        assert count < min(incidents, responses) / 4, table


def test_no_case_number_anywhere(cells, demo_con):
    case_numbers = {source_id for (source_id,) in demo_con.execute("select source_id from incidents").fetchall()}
    text = blob(cells)
    for length in {len(case) for case in case_numbers}:
        windows = {text[start : start + length] for start in range(len(text) - length + 1)}
        assert not windows & case_numbers


def test_no_coordinates_of_incidents_or_sites(rows, cells, demo_con):
    points = demo_con.execute(
        "select lat, lon from incidents where lat is not null union select lat, lon from program_sites"
    ).fetchall()
    pairs = {(round(lat, 5), round(lon, 5)) for lat, lon in points}
    longitudes = {lon for _, lon in pairs}
    assert len(pairs) > 100_000
    # outside the area outlines no number has 5 decimals or more (published figures are rounded to
    # at most 3), so no latitude or longitude formatted at 5 decimals (39.79928, -89.66136) is there;
    # no number is a longitude, and no row holds both halves of a location however they are printed
    outside = blob(cells, skip={("areas", "geojson")})
    assert FIVE_DECIMALS.findall(outside) == []
    for table, values in rows:
        numbers = {
            round(float(token), 5)
            for column, text in values
            if (table, column) != ("areas", "geojson")
            for token in NUMBER.findall(text)
        }
        assert not numbers & longitudes, table
        assert not {(a, b) for a in numbers for b in numbers if (a, b) in pairs}, table
    # the outlines' vertices are not incident or site locations
    vertices = set()
    for table, column, text in cells:
        if (table, column) == ("areas", "geojson"):
            vertices |= {(round(lat, 5), round(lon, 5)) for lon, lat in _points(json.loads(text)["coordinates"])}
    assert len(vertices) > 37
    assert not vertices & pairs


def _points(coordinates):
    """The [lon, lat] pairs of a GeoJSON polygon or multipolygon, however deeply nested."""
    if coordinates and isinstance(coordinates[0], (int, float)):
        yield coordinates
    else:
        for item in coordinates:
            yield from _points(item)


def column(con, sql) -> list:
    return [value for (value,) in con.execute(sql).fetchall()]


def test_no_feedback_comment_program_or_site_name_or_email(cells, demo_con):
    comments = column(demo_con, "select distinct comment from partner_feedback where comment is not null")
    sites = column(demo_con, "select name from program_sites")
    programs = column(demo_con, "select name from programs")
    emails = column(demo_con, "select email from app_users")
    assert comments and sites and programs and emails
    text = blob(cells).lower()
    for needle in [*comments, *sites, *emails]:
        assert needle.lower() not in text, needle
    assert "@" not in text
    # a program name may be part of what its partnership is called or does ("Downtown Sobering
    # Center Diversion" runs "Sobering Center Diversion"), copied verbatim; nowhere else
    verbatim = {("partnerships", "partnership_name"), ("partnerships", "description")}
    elsewhere = blob(cells, skip=verbatim).lower()
    for name in programs:
        assert name.lower() not in elsewhere, name
    source_text = {
        value
        for row in demo_con.execute("select name, description from partnerships").fetchall()
        for value in row
        if value is not None
    }
    assert {text for table, column, text in cells if (table, column) in verbatim} <= source_text


def test_sensitive_categories_only_city_wide(public, cells, demo_con):
    for table, _, text in cells:
        if table in AREA_LEVEL_TABLES:
            assert not any(word in text.lower() for word in SENSITIVE_WORDS), table
    # and their offences are in no area-level count: the city totals shown are the others alone
    shown = public.execute(
        "select month, crime_class, incidents from crime_city_month where incidents is not null"
    ).fetchall()
    source = dict(
        ((month, crime_class), count)
        for month, crime_class, count in demo_con.execute(
            "select month, crime_monthly.crime_class, sum(incidents) from crime_monthly"
            " join offense_categories using (category) where not is_sensitive group by all"
        ).fetchall()
    )
    assert len(shown) > 200
    assert all(count == source.get((month, crime_class), 0) for month, crime_class, count in shown)
    sensitive = public.execute("select distinct category from crime_sensitive_city_month").fetchall()
    assert sorted(category for (category,) in sensitive) == ["domestic_violence", "sexual_assault"]
