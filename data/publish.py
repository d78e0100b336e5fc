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
  from the urbanicity and city n.

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
from data import db, disclosure

PUBLIC_SCHEMA_VERSION = "1"
SURVEY_MIN_N = 50
SURVEY_MIN_N_EFF = 30
RSE_FLAG_PCT = 30
CI_LEVEL = 95
CRIME_CLASSES = ("violent", "property", "other")
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
    "areas": "area_code varchar, name varchar, kind varchar, urbanicity varchar, population integer, geojson varchar",
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
    tables: dict[str, pd.DataFrame] = {
        "areas": areas[["area_code", "name", "kind", "urbanicity", "population", "geojson"]].astype(
            {"population": "Int64"}
        )
    }
    statuses: list[dict] = []
    tables |= _crime(con, areas, ordinary, sensitive, first_month, last_month, statuses)
    tables |= _trust(con, areas, statuses)
    tables |= _programs(con, statuses)
    tables["partnerships"] = _partnerships(con)
    tables["funding_year_source"] = _funding(con)

    primary = sum(value == disclosure.PRIMARY for status in statuses for value in status.values())
    complementary = sum(value == disclosure.COMPLEMENTARY for status in statuses for value in status.values())
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
        "suppression_method": disclosure.METHOD,
        "suppression_protects_against": disclosure.PROTECTS,
        "suppression_does_not_protect_against": disclosure.LIMITS,
        "suppression_constraints": (
            "city month = urban + rural; urbanicity month = its areas; area year = its 12 months;"
            " participants city-wide = urban + rural; survey n city-wide = urban + rural (+ no area),"
            " urbanicity = its areas"
        ),
        "cells_suppressed_primary": str(primary),
        "cells_suppressed_complementary": str(complementary),
        "survey_min_n": str(SURVEY_MIN_N),
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


def source_checksum(con: duckdb.DuckDBPyConnection) -> str:
    """sha256 of the source's table checksums: traces a public file to the database it came from."""
    checksums = db.table_checksums(con)
    return hashlib.sha256(json.dumps(sorted(checksums.items())).encode()).hexdigest()


# --- crime ------------------------------------------------------------------------------


def _crime(con, areas, ordinary, sensitive, first_month, last_month, statuses) -> dict[str, pd.DataFrame]:
    area_urbanicity = dict(zip(areas["area_code"], areas["urbanicity"], strict=True))
    population = dict(zip(areas["area_code"], areas["population"], strict=True))
    months = [month.date() for month in pd.date_range(first_month, last_month, freq="MS")] if first_month else []
    by_area = queries.run(
        con, "crime/monthly", start_date=first_month or ALL_FROM, end_date=last_month or ALL_FROM,
        urbanicity=None, categories=ordinary, group_by="area",
    )  # fmt: skip
    by_class = by_area.groupby(["group_key", "month", "crime_class"])["incidents"].sum()
    counts = {(area, month.date(), crime_class): int(n) for (area, month, crime_class), n in by_class.items()}
    sides = [side for side in URBANICITIES if side in area_urbanicity.values()]
    years = [year for year in sorted({month.year for month in months}) if _full_year(year, months)]

    values: dict[tuple, int] = {}
    constraints: list[tuple] = []
    for month in months:
        for crime_class in CRIME_CLASSES:
            for area in areas["area_code"]:
                values[("area", area, month, crime_class)] = counts.get((area, month, crime_class), 0)
    for month in months:
        for crime_class in CRIME_CLASSES:
            for side in sides:
                parts = [("area", area, month, crime_class) for area, u in area_urbanicity.items() if u == side]
                values[("urbanicity", side, month, crime_class)] = sum(values[part] for part in parts)
                constraints.append((("urbanicity", side, month, crime_class), parts))
            parts = [("urbanicity", side, month, crime_class) for side in sides]
            values[("city", month, crime_class)] = sum(values[part] for part in parts)
            constraints.append((("city", month, crime_class), parts))
    for area in areas["area_code"]:
        for year in years:
            for crime_class in CRIME_CLASSES:
                parts = [("area", area, dt.date(year, m, 1), crime_class) for m in range(1, 13)]
                values[("year", area, year, crime_class)] = sum(values[part] for part in parts)
                constraints.append((("year", area, year, crime_class), parts))
    status = disclosure.suppress(values, constraints)
    statuses.append(status)

    def rows(kind: str, names: tuple[str, ...]) -> pd.DataFrame:
        keys = [cell for cell in values if cell[0] == kind]
        frame = pd.DataFrame([cell[1:] for cell in keys], columns=list(names))
        return pd.concat([frame, _count_columns("incidents", keys, values, status)], axis=1)

    area_month = rows("area", ("area_code", "month", "crime_class"))
    area_month.insert(1, "urbanicity", area_month["area_code"].map(area_urbanicity))
    area_year = rows("year", ("area_code", "year", "crime_class"))
    area_year.insert(1, "urbanicity", area_year["area_code"].map(area_urbanicity))
    area_year["population"] = area_year["area_code"].map(population).astype("Int64")
    rated = area_year["incidents"].notna() & (area_year["population"].fillna(0) > 0)
    area_year["rate_per_1k"] = (
        (area_year["incidents"].astype("Float64") * 1000 / area_year["population"]).where(rated).round(3)
    )

    sensitive_frame = queries.run(
        con, "crime/monthly", start_date=first_month or ALL_FROM, end_date=last_month or ALL_FROM,
        urbanicity=None, categories=sensitive, group_by="all",
    )  # fmt: skip
    sensitive_values = {
        ("sensitive", month.date(), category): int(incidents)
        for month, category, incidents in sensitive_frame[["month", "category", "incidents"]].itertuples(index=False)
    }
    sensitive_status = disclosure.suppress(sensitive_values, [])  # it has no published parts or totals
    statuses.append(sensitive_status)
    sensitive_keys = list(sensitive_values)
    sensitive_table = pd.concat(
        [
            pd.DataFrame([cell[1:] for cell in sensitive_keys], columns=["month", "category"]),
            _count_columns("incidents", sensitive_keys, sensitive_values, sensitive_status),
        ],
        axis=1,
    )
    return {
        "crime_area_month": area_month,
        "crime_urbanicity_month": rows("urbanicity", ("urbanicity", "month", "crime_class")),
        "crime_city_month": rows("city", ("month", "crime_class")),
        "crime_area_year": area_year,
        "crime_sensitive_city_month": sensitive_table,
    }


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


def _trust(con, areas, statuses) -> dict[str, pd.DataFrame]:
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
    groups: dict[tuple, pd.Series | None] = {}
    for audience, quarter in audience_quarters:
        groups[("city", quarter, audience)] = _row(city, audience, quarter)
        for side in URBANICITIES:
            groups[("urbanicity", side, quarter, audience)] = _row(by_side[side], audience, quarter)
    for quarter in resident_quarters:
        for area in areas["area_code"]:
            groups[("area", area, quarter, "resident")] = _row(by_area[quarter], "resident", area)

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
                constraints.append((("urbanicity", side, quarter, audience), parts))
    status = disclosure.suppress(values, constraints, primary=primary, unpublished=unstated, bounds=known)
    statuses.append(status)

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


def _row(frame: pd.DataFrame, audience: str, group_key: str) -> pd.Series | None:
    match = frame[(frame["audience"] == audience) & (frame["group_key"] == group_key)]
    return None if match.empty else match.iloc[0]


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


def _programs(con, statuses) -> dict[str, pd.DataFrame]:
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
    status = disclosure.suppress(values, constraints)
    statuses.append(status)

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
