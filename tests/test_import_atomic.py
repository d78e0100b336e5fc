"""db.modifying and the import pipeline never leave a half-written database.

Covers: an exception, Ctrl-C (KeyboardInterrupt) and a dry run inside the copy leave the
original byte-for-byte; a missing database starts with the schema; a failed first import
creates no file; and the kill test: an import in a subprocess is SIGKILLed while it
writes, after which the old database opens and its checksums are unchanged.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from data import db
from data.importers import ImportFailed, ImportOptions, run_import

REPO = Path(__file__).resolve().parent.parent


def checksums(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return db.table_checksums(con)
    finally:
        con.close()


@pytest.fixture
def small_db(tmp_path):
    path = tmp_path / "small.duckdb"
    areas = tmp_path / "areas.csv"
    areas.write_text("area_code,name,population,urbanicity\nA1,Alder,1000,urban\nB2,Birch,500,rural\n")
    run_import("areas", areas, path)
    return path


def test_exception_and_ctrl_c_leave_the_original(small_db):
    before = small_db.read_bytes()
    for error in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(error)), db.modifying(small_db) as con:
            con.execute("delete from areas")
            raise error
    assert small_db.read_bytes() == before
    assert not list(small_db.parent.glob(".*.modifying*"))


def test_dry_run_copy_is_thrown_away(small_db):
    before = small_db.read_bytes()
    with db.modifying(small_db, swap=False) as con:
        con.execute("delete from areas")
    assert small_db.read_bytes() == before


def test_missing_database_starts_with_the_schema(tmp_path):
    path = tmp_path / "new.duckdb"
    with db.modifying(path) as con:
        assert "incidents" in db.schema_tables(con)
    assert checksums(path)["offense_categories"][0] == 17


def test_failed_first_import_creates_no_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("area_code,name\n,nameless\n")
    with pytest.raises(ImportFailed):
        run_import("areas", bad, tmp_path / "never.duckdb")
    assert not (tmp_path / "never.duckdb").exists()


def test_swap_gives_a_new_inode_so_readers_reconnect(small_db, tmp_path):
    before = os.stat(small_db).st_ino
    reader = duckdb.connect(str(small_db), read_only=True)
    more = tmp_path / "more.csv"
    more.write_text("area_code,name,population,urbanicity\nC3,Cedar,10,rural\n")
    run_import("areas", more, small_db)
    # the old connection still reads the old file; a new one sees the new rows
    assert reader.execute("select count(*) from areas").fetchall()[0][0] == 2
    reader.close()
    assert os.stat(small_db).st_ino != before
    assert checksums(small_db)["areas"][0] == 3


def _big_incidents_csv(path: Path, rows: int) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "case_number": [f"K{i:08d}" for i in range(rows)],
            "occurred_at": (pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 3e7, rows), "s")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "area_code": rng.choice(["A1", "B2"], rows),
            "offense": rng.choice(["THEFT", "ROBBERY", "BURGLARY"], rows),
        }
    )
    frame.to_csv(path, index=False)


def test_kill_during_import_leaves_the_old_database(small_db, tmp_path):
    big = tmp_path / "big.csv"
    _big_incidents_csv(big, 400_000)
    before = checksums(small_db)
    process = subprocess.Popen(
        [sys.executable, "-m", "data", "import", "incidents", str(big), "--db", str(small_db)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    # kill once the copy exists and is being written: the riskiest moment for the original
    while time.monotonic() < deadline and process.poll() is None:
        scratch = list(small_db.parent.glob(f".{small_db.name}.*.modifying*"))
        if scratch and any(path.stat().st_size > 0 for path in scratch if path.exists()):
            time.sleep(0.3)
            break
        time.sleep(0.01)
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert checksums(small_db) == before
    # the next writer sweeps the dead process's copy away and works normally
    more = tmp_path / "more.csv"
    more.write_text("area_code,name,population,urbanicity\nC3,Cedar,10,rural\n")
    run_import("areas", more, small_db, ImportOptions())
    assert not list(small_db.parent.glob(f".{small_db.name}.*.modifying*"))
    assert checksums(small_db)["areas"][0] == 3


def test_cli_exit_codes_and_one_sentence(small_db, tmp_path, capsys):
    from data.__main__ import main

    good = tmp_path / "good.csv"
    good.write_text("source_id,occurred_at,area_code,offense\nC1,2024-01-02,A1,THEFT\n")
    assert main(["import", "incidents", str(good), "--db", str(small_db), "--dry-run"]) == 0
    assert "dry run: nothing was changed" in capsys.readouterr().out
    before = checksums(small_db)
    bad = tmp_path / "bad.csv"
    bad.write_text("source_id,occurred_at,area_code,offense\nC2,2024-01-02,Z9,THEFT\n")
    assert main(["import", "incidents", str(bad), "--db", str(small_db)]) == 1
    last_line = capsys.readouterr().err.strip().splitlines()[-1]
    assert last_line == (
        "import failed: the only row of bad.csv cannot be imported: area is not among the imported areas: 'Z9' (line 2)"
    )
    assert checksums(small_db) == before
    with pytest.raises(SystemExit):  # argparse: "expected NAME=VALUE"
        main(["import", "incidents", str(good), "--db", str(small_db), "--map", "nope"])
