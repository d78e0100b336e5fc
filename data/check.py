"""Integrity report for a Bridgeboard database: `python -m data check --db PATH`.

Errors (exit 1) mean numbers on the dashboard would be wrong: rows pointing at missing
parents, a crime rollup that no longer matches the incidents and imported counts, an
area-month held both as incidents and as counts, whole months without a single incident
inside the span of the data where a typical month has ten or more (a missing load).
Warnings mean something is missing that some views need, or that the crime figures are
incomplete: months flagged by incomplete_crime_months() (the same months the pages and the
impact rules flag), offences NIBRS does not classify, rows the last import of each kind left out,
areas without population (no rates), survey waves whose weights are all 1 (likely
unweighted), areas without a shape, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

# (table, column, parent table, parent column): foreign keys DuckDB enforces on insert;
# checked again because a file can be written by other tools.
REFERENCES = (
    ("areas", "agency_id", "agencies", "agency_id"),
    ("partnerships", "nonprofit_id", "nonprofits", "nonprofit_id"),
    ("partnership_areas", "area_id", "areas", "area_id"),
    ("partnership_areas", "partnership_id", "partnerships", "partnership_id"),
    ("programs", "partnership_id", "partnerships", "partnership_id"),
    ("program_areas", "area_id", "areas", "area_id"),
    ("program_activity", "program_id", "programs", "program_id"),
    ("program_funding", "program_id", "programs", "program_id"),
    ("kpi_values", "kpi_id", "kpis", "kpi_id"),
    ("survey_responses", "wave_id", "survey_waves", "wave_id"),
    ("survey_responses", "area_id", "areas", "area_id"),
    ("survey_scores", "area_id", "areas", "area_id"),
    ("incidents", "area_id", "areas", "area_id"),
    ("crime_monthly", "area_id", "areas", "area_id"),
    ("crime_counts", "area_id", "areas", "area_id"),
    ("rejected_rows", "import_id", "import_log", "import_id"),
)

WARNINGS = (
    ("areas without population (crime rates cannot be computed for them)",
     "select area_code from areas where population is null order by area_code"),
    ("areas without a shape (they cannot be mapped or place incidents by coordinates)",
     "select area_code from areas where geometry is null order by area_code"),
    ("survey waves without weights (every weight is 1)",
     "select name from survey_waves join survey_responses using (wave_id)"
     " group by name having min(weight) = 1 and max(weight) = 1 order by name"),
    ("survey waves without responses",
     "select name from survey_waves where wave_id not in (select wave_id from survey_responses) order by name"),
    ("partnerships without served areas",
     "select name from partnerships where partnership_id not in (select partnership_id from partnership_areas)"
     " order by name"),
    ("programs without served areas",
     "select name from programs where program_id not in (select program_id from program_areas) order by name"),
    ("KPIs without values",
     "select name from kpis where kpi_id not in (select kpi_id from kpi_values) order by name"),
    ("areas with months of no incidents at all inside the data's span (fine for small areas, odd for large)",
     """
     with span as (select min(month) as first, max(month) as last from crime_monthly),
     months as (select unnest(generate_series(first, last, interval 1 month))::date as month from span),
     counts as (select area_id, month, sum(incidents) as n from crime_monthly group by all)
     select areas.area_code || ' (' || count(*) || ' months)'
     from areas cross join months
     left join counts on counts.area_id = areas.area_id and counts.month = months.month
     where counts.n is null and areas.population >= 10000
     group by areas.area_code order by areas.area_code
     """),
)  # fmt: skip


@dataclass
class Finding:
    message: str
    examples: list[str] = field(default_factory=list)
    count: int = 0

    def line(self) -> str:
        shown = ", ".join(self.examples[:8]) + (", …" if len(self.examples) > 8 else "")
        return f"{self.count:,} {self.message}" + (f": {shown}" if shown else "")


@dataclass
class Report:
    path: Path
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)

    def text(self) -> str:
        lines = [f"{self.path}: " + ", ".join(f"{table} {rows:,}" for table, rows in self.tables.items() if rows)]
        lines += [f"error: {finding.line()}" for finding in self.errors]
        lines += [f"warning: {finding.line()}" for finding in self.warnings]
        verdict = "problems found" if self.errors else "no errors"
        lines.append(f"{verdict} ({len(self.errors)} errors, {len(self.warnings)} warnings)")
        return "\n".join(lines)


def check(path: str | Path) -> Report:
    """Read-only integrity checks of the database at `path`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"there is no database at {path}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        return _check(con, path)
    finally:
        con.close()


def _values(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    return [str(row[0]) for row in con.execute(sql).fetchall()]


def _left_out_reasons(con: duckdb.DuckDBPyConnection, import_id: int) -> list[str]:
    """An import's refused rows by reason, largest first: "area is not among the imported areas (4,140)"."""
    rows = con.execute(
        "select reason, count(*) from rejected_rows where import_id = ? group by reason order by 2 desc, reason",
        [import_id],
    ).fetchall()
    return [f"{reason} ({count:,})" for reason, count in rows]


def _other_imports_left_out(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    """The latest import of every other kind (areas, scores, programs, ...) that left rows out, as a warning."""
    latest = con.execute(
        """
        select import_id, kind, file_name, imported_at, rows_read, rows_rejected from (
            select *, row_number() over (partition by kind order by imported_at desc, import_id desc) as recency
            from import_log where kind not in ('incidents', 'crime-counts'))
        where recency = 1 and rows_rejected > 0 order by kind
        """
    ).fetchall()
    for import_id, kind, file_name, imported_at, rows_read, rows_rejected in latest:
        report.warnings.append(
            Finding(
                f"rows the last {kind} import ({file_name}, {imported_at:%Y-%m-%d %H:%M}) left out of {rows_read:,}"
                f" ({100 * rows_rejected / rows_read:.1f}%)",
                _left_out_reasons(con, import_id),
                rows_rejected,
            )
        )


def _check(con: duckdb.DuckDBPyConnection, path: Path) -> Report:
    from data import db

    if problem := db.schema_problem(con):
        raise db.SchemaMismatch(f"{path} cannot be checked: {problem}")
    report = Report(path)
    for table in db.schema_tables(con):
        report.tables[table] = con.execute(f'select count(*) from "{table}"').fetchall()[0][0]  # noqa: S608
    for table, column, parent, parent_column in REFERENCES:
        orphans = con.execute(
            f"select count(*) from {table} where {column} is not null"  # noqa: S608 - constant names
            f" and {column} not in (select {parent_column} from {parent})"
        ).fetchall()[0][0]
        if orphans:
            report.errors.append(Finding(f"{table} rows point at a missing {parent} row ({column})", [], orphans))
    stale = con.execute(
        """
        with offences as (
            select area_id, date_trunc('month', occurred_at)::date as month, category, crime_class, crimes_against,
                1 as incidents
            from incidents
            union all
            select area_id, month, category, crime_class, crimes_against, incidents from crime_counts
        ),
        expected as (
            select area_id, month, category, crime_class, crimes_against, sum(incidents) as incidents
            from offences group by all having sum(incidents) > 0
        )
        select count(*)
        from expected
        full outer join crime_monthly using (area_id, month, category, crime_class, crimes_against)
        where expected.incidents is distinct from crime_monthly.incidents
        """
    ).fetchall()[0][0]
    if stale:
        report.errors.append(Finding("crime_monthly cells disagree with incidents (rebuild the rollup)", [], stale))
    twice = _values(
        con,
        """
        select distinct areas.area_code || ' ' || strftime(crime_counts.month, '%Y-%m')
        from crime_counts
        join incidents on incidents.area_id = crime_counts.area_id
            and date_trunc('month', incidents.occurred_at) = crime_counts.month
        join areas on areas.area_id = crime_counts.area_id
        order by 1
        """,
    )
    if twice:
        report.errors.append(
            Finding("area-months held both as incidents and as counts (counted twice)", twice, len(twice))
        )
    _data_quality(con, report)
    _other_imports_left_out(con, report)
    gaps = _values(
        con,
        """
        with span as (select min(month) as first, max(month) as last from crime_monthly),
        months as (select unnest(generate_series(first, last, interval 1 month))::date as month from span)
        select strftime(month, '%Y-%m') from months
        where month not in (select month from crime_monthly) order by month
        """,
    )
    if gaps:
        # With m incidents in a typical month, a month of none has chance e^-m: below 1 in
        # 20,000 from m = 10 on, so it is a missing load; in a tiny database it is chance.
        typical = con.execute(
            "select median(n) from (select sum(incidents) as n from crime_monthly group by month)"
        ).fetchall()[0][0]
        finding = Finding("months with no incidents anywhere inside the data's span", gaps, len(gaps))
        (report.errors if typical >= 10 else report.warnings).append(finding)
    for message, sql in WARNINGS:
        found = _values(con, sql)
        if found:
            report.warnings.append(Finding(message, found, len(found)))
    return report


def _data_quality(con: duckdb.DuckDBPyConnection, report: Report) -> None:
    """The data-quality line of the crime pages, over the whole span held (queries/meta/data_quality)."""
    import queries

    span = con.execute("select min(month), max(month) from crime_monthly").fetchall()[0]
    if span[0] is None:
        return
    quality = queries.run(con, "meta/data_quality", start_date=span[0], end_date=span[1], urbanicity=None).iloc[0]
    flagged = [
        f"{month} ({reason})"
        for month, reason in zip(quality.incomplete_months, quality.incomplete_reasons, strict=True)
    ]
    if flagged:
        report.warnings.append(
            Finding("months with incomplete crime data (not held by the impact rules)", flagged, len(flagged))
        )
    if quality.unclassified:
        report.warnings.append(
            Finding(
                f"offences NIBRS does not classify (90Z All Other Offenses or no code: {quality.unclassified_pct:.1f}%"
                " of all)",
                [],
                int(quality.unclassified),
            )
        )
    if pd.notna(quality.last_import_rows_rejected) and quality.last_import_rows_rejected > 0:
        report.warnings.append(
            Finding(
                f"rows the last crime import ({quality.last_import_file}, {quality.last_imported_at:%Y-%m-%d %H:%M})"
                f" left out of {quality.last_import_rows_read:,} ({quality.rejected_pct:.1f}%)",
                _left_out_reasons(con, int(quality.last_import_id)),
                int(quality.last_import_rows_rejected),
            )
        )
    uncoded = con.execute("select count(*) from incidents where nibrs_code is null").fetchall()[0][0]
    if uncoded:
        report.warnings.append(
            Finding("incidents without a NIBRS code (their class is their category's; import them again)", [], uncoded)
        )
