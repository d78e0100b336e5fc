"""Connections that follow the database file, checked against DuckDB itself.

components/runtime._Connections gives every query the file current when it starts, and
closes a replaced file's connection only when the last query on it has finished. These
tests swap files the way imports do (build a new file, os.replace it in) while a query is
held open on the old one, and check the DuckDB behaviour the design rests on.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import duckdb
import pytest

from components import runtime
from data import db


def write_value(path: Path, value: int) -> None:
    """A database holding `value`, swapped in over `path` as an import does (db.building)."""
    with db.building(path) as con:
        con.execute("create table answer as select ?::integer as value", [value])


def value_of(connection: duckdb.DuckDBPyConnection) -> int:
    cursor = connection.cursor()
    try:
        return cursor.execute("select value from answer").fetchone()[0]
    finally:
        cursor.close()


def version(path: Path) -> str:
    return runtime.database_version(path)


def test_duckdb_serves_a_replaced_file_to_a_new_connect_while_one_is_open(tmp_path):
    """The trap: a connect() to a path with an open instance gets that instance, and the old file."""
    path = tmp_path / "agency.duckdb"
    write_value(path, 1)
    held = duckdb.connect(str(path), read_only=True)
    try:
        write_value(path, 2)
        again = duckdb.connect(str(path), read_only=True)
        assert value_of(again) == 1  # the replaced file, not the one now at the path
        again.close()
    finally:
        held.close()
    with duckdb.connect(str(path), read_only=True) as fresh:
        assert value_of(fresh) == 2


def test_each_query_reads_the_file_current_when_it_starts(tmp_path):
    path = tmp_path / "agency.duckdb"
    write_value(path, 1)
    connections = runtime._Connections()
    try:
        with connections.reading(str(path), version(path)) as first:
            assert value_of(first) == 1
            write_value(path, 2)
            # a query started now reads the new file, while the old one still runs its query
            with connections.reading(str(path), version(path)) as second:
                assert value_of(second) == 2
            assert value_of(first) == 1  # the busy old connection was not closed under it
        # the old generation closed when its last query ended
        with pytest.raises(duckdb.ConnectionException):
            first.execute("select 1")
        # a caller that stat'ed before the swap still gets the new file: the file decides
        write_value(path, 3)
        with connections.reading(str(path), "stale-version") as third:
            assert value_of(third) == 3
        assert connections.generations() == {str(path): (version(path), 0)}
    finally:
        connections.close_all()


def test_close_all_waits_for_running_queries(tmp_path):
    path = tmp_path / "agency.duckdb"
    write_value(path, 1)
    connections = runtime._Connections()
    with connections.reading(str(path), version(path)) as busy:
        connections.close_all()
        assert value_of(busy) == 1
    with pytest.raises(duckdb.ConnectionException):
        busy.execute("select 1")
    assert connections.generations() == {}


def test_threads_reading_through_many_swaps_never_fail_and_never_go_back(tmp_path):
    """8 threads query without a pause while 20 files are swapped in; each sees values only rise."""
    path = tmp_path / "agency.duckdb"
    write_value(path, 0)
    connections = runtime._Connections()
    failures, seen, done = [], {}, threading.Event()

    def reader(number: int) -> None:
        last = -1
        while not done.is_set():
            try:
                with connections.reading(str(path), version(path)) as connection:
                    value = value_of(connection)
            except Exception as error:  # recorded: the test fails on any
                failures.append(f"{type(error).__name__}: {error}")
                return
            if value < last:
                failures.append(f"reader {number} went back from {last} to {value}")
            last = seen[number] = value

    threads = [threading.Thread(target=reader, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    try:
        for value in range(1, 21):
            write_value(path, value)
        deadline = time.monotonic() + 60
        while not failures and set(seen.values()) != {20} and time.monotonic() < deadline:
            time.sleep(0.05)  # each reader's next query after the last swap
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)
    with connections.reading(str(path), version(path)) as connection:
        assert value_of(connection) == 20
    connections.close_all()
    assert not failures, failures[:5]
    assert seen == dict.fromkeys(range(8), 20)


def test_concurrent_builds_of_one_target_write_separate_scratch_files(tmp_path):
    """Threads of one process building one target: every build swaps in a whole file."""
    path = tmp_path / "public.duckdb"
    failures, scratch_names = [], set()
    start = threading.Barrier(4)

    def build(value: int) -> None:
        try:
            with db.building(path) as con:
                scratch_names.add(con.execute("select path from duckdb_databases() where not internal").fetchone()[0])
                start.wait(timeout=30)  # all four write at once
                con.execute("create table answer as select ?::integer as value", [value])
                con.execute("create table manifest as select 'built' as state")
        except Exception as error:  # recorded: the test fails on any
            failures.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=build, args=(value,)) for value in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert len(scratch_names) == 4
    # each is .NAME.PID.TOKEN.building: the process id first, as the cleanup of killed writers reads it
    for name in scratch_names:
        pid = Path(name).name.removeprefix(".public.duckdb.").split(".", 1)[0]
        assert pid == str(os.getpid()), name
    with duckdb.connect(str(path), read_only=True) as con:
        assert value_of(con) in range(4)
    assert sorted(item.name for item in tmp_path.iterdir()) == ["public.duckdb"]
