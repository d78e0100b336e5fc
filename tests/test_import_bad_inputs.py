"""A corpus of 91 bad (and borderline) input files generated here: 89 in CASES, a 50 MB file, a late Latin-1 one.

Each case is one file: for those with no usable row the import must fail with one clear
sentence (checked by a substring) and leave every table's checksum as it was. For those
with some valid rows, strictness is checked first: any refused row refuses the whole file
(database unchanged) unless the import allows that many (--max-rejected); allowed, the valid
rows are stored and every other row is refused with the expected reason and line. The
corpus: empty, header-only, binary renamed .csv, xlsx renamed .csv, UTF-16 (with and without
a byte-order mark), UTF-32, wrong delimiter, semicolon and tab delimiters, Latin-1 and BOM,
missing required column, wrong kind, truncated file, unterminated quote, ragged rows,
blank lines, mixed date formats, day/month dates that could be read two ways (refused, and
read with --date-format), a bare year, a month name and a quarter where a date belongs,
text in numeric columns, Likert 0 and 6 on a 1-5 wave, NaN/inf/negative/zero weights,
future/1900/impossible dates, duplicate ids, "009" vs 9.0 duplicates, unknown areas, points
outside every area, self-intersecting/point/broken GeoJSON, zip without a shapefile, zip
without .shx or .dbf, a NUL byte past the first 64 KiB, a 10,000-column header, duplicated
headers (the used one empty, and both filled), Excel formulas without saved values (in a
mapped column and in one not imported), a 50 MB file, formula-injection cells, unmapped
offences, refusals over a percentage allowance, bad mappings and presets, unsupported
extensions, broken and partly bad Excel, caps on rows, bytes, header length, sheet XML,
cells and features, nonprofit sheets with impossible counts, unknown programs, negative
money and directors without nonprofits, unknown nonprofits in partnership files, columns
another kind uses, bad websites and emails, and lookalike (confusable) names and emails.
test_import_hostile.py adds the cases that need a subprocess or the system: xlsx bombs,
a 5 MB value, a full disk, a killed writer's scratch file.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from data import db
from data.importers import ImportFailed, ImportOptions, run_import
from data.importers.reading import Limits

WAVE_SCALE = {"scale_min": "1", "scale_max": "5"}


def _square(lon0: float, lat0: float, size: float = 0.1) -> dict:
    ring = [[lon0, lat0], [lon0 + size, lat0], [lon0 + size, lat0 + size], [lon0, lat0 + size], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _geojson(features: list[tuple[dict, dict]]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
        }
    )


@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad_inputs_base")
    path = folder / "base.duckdb"
    areas = folder / "areas.geojson"
    areas.write_text(
        _geojson(
            [
                ({"code": "A1", "name": "Alder", "population": 1000, "urbanicity": "urban"}, _square(-90.0, 40.0)),
                ({"code": "B2", "name": "Birch", "population": 500, "urbanicity": "rural"}, _square(-89.9, 40.0)),
            ]
        )
    )
    run_import("areas", areas, path, ImportOptions(mapping={"code": "area_code"}, agency="Testville PD"))
    files = {
        "incidents": "source_id,occurred_at,area_code,offense\nX1,2024-01-05 10:00,A1,THEFT\n",
        "surveys": "wave,respondent_id,area_code,responded_on,weight,trust_respect\n"
        "Residents 2024,r0,A1,2024-03-01,1,4\n",
        "partnerships": "name,nonprofit,org_type,start_date,areas\nYouth partnership,Youth Org,youth,2023-01-01,A1\n",
        "programs": "partnership,name,focus,start_date,areas\nYouth partnership,Mentoring,youth,2023-02-01,A1;B2\n",
    }
    for kind, text in files.items():
        file = folder / f"{kind}.csv"
        file.write_text(text)
        run_import(kind, file, path, ImportOptions(constants=WAVE_SCALE if kind == "surveys" else {}))
    return path


def checksums(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return db.table_checksums(con)
    finally:
        con.close()


@dataclass
class Case:
    name: str
    kind: str
    file_name: str
    content: bytes | str | None  # None: built by `build`
    expect: str  # substring of the failure message, or of a rejection reason
    changes: bool = False  # some rows are valid and get stored
    options: dict = field(default_factory=dict)
    rejected_lines: tuple[int, ...] | None = None  # the lines refused, when checked
    build: object = None  # (path) -> None, writes the file when content is None


INCIDENT_HEADER = "source_id,occurred_at,area_code,offense\n"
SURVEY_HEADER = "wave,respondent_id,area_code,responded_on,weight,trust_respect,safety_day\n"
SCORES_HEADER = "area_code,period_start,period_end,measure,value_0_100,n\n"


def _xlsx_bytes(frame: pd.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx_with_formulas(cached_column: str | None) -> bytes:
    """A workbook as openpyxl writes it: formulas without saved values (nothing calculated them)."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["source_id", "occurred_at", "area_code", "offense", "total"])
    sheet.append(["FX1", "2024-01-02", "A1", "THEFT", "=1+1"])
    sheet.append(["FX2", "2024-01-03", "A1", '=UPPER("theft")' if cached_column == "offense" else "THEFT", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _shapefile_zip(path: Path, leave_out: str) -> None:
    import geopandas
    import shapely

    folder = path.parent / f"shape_{leave_out.strip('.')}"
    folder.mkdir()
    shapes = geopandas.GeoDataFrame(
        {"area_code": ["Z1"], "urbanicity": ["urban"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326
    )
    shapes.to_file(folder / "districts.shp")
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            if part.suffix != leave_out:
                archive.write(part, part.name)


def _nul_after_64_kib(path: Path) -> None:
    rows = [f"NUL{i:05d},2024-01-02,A1,THEFT" for i in range(3000)]  # ~90 KB before the damaged line
    rows.append("NUL-X\x00,2024-01-03,A1,THEFT")
    path.write_bytes((INCIDENT_HEADER + "\n".join(rows) + "\n").encode())


def _wide_header(path: Path) -> None:
    """10,000 columns: a header of ~110 KB, longer than any sample the reader takes."""
    extra = [f"extra_column_{i:05d}" for i in range(9_996)]
    header = ["source_id", "occurred_at", "area_code", "offense", *extra]
    row = ["W1", "2024-01-02", "A1", "THEFT", *(["x"] * len(extra))]
    path.write_text(",".join(header) + "\n" + ",".join(row) + "\n")


def _bare_year_scores(path: Path) -> None:
    """Monthly scores whose period column holds only the year: read as 1 January they would collide."""
    lines = [f"A1,2018,trust_{month},5{month % 10},40" for month in range(1, 13)]
    path.write_text("area_code,period_start,measure,value_0_100,n\n" + "\n".join(lines) + "\n")


CASES = [
    # --- structure of the file -------------------------------------------------------------
    Case("empty file", "incidents", "empty.csv", b"", "is empty"),
    Case("header only", "incidents", "header.csv", INCIDENT_HEADER, "has a header but no rows"),
    Case("binary renamed csv", "incidents", "binary.csv", bytes(range(256)) * 40, "not a text file"),
    Case("xlsx renamed csv", "incidents", "sheet.csv", _xlsx_bytes(pd.DataFrame({"a": [1]})), "zip or Excel file"),
    Case("utf-16", "incidents", "utf16.csv", (INCIDENT_HEADER + "Z1,2024-01-01,A1,THEFT\n").encode("utf-16"), "UTF-16"),
    Case(
        "wrong delimiter",
        "incidents",
        "colon.csv",
        INCIDENT_HEADER.replace(",", ":") + "Z1:2024-01-01:A1:THEFT\n",
        "single column",
    ),
    Case(
        "semicolon delimiter",
        "incidents",
        "semi.csv",
        INCIDENT_HEADER.replace(",", ";") + "S1;2024-01-02;A1;THEFT\n",
        "",
        changes=True,
    ),
    Case(
        "tab delimiter",
        "incidents",
        "tabs.tsv",
        INCIDENT_HEADER.replace(",", "\t") + "T1\t2024-01-02\tA1\tTHEFT\n",
        "",
        changes=True,
    ),
    Case(
        "latin-1 accents",
        "areas",
        "latin1.csv",
        "area_code,name,urbanicity\nC3,Peñasco Café,rural\n".encode("latin-1"),
        "",
        changes=True,
    ),
    Case(
        "utf-8 BOM",
        "incidents",
        "bom.csv",
        ("\ufeff" + INCIDENT_HEADER + "B1,2024-01-02,A1,THEFT\n").encode("utf-8"),
        "",
        changes=True,
    ),
    Case(
        "missing required column",
        "incidents",
        "nodate.csv",
        "source_id,area_code,offense\nM1,A1,THEFT\n",
        "has no column for occurred_at",
    ),
    Case(
        "wrong kind",
        "incidents",
        "scores.csv",
        SCORES_HEADER + "A1,2024-01-01,2024-01-31,trust,55,40\n",
        "looks like a survey-scores file",
    ),
    Case(
        "truncated file",
        "incidents",
        "cut.csv",
        INCIDENT_HEADER + "C1,2024-01-02,A1,THEFT\nC2,2024-01-0",
        "cut-short",
        changes=True,
        rejected_lines=(3,),
    ),
    Case(
        "unterminated quote",
        "incidents",
        "quote.csv",
        INCIDENT_HEADER + 'Q1,2024-01-02,A1,THEFT\nQ2,"2024-01-02,A1\n',
        "",
        changes=True,
    ),
    Case(
        "ragged row",
        "incidents",
        "ragged.csv",
        INCIDENT_HEADER + "R1,2024-01-02,A1,THEFT\nR2,2024-01-02,A1,THEFT,x,y\n",
        "values for 4 columns",
        changes=True,
        rejected_lines=(3,),
    ),
    Case(
        "blank lines keep line numbers",
        "incidents",
        "blank.csv",
        INCIDENT_HEADER + "\nL1,2024-01-02,A1,THEFT\n\nL2,2099-01-02,A1,THEFT\n",
        "in the future",
        changes=True,
        rejected_lines=(5,),
    ),
    # --- values ----------------------------------------------------------------------------
    Case(
        "text in numeric column",
        "areas",
        "pop.csv",
        "area_code,name,population,urbanicity\nD4,Dogwood,many,rural\n",
        "population is not a number",
    ),
    Case(
        "likert 0 on 1-5",
        "surveys",
        "likert0.csv",
        SURVEY_HEADER + "Residents 2024,r1,A1,2024-03-01,1,0,3\n",
        "outside the wave's scale",
    ),
    Case(
        "likert 6 on 1-5",
        "surveys",
        "likert6.csv",
        SURVEY_HEADER + "Residents 2024,r2,A1,2024-03-01,1,6,3\n",
        "outside the wave's scale",
    ),
    Case(
        "weight nan",
        "surveys",
        "wnan.csv",
        SURVEY_HEADER + "Residents 2024,r3,A1,2024-03-01,NaN,4,3\n",
        "weight is not a finite number",
    ),
    Case(
        "weight inf",
        "surveys",
        "winf.csv",
        SURVEY_HEADER + "Residents 2024,r4,A1,2024-03-01,inf,4,3\n",
        "weight is not a finite number",
    ),
    Case(
        "weight negative",
        "surveys",
        "wneg.csv",
        SURVEY_HEADER + "Residents 2024,r5,A1,2024-03-01,-1.5,4,3\n",
        "weight is not a finite number above 0",
    ),
    Case(
        "weight zero",
        "surveys",
        "wzero.csv",
        SURVEY_HEADER + "Residents 2024,r6,A1,2024-03-01,0,4,3\n",
        "weight is not a finite number above 0",
    ),
    Case(
        "mixed good and bad likert",
        "surveys",
        "likertmix.csv",
        SURVEY_HEADER + "Residents 2024,r7,A1,2024-03-01,1,4,3\nResidents 2024,r8,A1,2024-03-01,1,9,3\n",
        "outside the wave's scale",
        changes=True,
        rejected_lines=(3,),
    ),
    Case(
        "no answers",
        "surveys",
        "noanswer.csv",
        SURVEY_HEADER + "Residents 2024,r9,A1,2024-03-01,1,,\n",
        "no trust or safety answer",
    ),
    Case(
        "new wave without scale",
        "surveys",
        "noscale.csv",
        SURVEY_HEADER + "New wave,r1,A1,2024-03-01,1,4,3\n",
        "answer scale is not known",
    ),
    Case(
        "existing wave, other scale",
        "surveys",
        "otherscale.csv",
        SURVEY_HEADER.strip() + ",scale_min,scale_max\nResidents 2024,r1,A1,2024-03-01,1,4,3,0,10\n",
        "already exists with scale_min 1",
    ),
    Case("future date", "incidents", "future.csv", INCIDENT_HEADER + "F1,2099-05-01 10:00,A1,THEFT\n", "in the future"),
    Case("1900 date", "incidents", "1900.csv", INCIDENT_HEADER + "O1,1900-01-01 10:00,A1,THEFT\n", "before 1960"),
    Case(
        "impossible date",
        "incidents",
        "feb30.csv",
        INCIDENT_HEADER + "P1,2024-02-03 10:00,A1,THEFT\nP2,2024-02-30 10:00,A1,THEFT\n",
        "is not a date",
        changes=True,
        rejected_lines=(3,),
    ),
    Case(
        "mixed date formats and offsets",
        "incidents",
        "mixed.csv",
        INCIDENT_HEADER + "X1,2024-01-02 10:00,A1,THEFT\nX2,01/13/2024,A1,THEFT\nX3,2024-01-05T11:00:00Z,A1,THEFT\n",
        "",
        changes=True,
        rejected_lines=(),
    ),
    Case(
        "duplicate ids",
        "incidents",
        "dups.csv",
        INCIDENT_HEADER + "D1,2024-01-02,A1,THEFT\nD1,2024-01-03,A1,ROBBERY\n",
        "duplicate source_id",
        changes=True,
        rejected_lines=(3,),
    ),
    Case(
        "009 and 9.0 are one code",
        "areas",
        "codes.csv",
        "area_code,name,urbanicity\n009,Nine,urban\n9.0,Nine again,urban\n",
        "duplicate area_code",
        changes=True,
        rejected_lines=(3,),
    ),
    Case(
        "unknown area",
        "incidents",
        "unknown.csv",
        INCIDENT_HEADER + "U1,2024-01-02,Z9,THEFT\n",
        "area is not among the imported areas",
    ),
    Case(
        "outside every area",
        "incidents",
        "outside.csv",
        "source_id,occurred_at,offense,lat,lon\nG1,2024-01-02,THEFT,40.05,-89.95\nG2,2024-01-02,THEFT,10,10\n",
        "outside every area",
        changes=True,
        rejected_lines=(3,),
    ),
    Case(
        "latitude without longitude",
        "incidents",
        "halfpoint.csv",
        "source_id,occurred_at,offense,lat,lon\nH1,2024-01-02,THEFT,40.05,\n",
        "both be given",
    ),
    Case(
        "latitude out of range",
        "incidents",
        "lat.csv",
        "source_id,occurred_at,offense,lat,lon\nH2,2024-01-02,THEFT,95,1\n",
        "lat is outside",
    ),
    Case(
        "unmapped offence",
        "incidents",
        "offence.csv",
        INCIDENT_HEADER + "N1,2024-01-02,A1,THEFT\nN2,2024-01-02,A1,JAYWALKING ON THE MOON\n",
        "offence not mapped to a NIBRS code",
        changes=True,
        rejected_lines=(3,),
    ),
    Case(
        "score above 100",
        "survey-scores",
        "s120.csv",
        SCORES_HEADER + "A1,2024-01-01,2024-01-31,trust,120,40\n",
        "value_0_100 is outside 0–100",
    ),
    Case(
        "score period backwards",
        "survey-scores",
        "sback.csv",
        SCORES_HEADER + "A1,2024-02-01,2024-01-31,trust,50,40\n",
        "period_end is before period_start",
    ),
    Case(
        "score negative n", "survey-scores", "sn.csv", SCORES_HEADER + "ALL,2024-01-01,,trust,50,-3\n", "n is below 0"
    ),
    # --- shapes ----------------------------------------------------------------------------
    Case(
        "self-intersecting polygon",
        "areas",
        "bowtie.geojson",
        _geojson(
            [
                (
                    {"area_code": "E5", "urbanicity": "urban"},
                    {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
                )
            ]
        ),
        "not a valid polygon",
    ),
    Case(
        "point instead of polygon",
        "areas",
        "point.geojson",
        _geojson([({"area_code": "E6", "urbanicity": "urban"}, {"type": "Point", "coordinates": [0, 0]})]),
        "not a polygon",
    ),
    Case(
        "broken geojson", "areas", "broken.geojson", '{"type": "FeatureCollection", "features": [', "could not be read"
    ),
    Case("zip without shapefile", "areas", "noshape.zip", _zip_bytes({"readme.txt": b"hello"}), "holds no shapefile"),
    # --- mapping and options ----------------------------------------------------------------
    Case(
        "map from a missing column",
        "incidents",
        "map1.csv",
        INCIDENT_HEADER + "M2,2024-01-02,A1,THEFT\n",
        "has no column 'when'",
        options={"mapping": {"when": "occurred_at"}},
    ),
    Case(
        "map to an unknown field",
        "incidents",
        "map2.csv",
        INCIDENT_HEADER + "M3,2024-01-02,A1,THEFT\n",
        "is not a field of incidents",
        options={"mapping": {"offense": "crime_kind"}},
    ),
    Case(
        "unknown preset",
        "incidents",
        "p1.csv",
        INCIDENT_HEADER + "M4,2024-01-02,A1,THEFT\n",
        "no preset",
        options={"preset": "atlantis"},
    ),
    Case(
        "preset of another kind",
        "areas",
        "p2.csv",
        "area_code,urbanicity\nQ1,urban\n",
        "is for incidents",
        options={"preset": "chicago-crimes"},
    ),
    Case("pdf extension", "incidents", "report.pdf", b"%PDF-1.4", "has the extension '.pdf'"),
    Case("old xls", "incidents", "old.xls", b"\xd0\xcf\x11\xe0", "old-style .xls"),
    Case("broken xlsx", "incidents", "broken.xlsx", b"not a workbook at all", "not a valid .xlsx"),
    Case(
        "xlsx with a bad row",
        "incidents",
        "sheet.xlsx",
        _xlsx_bytes(
            pd.DataFrame(
                {
                    "source_id": ["XL1", "XL2"],
                    "occurred_at": ["2024-01-02", "soon"],
                    "area_code": ["A1", "A1"],
                    "offense": ["THEFT", "THEFT"],
                }
            )
        ),
        "occurred_at is not a date",
        changes=True,
        rejected_lines=(3,),
    ),
    # --- nonprofit sheets ------------------------------------------------------------------
    Case(
        "activity impossible counts",
        "activity",
        "activity.csv",
        "program,month,participants,new_participants\nMentoring,2024-01-01,5,9\n",
        "new_participants is above participants",
    ),
    Case(
        "activity unknown program",
        "activity",
        "activity2.csv",
        "program,month,participants\nKnitting,2024-01-01,5\n",
        "program is not known",
    ),
    Case(
        "funding negative",
        "funding",
        "funding.csv",
        "program,fiscal_year,source,amount\nMentoring,FY2024,grant,-50\n",
        "amount is below 0",
    ),
    Case(
        "director without nonprofit",
        "users",
        "users.csv",
        "email,role\nboss@example.org,director\n",
        "a director needs their nonprofit",
    ),
    Case(
        "program bad focus",
        "programs",
        "programs.csv",
        "partnership,name,focus,start_date\nYouth partnership,Chess,board_games,2024-01-01\n",
        "focus is not one of",
    ),
    # --- issue 10: strict imports, recognising the file, nonprofits ---------------------------
    Case(
        "refused rows over a percentage allowance",
        "incidents",
        "half.csv",
        INCIDENT_HEADER + "H1,2024-01-02,A1,THEFT\nH2,2024-01-02,Z9,THEFT\n",
        "--max-rejected 10% allows 0",
        options={"max_rejected": "10%"},
    ),
    Case(
        "a bare year as a date",
        "survey-scores",
        "years.csv",
        None,
        "period_start is a year, not a date",
        build=_bare_year_scores,
    ),
    Case(
        "a bare year with --date-format %Y",
        "survey-scores",
        "years_ok.csv",
        None,
        "",
        changes=True,
        rejected_lines=(),
        options={"date_formats": {"period_start": "%Y"}},
        build=_bare_year_scores,
    ),
    Case(
        "a month name as a date",
        "survey-scores",
        "months.csv",
        SCORES_HEADER + "A1,March 2024,,trust,55,40\n",
        "period_start is a month, not a date",
    ),
    Case(
        "a quarter as a date",
        "survey-scores",
        "quarters.csv",
        SCORES_HEADER + "A1,2024 Q1,,trust,55,40\n",
        "period_start is a quarter, not a date",
    ),
    Case(
        "a partnership naming an unknown nonprofit without its type",
        "partnerships",
        "newpartner.csv",
        "name,nonprofit,start_date\nNight league,Brand New Org,2024-01-01\n",
        "import it with the nonprofits kind",
    ),
    Case(
        "a mapped column another kind uses is named",
        "partnerships",
        "focus.csv",
        "name,nonprofit,start_date,focus\nYouth outreach,Youth Org,2023-01-01,youth\n",
        "focus: not used by partnerships (it is a field of programs)",
        changes=True,
        rejected_lines=(),
    ),
    Case(
        "nonprofits with a bad website and email",
        "nonprofits",
        "orgs.csv",
        "name,org_type,website,contact_email\nGood Org,youth,goodorg.example,info@goodorg.example\n"
        "Bad Org,youth,not a site,nobody\n",
        "website is not a web address",
        changes=True,
        rejected_lines=(3,),
    ),
    # --- issue 12: lookalike names ------------------------------------------------------------
    Case(
        "a Cyrillic lookalike of a nonprofit in a partnership file",
        "partnerships",
        "lookalike.csv",
        "name,nonprofit,org_type,start_date\nFake partnership,Yоuth Org,youth,2024-01-01\n",
        "nonprofit looks like the existing nonprofit 'Youth Org' (о U+043E CYRILLIC SMALL LETTER O)",
    ),
    Case(
        "a lookalike in the nonprofits kind",
        "nonprofits",
        "lookalike_orgs.csv",
        "name,org_type\nYouth 0rg,youth\n",
        "name looks like the existing nonprofit 'Youth Org' (0 U+0030 DIGIT ZERO): 'Youth 0rg' (line 2)",
    ),
    Case(
        "a lookalike email",
        "users",
        "lookalike_users.csv",
        "email,role\nboss@example.org,chief\nboss@exаmple.org,chief\n",
        "email looks like 'boss@example.org', another user's email in this file (а U+0430 CYRILLIC SMALL LETTER A)",
    ),
    # --- issue 12: hostile and damaged files --------------------------------------------------
    Case(
        "dates that could be read two ways",
        "incidents",
        "daymonth.csv",
        INCIDENT_HEADER + "DM1,03/04/2024,A1,THEFT\nDM2,31/12/2024,A1,THEFT\nDM3,12/31/2024,A1,THEFT\n",
        "mixes day-first and month-first dates",
    ),
    Case(
        "dates that nothing settles",
        "incidents",
        "daymonth2.csv",
        INCIDENT_HEADER + "DM4,03/04/2024,A1,THEFT\nDM5,05/06/2024,A1,THEFT\n",
        "could be 3 April or 4 March 2024",
    ),
    Case(
        "day-first dates with --date-format",
        "incidents",
        "daymonth3.csv",
        INCIDENT_HEADER + "DM6,03/04/2024,A1,THEFT\nDM7,05/06/2024,A1,THEFT\n",
        "",
        changes=True,
        rejected_lines=(),
        options={"date_formats": {"*": "day-first"}},
    ),
    Case(
        "a formula without a saved value in a mapped column",
        "incidents",
        "formulas.xlsx",
        _xlsx_with_formulas("offense"),
        "formula cell without a saved value in column 'offense'",
    ),
    Case(
        "a formula without a saved value in a column not imported",
        "incidents",
        "formulas2.xlsx",
        _xlsx_with_formulas(None),
        "formula cell without a saved value in column 'total', which is not imported",
        changes=True,
        rejected_lines=(),
    ),
    Case(
        "a duplicated header whose used column is empty",
        "incidents",
        "dupheader.csv",
        "source_id,occurred_at,area_code,offense,occurred_at\nDH1,,A1,THEFT,2024-01-02\n",
        "column 2, used as occurred_at, is empty and column 5 is not",
    ),
    Case(
        "a duplicated header",
        "incidents",
        "dupheader2.csv",
        "source_id,occurred_at,area_code,offense,occurred_at\nDH2,2024-01-02,A1,THEFT,2024-01-05\n",
        "has 2 columns named 'occurred_at' (columns 2 and 5); column 2 was used as occurred_at",
        changes=True,
        rejected_lines=(),
    ),
    Case(
        "a NUL byte past the first 64 KiB",
        "incidents",
        "nul.csv",
        None,
        "NUL byte",
        changes=True,
        rejected_lines=(3002,),
        build=_nul_after_64_kib,
    ),
    Case(
        "zip without .shx",
        "areas",
        "noshx.zip",
        None,
        "without districts.shx",
        build=lambda p: _shapefile_zip(p, ".shx"),
    ),
    Case(
        "zip without .dbf",
        "areas",
        "nodbf.zip",
        None,
        "without districts.dbf",
        build=lambda p: _shapefile_zip(p, ".dbf"),
    ),
    Case(
        "utf-32",
        "incidents",
        "utf32.csv",
        (INCIDENT_HEADER + "Z1,2024-01-01,A1,THEFT\n").encode("utf-32"),
        "saved as UTF-32",
    ),
    Case(
        "utf-16 without a byte-order mark",
        "incidents",
        "utf16le.csv",
        (INCIDENT_HEADER + "Z1,2024-01-01,A1,THEFT\n").encode("utf-16-le"),
        "saved as UTF-16",
    ),
    Case(
        "a 10,000-column header",
        "incidents",
        "wide.csv",
        None,
        "9,996 columns not used",
        changes=True,
        rejected_lines=(),
        build=_wide_header,
    ),
    # --- issue 12: caps on what a file may cost (small caps, so the test is quick) -------------
    Case(
        "more rows than the cap",
        "incidents",
        "rows.csv",
        INCIDENT_HEADER + "".join(f"RC{i},2024-01-02,A1,THEFT\n" for i in range(20)),
        "imports at most 10 rows",
        options={"limits": Limits(rows=10)},
    ),
    Case(
        "a text file over the byte cap",
        "incidents",
        "bytes.csv",
        INCIDENT_HEADER + "B1,2024-01-02,A1,THEFT\n" * 2,
        "is too large to import",
        options={"limits": Limits(text_bytes=40)},
    ),
    Case(
        "a header over the cap",
        "incidents",
        "header.csv",
        INCIDENT_HEADER.strip() + "," + "x" * 5000 + "\nB1,2024-01-02,A1,THEFT,\n",
        "is not a header row",
        options={"limits": Limits(header_bytes=1000)},
    ),
    Case(
        "a workbook over the sheet byte cap",
        "incidents",
        "bigsheet.xlsx",
        _xlsx_bytes(pd.DataFrame({"source_id": [f"S{i}" for i in range(200)], "offense": "THEFT"})),
        "a sheet's XML",
        options={"limits": Limits(xlsx_sheet_bytes=2000)},
    ),
    Case(
        "a workbook over the cell cap",
        "incidents",
        "cells.xlsx",
        _xlsx_bytes(pd.DataFrame({"source_id": [f"S{i}" for i in range(20)], "offense": "THEFT"})),
        "reads at most 10 cells",
        options={"limits": Limits(xlsx_cells=10)},
    ),
    Case(
        "a zipped shapefile over the byte cap",
        "areas",
        "bigshape.zip",
        None,
        "bytes and Bridgeboard reads at most 100 bytes; split it into smaller files",
        options={"limits": Limits(geo_bytes=100)},
        build=lambda path: _shapefile_zip(path, ".none"),
    ),
    Case(
        "a GeoJSON over the feature cap",
        "areas",
        "many.geojson",
        _geojson([({"area_code": f"M{i}", "urbanicity": "urban"}, _square(i, 0)) for i in range(3)]),
        "imports at most 2 areas",
        options={"limits": Limits(geo_features=2)},
    ),
]


def _big_file(path: Path) -> None:
    """About 50 MB of incidents: valid rows plus one of each common fault."""
    rows = 420_000
    rng = np.random.default_rng(50)
    frame = pd.DataFrame(
        {
            "source_id": [f"BIG{i:07d}" for i in range(rows)],
            "occurred_at": (pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 6e7, rows), "s")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "area_code": rng.choice(["A1", "B2"], rows),
            "offense": rng.choice(["THEFT", "ROBBERY", "BURGLARY", "ASSAULT"], rows),
            "narrative": "x" * 78,
        }
    )
    frame.loc[[10, 20], "area_code"] = "ZZ"
    frame.loc[30, "occurred_at"] = "never"
    frame.to_csv(path, index=False)


def _refused_by_default(case, source, database, options):
    """(refused rows, None) when the file is refused as a whole for them (database unchanged),
    else (0, the summary of the import that went through)."""
    before = checksums(database)
    try:
        summary = run_import(case.kind, source, database, options)
    except ImportFailed as failure:
        assert failure.over_limit, str(failure)
        assert checksums(database) == before
        message = str(failure)
        assert "\n" not in message and "nothing was imported" in message
        assert failure.summary.rows_rejected >= 1
        return failure.summary.rows_rejected, None
    assert summary.rows_rejected == 0, summary.text()
    return 0, summary


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input(case, base_db, tmp_path):
    database = tmp_path / "db.duckdb"
    shutil.copyfile(base_db, database)
    source = tmp_path / case.file_name
    content = case.content.encode() if isinstance(case.content, str) else case.content
    if content is None:
        case.build(source)
    else:
        source.write_bytes(content)
    before = checksums(database)
    options = ImportOptions(**case.options)
    if not case.changes:
        with pytest.raises(ImportFailed) as failure:
            run_import(case.kind, source, database, options)
        message = str(failure.value)
        assert case.expect in message
        assert "\n" not in message and "Traceback" not in message
        assert checksums(database) == before
        return
    refused, summary = _refused_by_default(case, source, database, options)
    if case.rejected_lines is not None:
        assert refused == len(case.rejected_lines)
    if refused:  # strict by default; allowed exactly that many, the rest is imported
        summary = run_import(case.kind, source, database, ImportOptions(**{**case.options, "max_rejected": refused}))
    assert summary.rows_accepted >= 1
    if case.expect:
        assert any(case.expect in reason.reason for reason in summary.reasons) or any(
            case.expect in warning for warning in summary.warnings
        ), summary.text()
    after = checksums(database)
    assert after != before
    if case.rejected_lines is not None:
        con = duckdb.connect(str(database), read_only=True)
        lines = con.execute(
            "select line_number from rejected_rows where import_id = ? order by 1", [summary.import_id]
        ).fetchall()
        con.close()
        assert tuple(line for (line,) in lines) == case.rejected_lines


def test_fifty_megabyte_file(base_db, tmp_path):
    database = tmp_path / "db.duckdb"
    shutil.copyfile(base_db, database)
    big = tmp_path / "big.csv"
    _big_file(big)
    assert big.stat().st_size > 45e6
    with pytest.raises(ImportFailed) as refused:
        run_import("incidents", big, database)
    assert refused.value.summary.rows_rejected == 3 and refused.value.over_limit
    summary = run_import("incidents", big, database, ImportOptions(max_rejected="0.001%"))
    assert summary.rows_read == 420_000
    assert summary.rows_rejected == 3
    assert summary.rows_accepted == 420_000 - 3
    assert {reason.reason for reason in summary.reasons} == {
        "area is not among the imported areas",
        "occurred_at is not a date",
    }


def test_reimport_is_idempotent(base_db, tmp_path):
    database = tmp_path / "db.duckdb"
    shutil.copyfile(base_db, database)
    source = tmp_path / "again.csv"
    source.write_text(INCIDENT_HEADER + "I1,2024-01-02,A1,THEFT\nI2,2024-01-03,B2,ROBBERY\n")
    first = run_import("incidents", source, database)
    middle = checksums(database)
    second = run_import("incidents", source, database)
    assert (first.rows_accepted, second.rows_accepted, second.rows_unchanged) == (2, 0, 2)
    assert checksums(database) == middle
    # an overlapping export: one old row corrected, one new
    source.write_text(INCIDENT_HEADER + "I2,2024-01-03,B2,BURGLARY\nI3,2024-01-04,A1,THEFT\n")
    third = run_import("incidents", source, database)
    assert (third.rows_accepted, third.rows_unchanged) == (2, 0)
    con = duckdb.connect(str(database), read_only=True)
    rows = con.execute("select source_id, category from incidents where source_id like 'I%' order by 1").fetchall()
    assert rows == [("I1", "theft"), ("I2", "burglary"), ("I3", "theft")]
    assert con.execute("select sum(incidents) from crime_monthly").fetchall()[0][0] == 4
    con.close()


def test_corpus_size():
    assert len(CASES) + 2 >= 91


def test_latin1_after_a_long_utf8_looking_start(base_db, tmp_path):
    """The encoding is guessed from the whole file, not its first block: a late 'é' still reads."""
    database = tmp_path / "db.duckdb"
    shutil.copyfile(base_db, database)
    rows = [f"LATE{i},2024-01-02,A1,THEFT" for i in range(5000)] + ["LATE-X,2024-01-03,A1,VOL À L'ÉTALAGE"]
    source = tmp_path / "late.csv"
    source.write_bytes((INCIDENT_HEADER + "\n".join(rows) + "\n").encode("latin-1"))
    summary = run_import("incidents", source, database, ImportOptions(max_rejected=1))
    assert summary.rows_accepted == 5000
    assert summary.unmapped_offenses == [("VOL À L'ÉTALAGE", 1)]
