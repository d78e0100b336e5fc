"""Each kind of import on small hand-written files: what is stored, and that re-importing changes nothing.

Also the formats (Excel, zipped shapefile), the LAPD and Chicago bulk-CSV presets, and the
three ways to classify areas (RUCC via county FIPS, RUCA codes, a density threshold).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import geopandas
import pandas as pd
import pytest
import shapely

from data import db
from data.importers import ImportFailed, ImportOptions, run_import


def rows(path: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def checksums(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return db.table_checksums(con)
    finally:
        con.close()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def imported_twice(kind: str, path: Path, database: Path, **options):
    """Import, then import again and check the second run changed nothing."""
    first = run_import(kind, path, database, ImportOptions(**options))
    before = checksums(database)
    second = run_import(kind, path, database, ImportOptions(**options))
    assert second.rows_accepted == 0 and not second.swapped, second.text()
    assert checksums(database) == before
    return first


@pytest.fixture
def region(tmp_path) -> Path:
    """Two square areas, a partnership with a program: the base most kinds need."""
    database = tmp_path / "region.duckdb"
    squares = geopandas.GeoDataFrame(
        {"code": ["A1", "B2"], "label": ["Alder", "Birch"], "pop": [1000, 500], "ruca": [1.0, 7.1]},
        geometry=[shapely.box(-90.0, 40.0, -89.9, 40.1), shapely.box(-89.9, 40.0, -89.8, 40.1)],
        crs=4326,
    )
    archive = tmp_path / "areas.zip"
    squares.to_file(tmp_path / "areas.shp")
    with zipfile.ZipFile(archive, "w") as bundle:
        for part in tmp_path.glob("areas.*"):
            if part.suffix != ".zip":
                bundle.write(part, part.name)
    summary = imported_twice(
        "areas",
        archive,
        database,
        mapping={"code": "area_code", "label": "name", "pop": "population"},
        agency="Testville PD",
    )
    assert summary.rows_accepted == 2
    partners = write(
        tmp_path,
        "partnerships.csv",
        "name,nonprofit,org_type,start_date,end_date,areas\n"
        "Youth partnership,Youth Org,youth,2023-01-01,,A1; B2\n"
        "Old partnership,Housing Org,housing,2019-01-01,2020-12-31,B2\n",
    )
    assert imported_twice("partnerships", partners, database).rows_accepted == 2
    programs = write(
        tmp_path,
        "programs.csv",
        "partnership,program,focus,start_date,target,areas\nYouth partnership,Mentoring,youth,2023-02-01,40,A1\n",
    )
    assert imported_twice("programs", programs, database).rows_accepted == 1
    return database


def test_areas_from_a_zipped_shapefile_with_ruca_codes(region):
    stored = rows(
        region,
        "select area_code, name, population, urbanicity, class_code, class_scheme, land_km2,"
        " centroid_lat from areas order by 1",
    )
    assert [row[:6] for row in stored] == [
        ("A1", "Alder", 1000, "urban", 1, "RUCA"),
        ("B2", "Birch", 500, "rural", 7, "RUCA"),
    ]
    assert 90 < stored[0][6] < 100  # 0.1° x 0.1° at 40°N is about 8.5 km x 11.1 km
    assert stored[0][7] == pytest.approx(40.05, abs=1e-3)
    assert rows(region, "select name from agencies") == [("Testville PD",)]


def test_partnerships_programs_and_their_areas(region):
    assert rows(region, "select name, status from partnerships order by 1") == [
        ("Old partnership", "ended"),
        ("Youth partnership", "active"),
    ]
    assert rows(region, "select count(*) from partnership_areas") == [(3,)]
    assert rows(region, "select name, focus, target_participants from programs") == [("Mentoring", "youth", 40)]
    assert rows(region, "select area_id from program_areas") == [(1,)]
    assert rows(region, "select name, org_type from nonprofits order by 1") == [
        ("Housing Org", "housing"),
        ("Youth Org", "youth"),
    ]


def test_a_changed_row_is_updated_not_duplicated(region, tmp_path):
    programs = write(
        tmp_path,
        "programs2.csv",
        "partnership,program,focus,start_date,target,areas\nYouth partnership,Mentoring,youth,2023-02-01,60,A1;B2\n",
    )
    summary = run_import("programs", programs, region)
    assert (summary.rows_accepted, summary.rows_unchanged) == (1, 0)
    assert rows(region, "select target_participants from programs") == [(60,)]
    assert rows(region, "select count(*) from program_areas") == [(2,)]


def test_a_file_of_populations_updates_populations_only(region, tmp_path):
    before = rows(region, "select area_code, name, kind, urbanicity, class_code from areas order by 1")
    populations = write(tmp_path, "populations.csv", "area_code,population\na1,1250\nC3,40\n")
    with pytest.raises(ImportFailed, match=r"1 of the 2 rows of populations\.csv"):  # strict by default
        run_import("areas", populations, region, ImportOptions(density_threshold=100))
    summary = run_import("areas", populations, region, ImportOptions(density_threshold=100, max_rejected=1))
    assert (summary.rows_accepted, summary.rows_rejected) == (1, 1)  # C3 is new: land area unknown, so no class
    assert rows(region, "select area_code, name, kind, urbanicity, class_code from areas order by 1") == before
    assert rows(region, "select area_code, population from areas order by 1") == [("A1", 1250), ("B2", 500)]


def test_an_update_keeps_what_the_file_does_not_say(region, tmp_path):
    agreement = write(
        tmp_path,
        "agreement.csv",
        "name,nonprofit,start_date,description,mou_signed_on,data_sharing_level,status\n"
        "Youth partnership,Youth Org,2023-01-01,After-school mentoring,2022-12-01,aggregate,paused\n",
    )
    assert run_import("partnerships", agreement, region).rows_accepted == 1
    # a later file from another system knows only the dates: the agreement fields must survive it
    dates = write(
        tmp_path, "dates.csv", "name,nonprofit,start_date,end_date\nYouth partnership,Youth Org,2023-01-01,2027-06-30\n"
    )
    assert run_import("partnerships", dates, region).rows_accepted == 1
    assert rows(
        region,
        "select description, mou_signed_on::varchar, data_sharing_level, status, end_date::varchar"
        " from partnerships where name = 'Youth partnership'",
    ) == [("After-school mentoring", "2022-12-01", "aggregate", "paused", "2027-06-30")]
    # with no status column the dates still decide when the partnership has ended
    ended = write(
        tmp_path, "ended.csv", "name,nonprofit,start_date,end_date\nYouth partnership,Youth Org,2023-01-01,2025-06-30\n"
    )
    run_import("partnerships", ended, region)
    assert rows(region, "select status, data_sharing_level from partnerships where name = 'Youth partnership'") == [
        ("ended", "aggregate")
    ]
    activity = write(
        tmp_path, "activity.csv", "program,month,participants,sessions,volunteer_hours\nMentoring,2024-01,20,8,12.5\n"
    )
    run_import("activity", activity, region)
    corrected = write(tmp_path, "corrected.csv", "program,month,participants\nMentoring,2024-01,21\n")
    assert run_import("activity", corrected, region).rows_accepted == 1
    assert rows(region, "select participants, sessions, volunteer_hours::double from program_activity") == [
        (21, 8, 12.5)
    ]


def test_activity_kpis_funding_trainings_users(region, tmp_path):
    activity = write(
        tmp_path,
        "activity.csv",
        "program,month,participants,new_participants,sessions,sessions_co_delivered,volunteer_hours\n"
        "Mentoring,2024-01-15,20,5,8,2,12.5\nMentoring,2024-02-01,22,3,8,8,10\n",
    )
    assert imported_twice("activity", activity, region).rows_accepted == 2
    assert rows(
        region, "select month::varchar, participants, volunteer_hours::double from program_activity order by 1"
    ) == [("2024-01-01", 20, 12.5), ("2024-02-01", 22, 10.0)]
    kpis = write(
        tmp_path,
        "kpis.csv",
        "program,kpi,rba_category,unit,higher_is_better,target,period_start,value\n"
        "Mentoring,School attendance,better_off,%,yes,90,2024-01-01,84.5\n"
        "Mentoring,School attendance,better_off,%,yes,90,2024-04-01,88\n",
    )
    assert imported_twice("kpis", kpis, region).rows_accepted == 2
    assert rows(region, "select count(*), min(period_end)::varchar from kpi_values") == [(2, "2024-03-31")]
    funding = write(
        tmp_path,
        "funding.csv",
        'program,fiscal_year,source,amount,funder\nMentoring,FY2024,grant,"$12,500.00",City fund\n',
    )
    assert imported_twice("funding", funding, region).rows_accepted == 1
    assert rows(region, "select fiscal_year, source, amount::double from program_funding") == [(2024, "grant", 12500.0)]
    trainings = write(
        tmp_path,
        "trainings.csv",
        "topic,held_on,officers_trained,hours,partnership\n"
        "Youth engagement,2024-03-05,25,4,Youth partnership\nFirst aid,2024-03-06,30,8,\n",
    )
    assert imported_twice("trainings", trainings, region).rows_accepted == 2
    assert rows(region, "select topic, is_co_delivered from trainings order by 1") == [
        ("First aid", False),
        ("Youth engagement", True),
    ]
    users = write(
        tmp_path,
        "users.csv",
        "email,name,role,organisation\nChief@Testville.example,Chief,chief,\n"
        "dir@youth.example,Director,director,Youth Org\n",
    )
    assert imported_twice("users", users, region).rows_accepted == 2
    assert rows(region, "select email, role, agency_id, nonprofit_id from app_users order by 1") == [
        ("chief@testville.example", "chief", 1, None),
        ("dir@youth.example", "director", None, 1),
    ]


def test_surveys_create_a_wave_and_normalise_demographics(region, tmp_path):
    responses = write(
        tmp_path,
        "survey.csv",
        "wave,respondent,area,date,weight,age,sex,race,respect,listen,safe_night\n"
        "Spring 2024,1,A1,2024-04-02,1.2,34,F,Black or African American,4,5,3\n"
        "Spring 2024,2,B2,2024-04-09,0.8,67,male,Latino,2,,1\n"
        "Spring 2024,3,,2024-04-10,1,,prefer not to say,,3,3,3\n",
    )
    summary = imported_twice("surveys", responses, region, constants={"scale_min": "1", "scale_max": "5"})
    assert summary.rows_accepted == 3
    assert rows(
        region, "select name, fielded_from::varchar, fielded_to::varchar, scale_min, scale_max from survey_waves"
    ) == [("Spring 2024", "2024-04-02", "2024-04-10", 1, 5)]
    assert rows(
        region,
        "select age_band, gender, race_ethnicity, trust_respect, trust_listen, safety_night"
        " from survey_responses order by responded_on",
    ) == [
        ("25-34", "woman", "black", 4, 5, 3),
        ("65+", "man", "hispanic", 2, None, 1),
        (None, None, None, 3, 3, 3),
    ]


def test_survey_scores_long_format_with_citywide_rows(region, tmp_path):
    scores = write(
        tmp_path, "scores.csv", "area,month,measure,score,n\nA1,2024-01-01,Trust,61.5,40\nALL,2024-01-01,Trust,60,95\n"
    )
    summary = imported_twice("survey-scores", scores, region)
    assert summary.rows_accepted == 2
    assert rows(
        region,
        "select source, area_id, period_end::varchar, measure, value_0_100, n from survey_scores order by 2 nulls last",
    ) == [
        ("scores", 1, "2024-01-31", "trust", 61.5, 40),
        ("scores", None, "2024-01-31", "trust", 60.0, 95),
    ]


def test_lapd_preset_with_separate_date_and_time(region, tmp_path):
    lapd = write(
        tmp_path,
        "lapd.csv",
        "DR_NO,Date Rptd,DATE OCC,TIME OCC,AREA,AREA NAME,Crm Cd Desc,LAT,LON\n"
        "231,01/09/2024 12:00:00 AM,01/08/2024 12:00:00 AM,2230,1,Alder,BATTERY - SIMPLE ASSAULT,40.05,-89.95\n"
        "232,01/09/2024 12:00:00 AM,01/08/2024 12:00:00 AM,5,1,Birch,VEHICLE - STOLEN,0,0\n"
        "233,01/09/2024 12:00:00 AM,01/07/2024 12:00:00 AM,1200,1,Alder,INTIMATE PARTNER - SIMPLE ASSAULT,0,0\n",
    )
    summary = imported_twice("incidents", lapd, region, preset="lapd-crimes")
    assert summary.rows_accepted == 3
    assert rows(region, "select source_id, occurred_at::varchar, area_id, category, lat from incidents order by 1") == [
        ("231", "2024-01-08 22:30:00", 1, "simple_assault", 40.05),
        ("232", "2024-01-08 00:05:00", 2, "motor_vehicle_theft", None),
        ("233", "2024-01-07 12:00:00", 1, "domestic_violence", None),
    ]


def test_chicago_bulk_csv_headers_and_points_without_district(region, tmp_path):
    bulk = write(
        tmp_path,
        "Crimes_-_2001_to_Present.csv",
        "ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,"
        "Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On,Latitude,"
        "Longitude,Location\n"
        "13001,JG100001,01/05/2024 11:30:00 PM,001XX W X ST,0486,BATTERY,SIMPLE,STREET,false,true,"
        '0111,,42,32,08B,,,2024,01/12/2024 03:40:00 PM,40.05,-89.85,"(40.05, -89.85)"\n'
        "13002,JG100002,01/06/2024 01:00:00 AM,001XX W X ST,0820,THEFT,$500 AND UNDER,STREET,false,false,"
        '0111,,42,32,06,,,2024,01/12/2024 03:40:00 PM,40.05,-89.95,"(40.05, -89.95)"\n',
    )
    summary = imported_twice("incidents", bulk, region, preset="chicago-crimes")
    assert summary.rows_accepted == 2
    assert rows(region, "select source_id, occurred_at::varchar, area_id, category from incidents order by 1") == [
        ("13001", "2024-01-05 23:30:00", 2, "domestic_violence"),
        ("13002", "2024-01-06 01:00:00", 1, "theft"),
    ]


def test_excel_workbook(region, tmp_path):
    frame = pd.DataFrame(
        {
            "Case": ["E1", "E2"],
            "When": pd.to_datetime(["2024-02-01 10:00", "2024-02-02 11:00"]),
            "Area": ["A1", "B2"],
            "Offence": ["Burglary", "Arson"],
        }
    )
    workbook = tmp_path / "incidents.xlsx"
    frame.to_excel(workbook, index=False)
    summary = imported_twice(
        "incidents",
        workbook,
        region,
        mapping={"Case": "source_id", "When": "occurred_at", "Area": "area_code", "Offence": "offense"},
    )
    assert summary.rows_accepted == 2
    assert rows(region, "select source_id, occurred_at::varchar, category from incidents order by 1") == [
        ("E1", "2024-02-01 10:00:00", "burglary"),
        ("E2", "2024-02-02 11:00:00", "arson"),
    ]


def test_rucc_file_and_density_classify_areas(tmp_path):
    rucc = tmp_path / "rucc.csv"
    rucc.write_bytes(
        "FIPS,State,County_Name,Attribute,Value\n17031,IL,Cook County,RUCC_2023,1\n"
        "17031,IL,Cook County,Description,Metro\n17001,IL,Adams Côunty,RUCC_2023,5\n".encode("latin-1")
    )
    counties = write(
        tmp_path, "counties.csv", "area_code,name,county_fips,kind\n1,Cook,17031,county\n2,Adams,17001,county\n"
    )
    database = tmp_path / "c.duckdb"
    run_import("areas", counties, database, ImportOptions(rucc_path=rucc))
    assert rows(database, "select area_code, urbanicity, class_code, class_scheme from areas order by 1") == [
        ("1", "urban", 1, "RUCC2023"),
        ("2", "rural", 5, "RUCC2023"),
    ]
    towns = write(tmp_path, "towns.csv", "area_code,population,land_km2\nT1,5000,2\nT2,300,40\n")
    run_import("areas", towns, database, ImportOptions(density_threshold=500, constants={"kind": "town"}))
    assert rows(
        database, "select area_code, urbanicity, class_code, class_scheme from areas where kind = 'town' order by 1"
    ) == [("T1", "urban", 2500, "density"), ("T2", "rural", 8, "density")]
    unknown = write(tmp_path, "unknown.csv", "area_code,county_fips\n3,99999\n")
    with pytest.raises(ImportFailed, match="county FIPS is not in the RUCC file"):
        run_import("areas", unknown, database, ImportOptions(rucc_path=rucc))


def test_census_state_and_county_codes_make_the_fips(tmp_path):
    rucc = tmp_path / "rucc.csv"
    rucc.write_text("FIPS,RUCC_2023\n01001,2\n17001,5\n02013,9\n")
    # Census files split the FIPS (STATE "01", COUNTY "001"); a lone county code must not become "00001"
    counties = write(
        tmp_path,
        "counties.csv",
        "area_code,STATE,COUNTY\nAutauga,01,001\nAdams,17,1\nAleutians East,2,013.0\nNowhere,AL,001\nHalf,,001\n",
    )
    database = tmp_path / "fips.duckdb"
    summary = run_import("areas", counties, database, ImportOptions(rucc_path=rucc, max_rejected=2))
    assert rows(database, "select area_code, urbanicity, class_code from areas order by 1") == [
        ("Adams", "rural", 5),
        ("Aleutians East", "rural", 9),
        ("Autauga", "urban", 2),
    ]
    assert summary.rows_rejected == 2
    reasons = rows(database, "select line_number, reason from rejected_rows order by 1")
    assert reasons == [
        (5, "state FIPS is not a 1- or 2-digit number: AL"),
        (6, "a county FIPS of 3 digits or fewer is a county code without its state: give 5 digits or a "
         "state_fips column: 001"),
    ]  # fmt: skip


def test_geojson_in_another_projection_is_reprojected(tmp_path):
    square = geopandas.GeoDataFrame(
        {"area_code": ["P1"], "urbanicity": ["urban"]}, geometry=[shapely.box(-90.0, 40.0, -89.9, 40.1)], crs=4326
    ).to_crs(3857)
    path = tmp_path / "mercator.geojson"
    square.to_file(path, driver="GeoJSON")
    database = tmp_path / "p.duckdb"
    run_import("areas", path, database)
    ((lat, lon),) = rows(database, "select centroid_lat, centroid_lon from areas")
    assert (lat, lon) == (pytest.approx(40.05, abs=1e-3), pytest.approx(-89.95, abs=1e-3))


def test_new_boundaries_replace_the_shapes_of_areas_in_use(region, tmp_path):
    """Redistricting: a new shape for an area that incidents and partnerships refer to."""
    incidents = write(tmp_path, "inc.csv", "source_id,occurred_at,area_code,offense\nQ1,2024-01-02,A1,THEFT\n")
    run_import("incidents", incidents, region)
    before = rows(region, "select count(*) from incidents where area_id = 1")
    bigger = geopandas.GeoDataFrame(
        {"area_code": ["A1"], "population": [1200]}, geometry=[shapely.box(-90.0, 40.0, -89.9, 40.2)], crs=4326
    )
    path = tmp_path / "bigger.geojson"
    bigger.to_file(path, driver="GeoJSON")
    summary = run_import("areas", path, region)
    assert (summary.rows_accepted, summary.rows_unchanged) == (1, 0)
    assert rows(region, "select population, round(land_km2) from areas where area_code = 'A1'") == [(1200, 189.0)]
    assert rows(region, "select count(*) from incidents where area_id = 1") == before
    assert rows(region, "select count(*) from partnership_areas where area_id = 1") == [(1,)]
    assert rows(region, "select count(*) from program_areas") == [(1,)]
