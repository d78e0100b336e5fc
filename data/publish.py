"""Public export: `python -m data publish --db PATH --out PATH` writes public.duckdb.

The public page reads only this file, so everything in it is for anyone to see:
aggregates computed with the app's own queries (queries.run without a scope sees the
whole agency), never a row per incident or response, no coordinates, no free text from
feedback or surveys, no program or site names, no e-mail addresses.

Disclosure control (the manifest table states the rules and thresholds used):

* Counts of incidents and of participants from 1 to 9 are hidden and shown as "<10";
  data.disclosure hides more cells (complementary, shown as "suppressed": they can be any
  size) so that no published total minus its visible parts reveals a hidden count. The
  constraints are every total the file holds: city month = urban + rural; urbanicity
  month = its areas; an area's year = its 12 months; a year's participants city-wide =
  urban + rural.
* Sexual-offence and domestic-violence categories (offense_categories.is_sensitive)
  appear only city-wide, in their own table, and are left out of every other count.
* Survey estimates only where unweighted n >= 50 and Kish n_eff >= 30 (the schema's
  is_reportable), always with a 95% CI, flagged where the relative SE is 30% or more.
  A hidden group's n is itself hidden and, like the counts, protected against subtraction
  from the urbanicity and city n. Nor may a hidden group's mean be worked out from the
  published means and n's (sum of scores = mean x n under equal weights; `mean_protection`
  withdraws more n's where it could be; MEAN_THREAT states the reader it assumes).

The file holds no wall-clock time: publishing the same source twice gives the same tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

import queries
from data import audit, db, disclosure

PUBLIC_SCHEMA_VERSION = "2"  # 2: the audit's statuses and manifest keys, latest-12-month and area-group tables
SURVEY_MIN_N = 50
SURVEY_MIN_N_EFF = 30
RSE_FLAG_PCT = 30
CI_LEVEL = 95
CRIME_CLASSES = ("violent", "property", "other")
LATEST_MONTHS = 12  # crime_area_latest_12m: the source's last 12 months
URBANICITIES = ("urban", "rural")
# the widest period the query runner accepts: every row of the source
ALL_FROM = dt.date(1900, 1, 1)
ALL_UNTIL = dt.date(2100, 12, 31)
REASON_N = f"fewer than {SURVEY_MIN_N} responses"
REASON_N_EFF = f"effective sample below {SURVEY_MIN_N_EFF}"
SOURCE_TABLES = (
    "agencies",
    "areas",
    "crime_monthly",
    "offense_categories",
    "survey_responses",
    "partnerships",
    "programs",
)

_COUNT = "{0} integer, {0}_shown varchar, {0}_suppressed varchar"
_ESTIMATES = """
    n integer, n_suppressed varchar, n_eff double,
    trust_0_100 double, se double, ci_low double, ci_high double, rse_pct double, rse_flag boolean,
    safety_0_100 double, safety_ci_low double, safety_ci_high double,
    published boolean, reason varchar,
    safety_se double, safety_rse_pct double, safety_rse_flag boolean, safety_published boolean, safety_reason varchar
"""
TABLES = {
    "manifest": "key varchar primary key, value varchar not null",
    "areas": (
        "area_code varchar, name varchar, kind varchar, urbanicity varchar, population integer, geojson varchar,"
        " area_group varchar"
    ),
    "crime_area_month": (
        f"area_code varchar, urbanicity varchar, month date, crime_class varchar, {_COUNT.format('incidents')}"
    ),
    "crime_urbanicity_month": f"urbanicity varchar, month date, crime_class varchar, {_COUNT.format('incidents')}",
    "crime_city_month": f"month date, crime_class varchar, {_COUNT.format('incidents')}",
    "crime_sensitive_city_month": f"month date, category varchar, {_COUNT.format('incidents')}",
    "crime_area_year": (
        f"area_code varchar, urbanicity varchar, year integer, crime_class varchar, {_COUNT.format('incidents')},"
        " population integer, rate_per_1k double"
    ),
    "crime_area_latest_12m": (
        "area_code varchar, urbanicity varchar, period_start date, period_end date, crime_class varchar,"
        f" {_COUNT.format('incidents')}, population integer, rate_per_1k double"
    ),
    "crime_group_year": (
        f"area_group varchar, urbanicity varchar, year integer, crime_class varchar, {_COUNT.format('incidents')},"
        " population integer, rate_per_1k double"
    ),
    "crime_group_latest_12m": (
        "area_group varchar, urbanicity varchar, period_start date, period_end date, crime_class varchar,"
        f" {_COUNT.format('incidents')}, population integer, rate_per_1k double"
    ),
    "trust_area_quarter": (
        f"area_code varchar, urbanicity varchar, quarter varchar, quarter_start date, audience varchar, {_ESTIMATES}"
    ),
    "trust_urbanicity_quarter": (
        f"urbanicity varchar, quarter varchar, quarter_start date, audience varchar, {_ESTIMATES}"
    ),
    "trust_city_quarter": f"quarter varchar, quarter_start date, audience varchar, {_ESTIMATES}",
    "partnerships": (
        "partnership_name varchar, nonprofit_name varchar, org_type varchar, status varchar, start_date date,"
        " end_date date, description varchar, urbanicity varchar, area_names varchar, programs integer,"
        " has_mou boolean, data_sharing_level varchar"
    ),
    "program_counts": (
        "year integer, urbanicity varchar, partnerships_active integer, programs_active integer,"
        f" {_COUNT.format('participants_served')}"
    ),
    "program_counts_city": (
        f"year integer, partnerships_active integer, programs_active integer, {_COUNT.format('participants_served')}"
    ),
    "funding_year_source": (
        "fiscal_year integer, source varchar, amount_usd double, share_pct double, co_funding_share_pct double,"
        " in_kind_usd double, year_total_usd double"
    ),
}


EQUATIONS = (
    "city month = urban + rural; urbanicity month = its areas; area year = its 12 months; area latest 12 months ="
    " those months; area group year and latest 12 months = its areas; participants city-wide = urban + rural;"
    " survey n city-wide = urban + rural (+ no area), urbanicity = its areas"
)
PROTECTION_RULE = (
    f"every hidden count of 1-{disclosure.MIN_SHOWN - 1}, and every unpublished part of a total below"
    f" {disclosure.MIN_SHOWN} that is 1-{disclosure.MIN_SHOWN - 1}, keeps a range at least {disclosure.PROTECTION}"
    f" wide (all of 1-{disclosure.MIN_SHOWN - 1}); a hidden survey n below {SURVEY_MIN_N} keeps at least"
    f" {SURVEY_MIN_N // 2 - 1} (half of 0-{SURVEY_MIN_N - 1}), a larger one is never worked out exactly"
)


class PublishError(ValueError):
    """The export cannot be written; the message is one sentence for people."""


@dataclass
class Summary:
    """What was written: rows per table and suppressed cells per kind."""

    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    primary: int = 0
    complementary: int = 0

    def text(self) -> str:
        tables = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return (
            f"public database written to {self.out}: {tables} rows;"
            f" {self.primary:,} cells hidden as primary and {self.complementary:,} as complementary"
        )


def publish(source: str | os.PathLike, out: str | os.PathLike) -> Summary:
    """Write the public database `out` from the Bridgeboard database `source` (opened read-only)."""
    source, out = Path(source), Path(out)
    if not source.is_file():
        raise PublishError(f"there is no database file at {source}")
    if out.exists() and out.resolve() == source.resolve():
        raise PublishError("the public file must not overwrite the source database")
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.Error as error:
        raise PublishError(f"{source} cannot be opened as a DuckDB database ({_first_line(error)})") from None
    try:
        if problem := db.schema_problem(con):
            raise PublishError(f"{source} cannot be published: {problem}")
        present = set(db.schema_tables(con))
        missing = [table for table in SOURCE_TABLES if table not in present]
        if missing:
            raise PublishError(f"{source} is not a Bridgeboard database (it has no {missing[0]} table)")
        # one thread: floating-point sums in the same order every time, so the same source
        # always gives the same file. Restored after: in the app's process DuckDB hands this
        # connect() the instance the app already has open on the same file.
        threads = con.execute("select current_setting('threads')").fetchall()[0][0]
        con.execute("set threads = 1")
        try:
            tables, counts = build_tables(con)
        finally:
            con.execute(f"set threads = {int(threads)}")
    finally:
        con.close()
    with db.building(out) as public:
        public.execute("begin")
        for name, columns in TABLES.items():
            public.execute(f"create table {name} ({columns})")
            frame = tables[name]
            if len(frame):
                public.register("frame", frame)
                public.execute(f"insert into {name} by name select * from frame")  # noqa: S608 (fixed names)
                public.unregister("frame")
        public.execute("commit")
    return Summary(out, {name: len(tables[name]) for name in TABLES if name != "manifest"}, *counts)


def build_tables(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, pd.DataFrame], tuple[int, int]]:
    """Every public table as a DataFrame, and the numbers of primary and complementary cells."""
    categories = con.execute("select category, is_sensitive from offense_categories order by category").fetchall()
    sensitive = [category for category, is_sensitive in categories if is_sensitive]
    ordinary = [category for category, is_sensitive in categories if not is_sensitive]
    first_month, last_month = con.execute("select min(month), max(month) from crime_monthly").fetchall()[0]

    areas = queries.run(con, "areas/shapes", urbanicity=None)
    group_of = {area: group for group, members in area_groups(areas).items() for area in members}
    tables: dict[str, pd.DataFrame] = {
        "areas": areas[["area_code", "name", "kind", "urbanicity", "population", "geojson"]]
        .astype({"population": "Int64"})
        .assign(area_group=areas["area_code"].map(group_of))
    }
    statuses: list[dict] = []
    audits: list[tuple[str, disclosure.Protection]] = []
    tables |= _crime(con, areas, ordinary, sensitive, first_month, last_month, statuses, audits)
    survey_notes: dict[str, int] = {}
    tables |= _trust(con, areas, statuses, audits, survey_notes)
    tables |= _programs(con, statuses, audits)
    tables["partnerships"] = _partnerships(con)
    tables["funding_year_source"] = _funding(con)

    primary = sum(value == disclosure.PRIMARY for status in statuses for value in status.values())
    complementary = sum(value == disclosure.COMPLEMENTARY for status in statuses for value in status.values())
    rolled_up = sum(value == disclosure.ROLLED_UP for status in statuses for value in status.values())
    audited = sum(protection.audited for _, protection in audits)
    narrowed = sum(protection.narrowed for _, protection in audits)
    if narrowed:
        raise PublishError(
            f"the disclosure audit failed: {narrowed} hidden cells can be narrowed below the protection level"
        )
    coverage = violent_coverage(tables)
    manifest = {
        "schema_version": PUBLIC_SCHEMA_VERSION,
        "source_schema_version": (db.meta(con) or {}).get("schema_version", ""),
        "agency_name": "; ".join(name for (name,) in con.execute("select name from agencies order by name").fetchall()),
        "published_from_checksum": source_checksum(con),
        "source_first_month": first_month.strftime("%Y-%m") if first_month else "",
        "source_last_month": last_month.strftime("%Y-%m") if last_month else "",
        "min_published_count": str(disclosure.MIN_SHOWN),
        "small_count_shown_as": disclosure.SHOWN[disclosure.PRIMARY],
        "complementary_shown_as": disclosure.SHOWN[disclosure.COMPLEMENTARY],
        "rolled_up_shown_as": disclosure.SHOWN[disclosure.ROLLED_UP],
        "suppression_method": disclosure.RULE,
        "suppression_protects_against": (
            f"An attacker with a solver: every published equation at once, whole-number counts, each hidden cell's"
            f" smallest and largest possible value ({audit.SOLVER}, {audit.METHOD})."
        ),
        "suppression_does_not_protect_against": disclosure.LIMITS,
        "suppression_zeros": disclosure.ZEROS,
        "suppression_constraints": EQUATIONS,
        "protection_level": str(disclosure.PROTECTION),
        "protection_rule": PROTECTION_RULE,
        "audit_solver": audit.SOLVER,
        "audit_method": audit.METHOD,
        "audit_cells": str(audited),
        "audit_equations": str(sum(protection.equations for _, protection in audits)),
        "audit_result": f"{narrowed} of {audited} hidden cells can be narrowed below the protection level",
        "cells_suppressed_primary": str(primary),
        "cells_suppressed_complementary": str(complementary),
        "cells_rolled_up": str(rolled_up),
        "crime_latest_12m_period": coverage["period"],
        "violent_latest_12m_area_coverage_urban_pct": coverage["urban area"],
        "violent_latest_12m_area_coverage_rural_pct": coverage["rural area"],
        "violent_latest_12m_area_or_group_coverage_urban_pct": coverage["urban group"],
        "violent_latest_12m_area_or_group_coverage_rural_pct": coverage["rural group"],
        "area_groups": "areas of the same urbanicity and rural-urban code (RUCA, RUCC), two or more to a group",
        "survey_min_n": str(SURVEY_MIN_N),
        "survey_mean_threat_model": MEAN_THREAT,
        "survey_n_withdrawn_for_means": str(survey_notes.get("n_withdrawn", 0)),
        "survey_min_n_eff": str(SURVEY_MIN_N_EFF),
        "rse_flag_pct": str(RSE_FLAG_PCT),
        "ci_level": str(CI_LEVEL),
        "sensitive_categories": ",".join(sensitive),
        "sensitive_rule": "city-wide only",
        "crime_classes": ",".join(CRIME_CLASSES),
        "crime_area_year_years": "calendar years whose 12 months all lie within the source months",
        "generated_by": "python -m data publish",
    }
    tables["manifest"] = pd.DataFrame({"key": list(manifest), "value": list(manifest.values())})
    return tables, (primary, complementary)


def violent_coverage(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Share of each side's residents whose area (or area group) has a published violent count for the latest 12 months.

    Residents of areas without a known population are left out of both sides of the share.
    """
    areas = tables["areas"]
    latest = tables["crime_area_latest_12m"]
    groups = tables["crime_group_latest_12m"]
    violent = latest[latest["crime_class"] == "violent"].set_index("area_code")["incidents"]
    group_violent = groups[groups["crime_class"] == "violent"].set_index("area_group")["incidents"]
    found = {"period": ""}
    if len(latest):
        found["period"] = f"{latest['period_start'].iloc[0]:%Y-%m} to {latest['period_end'].iloc[0]:%Y-%m}"
    for side in URBANICITIES:
        people = areas[(areas["urbanicity"] == side) & areas["population"].notna()]
        own = people["area_code"].map(violent).notna()
        group = people["area_group"].map(group_violent).notna()
        total = float(people["population"].sum())
        for name, covered in (("area", own), ("group", own | group)):
            share = float(people["population"][covered].sum()) / total * 100 if total and len(latest) else None
            found[f"{side} {name}"] = "" if share is None else f"{share:.1f}"
    return found


def source_checksum(con: duckdb.DuckDBPyConnection) -> str:
    """sha256 of the source's table checksums: traces a public file to the database it came from."""
    checksums = db.table_checksums(con)
    return hashlib.sha256(json.dumps(sorted(checksums.items())).encode()).hexdigest()


# --- crime ------------------------------------------------------------------------------


def _crime(con, areas, ordinary, sensitive, first_month, last_month, statuses, audits) -> dict[str, pd.DataFrame]:
    area_urbanicity = dict(zip(areas["area_code"], areas["urbanicity"], strict=True))
    population = dict(zip(areas["area_code"], areas["population"], strict=True))
    groups = area_groups(areas)
    months = [month.date() for month in pd.date_range(first_month, last_month, freq="MS")] if first_month else []
    by_area = queries.run(
        con, "crime/monthly", start_date=first_month or ALL_FROM, end_date=last_month or ALL_FROM,
        urbanicity=None, categories=ordinary, group_by="area",
    )  # fmt: skip
    by_class = by_area.groupby(["group_key", "month", "crime_class"])["incidents"].sum()
    counts = {(area, month.date(), crime_class): int(n) for (area, month, crime_class), n in by_class.items()}
    sides = [side for side in URBANICITIES if side in area_urbanicity.values()]
    years = [year for year in sorted({month.year for month in months}) if _full_year(year, months)]
    latest = months[-LATEST_MONTHS:] if len(months) >= LATEST_MONTHS else []

    values: dict[tuple, int] = {}
    equations: list[tuple] = []

    def total(cell: tuple, parts: list[tuple]) -> None:
        values[cell] = sum(values[part] for part in parts)
        equations.append((cell, parts))

    for month in months:
        for crime_class in CRIME_CLASSES:
            for area in areas["area_code"]:
                values[("area", area, month, crime_class)] = counts.get((area, month, crime_class), 0)
    for month in months:
        for crime_class in CRIME_CLASSES:
            for side in sides:
                parts = [("area", area, month, crime_class) for area, u in area_urbanicity.items() if u == side]
                total(("urbanicity", side, month, crime_class), parts)
            total(("city", month, crime_class), [("urbanicity", side, month, crime_class) for side in sides])
    for area in areas["area_code"]:
        for crime_class in CRIME_CLASSES:
            for year in years:
                total(
                    ("year", area, year, crime_class),
                    [("area", area, dt.date(year, m, 1), crime_class) for m in range(1, 13)],
                )
            if latest:
                total(("latest", area, crime_class), [("area", area, month, crime_class) for month in latest])
    for group, members in groups.items():
        for crime_class in CRIME_CLASSES:
            for year in years:
                total(("group year", group, year, crime_class), [("year", area, year, crime_class) for area in members])
            if latest:
                total(("group latest", group, crime_class), [("latest", area, crime_class) for area in members])

    def _population(codes) -> float:
        return sum(population[code] for code in codes if pd.notna(population[code]))

    side_population = {side: _population(a for a, u in area_urbanicity.items() if u == side) for side in sides}

    def residents(cell: tuple) -> float:
        kind = cell[0]
        if kind in ("area", "year", "latest"):
            return population[cell[1]] if pd.notna(population[cell[1]]) else 0
        if kind in ("group year", "group latest"):
            return _population(groups[cell[1]])
        if kind == "urbanicity":
            return side_population[cell[1]]
        return sum(side_population.values())

    # an area's monthly series of a class where most months would read "<10" is published by year and
    # latest 12 months only (with its area group): the coarser counts survive, the months would not
    rolled_up = []
    for area in areas["area_code"]:
        for crime_class in CRIME_CLASSES:
            series = [("area", area, month, crime_class) for month in months]
            if sum(1 <= values[cell] < disclosure.MIN_SHOWN for cell in series) * 2 > len(series):
                rolled_up.extend(series)
    # the headline cells (urban and rural by month, latest 12 months by area and group) are hidden last
    headline = {"urbanicity", "city", "latest", "group latest"}
    protection = disclosure.protect(
        values, equations, rolled_up=rolled_up,
        cost=lambda cell: (cell[0] in headline, values[cell], residents(cell)),
    )  # fmt: skip
    status = protection.status
    statuses.append(status)

    def rows(kind: str, names: tuple[str, ...]) -> pd.DataFrame:
        keys = [cell for cell in values if cell[0] == kind]
        frame = pd.DataFrame([cell[1:] for cell in keys], columns=list(names))
        return pd.concat([frame, _count_columns("incidents", keys, values, status)], axis=1)

    def rated(frame: pd.DataFrame, people: pd.Series) -> pd.DataFrame:
        frame["population"] = people.astype("Int64")
        known = frame["incidents"].notna() & (frame["population"].fillna(0) > 0)
        frame["rate_per_1k"] = (frame["incidents"].astype("Float64") * 1000 / frame["population"]).where(known).round(3)
        return frame

    area_month = rows("area", ("area_code", "month", "crime_class"))
    area_month.insert(1, "urbanicity", area_month["area_code"].map(area_urbanicity))
    area_year = rows("year", ("area_code", "year", "crime_class"))
    area_year.insert(1, "urbanicity", area_year["area_code"].map(area_urbanicity))
    area_year = rated(area_year, area_year["area_code"].map(population))
    period = (latest[0], _month_end(latest[-1])) if latest else (None, None)
    area_latest = rows("latest", ("area_code", "crime_class"))
    area_latest.insert(1, "urbanicity", area_latest["area_code"].map(area_urbanicity))
    area_latest.insert(2, "period_start", period[0])
    area_latest.insert(3, "period_end", period[1])
    area_latest = rated(area_latest, area_latest["area_code"].map(population))
    group_side = {group: area_urbanicity[members[0]] for group, members in groups.items()}
    group_people = {group: _population(members) if all(pd.notna(population[a]) for a in members) else None
                    for group, members in groups.items()}  # fmt: skip
    group_year = rows("group year", ("area_group", "year", "crime_class"))
    group_year.insert(1, "urbanicity", group_year["area_group"].map(group_side))
    group_year = rated(group_year, group_year["area_group"].map(group_people))
    group_latest = rows("group latest", ("area_group", "crime_class"))
    group_latest.insert(1, "urbanicity", group_latest["area_group"].map(group_side))
    group_latest.insert(2, "period_start", period[0])
    group_latest.insert(3, "period_end", period[1])
    group_latest = rated(group_latest, group_latest["area_group"].map(group_people))

    sensitive_frame = queries.run(
        con, "crime/monthly", start_date=first_month or ALL_FROM, end_date=last_month or ALL_FROM,
        urbanicity=None, categories=sensitive, group_by="all",
    )  # fmt: skip
    sensitive_values = {
        ("sensitive", month.date(), category): int(incidents)
        for month, category, incidents in sensitive_frame[["month", "category", "incidents"]].itertuples(index=False)
    }
    sensitive_status = disclosure.protect(sensitive_values, []).status  # it has no published parts or totals
    statuses.append(sensitive_status)
    sensitive_keys = list(sensitive_values)
    sensitive_table = pd.concat(
        [
            pd.DataFrame([cell[1:] for cell in sensitive_keys], columns=["month", "category"]),
            _count_columns("incidents", sensitive_keys, sensitive_values, sensitive_status),
        ],
        axis=1,
    )
    audits.append(("crime", protection))
    return {
        "crime_area_month": area_month,
        "crime_urbanicity_month": rows("urbanicity", ("urbanicity", "month", "crime_class")),
        "crime_city_month": rows("city", ("month", "crime_class")),
        "crime_area_year": area_year,
        "crime_area_latest_12m": area_latest,
        "crime_group_year": group_year,
        "crime_group_latest_12m": group_latest,
        "crime_sensitive_city_month": sensitive_table,
    }


def area_groups(areas: pd.DataFrame) -> dict[str, list[str]]:
    """Groups of two or more areas of the same urbanicity and rural-urban code, by name: 'rural RUCA 7'.

    Chosen from the areas' kind alone, never from their counts, so a group says nothing about them.
    """
    groups: dict[str, list[str]] = {}
    for area, side, scheme, code in areas[["area_code", "urbanicity", "class_scheme", "class_code"]].itertuples(
        index=False
    ):
        label = f"{side} {scheme} {int(code)}" if pd.notna(code) and pd.notna(scheme) else f"{side} unclassified"
        groups.setdefault(label, []).append(area)
    return {label: members for label, members in sorted(groups.items()) if len(members) >= 2}


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + 1, 1, 1) if month.month == 12 else dt.date(month.year, month.month + 1, 1)
    return following - dt.timedelta(days=1)


def _full_year(year: int, months: list[dt.date]) -> bool:
    return bool(months) and months[0] <= dt.date(year, 1, 1) and dt.date(year, 12, 1) <= months[-1]


def _count_columns(name: str, keys: list, values: dict, status: dict) -> pd.DataFrame:
    """<name> (null when hidden), <name>_shown ('<10' or 'suppressed' when hidden) and <name>_suppressed."""
    return pd.DataFrame(
        {
            name: pd.array([values[key] if status[key] is None else None for key in keys], dtype="Int64"),
            f"{name}_shown": [disclosure.shown(values[key], status[key]) for key in keys],
            f"{name}_suppressed": pd.array([status[key] for key in keys], dtype="object"),
        }
    )


# --- trust ------------------------------------------------------------------------------


def _trust(con, areas, statuses, audits, notes) -> dict[str, pd.DataFrame]:
    def scores(**params) -> pd.DataFrame:
        frame = queries.run(con, "trust/scores", **params)
        return frame[frame["group_key"] != "not stated"]

    city = scores(start_date=ALL_FROM, end_date=ALL_UNTIL, urbanicity=None, group_by="quarter")
    audience_quarters = sorted(zip(city["audience"], city["group_key"], strict=True))
    by_side = {
        side: scores(start_date=ALL_FROM, end_date=ALL_UNTIL, urbanicity=side, group_by="quarter")
        for side in URBANICITIES
    }
    resident_quarters = sorted(quarter for audience, quarter in audience_quarters if audience == "resident")
    by_area = {}
    for quarter in resident_quarters:
        start, end = _quarter_bounds(quarter)
        frame = scores(start_date=start, end_date=end, urbanicity=None, group_by="area")
        by_area[quarter] = frame[frame["audience"] == "resident"]

    # one row per published group, keyed like the cells of the n suppression
    city_rows = _rows(city)
    side_rows = {side: _rows(frame) for side, frame in by_side.items()}
    area_rows = {quarter: _rows(frame) for quarter, frame in by_area.items()}
    groups: dict[tuple, pd.Series | None] = {}
    for audience, quarter in audience_quarters:
        groups[("city", quarter, audience)] = city_rows.get((audience, quarter))
        for side in URBANICITIES:
            groups[("urbanicity", side, quarter, audience)] = side_rows[side].get((audience, quarter))
    for quarter in resident_quarters:
        for area in areas["area_code"]:
            groups[("area", area, quarter, "resident")] = area_rows[quarter].get(("resident", area))

    values = {cell: (0 if row is None else int(row["n"])) for cell, row in groups.items()}
    primary, known, unstated, constraints = set(), {}, set(), []
    for cell, row in groups.items():
        if row is None or not row["reportable"]:
            primary.add(cell)
            known[cell] = (0, SURVEY_MIN_N - 1) if values[cell] < SURVEY_MIN_N else (SURVEY_MIN_N, math.inf)
        else:
            # a reader sees the estimate, so n >= 50, and n >= n_eff (Kish)
            known[cell] = (max(SURVEY_MIN_N, math.ceil(round(row["n_eff"], 2) - 0.005)), math.inf)
    area_side = dict(zip(areas["area_code"], areas["urbanicity"], strict=True))
    for audience, quarter in audience_quarters:
        sides = [("urbanicity", side, quarter, audience) for side in URBANICITIES]
        rest = values[("city", quarter, audience)] - sum(values[cell] for cell in sides)
        if rest:  # respondents without an area count city-wide only; a reader cannot know how many
            values[("no area", quarter, audience)] = rest
            unstated.add(("no area", quarter, audience))
            known[("no area", quarter, audience)] = (0, math.inf)
            sides.append(("no area", quarter, audience))
        constraints.append((("city", quarter, audience), sides))
        if audience == "resident":
            for side in URBANICITIES:
                parts = [("area", area, quarter, audience) for area, u in area_side.items() if u == side]
                if parts:  # a side with no areas has no respondents: nothing to protect there
                    constraints.append((("urbanicity", side, quarter, audience), parts))
    complements = {cell: known[cell] for cell, row in groups.items() if row is not None and row["reportable"]}
    # half the values 0-49 of a hidden small group must stay possible; a larger one must not be worked out
    widths = {cell: (SURVEY_MIN_N // 2 - 1 if known[cell][1] < SURVEY_MIN_N else 1) for cell in primary}
    protection = disclosure.protect(
        values, constraints, primary=primary, unpublished=unstated, bounds=known,
        complement_bounds=complements, protection=widths, roll_up=False,
    )  # fmt: skip
    status = protection.status
    # a reader's sums (mean x n) must not pin a hidden group's mean, nor its n: withdraw more n's where they would
    withdrawn = mean_protection(groups, values, status, constraints, unstated)
    for cell in withdrawn:
        status[cell] = disclosure.COMPLEMENTARY
    notes["n_withdrawn"] = len(withdrawn)
    statuses.append(status)
    audits.append(("survey n", protection))

    def table(kind: str, names: tuple[str, ...]) -> pd.DataFrame:
        records = []
        for cell, row in groups.items():
            if cell[0] != kind:
                continue
            record = dict(zip(names, cell[1:], strict=True))
            quarter = record["quarter"]
            record["quarter_start"] = _quarter_bounds(quarter)[0]
            record |= _estimates(row, values[cell], status[cell])
            records.append(record)
        return pd.DataFrame.from_records(records).astype({"n": "Int64"}) if records else pd.DataFrame()

    area_table = table("area", ("area_code", "quarter", "audience"))
    if len(area_table):
        area_table.insert(1, "urbanicity", area_table["area_code"].map(area_side))
    return {
        "trust_area_quarter": area_table,
        "trust_urbanicity_quarter": table("urbanicity", ("urbanicity", "quarter", "audience")),
        "trust_city_quarter": table("city", ("quarter", "audience")),
    }


MEAN_THREAT = (
    "A reader who knows every published mean and n and takes every respondent's weight to be equal (the worst"
    " case: with unequal weights, which a reader does not see, the subtraction is only approximate) can write"
    " each group's sum of scores as its mean times its n; a whole's sum is its parts' sums. Publishing is"
    " checked so that no hidden group's sum of scores, nor its n, is fixed by those equations (exactly, means"
    " taken as unrounded): where one would be, the n of a published group is withdrawn (shown"
    f' "{disclosure.SHOWN[disclosure.COMPLEMENTARY]}"). Standard errors and effective sample sizes are not'
    " used by this attacker."
)
MEASURES = (("trust_0_100", "reportable"), ("safety_0_100", "safety_reportable"))


def mean_protection(groups: dict, values: dict, status: dict, constraints: list, unstated: set) -> set:
    """The published n's to withdraw so that no hidden survey mean or small n is fixed by means x n's.

    Unknowns of each quarter and audience: every group's n, and for each measure its sum of scores
    (weights taken as equal). Equations: whole = parts for both; a published n is known; a published
    mean ties sum = mean x n. A hidden group (its mean not published, respondents without an area
    included) with respondents must keep its sum and its n free. Greedy: withdraw the published n that
    frees the most such groups (ties: the smallest n), until none is fixed. Deterministic.
    """
    order = list(values)
    blocks: dict[tuple, list] = {}
    for cell in order:
        blocks.setdefault(cell[-2:], []).append(cell)
    withdrawn: set = set()
    for key, cells in blocks.items():
        chosen = [(total, parts) for total, parts in constraints if total[-2:] == key]
        hidden = [
            cell for cell in cells
            if values[cell] > 0 and (cell in unstated or groups[cell] is None or not groups[cell]["reportable"])
        ]  # fmt: skip
        if hidden:
            withdrawn |= _protect_means(key, cells, chosen, groups, values, status, unstated, hidden, order)
    return withdrawn


def _protect_means(key, cells, chosen, groups, values, status, unstated, hidden, order) -> set:
    withdrawn: set = set()

    def fixed(extra: set) -> list:
        return _fixed_groups(cells, chosen, groups, values, status, unstated, withdrawn | extra, hidden)

    while exposed := fixed(set()):
        shown_n = [
            cell for cell in cells
            if cell not in withdrawn and cell not in unstated and status.get(cell) is None
            and groups[cell] is not None and groups[cell]["reportable"]
        ]  # fmt: skip
        if not shown_n:
            raise PublishError(
                f"survey results for {key[1]}s in {key[0]} cannot be published without revealing a hidden mean"
            )
        best = min(shown_n, key=lambda cell: (len(fixed({cell})), values[cell], order.index(cell)))
        if len(fixed({best})) >= len(exposed):  # no single n frees anything: withdraw the smallest, look again
            best = min(shown_n, key=lambda cell: (values[cell], order.index(cell)))
        withdrawn.add(best)
    return withdrawn


def _fixed_groups(cells, chosen, groups, values, status, unstated, withdrawn, hidden) -> list:
    """The hidden groups whose n or whose sum of scores (of either measure) the published means and n's fix."""
    column = {cell: position for position, cell in enumerate(cells)}
    count = len(cells)
    exposed = set()
    for measure, reportable in MEASURES:
        # unknowns: n of each group (0..count-1), its sum of scores (count..2count-1)
        rows: list[dict[int, float]] = []
        for total, parts in chosen:
            for offset in (0, count):
                row = {column[total] + offset: -1.0}
                for part in parts:
                    row[column[part] + offset] = row.get(column[part] + offset, 0.0) + 1.0
                rows.append(row)
        for cell in cells:
            row = groups.get(cell)
            n_shown = cell not in unstated and cell not in withdrawn and status.get(cell) is None and (
                row is not None and bool(row["reportable"])
            )  # fmt: skip
            if n_shown:
                rows.append({column[cell]: 1.0})
            if cell not in unstated and row is not None and bool(row[reportable]):
                rows.append({column[cell] + count: 1.0, column[cell]: -float(row[measure])})
        fixed = audit.determined(rows, 2 * count)
        exposed |= {cell for cell in hidden if fixed[column[cell]] or fixed[column[cell] + count]}
    return sorted(exposed, key=cells.index)


def _rows(frame: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    """Each row of a trust/scores result by (audience, group_key); the first where a key repeats."""
    found: dict[tuple[str, str], pd.Series] = {}
    for _, row in frame.iterrows():
        found.setdefault((row["audience"], row["group_key"]), row)
    return found


def _quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    year, number = int(quarter[:4]), int(quarter[-1])
    start = dt.date(year, 3 * number - 2, 1)
    following = dt.date(year + 1, 1, 1) if number == 4 else dt.date(year, 3 * number + 1, 1)
    return start, following - dt.timedelta(days=1)


def _estimates(row: pd.Series | None, n: int, n_status: str | None) -> dict[str, object]:
    """The published estimate columns of one group: all null where it is not reportable."""
    trust_ok = row is not None and bool(row["reportable"])
    safety_ok = row is not None and bool(row["safety_reportable"])
    record: dict[str, object] = {
        "n": n if trust_ok and n_status is None else None,
        "n_suppressed": n_status,
        "published": trust_ok,
        "reason": None if trust_ok else _reason(row, "n", "n_eff"),
        "safety_published": safety_ok,
        "safety_reason": None if safety_ok else _reason(row, "safety_n", "safety_n_eff"),
    }
    record["n_eff"] = _rounded(row["n_eff"]) if trust_ok else None
    for prefix, ok, mean in (("", trust_ok, "trust_0_100"), ("safety_", safety_ok, "safety_0_100")):
        se = row[f"{prefix}se"] if ok else None
        rse = _rse_pct(row[mean], se) if ok else None
        record |= {
            mean: _rounded(row[mean]) if ok else None,
            f"{prefix}se": _rounded(se),
            f"{prefix}ci_low": _rounded(row[f"{prefix}ci_low"]) if ok else None,
            f"{prefix}ci_high": _rounded(row[f"{prefix}ci_high"]) if ok else None,
            f"{prefix}rse_pct": None if rse is None or math.isinf(rse) else round(rse, 1),
            f"{prefix}rse_flag": (rse >= RSE_FLAG_PCT) if ok else None,
        }
    return record


def _reason(row: pd.Series | None, n_column: str, n_eff_column: str) -> str:
    if row is None or row[n_column] < SURVEY_MIN_N:
        return REASON_N
    return REASON_N_EFF


def _rse_pct(mean: float, se: float) -> float:
    """Relative standard error in %; infinite (flagged) for a mean of 0."""
    return se / mean * 100 if mean > 0 else math.inf


def _rounded(value: object, digits: int = 2) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits)


# --- programs, partnerships, funding ----------------------------------------------------


def _programs(con, statuses, audits) -> dict[str, pd.DataFrame]:
    first, last = con.execute("select min(month), max(month) from program_activity").fetchall()[0]
    years = list(range(first.year, last.year + 1)) if first else []
    values: dict[tuple, int] = {}
    active: dict[tuple, tuple[int, int]] = {}
    constraints = []
    for year in years:
        totals = queries.run(
            con, "programs/totals", start_date=dt.date(year, 1, 1), end_date=dt.date(year, 12, 31), urbanicity=None
        )
        for side in URBANICITIES:
            row = totals[totals["urbanicity"] == side].iloc[0]
            values[("side", year, side)] = int(row["participants_served"])
            active[("side", year, side)] = (int(row["partnerships_active"]), int(row["programs_active"]))
        parts = [("side", year, side) for side in URBANICITIES]
        values[("city", year)] = sum(values[part] for part in parts)
        active[("city", year)] = tuple(sum(active[part][i] for part in parts) for i in range(2))
        constraints.append((("city", year), parts))
    protection = disclosure.protect(values, constraints)
    status = protection.status
    statuses.append(status)
    audits.append(("participants", protection))

    def table(kind: str, names: tuple[str, ...]) -> pd.DataFrame:
        keys = [cell for cell in values if cell[0] == kind]
        frame = pd.DataFrame([cell[1:] for cell in keys], columns=list(names))
        frame["partnerships_active"] = [active[key][0] for key in keys]
        frame["programs_active"] = [active[key][1] for key in keys]
        return pd.concat([frame, _count_columns("participants_served", keys, values, status)], axis=1)

    return {
        "program_counts": table("side", ("year", "urbanicity")),
        "program_counts_city": table("city", ("year",)),
    }


def _partnerships(con) -> pd.DataFrame:
    registry = queries.run(con, "partnerships/registry", start_date=ALL_FROM, end_date=ALL_UNTIL, urbanicity=None)
    # no funding, feedback, roles (internal), program names or free text: the description a
    # partner typed stays in the agency's file (the table's description column is left empty)
    columns = [
        "partnership_name", "nonprofit_name", "org_type", "status", "start_date", "end_date",
        "urbanicity", "area_names", "programs", "has_mou", "data_sharing_level",
    ]  # fmt: skip
    return registry[columns]


def _funding(con) -> pd.DataFrame:
    funding = queries.run(con, "resources/funding", start_date=ALL_FROM, end_date=ALL_UNTIL, urbanicity=None)
    columns = ["fiscal_year", "source", "amount_usd", "share_pct", "co_funding_share_pct", "in_kind_usd"]
    table = funding[[*columns, "year_total_usd"]].copy()
    for column in ("share_pct", "co_funding_share_pct"):
        table[column] = table[column].round(2)
    return table


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
