"""Strict imports (issue 10): nothing is left out silently, refused rows keep only what was mapped.

- A generic file with an offence not in the map is refused by default (exit 1, the database
  byte-identical, the reason with its count and the description); with --max-rejected 10% it
  imports, and the rows left out are in the summary and in rejected_rows.
- An LAPD-like export without --preset is refused and told which preset it is.
- A hand-written LAPD-like file with a duplicated header and victim columns: no victim value,
  address, MO code or unmapped coordinate appears in any column of any table.
- Rows a later import accepts are cleared from rejected_rows.
- A year where a date belongs is refused (the 968-of-1,056 duplicates case), unused columns are
  named, common header aliases are recognised, and partnership files no longer invent nonprofits.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data import db
from data.importers import ImportFailed, ImportOptions, guess_mapping, run_import
from data.importers.pipeline import parse_max_rejected

REPO = Path(__file__).resolve().parent.parent


def query(path: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "data", *args], cwd=REPO, capture_output=True, text=True, timeout=300)


@pytest.fixture
def areas_db(tmp_path) -> Path:
    """Four areas by code and by LAPD-style name."""
    path = tmp_path / "agency.duckdb"
    areas = tmp_path / "areas.csv"
    areas.write_text(
        "area_code,name,population,urbanicity\n1,Central,40000,urban\n2,Rampart,35000,urban\n"
        "3,Southwest,30000,urban\n4,Hollenbeck,20000,urban\n"
    )
    run_import("areas", areas, path, ImportOptions(agency="Testville PD"))
    return path


def _generic_file(path: Path) -> pd.DataFrame:
    """30 incidents in plain column names: 27 mapped offences and 3 'BATTERY - SIMPLE ASSAULT' (LAPD's text)."""
    offences = ["THEFT"] * 12 + ["BURGLARY"] * 8 + ["ROBBERY"] * 7 + ["BATTERY - SIMPLE ASSAULT"] * 3
    frame = pd.DataFrame(
        {
            "incident_number": [f"G{i:03d}" for i in range(len(offences))],
            "date": [f"2024-02-{1 + i % 28:02d} 10:00" for i in range(len(offences))],
            "district": [str(1 + i % 4) for i in range(len(offences))],
            "offense": offences,
        }
    )
    frame.to_csv(path, index=False)
    return frame


def test_a_generic_file_with_an_unmapped_offence_is_refused_then_imported_with_max_rejected(areas_db, tmp_path):
    source = tmp_path / "region.csv"
    raw = _generic_file(source)
    before = areas_db.read_bytes()
    refused = cli("import", "incidents", str(source), "--db", str(areas_db))
    assert refused.returncode == 1
    assert areas_db.read_bytes() == before  # byte-identical
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith("import failed: 3 of the 30 rows of region.csv (10%) would be left out")
    assert "offence not mapped to a NIBRS code (3 rows)" in last
    assert "--max-rejected 3 (or 10%)" in last
    assert "3  BATTERY - SIMPLE ASSAULT" in refused.stderr  # the description, with its count
    assert "fix: choose its NIBRS code on the Import page or with `python -m data import offense-map" in refused.stderr

    allowed = cli("import", "incidents", str(source), "--db", str(areas_db), "--max-rejected", "10%")
    assert allowed.returncode == 0, allowed.stderr
    assert "30 rows read, 27 imported, 0 already present, 3 rejected" in allowed.stdout
    assert "offence not mapped to a NIBRS code" in allowed.stdout
    assert query(areas_db, "select count(*) from incidents") == [(27,)]
    assert query(areas_db, "select sum(incidents) from crime_monthly") == [(27,)]
    left_out = query(
        areas_db,
        "select line_number, fields->>'offense', row_key from rejected_rows"
        " where import_id = (select max(import_id) from import_log) order by 1",
    )
    expected_lines = [index + 2 for index in raw.index[raw["offense"] == "BATTERY - SIMPLE ASSAULT"]]
    assert left_out == [(line, "BATTERY - SIMPLE ASSAULT", f"g{line - 2:03d}") for line in expected_lines]
    assert query(
        areas_db, "select rows_read, rows_accepted, rows_rejected from import_log where kind = 'incidents'"
    ) == [(30, 27, 3)]


def test_max_rejected_is_a_count_or_a_share_and_refuses_beyond_it(areas_db, tmp_path):
    assert parse_max_rejected(None).of(1000) == 0
    assert parse_max_rejected("25").of(1000) == 25
    assert parse_max_rejected(7).of(1000) == 7
    assert parse_max_rejected("2%").of(1000) == 20
    assert parse_max_rejected("2.5 %").of(1000) == 25
    assert parse_max_rejected("10%").of(30) == 3  # exactly 10% of 30 rows (no rounding error)
    for bad in ("abc", "150%", "-3", -3):
        with pytest.raises(ImportFailed, match="max-rejected"):
            parse_max_rejected(bad)
    source = tmp_path / "region.csv"
    _generic_file(source)
    before = areas_db.read_bytes()
    with pytest.raises(ImportFailed) as refused:
        run_import("incidents", source, areas_db, ImportOptions(max_rejected=2))
    assert "--max-rejected 2 allows 2" in str(refused.value) and refused.value.over_limit
    assert areas_db.read_bytes() == before
    with pytest.raises(ImportFailed):  # a dry run over the allowance is refused the same way
        run_import("incidents", source, areas_db, ImportOptions(dry_run=True))
    summary = run_import("incidents", source, areas_db, ImportOptions(max_rejected=3))
    assert (summary.rows_accepted, summary.rows_rejected) == (27, 3)


LAPD_HEADER = (
    "DR_NO,Date Rptd,DATE OCC,TIME OCC,AREA,AREA NAME,Rpt Dist No,Part 1-2,Crm Cd,Crm Cd Desc,Mocodes,"
    "Vict Age,Vict Sex,Vict Descent,Premis Cd,Premis Desc,Weapon Used Cd,Weapon Desc,Status,Status Desc,"
    "Crm Cd 1,Crm Cd 2,Crm Cd 3,Crm Cd 4,LOCATION,Cross Street,LAT,LON,DATE OCC,Vict Age"
)
# values that must never reach the database: victim age, sex and descent (compared as whole cells,
# being short), and MO codes, addresses and premises (found anywhere inside a cell)
VICTIM_VALUES = {"119", "QX", "ZQ"}
SECRETS = ("9917 8812", "4321 SENTINEL AV", "HIDDEN ALLEY", "UNSEEN PREMISES", "STRONG-ARM")


def _lapd_like(path: Path, rows: int = 40) -> None:
    """An LAPD "Crime Data" export by hand: a repeated DATE OCC and Vict Age, victim columns, addresses.

    Rows 5 and 6 carry a crime code (999) and description LAPD's tables do not know, row 7 an unknown
    area: three refused rows. The other rows are classified by their code (Crm Cd), not the text.
    """
    offences = ["BATTERY - SIMPLE ASSAULT", "VEHICLE - STOLEN", "BURGLARY", "ROBBERY"]
    lines = [LAPD_HEADER]
    for i in range(rows):
        offence = offences[i % 4] if i not in (3, 4) else "UNHEARD-OF OFFENCE"
        code = {0: "624", 1: "510", 2: "310", 3: "210"}[i % 4] if i not in (3, 4) else "999"
        area = ["Central", "Rampart", "Southwest", "Hollenbeck"][i % 4] if i != 5 else "Atlantis"
        day, time = 1 + i % 28, f"{i % 24}{i * 7 % 60:02d}"
        lines.append(
            f"{240100000 + i},02/{day:02d}/2024 12:00:00 AM,02/{day:02d}/2024 12:00:00 AM,{time},{1 + i % 4:02d},"
            f"{area},0{100 + i},1,{code},{offence},9917 8812,119,QX,ZQ,101,UNSEEN PREMISES,400,STRONG-ARM,IC,"
            f"Invest Cont,624,,,,4321 SENTINEL AV,HIDDEN ALLEY,34.0{i:02d}1,-118.2{i:02d}1,"
            f"02/{day:02d}/2024 12:00:00 AM,119"
        )
    path.write_text("\n".join(lines) + "\n")


def _every_value(path: Path) -> list[str]:
    """Every cell of every table (and view-free base table) as text."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        cells = []
        for table in db.schema_tables(con):
            columns = [name for (name,) in con.execute(f"select name from pragma_table_info('{table}')").fetchall()]
            for column in columns:
                cells.extend(
                    value
                    for (value,) in con.execute(
                        f'select distinct cast("{column}" as varchar) from "{table}" where "{column}" is not null'
                    ).fetchall()
                )
        return cells
    finally:
        con.close()


def test_an_lapd_export_without_its_preset_is_refused_and_told_the_preset(areas_db, tmp_path):
    source = tmp_path / "Crime_Data_from_2020_to_Present.csv"
    _lapd_like(source)
    before = areas_db.read_bytes()
    refused = cli("import", "incidents", str(source), "--db", str(areas_db))
    assert refused.returncode == 1
    assert areas_db.read_bytes() == before
    hint = 'this looks like LAPD "Crime Data from 2020 to Present": import it with --preset lapd-crimes'
    assert hint in refused.stderr.splitlines()[1]  # said right under the headline
    assert refused.stderr.strip().endswith(hint)  # and in the sentence that ends the refusal
    with_preset = cli("import", "incidents", str(source), "--db", str(areas_db), "--preset", "lapd-crimes")
    assert with_preset.returncode == 1  # still strict: three rows are refused
    assert "3 of the 40 rows" in with_preset.stderr and "looks like" not in with_preset.stderr


def test_no_victim_value_of_an_lapd_file_reaches_the_database(areas_db, tmp_path):
    source = tmp_path / "lapd.csv"
    _lapd_like(source)
    summary = run_import("incidents", source, areas_db, ImportOptions(preset="lapd-crimes", max_rejected=3))
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (40, 37, 3)
    # the repeated headers are said, and which column was used
    assert any("2 columns named 'DATE OCC' (columns 3 and 29); column 3 was used as occurred_date" in w
               for w in summary.warnings), summary.warnings  # fmt: skip
    assert any("2 columns named 'Vict Age'" in w and "none of them is used" in w for w in summary.warnings)
    assert any("columns not used by incidents: Date Rptd, AREA" in w for w in summary.warnings)
    cells = _every_value(areas_db)
    assert query(areas_db, "select count(*) from rejected_rows") == [(3,)]
    leaks = [(secret, cell) for cell in cells for secret in SECRETS if secret in cell]
    assert leaks == []
    assert VICTIM_VALUES & set(cells) == set()
    assert any("UNHEARD-OF OFFENCE" in cell for cell in cells)  # the scan does see rejected_rows' fields
    # LAT/LON are mapped here, so they may be stored; the reporting district (unmapped) never is
    assert not {f"0{100 + i}" for i in range(40)} & set(cells)
    stored = query(areas_db, "select fields from rejected_rows order by line_number")
    assert [sorted(json.loads(fields)) for (fields,) in stored] == [
        ["area_name", "lat", "lon", "occurred_date", "occurred_time", "offense", "offense_code", "source_id"]
    ] * 3


def test_rows_a_later_import_accepts_are_cleared_from_rejected_rows(areas_db, tmp_path):
    source = tmp_path / "incidents.csv"
    source.write_text(
        "source_id,occurred_at,area_code,offense\nC1,2024-01-02,1,THEFT\nC2,2024-01-03,9,THEFT\nC3,2024-01-04,9,ARSON\n"
    )
    first = run_import("incidents", source, areas_db, ImportOptions(max_rejected=2))
    assert first.rows_rejected == 2
    assert query(areas_db, "select line_number, row_key from rejected_rows order by 1") == [(3, "c2"), (4, "c3")]
    more_areas = tmp_path / "area9.csv"
    more_areas.write_text("area_code,name,urbanicity\n9,Nine,urban\n")
    run_import("areas", more_areas, areas_db)
    again = run_import("incidents", source, areas_db)  # strict: every row is now accepted
    assert (again.rows_accepted, again.rows_unchanged, again.rejections_cleared) == (2, 1, 2)
    assert "cleared: 2 rows refused by earlier imports are now imported" in again.text()
    assert query(areas_db, "select count(*) from rejected_rows") == [(0,)]


def test_a_bare_year_is_refused_as_a_date_instead_of_colliding(areas_db, tmp_path):
    """1,056 monthly scores (88 area x measure series x 12 months) whose period column holds only "2018"."""
    rows = [
        f"{area},2018,{measure}_{series},{month},{50 + month}"
        for area in range(1, 5)
        for series in range(22)
        for measure in ("trust",)
        for month in range(1, 13)
    ]
    assert len(rows) == 1_056
    source = tmp_path / "scores.csv"
    source.write_text("area_code,period,measure,month_number,score\n" + "\n".join(rows) + "\n")
    with pytest.raises(ImportFailed) as refused:
        run_import("survey-scores", source, areas_db)
    assert str(refused.value) == (
        "none of the 1,056 rows of scores.csv can be imported: period_start is a year, not a date (1,056 rows,"
        " first on line 2)"
    )
    reason = refused.value.summary.reasons[0]
    assert reason.fix.startswith("give full dates, or say the period with --date-format (%Y for a year")
    # told that each row is a year, the same file is read as yearly periods: 88 distinct scores
    # and 968 true duplicates of them, which strictness then refuses to drop silently
    with pytest.raises(ImportFailed, match="968 of the 1,056 rows"):
        run_import("survey-scores", source, areas_db, ImportOptions(date_formats={"period_start": "%Y"}))


def test_a_yearly_period_ends_with_the_year(areas_db, tmp_path):
    source = tmp_path / "yearly.csv"
    source.write_text("area_code,period_start,measure,value_0_100\n1,2023,trust,61\n2,2023,trust,58\n")
    run_import("survey-scores", source, areas_db, ImportOptions(date_formats={"*": "%Y"}))
    assert (
        query(areas_db, "select period_start::varchar, period_end::varchar from survey_scores")
        == [("2023-01-01", "2023-12-31")] * 2
    )


def test_headers_people_use_are_recognised():
    assert guess_mapping("incidents", ["report_no", "occurred", "crime"])["report_no"] == "source_id"
    assert guess_mapping("incidents", ["Case No.", "date", "crime"])["Case No."] == "source_id"
    assert guess_mapping("incidents", ["Incident Number", "date", "crime"])["Incident Number"] == "source_id"
    survey = guess_mapping("surveys", ["wave", "fielded", "listen_0_10", "respect_0_10", "safe_night_1_5"])
    assert survey == {
        "wave": "wave",
        "fielded": "responded_on",
        "listen_0_10": "trust_listen",
        "respect_0_10": "trust_respect",
        "safe_night_1_5": "safety_night",
    }
    assert guess_mapping("surveys", ["responded"]) == {"responded": "responded_on"}


def test_a_column_the_kind_does_not_use_is_named(areas_db, tmp_path):
    source = tmp_path / "partners.csv"
    source.write_text(
        "name,nonprofit,org_type,start_date,focus,colour\nNight league,Youth Org,youth,2024-01-01,youth,red\n"
    )
    summary = run_import("partnerships", source, areas_db)
    assert "focus: not used by partnerships (it is a field of programs)" in summary.warnings
    assert "1 column not used by partnerships: colour" in summary.warnings
    assert "note: focus: not used by partnerships (it is a field of programs)" in summary.text()


def test_partnership_files_create_only_organisations_they_type(areas_db, tmp_path):
    source = tmp_path / "partners.csv"
    source.write_text(
        "name,nonprofit,org_type,start_date\n"
        "Night league,Youth Org,youth,2024-01-01\nSummer league,Youth Org,,2024-06-01\n"
        "Shelter,N-1,,2024-01-01\n"
    )
    with pytest.raises(ImportFailed) as refused:
        run_import("partnerships", source, areas_db)
    assert refused.value.summary.reasons[0].reason == (
        "nonprofit is not known: import it with the nonprofits kind first, or give its org_type in this file"
    )
    assert refused.value.summary.reasons[0].example == "'N-1'"
    summary = run_import("partnerships", source, areas_db, ImportOptions(max_rejected=1))
    assert query(areas_db, "select name, org_type from nonprofits") == [("Youth Org", "youth")]
    assert any(w.startswith("1 new nonprofit created from this file ('Youth Org')") for w in summary.warnings)
    assert summary.rows_accepted == 2  # the untyped second row of Youth Org takes the type of its first


def test_the_nonprofits_kind_stores_contacts_where_nothing_published_reads_them(fixture_path, tmp_path):
    from data import publish

    database = tmp_path / "fixture.duckdb"
    database.write_bytes(fixture_path.read_bytes())
    source = tmp_path / "nonprofits.csv"
    source.write_text(
        "name,type,website,founded,contact,email,phone\n"
        "Youth Org,youth,youthorg.example/about,1998,Dana Contactperson,dana.secret@youthorg.example,+1 555 0100 77\n"
        "Faith Kitchen,church,https://kitchen.example,2010,,,\n"
    )
    summary = run_import("nonprofits", source, database)
    assert (summary.rows_accepted, summary.rows_rejected) == (2, 0)
    assert query(database, "select name, org_type, website, founded_year from nonprofits order by nonprofit_id") == [
        ("Youth Org", "youth", "https://youthorg.example/about", 1998),
        ("Housing Org", "housing", None, 2005),
        ("Faith Kitchen", "faith", "https://kitchen.example", 2010),
    ]
    assert query(database, "select nonprofit_id, contact_name, email, phone from nonprofit_contacts") == [
        (1, "Dana Contactperson", "dana.secret@youthorg.example", "+1 555 0100 77")
    ]
    assert query(database, "select description from nonprofits where nonprofit_id = 1") == [
        ("Mentoring for young people",)  # a file without descriptions keeps the one held
    ]
    public = tmp_path / "public.duckdb"
    publish.publish(database, public)
    cells = " ".join(_every_value(public))
    assert "Dana" not in cells and "dana.secret" not in cells and "555 0100" not in cells


def test_check_names_the_rows_every_kind_s_last_import_left_out(areas_db, tmp_path):
    """Not only crime: an areas file imported with --max-rejected stays a warning of `check`, counts formatted."""
    from data import check

    areas = tmp_path / "more_areas.csv"
    good = [f"{code},Area {code},1000,urban" for code in range(5, 18)]
    bad = [f"{code},Area {code},1000,suburban" for code in range(18, 1018)]
    areas.write_text("area_code,name,population,urbanicity\n" + "\n".join(good + bad) + "\n")
    with pytest.raises(ImportFailed):
        run_import("areas", areas, areas_db, ImportOptions(agency="Testville PD"))
    run_import("areas", areas, areas_db, ImportOptions(agency="Testville PD", max_rejected="99%"))
    findings = {finding.message: finding for finding in check.check(areas_db).warnings}
    message = next(text for text in findings if text.startswith("rows the last areas import (more_areas.csv, "))
    assert message.endswith(" left out of 1,013 (98.7%)")
    finding = findings[message]
    assert finding.count == 1000 and len(finding.examples) == 1 and finding.examples[0].endswith(" (1,000)")
    assert finding.line().startswith("1,000 rows the last areas import") and not finding.line().endswith("…")
