"""Creating, building and checksumming Bridgeboard DuckDB files.

Writers never touch a live database in place: `building(path)` writes a new file next
to it and swaps it in with os.replace only after everything succeeded, so readers in
other processes (the app) keep a consistent file and a crash leaves the old one intact.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

SCHEMA_PATH = Path(__file__).with_name("schema.sql")
SCHEMA_VERSION = "1"


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table of data/schema.sql on an empty database."""
    con.execute(SCHEMA_PATH.read_text())
    con.execute("insert into schema_meta values ('schema_version', ?)", [SCHEMA_VERSION])


def schema_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the base tables in the main schema, sorted."""
    rows = con.execute(
        "select table_name from information_schema.tables"
        " where table_schema = 'main' and table_type = 'BASE TABLE' order by table_name"
    ).fetchall()
    return [name for (name,) in rows]


def rebuild_crime_monthly(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the area x month x category rollup from incidents."""
    con.execute("delete from crime_monthly")
    con.execute(
        """
        insert into crime_monthly
        select
            incidents.area_id,
            date_trunc('month', incidents.occurred_at)::date as month,
            incidents.category,
            offense_categories.crime_class,
            count(*) as incidents,
        from incidents
        join offense_categories using (category)
        group by all
        order by all
        """
    )


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
    """Yield a connection to a fresh database that replaces `path` only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.building")
    for leftover in (scratch, scratch.with_name(scratch.name + ".wal")):
        leftover.unlink(missing_ok=True)
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
        scratch.with_name(scratch.name + ".wal").unlink(missing_ok=True)
        raise
