"""python -m data migrate: a version-1 file becomes version 2 by an explicit, atomic step; nothing else changes it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from data import check, db, migrate
from data.__main__ import main
from data.importers import ImportFailed, run_import

V1_SCHEMA = Path(__file__).with_name("schema_v1.sql")
# (incident_id, category, is_violent as version 1 had it, month)
V1_INCIDENTS = [
    (1, "robbery", True, "2024-01-05"),
    (2, "simple_assault", True, "2024-01-06"),  # crimes against persons in v1, not FBI violent
    (3, "simple_assault", True, "2024-02-07"),
    (4, "sexual_assault", True, "2024-02-08"),
    (5, "theft", False, "2024-02-09"),
    (6, "domestic_violence", True, "2024-02-10"),
]


def build_version_1(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute(V1_SCHEMA.read_text())
    con.execute("insert into schema_meta values ('schema_version', '1'), ('fiscal_year_start_month', '7')")
    con.execute("insert into agencies values (1, 'Oldtown PD', 'police', 50, null)")
    con.execute(
        "insert into areas (area_id, agency_id, area_code, name, kind, population, urbanicity)"
        " values (1, 1, 'A1', 'Alder', 'town', 1000, 'urban'), (2, 1, 'B2', 'Birch', 'town', 500, 'rural')"
    )
    for incident_id, category, is_violent, day in V1_INCIDENTS:
        con.execute(
            "insert into incidents values (?, ?, ?::timestamp, 1, ?, ?, null, null)",
            [incident_id, f"OLD-{incident_id}", f"{day} 12:00", category, is_violent],
        )
    con.execute(
        "insert into crime_monthly select area_id, date_trunc('month', occurred_at), category, crime_class, count(*)"
        " from incidents join offense_categories using (category) group by all"
    )
    con.execute("insert into app_users values ('chief@oldtown.example', 'Chief', 'chief', 1, null)")
    con.execute(
        "insert into import_log values (1, timestamp '2024-03-01 09:00', 'analyst', 'incidents', 'old.csv',"
        " repeat('a', 64), null, 7, 6, 1, 0.5)"
    )
    con.execute("insert into rejected_rows values (1, 8, 'offence not in data/offense_map.csv', 'x,y')")
    con.close()
    return path


@pytest.fixture
def version_1(tmp_path):
    return build_version_1(tmp_path / "old.duckdb")


def problem(path) -> str | None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return db.schema_problem(con)
    finally:
        con.close()


def test_a_version_1_file_is_refused_with_the_command_that_migrates_it(version_1, tmp_path):
    assert problem(version_1) == (
        "it was built for data model version 1, and this Bridgeboard reads version 2;"
        " bring it up to date with `python -m data migrate --db PATH`"
    )
    before = version_1.read_bytes()
    areas = tmp_path / "areas.csv"
    areas.write_text("area_code,name,population,urbanicity\nC3,Cedar,10,rural\n")
    with pytest.raises(ImportFailed, match="python -m data migrate --db PATH"):
        run_import("areas", areas, version_1)
    assert version_1.read_bytes() == before


def test_migrate_copies_every_row_and_reclassifies_by_the_fbi_definition(version_1, capsys):
    assert main(["migrate", "--db", str(version_1)]) == 0
    out = capsys.readouterr().out
    assert "migrated from data model version 1 to 2" in out
    # v1 called 5 of the 6 violent (crimes against persons); the FBI class counts robbery and the
    # sexual assault (the category's class: rape), not the two simple assaults or domestic violence
    assert "'violent' now counts 2 of them where version 1's crimes against persons counted 5" in out
    assert problem(version_1) is None
    con = duckdb.connect(str(version_1), read_only=True)
    try:
        rows = con.execute(
            "select incident_id, source_id, nibrs_code, category, crime_class, crimes_against from incidents order by 1"
        ).fetchall()
        assert rows == [
            (1, "OLD-1", None, "robbery", "violent", "property"),
            (2, "OLD-2", None, "simple_assault", "other", "person"),
            (3, "OLD-3", None, "simple_assault", "other", "person"),
            (4, "OLD-4", None, "sexual_assault", "violent", "person"),
            (5, "OLD-5", None, "theft", "property", "property"),
            (6, "OLD-6", None, "domestic_violence", "other", "person"),
        ]
        monthly = con.execute(
            "select strftime(month, '%Y-%m'), crime_class, sum(incidents) from crime_monthly group by all order by all"
        ).fetchall()
        # January: robbery (violent) + simple assault; February: sexual assault (violent), 1 simple assault,
        # domestic violence (other), theft (property)
        assert monthly == [
            ("2024-01", "other", 1),
            ("2024-01", "violent", 1),
            ("2024-02", "other", 2),
            ("2024-02", "property", 1),
            ("2024-02", "violent", 1),
        ]
        meta = dict(con.execute("select key, value from schema_meta").fetchall())
        assert meta == {"schema_version": "2", "fiscal_year_start_month": "7", "migrated_from_version": "1"}
        for table, expected in (("areas", 2), ("app_users", 1), ("import_log", 1), ("rejected_rows", 1)):
            assert con.execute(f"select count(*) from {table}").fetchall()[0][0] == expected, table
        assert con.execute("select count(*) from nibrs_offenses").fetchall()[0][0] > 60
    finally:
        con.close()
    assert check.check(version_1).errors == []
    # the migrated file takes imports again; re-importing a case by its number gives it its code
    incidents = version_1.with_name("again.csv")
    incidents.write_text("source_id,occurred_at,area_code,offense_code\nOLD-4,2024-02-08 12:00,A1,11D\n")
    summary = run_import("incidents", incidents, version_1)
    assert summary.rows_accepted == 1
    con = duckdb.connect(str(version_1), read_only=True)
    assert con.execute("select nibrs_code, crime_class from incidents where source_id = 'OLD-4'").fetchall() == [
        ("11D", "other")
    ]
    con.close()


def test_migrating_a_current_file_changes_nothing(version_1, capsys):
    migrate.migrate(version_1)
    before = version_1.read_bytes()
    assert main(["migrate", "--db", str(version_1)]) == 0
    assert "already at data model version 2; nothing was changed" in capsys.readouterr().out
    assert version_1.read_bytes() == before


def test_a_newer_or_foreign_file_is_refused_and_left_alone(version_1, tmp_path, capsys):
    con = duckdb.connect(str(version_1))
    con.execute("update schema_meta set value = '3' where key = 'schema_version'")
    con.close()
    foreign = tmp_path / "foreign.duckdb"
    duckdb.connect(str(foreign)).execute("create table areas as select 1 as area_id").close()
    for path in (version_1, foreign):
        before = path.read_bytes()
        assert main(["migrate", "--db", str(path)]) == 1
        assert "cannot be migrated" in capsys.readouterr().err
        assert path.read_bytes() == before


def test_a_failure_half_way_leaves_the_old_file(version_1, monkeypatch):
    before = version_1.read_bytes()

    def broken(con, summary):
        con.execute("insert into agencies values (9, 'half', 'police', null, null)")
        raise RuntimeError("disk full")

    monkeypatch.setattr(migrate, "_copy", broken)
    with pytest.raises(RuntimeError):
        migrate.migrate(version_1)
    assert version_1.read_bytes() == before
    assert [p.name for p in version_1.parent.iterdir() if ".building" in p.name] == []


def test_every_table_of_the_schema_is_created_in_a_migrated_file(version_1):
    migrate.migrate(version_1)
    con = duckdb.connect(str(version_1), read_only=True)
    try:
        assert set(db.schema_tables(con)) == set(migrate.tables_in_schema_order())
    finally:
        con.close()


def _shape(path: Path) -> dict[str, list[tuple]]:
    """{table: [(column, type, nullable, default)]} and every constraint, as DuckDB's catalogue has them."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.execute(
            "select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns"
            " where table_schema = 'main' order by table_name, ordinal_position"
        ).fetchall()
        constraints = con.execute(
            "select table_name, constraint_type, constraint_text from duckdb_constraints()"
            " where schema_name = 'main' order by all"
        ).fetchall()
    finally:
        con.close()
    shape: dict[str, list[tuple]] = {}
    for table, *column in columns:
        shape.setdefault(table, []).append(tuple(column))
    shape["constraints"] = constraints
    return shape


def test_a_migrated_version_1_file_has_exactly_the_shape_of_a_fresh_version_2_file(version_1, tmp_path):
    migrate.migrate(version_1)
    fresh = tmp_path / "fresh.duckdb"
    with db.building(fresh) as con:
        db.create_schema(con)
    migrated, new = _shape(version_1), _shape(fresh)
    assert migrated == new
    # what version 2 changed from version 1 is there: rejected rows keep no source line
    rejected = [column for column, *_ in migrated["rejected_rows"]]
    assert rejected == ["import_id", "line_number", "reason", "fields", "row_key"]
    assert "nonprofit_contacts" in migrated
    assert "nibrs_code" in [column for column, *_ in migrated["incidents"]]
    con = duckdb.connect(str(version_1), read_only=True)
    try:
        # the refused row keeps its line and reason; its whole source line ('x,y') is gone
        assert con.execute("select * from rejected_rows").fetchall() == [
            (1, 8, "offence not in data/offense_map.csv", None, None)
        ]
        assert con.execute("select count(*) from nonprofit_contacts").fetchall() == [(0,)]
    finally:
        con.close()
