"""Offence review and the data-quality line (issue 10, Builds 3 and 6, and the generic-file test).

A generic file whose offence text only LAPD's scheme names: refused by default (test_import_strict),
imported with --max-rejected 10%, after which `check` and the crime page's data-quality line say
what was left out; the analyst then names the offence (the CLI `import offense-map`, or the Import
page's review form), the choice is kept in the agency's database, and the same file imports 100%
with totals equal to a pandas count of the raw file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import apptest
import queries
from components import data_quality
from data.importers import run_import

REPO = Path(__file__).resolve().parent.parent
# FBI class of each description once mapped: ROBBERY violent; THEFT, BURGLARY property;
# BATTERY - SIMPLE ASSAULT (simple assault, 13B) not an FBI class
OFFENCES = {"THEFT": 24, "BURGLARY": 16, "ROBBERY": 14, "BATTERY - SIMPLE ASSAULT": 6}
CLASS_OF = {"THEFT": "property", "BURGLARY": "property", "ROBBERY": "violent", "BATTERY - SIMPLE ASSAULT": "other"}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data", *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def query(path: Path, sql: str) -> list[tuple]:
    copy = path.with_name(f"copy-{path.name}")  # a copy: an AppTest in this process may hold the file open
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
        copy.unlink()


def generic_file(path: Path) -> pd.DataFrame:
    """60 incidents over Feb 2024 in plain column names; 6 (10%) name LAPD's 'BATTERY - SIMPLE ASSAULT'."""
    offences = [name for name, rows in OFFENCES.items() for _ in range(rows)]
    frame = pd.DataFrame(
        {
            "incident_number": [f"G{i:03d}" for i in range(len(offences))],
            "date": [f"2024-02-{1 + i % 29:02d} 10:00" for i in range(len(offences))],
            "district": [str(1 + i % 2) for i in range(len(offences))],
            "offense": offences,
        }
    )
    frame.to_csv(path, index=False)
    return frame


@pytest.fixture
def region(tmp_path) -> Path:
    path = tmp_path / "agency.duckdb"
    (tmp_path / "areas.csv").write_text(
        "area_code,name,population,urbanicity\n1,North,4000,urban\n2,South,2000,rural\n"
    )
    (tmp_path / "users.csv").write_text("email,name,role\nchief@example.org,Chief,chief\n")
    run_import("areas", tmp_path / "areas.csv", path)
    run_import("users", tmp_path / "users.csv", path)
    return path


def quality_line(path: Path) -> tuple[str, bool]:
    """The crime pages' data-quality line for February 2024 (read from a copy, as query() does)."""
    copy = path.with_name(f"copy-{path.name}")
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        row = queries.run(con, "meta/data_quality", start_date="2024-02-01", end_date="2024-02-29", urbanicity=None)
    finally:
        con.close()
        copy.unlink()
    return data_quality.sentence(row.iloc[0])


def test_left_out_rows_are_reported_then_mapped_and_the_file_imports_whole(region, tmp_path, monkeypatch):
    source = tmp_path / "region.csv"
    raw = generic_file(source)
    allowed = cli("import", "incidents", str(source), "--db", str(region), "--max-rejected", "10%")
    assert allowed.returncode == 0, allowed.stderr
    assert "60 rows read, 54 imported, 0 already present, 6 rejected" in allowed.stdout
    # check says what was left out, with the reason and its count
    checked = cli("check", "--db", str(region))
    assert "left out of 60 (10.0%)" in checked.stdout
    assert "6 rows the last crime import (region.csv" in checked.stdout
    assert "offence not mapped to a NIBRS code: BATTERY - SIMPLE ASSAULT (6)" in checked.stdout
    # ... and so does the line on the crime pages, as a warning
    line, warns = quality_line(region)
    assert warns
    assert "left out 6 of 60 rows (10.0%): 6 with an unmapped offence" in line
    app = apptest.open_page(region, monkeypatch, page="pages/crime.py", period=(pd.Timestamp("2024-02-01").date(),
                            pd.Timestamp("2024-02-29").date()))  # fmt: skip
    assert any("left out 6 of 60 rows" in warning.value for warning in app.warning), [w.value for w in app.warning]

    # the analyst names the offence; the choice is kept in the agency's own database
    choices = tmp_path / "my_offences.csv"
    choices.write_text("offense,nibrs_code\nBATTERY - SIMPLE ASSAULT,13B\n")
    mapped = cli("import", "offense-map", str(choices), "--db", str(region))
    assert mapped.returncode == 0, mapped.stderr
    assert query(region, "select offense, nibrs_code from offense_choices") == [("BATTERY - SIMPLE ASSAULT", "13B")]
    again = cli("import", "incidents", str(source), "--db", str(region))  # strict: no allowance needed now
    assert again.returncode == 0, again.stderr
    assert "cleared: 6 rows refused by earlier imports are now imported" in again.stdout
    stored = dict(query(region, "select crime_class, sum(incidents)::integer from crime_monthly group by 1"))
    expected = raw["offense"].map(CLASS_OF).value_counts().to_dict()
    assert stored == expected == {"property": 40, "violent": 14, "other": 6}
    assert query(region, "select count(*) from incidents") == [(len(raw),)]
    line, warns = quality_line(region)
    assert "left no row out" in line and not warns


def test_an_agency_choice_is_consulted_before_the_shipped_map(region, tmp_path):
    source = tmp_path / "one.csv"
    source.write_text("incident_number,date,district,offense\nX1,2024-02-03 10:00,1,THEFT\n")
    run_import("incidents", source, region)
    assert query(region, "select nibrs_code from incidents") == [("23H",)]  # the shipped map: all other larceny
    choices = tmp_path / "choices.csv"
    choices.write_text("offense,nibrs_code\nTHEFT,23C\n")  # this agency's THEFT is shoplifting
    assert cli("import", "offense-map", str(choices), "--db", str(region)).returncode == 0
    source.write_text("incident_number,date,district,offense\nX1,2024-02-03 10:00,1,THEFT\nX2,2024-02-04,1,THEFT\n")
    run_import("incidents", source, region)
    assert query(region, "select source_id, nibrs_code from incidents order by 1") == [("X1", "23C"), ("X2", "23C")]


def test_a_code_that_is_not_nibrs_is_refused_and_nothing_is_saved(region, tmp_path):
    choices = tmp_path / "choices.csv"
    choices.write_text("offense,nibrs_code\nSOMETHING,99Q\n")
    before = region.read_bytes()
    refused = cli("import", "offense-map", str(choices), "--db", str(region))
    assert refused.returncode != 0
    assert "'99Q' is not a NIBRS offence code" in refused.stderr
    assert region.read_bytes() == before


def test_the_import_page_lists_unmapped_offences_and_saves_the_choice(region, tmp_path, monkeypatch):
    source = tmp_path / "region.csv"
    generic_file(source)
    monkeypatch.setenv("BRIDGEBOARD_DB", str(region))
    app = apptest.open_page(region, monkeypatch, page="pages/import_data.py")
    app.file_uploader(key="import_file").set_value(("region.csv", source.read_bytes(), "text/csv"))
    app.selectbox(key="import_kind").set_value("incidents").run()
    app.button(key="import_dry_run").click().run()
    assert not app.exception, [e.value for e in app.exception]
    review = app.selectbox(key="offence_review_0")
    assert review.label == r"BATTERY \- SIMPLE ASSAULT (6 rows)"  # the file's text, escaped for Markdown
    simple_assault = next(option for option in review.options if option.startswith("13B "))
    assert "(not an FBI class)" in simple_assault
    review.set_value(simple_assault)
    next(button for button in app.button if button.label.startswith("Save these choices")).click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("Saved 1 offence choices" in s.value for s in app.success), [s.value for s in app.success]
    # the dry run ran again with the choice: every row would now import
    assert any("60 rows read, 60 to import" in info.value for info in app.info), [i.value for i in app.info]
    assert query(region, "select offense, nibrs_code, chosen_by from offense_choices") == [
        ("BATTERY - SIMPLE ASSAULT", "13B", "chief@example.org")
    ]
