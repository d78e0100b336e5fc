"""A public database written by hand (the tables of data.publish.TABLES), for the queries in queries/public.

Areas: U1 urban 1,000 residents, U2 urban 3,000, R1 rural 500, R2 rural 500 (squares).
Months held: 2023-01 .. 2024-12.

Crime by month (crime_urbanicity_month):
    urban violent    10 a month in 2023, 12 a month in 2024          -> every month published
    urban property   10 a month; 2024-03 hidden (complementary)       -> shown by year
    rural violent    20 a month; 2024-03 hidden (primary, "<10")      -> shown by year
City (crime_city_month): violent 30 a month in 2023, 32 a month in 2024.
Area years (crime_area_year):
    violent  2023: U1 60, U2 60, R1 120, R2 120     2024: U1 72, U2 72, R1 150, R2 100
    property 2023: U1 60, U2 60                     2024: U1 hidden, U2 70

Trust (0-100, se): urban residents 2023-Q4 50 (se 2, n 100), 2024-Q4 56 (se 1.5, n 120);
rural residents 2024-Q4 not published; urban officers 2024-Q4 60 (se 3, n 60);
whole area residents 2023-Q4 51 (se 1.9, n 150), 2024-Q4 55 (se 1.4, n hidden).

Partnerships: A youth urban active (2 programs, U1+U2); B youth rural ended (1, R1);
C housing rural active (3, R1+R2); D housing urban planned (0, U2).
Programs 2024: urban 2 partnerships, 3 programs, 40 participants; rural 1, 1, "<10";
whole area 3, 4, 45. Funding FY2024: agency 600 (60%), grant 400 (40%).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import shapely

from data import publish

AREAS = [("U1", "Upton", "urban", 1000, 0, 0), ("U2", "Uxley", "urban", 3000, 1, 0),
         ("R1", "Ridge Township", "rural", 500, 0, 1), ("R2", "Rook Township", "rural", 500, 1, 1)]  # fmt: skip
MONTHS = [dt.date(year, month, 1) for year in (2023, 2024) for month in range(1, 13)]
HIDDEN_MONTH = dt.date(2024, 3, 1)


def _count(value, shown=None, status=None):
    return (value, str(value) if shown is None else shown, status)


def build(path: str | Path) -> Path:
    path = Path(path)
    con = duckdb.connect(str(path))
    try:
        for name, columns in publish.TABLES.items():
            con.execute(f"create table {name} ({columns})")
        _fill(con)
    finally:
        con.close()
    return path


def _fill(con: duckdb.DuckDBPyConnection) -> None:
    con.executemany(
        "insert into manifest values (?, ?)",
        [("agency_name", "Handmade Police"), ("source_first_month", "2023-01"), ("source_last_month", "2024-12"),
         ("min_published_count", "10"), ("survey_min_n", "50"), ("survey_min_n_eff", "30"), ("ci_level", "95"),
         ("rse_flag_pct", "30"), ("generated_by", "tests/public_fixture.py")],
    )  # fmt: skip
    for code, name, side, population, column, row in AREAS:
        square = shapely.to_geojson(
            shapely.box(-90 + 0.1 * column, 40 - 0.1 * row, -89.9 + 0.1 * column, 40.1 - 0.1 * row)
        )
        kind = "neighbourhood" if side == "urban" else "township"
        con.execute(
            "insert into areas (area_code, name, kind, urbanicity, population, geojson) values (?, ?, ?, ?, ?, ?)",
            [code, name, kind, side, population, square],
        )
    for month in MONTHS:
        urban_violent = 10 if month.year == 2023 else 12
        rows = [("urban", month, "violent", *_count(urban_violent))]
        rows.append(
            ("urban", month, "property", *(_count(None, "suppressed", "complementary") if month == HIDDEN_MONTH
                                           else _count(10)))
        )  # fmt: skip
        rows.append(
            ("rural", month, "violent", *(_count(None, "<10", "primary") if month == HIDDEN_MONTH else _count(20)))
        )
        con.executemany("insert into crime_urbanicity_month values (?, ?, ?, ?, ?, ?)", rows)
        city = 30 if month.year == 2023 else 32
        con.execute("insert into crime_city_month values (?, 'violent', ?, ?, ?)", [month, *_count(city)])
    years = [
        ("U1", "urban", 2023, "violent", 60), ("U2", "urban", 2023, "violent", 60),
        ("R1", "rural", 2023, "violent", 120), ("R2", "rural", 2023, "violent", 120),
        ("U1", "urban", 2024, "violent", 72), ("U2", "urban", 2024, "violent", 72),
        ("R1", "rural", 2024, "violent", 150), ("R2", "rural", 2024, "violent", 100),
        ("U1", "urban", 2023, "property", 60), ("U2", "urban", 2023, "property", 60),
        ("U1", "urban", 2024, "property", None), ("U2", "urban", 2024, "property", 70),
    ]  # fmt: skip
    population = {code: people for code, _, _, people, _, _ in AREAS}
    for code, side, year, crime_class, incidents in years:
        shown = _count(incidents) if incidents is not None else _count(None, "suppressed", "complementary")
        rate = None if incidents is None else round(incidents * 1000 / population[code], 3)
        con.execute(
            "insert into crime_area_year values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [code, side, year, crime_class, *shown, population[code], rate],
        )
    trust = [
        # side, quarter, audience, n, n_suppressed, trust, se, published
        ("urban", "2023-Q4", "resident", 100, None, 50.0, 2.0, True),
        ("urban", "2024-Q4", "resident", 120, None, 56.0, 1.5, True),
        ("rural", "2024-Q4", "resident", None, "primary", None, None, False),
        ("urban", "2024-Q4", "officer", 60, None, 60.0, 3.0, True),
    ]
    for side, quarter, audience, n, n_status, mean, se, published in trust:
        con.execute(
            "insert into trust_urbanicity_quarter (urbanicity, quarter, quarter_start, audience, n, n_suppressed,"
            " trust_0_100, se, ci_low, ci_high, rse_flag, published, reason, safety_0_100, safety_ci_low,"
            " safety_ci_high, safety_rse_flag, safety_published, safety_reason)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [side, quarter, dt.date(int(quarter[:4]), 10, 1), audience, n, n_status, mean, se,
             None if se is None else round(mean - 1.96 * se, 2), None if se is None else round(mean + 1.96 * se, 2),
             None if se is None else False, published, None if published else "fewer than 50 responses",
             None if se is None else mean + 5, None if se is None else mean + 1, None if se is None else mean + 9,
             None if se is None else False, published, None if published else "fewer than 50 responses"],
        )  # fmt: skip
    for quarter, n, n_status, mean, se in (
        ("2023-Q4", 150, None, 51.0, 1.9),
        ("2024-Q4", None, "complementary", 55.0, 1.4),
    ):
        con.execute(
            "insert into trust_city_quarter (quarter, quarter_start, audience, n, n_suppressed, trust_0_100, se,"
            " ci_low, ci_high, rse_flag, published, safety_published) values (?, ?, 'resident', ?, ?, ?, ?, ?, ?,"
            " false, true, false)",
            [quarter, dt.date(int(quarter[:4]), 10, 1), n, n_status, mean, se, round(mean - 1.96 * se, 2),
             round(mean + 1.96 * se, 2)],
        )  # fmt: skip
    con.executemany(
        "insert into partnerships values (?, ?, ?, ?, ?, ?, null, ?, ?, ?, ?, ?)",
        [("A youth partnership", "Youth Club", "youth", "active", dt.date(2022, 1, 1), None, "urban", "Upton, Uxley",
          2, True, "aggregate"),
         ("B youth partnership", "Youth Club", "youth", "ended", dt.date(2021, 1, 1), dt.date(2023, 6, 30), "rural",
          "Ridge Township", 1, False, "none"),
         ("C housing partnership", "Shelter", "housing", "active", dt.date(2023, 3, 1), None, "rural",
          "Ridge Township, Rook Township", 3, True, "case_level"),
         ("D housing partnership", "Shelter", "housing", "planned", dt.date(2025, 1, 1), None, "urban", "Uxley", 0,
          False, "none")],
    )  # fmt: skip
    con.executemany(
        "insert into program_counts values (?, ?, ?, ?, ?, ?, ?)",
        [(2024, "urban", 2, 3, 40, "40", None), (2024, "rural", 1, 1, None, "<10", "primary")],
    )
    con.execute("insert into program_counts_city values (2024, 3, 4, 45, '45', null)")
    con.executemany(
        "insert into funding_year_source values (2024, ?, ?, ?, 40.0, 0.0, 1000.0)",
        [("agency", 600.0, 60.0), ("grant", 400.0, 40.0)],
    )
