"""Bring a database of an earlier data model up to db.SCHEMA_VERSION: `python -m data migrate --db PATH`.

The file is never changed in place: a new file is built with today's schema (db.building),
every table of the old file is copied into it by column name, the rollups are rebuilt, and
the new file replaces the old only when all of it succeeded (under the writers' lock, so no
import runs meanwhile). A table the old file lacks (one a later version added) starts empty;
a column it lacks takes its default. The tables the schema fills itself (offense_categories,
nibrs_offenses) and the rollups are not copied.

Version 1 -> 2: incidents had a category and is_violent (crimes against persons); they keep
their category and take that category's FBI class and crimes-against (offense_categories),
with no NIBRS code, because a version-1 file never stored the source's offence. So
sexual_assault counts as rape (FBI violent) and domestic_violence as not aggravated (other):
re-importing the source files replaces both with the class of each incident's own code
(rows are matched on the source's case number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from data import db

NOT_COPIED = frozenset({"schema_meta", "offense_categories", "nibrs_offenses", "crime_monthly", "survey_monthly"})


@dataclass
class MigrationSummary:
    path: Path
    from_version: str
    to_version: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        if self.from_version == self.to_version:
            return f"{self.path} is already at data model version {self.to_version}; nothing was changed"
        copied = ", ".join(f"{table} {rows:,}" for table, rows in self.rows.items() if rows)
        lines = [f"{self.path} migrated from data model version {self.from_version} to {self.to_version}: {copied}"]
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def tables_in_schema_order() -> list[str]:
    """Base tables as data/schema.sql creates them, parents before the tables that reference them."""
    return re.findall(r"^create table (\w+)", db.SCHEMA_PATH.read_text(), flags=re.MULTILINE)


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns"
        " where table_catalog = ? and table_schema = 'main' and table_name = ? order by ordinal_position",
        [catalog, table],
    ).fetchall()
    return [name for (name,) in rows]


def migrate(path: str | Path) -> MigrationSummary:
    """Migrate the database at `path` to SCHEMA_VERSION (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"there is no database at {path}")
    with db._writer_lock(path):
        old = duckdb.connect(str(path), read_only=True)
        try:
            held = db.meta(old)
        finally:
            old.close()
        found = (held or {}).get("schema_version")
        if held is None or found is None or not found.isdigit() or int(found) > int(db.SCHEMA_VERSION):
            raise db.SchemaMismatch(f"{path} cannot be migrated: {db.problem_with(held)}")
        summary = MigrationSummary(path, found, db.SCHEMA_VERSION)
        if found == db.SCHEMA_VERSION:
            return summary
        with db.building(path) as con:
            db.create_schema(con)
            con.execute("attach ? as migrating_from (read_only)", [str(path)])
            try:
                _copy(con, summary)
            finally:
                con.execute("detach migrating_from")
            db.rebuild_rollups(con)
    return summary


def _copy(con: duckdb.DuckDBPyConnection, summary: MigrationSummary) -> None:
    old_tables = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables"
            " where table_catalog = 'migrating_from' and table_schema = 'main' and table_type = 'BASE TABLE'"
        ).fetchall()
    }
    con.execute(
        "insert into schema_meta select key, value from migrating_from.schema_meta where key <> 'schema_version'"
    )
    con.execute("insert into schema_meta values ('migrated_from_version', ?)", [summary.from_version])
    new_tables = tables_in_schema_order()
    for table in new_tables:
        if table in NOT_COPIED or table not in old_tables:
            continue
        # names come from the two catalogues, never from users
        if table == "incidents" and "crime_class" not in _columns(con, "migrating_from", "incidents"):
            summary.rows[table] = _copy_version_1_incidents(con, summary)
            continue
        held_columns = set(_columns(con, "migrating_from", table))
        shared = [name for name in _columns(con, _catalog(con), table) if name in held_columns]
        names = ", ".join(f'"{name}"' for name in shared)
        con.execute(f'insert into main."{table}" ({names}) select {names} from migrating_from."{table}"')  # noqa: S608
        summary.rows[table] = con.execute(f'select count(*) from main."{table}"').fetchall()[0][0]  # noqa: S608
    for table in sorted(old_tables - set(new_tables)):
        summary.notes.append(f"table {table} is not part of data model version {summary.to_version}; not copied")


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_database()").fetchall()[0][0]


def _copy_version_1_incidents(con: duckdb.DuckDBPyConnection, summary: MigrationSummary) -> int:
    con.execute(
        """
        insert into incidents
            (incident_id, source_id, occurred_at, area_id, nibrs_code, category, crime_class, crimes_against, lat, lon)
        select
            incidents.incident_id, incidents.source_id, incidents.occurred_at, incidents.area_id, null,
            incidents.category, offense_categories.crime_class, offense_categories.crimes_against,
            incidents.lat, incidents.lon,
        from migrating_from.incidents as incidents
        join offense_categories using (category)
        """
    )
    copied = con.execute("select count(*) from incidents").fetchall()[0][0]
    was_violent, is_violent = con.execute(
        "select (select count(*) from migrating_from.incidents where is_violent),"
        " (select count(*) from incidents where crime_class = 'violent')"
    ).fetchall()[0]
    if copied:
        summary.notes.append(
            f"{copied:,} incidents have no NIBRS code (version 1 did not keep the source's offence); each takes its"
            f" category's FBI class, so 'violent' now counts {is_violent:,} of them where version 1's crimes against"
            f" persons counted {was_violent:,}. Import the source files again to classify every incident by its code."
        )
    return copied
