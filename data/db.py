"""Creating, building and checksumming Bridgeboard DuckDB files.

Writers never touch a live database in place: `building(path)` writes a new file next
to it and swaps it in with os.replace only after everything succeeded, so readers in
other processes (the app) keep a consistent file and a crash leaves the old one intact.
"""

from __future__ import annotations

import csv
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

SCHEMA_PATH = Path(__file__).with_name("schema.sql")
NIBRS_PATH = Path(__file__).with_name("nibrs_offenses.csv")
# 2: offences carry NIBRS codes; crime_class means the FBI UCR class; crime_counts; offense_choices
SCHEMA_VERSION = "2"
MIGRATE_COMMAND = "python -m data migrate --db"
NIBRS_COLUMNS = (
    "nibrs_code", "offense", "nibrs_group", "crimes_against", "crime_class",
    "category", "domestic_category", "is_sensitive", "note",
)  # fmt: skip


def nibrs_rows(path: Path = NIBRS_PATH) -> list[tuple]:
    """data/nibrs_offenses.csv as rows of NIBRS_COLUMNS, comment lines (#) skipped."""
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = []
    for row in csv.DictReader(lines):
        values = {name: (row[name].strip() or None) for name in NIBRS_COLUMNS}
        values["is_sensitive"] = values["is_sensitive"] == "true"
        rows.append(tuple(values[name] for name in NIBRS_COLUMNS))
    return rows


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of data/schema.sql on an empty database, with the NIBRS code table filled."""
    con.execute(SCHEMA_PATH.read_text())
    placeholders = ", ".join("?" for _ in NIBRS_COLUMNS)
    con.executemany(f"insert into nibrs_offenses values ({placeholders})", nibrs_rows())  # noqa: S608 - no user text
    con.execute("insert into schema_meta values ('schema_version', ?)", [SCHEMA_VERSION])


class SchemaMismatch(ValueError):
    """The file is not a Bridgeboard database of the data model this code reads and writes."""


def meta(con: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
    """The schema_meta table as {key: value}; None when there is none (not a Bridgeboard database)."""
    try:
        return dict(con.execute("select key, value from schema_meta").fetchall())
    except duckdb.CatalogException:
        return None


def schema_problem(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why `con` is not a Bridgeboard database of SCHEMA_VERSION, as a clause; None when it is.

    Queries and importers rely on the tables, views and macros of data/schema.sql; a file
    built by another version would fail half-way with a message about SQL, not about the file.
    """
    return problem_with(meta(con))


def problem_with(held: dict[str, str] | None) -> str | None:
    """schema_problem for a database whose meta() has been read already."""
    if held is None:
        return "it is not a Bridgeboard database (it has no schema_meta table)"
    found = held.get("schema_version")
    if found != SCHEMA_VERSION:
        upgrade = ""
        if found is not None and found.isdigit() and int(found) < int(SCHEMA_VERSION):
            upgrade = f"; bring it up to date with `{MIGRATE_COMMAND} PATH`"
        return (
            f"it was built for data model version {found or 'unknown'},"
            f" and this Bridgeboard reads version {SCHEMA_VERSION}{upgrade}"
        )
    return None


def is_demo(held: dict[str, str] | None) -> bool:
    """Whether meta() of a database says `python -m data demo` wrote it (synthetic people and places)."""
    return held is not None and "demo_seed" in held


def schema_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the base tables in the main schema, sorted."""
    rows = con.execute(
        "select table_name from information_schema.tables"
        " where table_schema = 'main' and table_type = 'BASE TABLE' order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def rebuild_crime_monthly(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the area x month x category x class rollup from incidents and imported counts.

    Counts live in their own table (they have no incidents behind them), so a rebuild can
    never lose them; imports keep an area-month to one of the two, so none is counted twice.
    """
    con.execute("delete from crime_monthly")
    con.execute(
        """
        insert into crime_monthly
        with offences as (
            select area_id, date_trunc('month', occurred_at)::date as month, category, crime_class, crimes_against,
                1 as incidents,
            from incidents
            union all
            select area_id, month, category, crime_class, crimes_against, incidents, from crime_counts
        )
        select area_id, month, category, crime_class, crimes_against, sum(incidents)::integer as incidents,
        from offences
        group by all
        having sum(incidents) > 0
        order by all
        """
    )


def rebuild_survey_monthly(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the survey sums rollup from the responses (cheap: one pass over them)."""
    con.execute("delete from survey_monthly")
    con.execute(
        """
        insert into survey_monthly
        with scores as (
            select audience, wave_id, area_id, answered_on, weight, 'trust' as measure, trust_0_100 as score
            from response_indices where trust_0_100 is not null
            union all
            select audience, wave_id, area_id, answered_on, weight, 'safety' as measure, safety_0_100 as score
            from response_indices where safety_0_100 is not null
        )
        select
            audience,
            wave_id,
            area_id,
            date_trunc('month', answered_on)::date as month,
            measure,
            count(*) as n,
            sum(weight) as sw,
            sum(weight * weight) as sw2,
            sum(weight * score) as swx,
            sum(weight * weight * score) as sw2x,
            sum(weight * weight * score * score) as sw2x2,
            coalesce(sum(weight) filter (where score > 50), 0) as sw_favourable,
            coalesce(sum(weight) filter (where score < 50), 0) as sw_unfavourable,
        from scores
        group by all
        order by all
        """
    )


def rebuild_rollups(con: duckdb.DuckDBPyConnection, *, crime: bool = True) -> None:
    """Recompute the rollups dashboards read; `crime=False` skips the (large) crime one."""
    if crime:
        rebuild_crime_monthly(con)
    rebuild_survey_monthly(con)


def table_checksums(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent content hash of every table.

    The sum of row hashes (not xor) so duplicate rows do not cancel out.
    """
    checksums = {}
    for table in schema_tables(con):
        count, total = con.execute(
            # table names come from the catalogue, not from users
            f'select count(*), coalesce(sum(hash(t)::hugeint), 0) from "{table}" as t'  # noqa: S608
        ).fetchall()[0]  # fetchall, not fetchone: a half-read result blocks the connection
        checksums[table] = (int(count), int(total))
    return checksums


@contextmanager
def building(path: str | os.PathLike, *, memory_limit: str = "1GB") -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh database that replaces `path` only on success.

    Every call writes a scratch file of its own, `.NAME.PID.TOKEN.building` (the process id
    first, as the cleanup of killed writers reads it), so two writers of one target, threads
    of one process included, never write into one file: each swaps in a whole file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_scratch(target, "building")  # a demo or publish killed with SIGKILL left its copy
    # unique per call (two sessions of one process may publish at once); the pid stays the first segment,
    # which is what _remove_dead_scratch reads
    scratch = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(8)}.building")
    con = duckdb.connect(str(scratch))
    try:
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute("set preserve_insertion_order = false")
        yield con
        con.execute("checkpoint")
        con.close()
        os.replace(scratch, target)
    except BaseException:
        con.close()
        scratch.unlink(missing_ok=True)
        _wal(scratch).unlink(missing_ok=True)
        raise


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


@contextmanager
def _writer_lock(target: Path) -> Iterator[None]:
    """One writer per database file at a time, so two imports cannot each swap in a copy
    that lacks the other's rows; readers are never blocked."""
    lock_path = target.with_name(f".{target.name}.lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_dead_scratch(target: Path, purpose: str = "modifying") -> None:
    """Delete copies (`.NAME.PID[.more].modifying` or `.building`, and their .wal) left by
    writers that were killed: those whose process id no longer runs. A live writer's copy,
    in this process or another, is never touched."""
    for leftover in target.parent.glob(f".{target.name}.*.{purpose}*"):
        pid = leftover.name.removeprefix(f".{target.name}.").split(".", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def modifying(
    path: str | os.PathLike, *, swap: bool = True, memory_limit: str = "1GB"
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a copy of `path` that replaces it only on success.

    A missing `path` starts as a new database with the schema. The original is never
    opened for writing: the copy is changed, checkpointed and swapped in with os.replace,
    so a crash, an exception or Ctrl-C at any point leaves the original as it was (the
    copy is deleted; after a SIGKILL the next writer deletes it). With swap=False the
    copy is always discarded (a dry run that still exercises every write).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.modifying")
    with _writer_lock(target):
        _remove_dead_scratch(target, "modifying")
        for leftover in (scratch, _wal(scratch)):
            leftover.unlink(missing_ok=True)
        con = None
        try:
            is_new = not target.exists()
            if not is_new:
                shutil.copyfile(target, scratch)
                if _wal(target).exists():  # a writer outside Bridgeboard left changes unmerged
                    shutil.copyfile(_wal(target), _wal(scratch))
            con = duckdb.connect(str(scratch))
            con.execute(f"set memory_limit = '{memory_limit}'")
            con.execute("set preserve_insertion_order = false")
            if is_new:
                create_schema(con)
            elif problem := schema_problem(con):
                raise SchemaMismatch(f"{target} cannot be changed: {problem}")
            yield con
            con.execute("checkpoint")
            con.close()
            if swap:
                os.replace(scratch, target)
        finally:
            if con is not None:
                con.close()
            scratch.unlink(missing_ok=True)
            _wal(scratch).unlink(missing_ok=True)
