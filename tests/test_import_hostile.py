"""Hostile and damaged files (issue 12), beyond the one-file cases of test_import_bad_inputs.py.

- xlsx bombs generated here (bounded: 8.6 MB and 0.4 MB on disk) are refused within 10 s and
  under 500 MB of memory, measured in a fresh subprocess: one with 1.1 GB of sheet XML (6M rows,
  as reported), one under the byte cap with 3.3M cells;
- a 10,000-column header is read whole; a 5 MB offence value never floods stderr;
- a full disk is one sentence (a real 1 MB tmpfs in a private mount namespace, and a simulated one),
  and a command's exit code is its own even when a native library would abort at teardown;
- a demo, publish or import killed with SIGKILL leaves a scratch file the next writer removes;
- lookalike emails and organisation names (Cyrillic letters, I for l, fullwidth, zero-width) are
  refused with the name they resemble;
- the upload limit of the app equals the cap the readers are sized for.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import duckdb
import pytest

from data import db, lookalikes
from data.importers import ImportFailed, ImportOptions, run_import
from data.importers.batch import read_dates
from data.importers.reading import UPLOAD_LIMIT_MB, read_file

REPO = Path(__file__).resolve().parent.parent

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _xlsx_bomb(path: Path, rows: int, cells_per_row: int) -> int:
    """A workbook whose sheet repeats one tiny row: deflate shrinks it ~130 times. Returns the XML size."""
    row = b"<row>" + b"<c><v>1</v></c>" * cells_per_row + b"</row>"
    block = row * 10_000
    head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    tail = b"</sheetData></worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head)
            for _ in range(rows // 10_000):
                sheet.write(block)
            sheet.write(tail)
    return len(head) + len(block) * (rows // 10_000) + len(tail)


# Peak memory from /proc (VmHWM, this process's own high-water mark): getrusage's ru_maxrss would
# report the pytest worker's peak, which Linux carries across fork and exec.
_MEASURE = """
import json, sys, time
from data.importers import ImportFailed, run_import
started = time.perf_counter()
try:
    run_import("incidents", sys.argv[1], sys.argv[2])
    message = None
except ImportFailed as error:
    message = str(error)
seconds = time.perf_counter() - started
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({"seconds": seconds, "message": message, "peak_rss_mb": int(status["VmHWM"].split()[0]) / 1024}))
"""


def _import_in_subprocess(path: Path, database: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path), str(database)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("rows", "cells_per_row", "expected"),
    [
        (6_000_000, 12, "a sheet's XML is 1,093 MB and Bridgeboard reads at most 128 MB"),
        (1_100_000, 3, "Bridgeboard reads at most 1,000,000 cells from one"),
    ],
    ids=["1.1 GB of sheet XML", "3.3M cells under the byte cap"],
)
def test_an_xlsx_bomb_is_refused_quickly_and_in_little_memory(tmp_path, rows, cells_per_row, expected):
    bomb = tmp_path / "bomb.xlsx"
    xml_bytes = _xlsx_bomb(bomb, rows, cells_per_row)
    assert bomb.stat().st_size < 10e6 and xml_bytes > 60e6  # small on disk, large once inflated
    measured = _import_in_subprocess(bomb, tmp_path / "bomb.duckdb")
    assert expected in measured["message"], measured
    assert "save the sheet as CSV" in measured["message"]
    assert measured["seconds"] < 10, measured
    assert measured["peak_rss_mb"] < 500, measured
    assert not (tmp_path / "bomb.duckdb").exists()


def test_a_ten_thousand_column_header_is_read_whole(tmp_path):
    header = [f"column_with_a_long_name_{i:05d}" for i in range(10_000)]
    source = tmp_path / "wide.csv"
    source.write_text(",".join(header) + "\n" + ",".join(str(i) for i in range(10_000)) + "\n")
    assert len(",".join(header)) > 250_000  # far past the 64 KiB the reader used to sample
    raw = read_file(source)
    assert list(raw.frame.columns) == header
    assert raw.frame.iloc[0, -1] == "9999"


def _database_with_one_area(tmp_path: Path) -> tuple[Path, Path]:
    """A database holding one urban area, A1 Alder, imported as a user would; and that areas file."""
    database = tmp_path / "db.duckdb"
    areas = tmp_path / "areas.csv"
    areas.write_text("area_code,name,urbanicity\nA1,Alder,urban\n")
    run_import("areas", areas, database)
    return database, areas


def test_a_five_megabyte_value_is_quoted_in_two_hundred_characters(tmp_path):
    database, _ = _database_with_one_area(tmp_path)
    huge = "Z" * 5_000_000
    source = tmp_path / "huge.csv"
    source.write_text(f"source_id,occurred_at,area_code,offense\nH1,2024-01-02,A1,{huge}\nH2,2024-01-02,A1,THEFT\n")
    completed = subprocess.run(
        [sys.executable, "-m", "data", "import", "incidents", str(source), "--db", str(database)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1
    assert len(completed.stderr) < 4_000, len(completed.stderr)
    assert "Z" * 200 in completed.stderr and "Z" * 201 not in completed.stderr
    assert "(5,000,000 characters)" in completed.stderr


def test_a_full_disk_is_one_sentence(tmp_path, monkeypatch):
    database, _ = _database_with_one_area(tmp_path)
    before = database.read_bytes()

    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", no_space)
    more = tmp_path / "more.csv"
    more.write_text("area_code,name,urbanicity\nB2,Birch,rural\n")
    with pytest.raises(ImportFailed) as failure:
        run_import("areas", more, database)
    assert str(failure.value).startswith(f"the disk holding {database} is full (an import needs room for a copy")
    assert str(failure.value).endswith("free some space and import again, nothing was changed")
    assert database.read_bytes() == before


_DISK_FULL = """
set -e
mount -t tmpfs -o size={size}k tmpfs {folder}
cp {database} {folder}/db.duckdb
before=$(sha256sum {folder}/db.duckdb)
set +e
{python} -m data import areas {source} --db {folder}/db.duckdb
echo "exit=$?"
after=$(sha256sum {folder}/db.duckdb)
[ "$before" = "$after" ] && echo unchanged
ls -a {folder}
"""


def test_a_really_full_disk_is_one_sentence(tmp_path):
    """A 1.3x-the-database tmpfs in a private mount namespace: the copy an import makes cannot fit."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    database, _ = _database_with_one_area(tmp_path)
    more = tmp_path / "more.csv"
    more.write_text("area_code,name,urbanicity\nB2,Birch,rural\n")
    folder = tmp_path / "small_disk"
    folder.mkdir()
    size_kib = int(database.stat().st_size * 1.3 / 1024) + 4
    script = _DISK_FULL.format(size=size_kib, folder=folder, database=database, python=sys.executable, source=more)
    completed = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "mount:" in completed.stderr and "exit=" not in completed.stdout:
        pytest.skip(f"cannot mount a tmpfs here: {completed.stderr.strip()[:200]}")
    # the whole line: "exit=134" (an abort after the sentence, seen once in a full run) contains "exit=1"
    assert "exit=1" in completed.stdout.splitlines(), completed.stdout + completed.stderr
    assert "unchanged" in completed.stdout
    last = completed.stderr.strip().splitlines()[-1]
    assert last.startswith("import failed: the disk holding") and "is full" in last, completed.stderr
    assert "Errno" not in completed.stderr and "Traceback" not in completed.stderr
    assert ".modifying" not in completed.stdout  # the partial copy was removed


# A stand-in for a native library whose teardown at interpreter exit aborts the process (pyarrow's
# threads now and then: "terminate called without an active exception"): an object that calls abort()
# when the interpreter finalizes it. The command must have ended with its own exit code before that.
_ABORT_AT_TEARDOWN = """
import os, runpy, sys

class AbortsWhenFinalized:
    def __del__(self):
        os.abort()

sys.modules["teardown_bomb"] = AbortsWhenFinalized()
sys.argv = ["data", *sys.argv[1:]]
runpy.run_module("data", run_name="__main__", alter_sys=True)
"""


def test_a_command_ends_with_its_own_exit_code_before_native_teardown(tmp_path):
    database, areas = _database_with_one_area(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("area_code,name,urbanicity\nB2,Birch,suburban\n")

    def run(source: Path) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", _ABORT_AT_TEARDOWN, "import", "areas", str(source), "--db", str(database)]
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)

    refused, accepted = run(bad), run(areas)
    assert refused.returncode == 1, refused.stderr  # not -6 (SIGABRT)
    assert refused.stderr.strip().splitlines()[-1].startswith("import failed:"), refused.stderr
    assert accepted.returncode == 0, accepted.stderr
    assert "Aborted" not in refused.stderr + accepted.stderr


_HOLD_SCRATCH = """
import sys, time
from data import db
with db.building(sys.argv[1]) as con:
    con.execute("create table filler as select range as n from range(100000)")
    con.execute("checkpoint")
    print("ready", flush=True)
    time.sleep(60)
"""


def test_a_killed_writer_leaves_a_building_file_the_next_run_removes(tmp_path):
    target = tmp_path / "public.duckdb"
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD_SCRATCH, str(target)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "ready"
    left = list(tmp_path.glob(".public.duckdb.*.building*"))
    assert left and left[0].stat().st_size > 0
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert list(tmp_path.glob(".public.duckdb.*.building*")) == left  # SIGKILL runs no cleanup
    # a live writer's scratch (this process's parent, say) is never touched
    alive = tmp_path / f".public.duckdb.{os.getppid()}.building"
    alive.write_bytes(b"busy")
    with db.building(target) as con:
        con.execute("create table t as select 1 as x")
    assert list(tmp_path.glob(".public.duckdb.*.building*")) == [alive]
    assert target.exists()


def test_lookalike_names_fold_together_and_different_names_do_not():
    assert lookalikes.looks_alike("chief@riverton.example", "chief@rivеrton.example")  # Cyrillic е
    assert lookalikes.looks_alike("Youth Org", "Yоuth Org")  # Cyrillic о
    assert lookalikes.looks_alike("Mental Health", "Mental HeaIth")  # capital I for l
    assert lookalikes.looks_alike("Youth Org", "Ｙｏｕｔｈ Org")  # fullwidth (NFKC)
    assert lookalikes.looks_alike("YouthOrg", "Youth\u200bOrg")  # a zero-width space
    assert lookalikes.looks_alike("BRIDGE", "ВRIDGE")  # Cyrillic capital В
    assert not lookalikes.looks_alike("Youth Org", "Housing Org")
    assert not lookalikes.looks_alike("Area 1", "Area 2")
    assert lookalikes.lookalike_of("youth  org", ["Youth Org"]) is None  # the same name, not a lookalike
    assert lookalikes.lookalike_of("Yоuth Org", ["Housing Org", "Youth Org"]) == "Youth Org"
    assert lookalikes.differences("Yоuth Org", "Youth Org") == "о U+043E CYRILLIC SMALL LETTER O"
    # the skeleton is Unicode's (UTS #39): confusables.txt maps, for instance, "m" to "rn"
    assert lookalikes.skeleton("m") == "rn" and lookalikes.skeleton("а") == "a"


def test_an_import_refuses_a_lookalike_of_the_chiefs_email_and_of_a_nonprofit(fixture_path, tmp_path):
    database = tmp_path / "fixture.duckdb"
    database.write_bytes(fixture_path.read_bytes())
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    users = tmp_path / "users.csv"
    users.write_text("email,role\nchief@testvillе.example,chief\n")  # Cyrillic е in the domain
    with pytest.raises(ImportFailed) as refused:
        run_import("users", users, database)
    assert str(refused.value) == (
        "the only row of users.csv cannot be imported: email looks like the existing user's email"
        " 'chief@testville.example' (е U+0435 CYRILLIC SMALL LETTER IE): 'chief@testvillе.example' (line 2)"
    )
    partners = tmp_path / "partners.csv"
    partners.write_text("name,nonprofit,org_type,start_date\nNight league,Ноusing Org,housing,2024-01-01\n")
    with pytest.raises(ImportFailed, match=r"looks like the existing nonprofit 'Housing Org' \(Н U\+041D"):
        run_import("partnerships", partners, database)
    directors = tmp_path / "directors.csv"
    directors.write_text("email,role,nonprofit\nnew@youth.example,director,Yоuth Org\n")
    with pytest.raises(ImportFailed, match="nonprofit looks like the existing nonprofit 'Youth Org'"):
        run_import("users", directors, database)
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    # the same names, spelled as held (case and spaces forgiven), are accepted
    users.write_text("email,role\nCHIEF@testville.example,chief\nnew@youth.example,director\n")
    with pytest.raises(ImportFailed, match="a director needs their nonprofit"):
        run_import("users", users, database)


def test_dates_are_read_the_way_their_column_settles():
    import pandas as pd

    lines = pd.Series(range(2, 6)).to_numpy()
    day_first, _ = read_dates(pd.Series(["03/04/2024", "31/12/2024", None, "05/06/2024"]), None, "d", lines)
    assert day_first.dt.strftime("%Y-%m-%d").tolist()[:2] == ["2024-04-03", "2024-12-31"]
    month_first, _ = read_dates(pd.Series(["03/04/2024", "12/31/2024"]), None, "d", lines)
    assert month_first.dt.strftime("%Y-%m-%d").tolist() == ["2024-03-04", "2024-12-31"]
    told, _ = read_dates(pd.Series(["03/04/2024", "05/06/2024"]), "day-first", "d", lines)
    assert told.dt.strftime("%Y-%m-%d").tolist() == ["2024-04-03", "2024-06-05"]
    with pytest.raises(ImportFailed, match=r"'31/12/2024' \(line 3\) is day-first and '12/31/2024' \(line 4\)"):
        read_dates(pd.Series(["03/04/2024", "31/12/2024", "12/31/2024"]), None, "occurred_at", lines)
    parsed, periods = read_dates(pd.Series(["2018", "March 2024", "Q3 2024", "2024-03", "Mar 24"]))
    assert [kind if isinstance(kind, str) else None for kind in periods] == ["year", "month", "quarter", None, "month"]
    assert parsed.isna().tolist() == [True, True, True, False, True]  # 2024-03 is the day 1 March 2024


def test_the_upload_limit_is_the_one_the_readers_are_sized_for():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == UPLOAD_LIMIT_MB == 100


def test_a_nul_byte_never_reaches_a_stored_id(tmp_path):
    database, _ = _database_with_one_area(tmp_path)
    rows = [f"N{i},2024-01-02,A1,THEFT" for i in range(4000)] + ["N-\x00-X,2024-01-03,A1,THEFT"]
    source = tmp_path / "nul.csv"
    source.write_bytes(("source_id,occurred_at,area_code,offense\n" + "\n".join(rows) + "\n").encode())
    assert source.stat().st_size > 1 << 16
    with pytest.raises(ImportFailed, match="NUL byte"):
        run_import("incidents", source, database)
    summary = run_import("incidents", source, database, ImportOptions(max_rejected=1))
    assert (summary.rows_accepted, summary.rows_rejected) == (4000, 1)
    con = duckdb.connect(str(database), read_only=True)
    try:
        assert con.execute("select count(*) from incidents where contains(source_id, chr(0))").fetchall() == [(0,)]
        assert con.execute("select line_number, reason from rejected_rows").fetchall() == [
            (4002, "holds a NUL byte (a zero byte): the line is damaged")
        ]
    finally:
        con.close()


def test_the_cell_count_before_parsing_is_exact(tmp_path):
    """The streaming count a workbook is refused by: every cell once, however the chunks fall."""
    import pandas as pd

    from data.importers.reading import Limits, _scan_sheet

    frame = pd.DataFrame({f"c{i}": [f"value {row} {i}" for row in range(30_000)] for i in range(7)})
    book = tmp_path / "count.xlsx"
    frame.to_excel(book, index=False)
    with zipfile.ZipFile(book) as archive:
        rows, cells, formulas = _scan_sheet(archive, "xl/worksheets/sheet1.xml", Limits(xlsx_cells=10**9))
    assert (rows, cells, formulas) == (30_001, 30_001 * 7, False)
