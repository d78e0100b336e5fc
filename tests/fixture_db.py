"""A tiny database with hand-known values, built by code, for the SQL and page tests.

The region: four square areas around (40.0 N, -89.9 W).

    area  code  name               urbanicity  population  RUCA
    1     A1    Alder              urban       10,000      1
    2     B2    Birch              urban        5,000      2
    3     C3    Cedar Township     rural        2,000      7
    4     D4    Dogwood Township   rural        unknown    10

Crime (incidents, rolled up into crime_monthly):

    area  2023                         2024                                 other
    A1    20 robbery Feb, 40 theft Mar  10 robbery Jan, 20 robbery Jul,       1 theft 2025-01-01 00:00
                                        50 theft Mar, 1 theft 2024-12-31 23:59
    B2    10 aggravated assault Jun     5 aggravated assault Jun
    C3    2 burglary May                4 aggravated assault Aug
    D4    1 robbery Nov                 3 robbery Sep

Nonprofits: 1 Youth Org (youth), 2 Housing Org (housing). Partnerships: P1 Youth Org
2023-01-01 active, areas A1+B2; P2 Housing Org 2024-03-01 active, C3; P3 Youth Org
2021-01-01..2022-12-31 ended, A1; P4 Housing Org 2025-02-01 planned, D4.
Programs: G1 Mentoring (P1, youth, 2023-01-01, A1+B2); G2 Outreach (P2, homelessness,
2024-03-01, C3); G3 Summer league (P1, youth, 2024-06-01..2024-08-31, B2); G4 Old program
(P3, youth, 2021-2022, A1). Activity and survey responses are listed where they are inserted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import shapely

from data import db

AREAS = [
    # area_id, code, name, kind, population, urbanicity, class_code, (lon0, lat0)
    (1, "A1", "Alder", "neighbourhood", 10_000, "urban", 1, (-90.0, 40.0)),
    (2, "B2", "Birch", "neighbourhood", 5_000, "urban", 2, (-89.9, 40.0)),
    (3, "C3", "Cedar Township", "township", 2_000, "rural", 7, (-90.0, 39.9)),
    (4, "D4", "Dogwood Township", "township", None, "rural", 10, (-89.9, 39.9)),
]

# (area_id, NIBRS code, occurred_at, count): 120 robbery and 13A aggravated assault are FBI
# violent crime, 23H larceny and 220 burglary property
CRIMES = [
    (1, "120", "2023-02-10 21:00", 20),
    (1, "23H", "2023-03-05 12:00", 40),
    (1, "120", "2024-01-15 22:00", 10),
    (1, "120", "2024-07-04 23:00", 20),
    (1, "23H", "2024-03-03 14:00", 50),
    (1, "23H", "2024-12-31 23:59", 1),
    (1, "23H", "2025-01-01 00:00", 1),
    (2, "13A", "2023-06-20 01:00", 10),
    (2, "13A", "2024-06-21 01:00", 5),
    (3, "220", "2023-05-02 10:00", 2),
    (3, "13A", "2024-08-09 19:00", 4),
    (4, "120", "2023-11-11 18:00", 1),
    (4, "120", "2024-09-09 20:00", 3),
]

# survey_responses: (response_id, wave_id, area_id, responded_on, weight,
#   trust_respect, trust_listen, trust_fair, trust_rely, safety_day, safety_night)
# Wave 1 (residents 2024, scale 1-5):
#   r1 A1 w1: trust 5,4 -> 4.5 -> 87.5; safety 3 -> 50
#   r2 A1 w2: trust 2,2,2,2 -> 25; safety 1,2 -> 12.5
#   r3 B2 w1: trust 3,3,3,3 -> 50; no safety answer
#   r4 C3 w4: trust 4,4,5,5 -> 87.5; safety 5,5 -> 100
#   r5 C3 w1: no trust answer; safety 4,4 -> 75
# Wave 0 (residents 2023, scale 1-5): r6 A1 w1 trust 3s -> 50; r7 B2 w1 trust 4s -> 75
# Wave 2 (officers 2024, scale 1-7): o1 A1 w1 trust 7s -> 100; o2 no area w1 trust 4s -> 50
# Wave 4 (residents 2022 Q4, scale 1-5, 2022-11-15), before P1 started: r10 A1 w1 trust 2s -> 25;
#   r11 B2 w2 trust 3s -> 50; r12 A1 w1 trust 1s -> 0
# Wave 3 (residents 2024 Q4, scale 1-5, all in B2, 2024-11-15), enough to be reportable:
#   ids 100-129 weight 1, every item 4 -> 75; ids 130-159 weight 3, every item 2 -> 25
#   alone: n 60, sum w 120, mean (30*75 + 90*25) / 120 = 37.5, n_eff 120^2 / (30 + 270) = 48
RESPONSES = [
    (1, 1, 1, "2024-05-02", 1.0, 5, 4, None, None, 3, None),
    (2, 1, 1, "2024-05-03", 2.0, 2, 2, 2, 2, 1, 2),
    (3, 1, 2, "2024-05-04", 1.0, 3, 3, 3, 3, None, None),
    (4, 1, 3, "2024-05-05", 4.0, 4, 4, 5, 5, 5, 5),
    (5, 1, 3, "2024-05-06", 1.0, None, None, None, None, 4, 4),
    (6, 0, 1, "2023-05-02", 1.0, 3, 3, 3, 3, None, None),
    (7, 0, 2, "2023-05-03", 1.0, 4, 4, 4, 4, None, None),
    (8, 2, 1, "2024-10-10", 1.0, 7, 7, 7, 7, None, None),
    (9, 2, None, "2024-10-11", 1.0, 4, 4, 4, 4, None, None),
    (10, 4, 1, "2022-11-15", 1.0, 2, 2, 2, 2, None, None),
    (11, 4, 2, "2022-11-15", 2.0, 3, 3, 3, 3, None, None),
    (12, 4, 1, "2022-11-15", 1.0, 1, 1, 1, 1, None, None),
    *[(100 + i, 3, 2, "2024-11-15", 1.0, 4, 4, 4, 4, 4, 4) for i in range(30)],
    *[(130 + i, 3, 2, "2024-11-15", 3.0, 2, 2, 2, 2, 2, 2) for i in range(30)],
]

# program_activity: (program_id, month, participants, new_participants, sessions, volunteer_hours,
#   events, attendance_expected, attendance_actual, exits, completions, sessions_co_delivered)
# Served in 2024: G1 22 (January, its first 2024 month) + 3 = 25; G3 30 + 0 + 3 = 33; G2 6 + 3 = 9.
ACTIVITY = [
    (1, "2023-12-01", 20, 5, 4, 10.0, 0, 80, 60, 0, 0, 0),
    (1, "2024-01-01", 22, 4, 4, 10.0, 1, 88, 70, 2, 1, 2),
    (1, "2024-02-01", 25, 3, 4, 10.0, 0, 100, 80, 3, 3, 1),
    (2, "2024-03-01", 6, 6, 2, 0.0, 0, 12, 12, 0, 0, 2),
    (2, "2024-04-01", 9, 3, 2, 0.0, 1, 18, 9, 1, 0, 0),
    (3, "2024-06-01", 30, 30, 8, 5.0, 2, 240, 200, 0, 0, 4),
    (3, "2024-07-01", 28, 0, 8, 5.0, 0, 224, 180, 0, 0, 4),
    (3, "2024-08-01", 31, 3, 8, 5.0, 3, 248, 200, 31, 25, 0),
]

# Fiscal years run July-June (schema_meta), named by the year they end in: FY2024 is
# 2023-07-01..2024-06-30 (366 days), FY2025 2024-07-01..2025-06-30 (365 days).
# (program_id, fiscal_year, source, amount): amounts chosen as whole currency units per day
FUNDING = [
    (1, 2024, "agency", 36_600),  # 100 a day
    (1, 2024, "in_kind", 3_660),  # 10 a day
    (1, 2025, "grant", 36_500),  # 100 a day
    (2, 2024, "nonprofit", 7_320),  # 20 a day
]

# kpis: (kpi_id, program_id, name, rba_category, unit, higher_is_better, target, baseline)
KPIS = [
    (1, 1, "Participants arrested within 6 months", "better_off", "%", False, 10.0, 20.0),
    (2, 1, "Attendance rate", "how_well", "%", True, 80.0, None),
    (3, 2, "Days from referral to housing", "better_off", "days", False, 30.0, None),
]
# kpi_values: (kpi_id, period_start, period_end, value)
KPI_VALUES = [
    (1, "2023-10-01", "2023-12-31", 18.0),
    (1, "2024-01-01", "2024-03-31", 15.0),
    (1, "2024-04-01", "2024-06-30", 9.0),
    (2, "2024-01-01", "2024-03-31", 79.5),
]

# partner_feedback: (feedback_id, partnership_id, period_start, side, communication, trust, shared_goals, resources)
FEEDBACK = [
    (1, 1, "2024-01-01", "agency", 4, 4, 5, 3),
    (2, 1, "2024-01-01", "nonprofit", 3, None, 4, 2),
    (3, 1, "2023-07-01", "agency", 1, 1, 1, 1),
]

# trainings: (training_id, partnership_id, topic, held_on, officers_trained, hours, is_co_delivered)
TRAININGS = [
    (1, 1, "Youth engagement", "2024-05-10", 20, 4.0, True),
    (2, 1, "Mentor basics", "2024-09-01", 15, 2.5, True),
    (3, None, "De-escalation", "2024-06-01", 30, 8.0, False),
    (4, 2, "Housing first", "2023-11-01", 10, 3.0, True),
]


def _square(lon0: float, lat0: float) -> bytes:
    return shapely.to_wkb(shapely.box(lon0, lat0, lon0 + 0.1, lat0 + 0.1))


def build(path: str | Path) -> Path:
    """Write the fixture database to `path` and return it."""
    with db.building(path) as con:
        db.create_schema(con)
        _fill(con)
    return Path(path)


def _fill(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("insert into agencies values (1, 'Testville Police Department', 'police', 120, 'Testville')")
    for area_id, code, name, kind, population, urbanicity, class_code, (lon0, lat0) in AREAS:
        con.execute(
            "insert into areas values (?, 1, ?, ?, ?, ?, 123.0, ?, ?, 'RUCA', st_geomfromwkb(?), ?, ?)",
            [
                area_id,
                code,
                name,
                kind,
                population,
                urbanicity,
                class_code,
                _square(lon0, lat0),
                lat0 + 0.05,
                lon0 + 0.05,
            ],
        )
    con.execute(
        """
        insert into nonprofits values
            (1, 'Youth Org', 'youth', 'Mentoring for young people', 1998, null),
            (2, 'Housing Org', 'housing', 'Homelessness outreach', 2005, null);
        insert into partnerships values
            (1, 1, 1, 'Youth mentoring partnership', 'Mentors and officers', '2023-01-01', null,
             'active', '2022-12-01', 'aggregate', 'mentoring'),
            (2, 1, 2, 'Street outreach partnership', 'Outreach with officers', '2024-03-01', null,
             'active', '2024-02-15', 'case_level', 'outreach'),
            (3, 1, 1, 'Old youth partnership', null, '2021-01-01', '2022-12-31',
             'ended', null, 'none', null),
            (4, 1, 2, 'Planned housing partnership', null, '2025-02-01', null,
             'planned', null, 'none', null);
        insert into partnership_areas values (1, 1), (1, 2), (2, 3), (3, 1), (4, 4);
        insert into programs values
            (1, 1, 'Mentoring', 'youth', null, '2023-01-01', null, 40),
            (2, 2, 'Outreach', 'homelessness', null, '2024-03-01', null, 20),
            (3, 1, 'Summer league', 'youth', null, '2024-06-01', '2024-08-31', 40),
            (4, 3, 'Old program', 'youth', null, '2021-01-01', '2022-12-31', 10);
        insert into program_areas values (1, 1), (1, 2), (2, 3), (3, 2), (4, 1);
        insert into survey_waves values
            (0, 1, 'resident', 'Residents 2023 Q2', '2023-04-01', '2023-05-15', 1, 5, 'phone', null),
            (1, 1, 'resident', 'Residents 2024 Q2', '2024-04-01', '2024-05-15', 1, 5, 'phone', null),
            (2, 1, 'officer', 'Officers 2024', '2024-10-01', '2024-10-31', 1, 7, 'web', null),
            (3, 1, 'resident', 'Residents 2024 Q4', '2024-11-01', '2024-11-30', 1, 5, 'web', null),
            (4, 1, 'resident', 'Residents 2022 Q4', '2022-11-01', '2022-11-30', 1, 5, 'web', null);
        insert into schema_meta values ('fiscal_year_start_month', '7');
        insert into app_users values
            ('chief@testville.example', 'Chief', 'chief', 1, null),
            ('analyst@testville.example', 'Analyst', 'analyst', 1, null),
            ('director@youth.example', 'Youth director', 'director', null, 1),
            ('director@housing.example', 'Housing director', 'director', null, 2);
        """
    )
    incident_id = 0
    for area_id, nibrs_code, occurred_at, count in CRIMES:
        for _ in range(count):
            incident_id += 1
            (inserted,) = con.execute(
                "insert into incidents select ?, null, ?::timestamp, ?, nibrs_code, category, crime_class,"
                " crimes_against, null, null from nibrs_offenses where nibrs_code = ?",
                [incident_id, occurred_at, area_id, nibrs_code],
            ).fetchone()
            if inserted != 1:  # an unknown code would drop the offence silently
                raise ValueError(f"{nibrs_code!r} is not a NIBRS code in data/nibrs_offenses.csv")
    for row in RESPONSES:
        response_id, wave_id, area_id, responded_on, weight, *items = row
        con.execute(
            "insert into survey_responses select ?, wave_id, scale_min, scale_max, ?, ?, ?,"
            " null, null, null, ?, ?, ?, ?, ?, ? from survey_waves where wave_id = ?",
            [response_id, area_id, dt.date.fromisoformat(responded_on), weight, *items, wave_id],
        )
    con.executemany(
        "insert into program_activity (program_id, month, participants, new_participants, sessions,"
        " volunteer_hours, events, attendance_expected, attendance_actual, exits, completions,"
        " sessions_co_delivered) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ACTIVITY,
    )
    con.executemany("insert into program_funding values (?, ?, ?, ?, null)", FUNDING)
    con.executemany("insert into kpis values (?, ?, ?, ?, ?, ?, ?, ?, null)", KPIS)
    con.executemany("insert into kpi_values values (?, ?, ?, ?)", KPI_VALUES)
    con.executemany("insert into partner_feedback values (?, ?, ?, ?, ?, ?, ?, ?, null)", FEEDBACK)
    con.executemany("insert into trainings values (?, 1, ?, ?, ?, ?, ?, ?)", TRAININGS)
    db.rebuild_rollups(con)
