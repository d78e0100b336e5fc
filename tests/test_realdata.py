"""Real public files (../shared/realdata, see its README): Chicago districts, crimes and sentiment.

Imports the 22 police districts (GeoJSON, urbanicity from the USDA RUCC 2023 file for
Cook County), the 1,000-incident crime sample (API export, district codes like "003"),
and the Police Sentiment Scores (wide; district rows join on 9.0 = "009", citywide rows
have no area), then checks the numbers against the raw files and opens every registered
page as the chief.
"""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import duckdb
import geopandas
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from components import navigation
from data.importers import ImportFailed, ImportOptions, run_import

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
CRIMES = REALDATA / "chicago_crimes_sample_2022-11.csv"
SENTIMENT = REALDATA / "chicago_police_sentiment_scores.csv"

pytestmark = pytest.mark.skipif(
    not (REALDATA / "README.md").exists(), reason=f"real public data not available at {REALDATA}"
)


@pytest.fixture(scope="module")
def chicago(tmp_path_factory):
    """A database built from nothing by importing the real files; returns (path, summaries)."""
    folder = tmp_path_factory.mktemp("chicago")
    path = folder / "chicago.duckdb"
    summaries = {}
    # the areas go through the command line, as a department would run it
    completed = subprocess.run(
        [sys.executable, "-m", "data", "import", "areas", str(REALDATA / "chicago_police_districts.geojson"),
         "--db", str(path), "--preset", "chicago-districts", "--rucc", str(REALDATA / "usda_rucc_2023.csv")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "22 rows read, 22 imported" in completed.stdout
    summaries["incidents"] = run_import("incidents", CRIMES, path, ImportOptions(preset="chicago-crimes"))
    # sector and police-area rows have no areas here (only districts were imported): strict by default,
    # the file is refused until the import is told how many rows it may leave out
    with pytest.raises(ImportFailed) as refused:
        run_import("survey-scores", SENTIMENT, path, ImportOptions(preset="chicago-sentiment"))
    summaries["scores_refused"] = refused.value
    summaries["scores"] = run_import(
        "survey-scores", SENTIMENT, path, ImportOptions(preset="chicago-sentiment", max_rejected="77%")
    )
    users = folder / "users.csv"
    users.write_text("email,display_name,role\nchief@chicago.example,Chief,chief\n")
    summaries["users"] = run_import("users", users, path)
    return path, summaries


def query(path: Path, sql: str) -> pd.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_districts_are_urban_by_cook_countys_rucc_code(chicago):
    path, _ = chicago
    areas = query(path, "select area_code, name, kind, urbanicity, class_code, class_scheme, land_km2 from areas")
    assert len(areas) == 22
    assert set(areas["area_code"]) == {str(n) for n in (*range(1, 13), *range(14, 21), 22, 24, 25)}
    assert (areas["urbanicity"] == "urban").all()
    assert (areas["class_code"] == 1).all() and (areas["class_scheme"] == "RUCC2023").all()
    assert (areas["kind"] == "district").all()
    assert areas.set_index("area_code").loc["9", "name"] == "9th District Deering"
    assert areas["land_km2"].between(5, 200).all()


def test_crime_totals_by_district_equal_a_direct_count_of_the_csv(chicago):
    path, summaries = chicago
    summary = summaries["incidents"]
    assert (summary.rows_read, summary.rows_accepted, summary.rows_rejected) == (1000, 1000, 0)
    raw = pd.read_csv(CRIMES, dtype=str)
    expected = raw["district"].astype(int).astype(str).value_counts().sort_index()
    stored = query(
        path, "select area_code, sum(incidents) as n from crime_monthly join areas using (area_id) group by 1"
    ).set_index("area_code")["n"]
    assert stored.sort_index().to_dict() == expected.to_dict()
    assert int(stored.sum()) == len(raw)
    # 18 incidents have no coordinates; their district still places them
    assert query(path, "select count(*) as n from incidents where lat is null")["n"][0] == raw["latitude"].isna().sum()


def test_domestic_flag_and_sensitive_categories(chicago):
    path, _ = chicago
    raw = pd.read_csv(CRIMES, dtype=str)
    stored = query(path, "select source_id, category from incidents").set_index("source_id")["category"]
    raw = raw.set_index("id")
    battery = raw[(raw["primary_type"] == "BATTERY") & (raw["description"] == "DOMESTIC BATTERY SIMPLE")].index
    assert set(stored[battery]) == {"domestic_violence"}
    flagged_assault = raw[(raw["primary_type"] == "ASSAULT") & (raw["domestic"] == "True")].index
    assert set(stored[flagged_assault]) == {"domestic_violence"}
    sexual = raw[raw["primary_type"].isin(["CRIMINAL SEXUAL ASSAULT", "SEX OFFENSE"])].index
    assert set(stored[sexual]) == {"sexual_assault"}
    assert set(stored[raw[raw["primary_type"] == "MOTOR VEHICLE THEFT"].index]) == {"motor_vehicle_theft"}


def test_sentiment_scores_join_districts_and_keep_citywide(chicago):
    path, summaries = chicago
    summary = summaries["scores"]
    raw = pd.read_csv(SENTIMENT, dtype=str)
    district_rows = raw[raw["DISTRICT"].notna() & raw["SECTOR"].isna()]
    citywide_rows = raw[raw["AREA"].isna()]
    citywide_periods = citywide_rows["START_DATE"].nunique()
    assert summary.rows_read == len(raw) == 6199
    assert summary.rows_accepted == len(district_rows) + citywide_periods
    refused = summaries["scores_refused"]
    assert refused.over_limit and refused.summary.rows_rejected == summary.rows_rejected == 6199 - summary.rows_accepted
    assert f"{summary.rows_rejected:,} of the 6,199 rows" in str(refused)
    reasons = {reason.reason: reason.rows for reason in summary.reasons}
    assert reasons["sector is not among the imported areas"] == int(raw["SECTOR"].notna().sum())
    assert reasons["duplicate score (same source, area, period start, measure and group)"] == (
        len(citywide_rows) - citywide_periods
    )
    scores = query(
        path,
        "select areas.area_code, survey_scores.* from survey_scores left join areas using (area_id)"
        " where measure = 'trust' and subgroup = 'all'",
    )
    nine = scores[scores["area_code"] == "9"].set_index("period_start")["value_0_100"]
    raw_nine = district_rows[district_rows["DISTRICT"].astype(float) == 9.0]
    expected = pd.Series(raw_nine["TRUST"].astype(float).to_numpy(), index=pd.to_datetime(raw_nine["START_DATE"]))
    assert nine.sort_index().to_numpy() == pytest.approx(expected.sort_index().to_numpy())
    assert scores["area_code"].isna().sum() == citywide_periods
    assert set(query(path, "select distinct measure from survey_scores")["measure"]) == {
        "trust", "safety", "trust_listen", "trust_respect"
    }  # fmt: skip


def test_reimporting_the_real_files_changes_nothing(chicago, tmp_path):
    path, _ = chicago
    before = path.read_bytes()
    again = run_import("incidents", CRIMES, path, ImportOptions(preset="chicago-crimes"))
    assert (again.rows_accepted, again.rows_unchanged, again.swapped) == (0, 1000, False)
    assert path.read_bytes() == before


def test_check_passes_with_population_warnings(chicago):
    path, _ = chicago
    completed = subprocess.run(
        [sys.executable, "-m", "data", "check", "--db", str(path)], cwd=REPO, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "22 areas without population" in completed.stdout


@pytest.mark.parametrize("page", [page.path for page in navigation.PAGES if "chief" in page.roles])
def test_every_page_renders_for_the_chief(chicago, monkeypatch, tmp_path, page):
    path, _ = chicago
    copy = tmp_path / "chicago.duckdb"  # pages must not be able to touch the shared module database
    copy.write_bytes(path.read_bytes())
    monkeypatch.setenv("BRIDGEBOARD_DB", str(copy))
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception, [e.value for e in app.exception]
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not any("internal error" in e.value for e in app.error), [e.value for e in app.error]


def test_the_public_site_builds_from_the_real_files(chicago, tmp_path):
    from data import publish
    from reports import site

    path, _ = chicago
    publish.publish(path, tmp_path / "public.duckdb")
    site.build(tmp_path / "public.duckdb", tmp_path / "site")
    names = query(path, "select name from areas")["name"]
    index = (tmp_path / "site" / "en" / "index.html").read_text(encoding="utf-8")
    assert index.count("<path d=") >= len(names)  # every district outline is on the map
    for name in names:
        assert f"<title>{html.escape(name)}: " in index
    assert (tmp_path / "site" / "es" / "crime.html").is_file()


def test_us_counties_take_urbanicity_from_rucc_by_state_and_county_code(tmp_path):
    """3,221 Census county shapes (STATE "01" + COUNTY "001") classified by the RUCC 2023 file."""
    counties = REALDATA / "us_counties_fips.geojson"
    database = tmp_path / "counties.duckdb"
    options = ImportOptions(rucc_path=REALDATA / "usda_rucc_2023.csv", constants={"kind": "county"})
    with pytest.raises(ImportFailed, match="12 of the 3,221 rows") as refused:  # 12 counties not in RUCC 2023
        run_import("areas", counties, database, options)
    fixes = {reason.reason: reason.fix for reason in refused.value.summary.reasons}
    assert fixes["county FIPS is not in the RUCC file"].startswith("give those rows a rucc_code column (1-9)")
    options.max_rejected = "0.5%"
    summary = run_import("areas", counties, database, options)
    shapes = geopandas.read_file(counties)
    rucc = pd.read_csv(REALDATA / "usda_rucc_2023.csv", encoding="latin-1", dtype=str)
    codes = rucc[rucc["Attribute"] == "RUCC_2023"].set_index("FIPS")["Value"].astype(int)
    known = shapes["id"].isin(codes.index)
    assert summary.rows_read == len(shapes) == 3221
    assert summary.rows_accepted == int(known.sum())
    assert {reason.reason: reason.rows for reason in summary.reasons} == {
        "county FIPS is not in the RUCC file": int((~known).sum())
    }
    stored = query(database, "select area_code, urbanicity, class_code from areas").set_index("area_code")
    # the GeoJSON's id (the FIPS) is guessed as the area code, stored like every code: "01001" as "1001"
    ids = shapes.loc[known, "id"]
    expected = pd.Series(codes[ids].to_numpy(), index=ids.str.lstrip("0").to_numpy())
    assert stored["class_code"].to_dict() == expected.to_dict()
    assert (stored["urbanicity"] == "urban").sum() == (expected <= 3).sum()


# The FBI's UCR definitions by Chicago's fbi_code (UCR summary codes): violent = 01A murder and
# non-negligent manslaughter, 02 criminal sexual assault (rape), 03 robbery, 04A/04B aggravated
# assault and battery; property = 05 burglary, 06 larceny, 07 motor vehicle theft, 09 arson.
UCR_VIOLENT = {"01A", "02", "03", "04A", "04B"}
UCR_PROPERTY = {"05", "06", "07", "09"}


def test_every_chicago_row_is_classified_by_fbi_code_and_the_fbi_classes_equal_a_direct_count(chicago):
    path, _ = chicago
    raw = pd.read_csv(CRIMES, dtype=str)
    code = raw["fbi_code"].str.strip().str.upper()
    expected = {
        "violent": int(code.isin(UCR_VIOLENT).sum()),
        "property": int(code.isin(UCR_PROPERTY).sum()),
        "other": int((~code.isin(UCR_VIOLENT | UCR_PROPERTY)).sum()),
    }
    assert sum(expected.values()) == 1000 and expected["violent"] > 0 and expected["property"] > 0
    stored = query(path, "select crime_class, sum(incidents) as n from crime_monthly group by 1")
    assert dict(zip(stored["crime_class"], stored["n"].astype(int), strict=True)) == expected
    # every incident has a NIBRS code (100% classified by the code column), none fell back to 'unclassified'
    coded = query(path, "select count(*) as n, count(nibrs_code) as coded from incidents")
    assert (int(coded["n"][0]), int(coded["coded"][0])) == (1000, 1000)
    # incident by incident: the class follows the row's own fbi_code
    by_row = query(path, "select source_id, crime_class from incidents").set_index("source_id")["crime_class"]
    direct = code.map(lambda c: "violent" if c in UCR_VIOLENT else "property" if c in UCR_PROPERTY else "other")
    assert (by_row[raw["id"]].to_numpy() == direct.to_numpy()).all()
