"""Formula injection: cells like =HYPERLINK(...) are stored as text and exported inert."""

from __future__ import annotations

import csv
import io

import duckdb
import pandas as pd

from data.importers import run_import
from data.safe_export import safe_csv

PAYLOADS = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\tTAB", "=cmd|' /C calc'!A0"]


def test_safe_csv_prefixes_text_that_would_run():
    frame = pd.DataFrame({"name": [*PAYLOADS, "plain", "a=b"], "count": [-1, 2, 3, 4, 5, 6, 7, 8]})
    rows = list(csv.reader(io.StringIO(safe_csv(frame).decode("utf-8-sig"))))
    assert rows[0] == ["name", "count"]
    names = [row[0] for row in rows[1:]]
    assert names[: len(PAYLOADS)] == ["'" + payload for payload in PAYLOADS]
    assert names[-2:] == ["plain", "a=b"]
    assert rows[1][1] == "-1"  # negative numbers stay numbers


def test_safe_csv_handles_headers_missing_values_and_dates():
    frame = pd.DataFrame({"=evil": [None, "x"], "day": pd.to_datetime(["2024-01-01", None])})
    text = safe_csv(frame).decode("utf-8-sig")
    assert text.splitlines()[0] == "'=evil,day"
    assert text.splitlines()[1] == ",2024-01-01"


def test_formulas_are_stored_as_text_and_exported_safely(tmp_path):
    path = tmp_path / "partners.csv"
    rows = ["area_code,name,urbanicity"] + [
        f'Z{index},"{payload.replace(chr(34), chr(34) * 2)}",urban' for index, payload in enumerate(PAYLOADS)
    ]
    path.write_text("\n".join(rows) + "\n")
    database = tmp_path / "f.duckdb"
    run_import("areas", path, database)
    con = duckdb.connect(str(database), read_only=True)
    stored = con.execute("select name from areas order by area_code").df()
    con.close()
    # stored exactly (trimmed of the tab's surrounding whitespace only) as text
    assert set(stored["name"]) == {payload.strip() for payload in PAYLOADS}
    exported = list(csv.reader(io.StringIO(safe_csv(stored).decode("utf-8-sig"))))[1:]
    dangerous = [row[0] for row in exported if row[0] != "TAB"]
    assert len(dangerous) == len(PAYLOADS) - 1
    assert all(cell.startswith("'") for cell in dangerous)


def test_list_cells_are_written_as_text():
    frame = pd.DataFrame({"kpi": ["Attendance"], "trend": [[73.7, 74.0, 76.0]]})
    rows = list(csv.reader(io.StringIO(safe_csv(frame).decode("utf-8-sig"))))
    assert rows == [["kpi", "trend"], ["Attendance", "73.7; 74.0; 76.0"]]
