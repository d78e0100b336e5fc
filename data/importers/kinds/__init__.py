"""One handler per kind of import: validate(ctx) -> clean rows, write(ctx, clean) -> status per row.

validate() types and checks the mapped text (refusing rows on the Batch with a reason) and
returns the rows still usable, with a `position` column pointing back into the Batch.
write() stores them in the database copy and returns, for each clean row, 'new',
'updated' or 'unchanged' (already stored exactly so), which is how re-imports stay
idempotent: rows are matched on the source's own key (area_code, incident source_id,
the wave and respondent, a partnership's name and nonprofit, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np
import pandas as pd

from data.importers.batch import Batch, normalise_code
from data.importers.errors import ImportFailed

CITYWIDE_CODES = frozenset({"all", "citywide", "city", "total", "jurisdiction", "countywide", "agency"})
DEFAULT_AGENCY_NAME = "Police department"


@dataclass
class Context:
    kind: str
    batch: Batch
    raw: object
    options: object
    preset: object
    file_name: str
    sha256: str
    geometry: object | None = None
    con: duckdb.DuckDBPyConnection | None = None
    written: dict[str, int] = field(default_factory=dict)
    incidents_changed: bool = False
    unmapped_offenses: list[tuple[str, int]] = field(default_factory=list)
    offence_review: list = field(default_factory=list)  # offenses.UnmappedOffence, for the Import page
    rejected: pd.DataFrame | None = None
    waves: pd.DataFrame | None = None  # the survey waves a responses file names

    # --- database helpers ------------------------------------------------------------------

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def scalar(self, sql: str, params: list | None = None):
        return self.con.execute(sql, params or []).fetchall()[0][0]

    def next_id(self, table: str, column: str) -> int:
        # table and column names are constants of the handlers, never user input
        return int(self.scalar(f"select coalesce(max({column}), 0) + 1 from {table}"))  # noqa: S608

    def insert(self, table: str, frame: pd.DataFrame, select: str = "*") -> None:
        if frame.empty:
            return
        self.con.register("incoming_rows", frame)
        try:
            self.con.execute(f"insert into {table} by name select {select} from incoming_rows")  # noqa: S608
        finally:
            self.con.unregister("incoming_rows")
        self.count(table, len(frame))

    def count(self, table: str, rows: int) -> None:
        if rows:
            self.written[table] = self.written.get(table, 0) + int(rows)

    def agency_id(self) -> int:
        """The agency rows belong to: named with --agency, the only one, or a new one."""
        agencies = self.query("select agency_id, name from agencies order by agency_id")
        wanted = self.options.agency
        if wanted:
            match = agencies[agencies["name"].str.lower() == wanted.strip().lower()]
            if len(match):
                return int(match["agency_id"].iloc[0])
        elif len(agencies) == 1:
            return int(agencies["agency_id"].iloc[0])
        elif len(agencies) > 1:
            names = ", ".join(agencies["name"])
            raise ImportFailed(f"this database holds several agencies ({names}); name one with --agency")
        name = wanted or (self.preset.agency_name if self.preset and self.preset.agency_name else None)
        name = name or DEFAULT_AGENCY_NAME
        agency_id = self.next_id("agencies", "agency_id")
        self.con.execute("insert into agencies (agency_id, name, kind) values (?, ?, 'police')", [agency_id, name])
        self.count("agencies", 1)
        return agency_id

    def areas(self) -> pd.DataFrame:
        return self.query("select area_id, area_code, name from areas")

    def resolve_areas(
        self, codes: pd.Series | None, names: pd.Series | None, *, what: str = "area"
    ) -> tuple[pd.Series, np.ndarray]:
        """area_id per row from a code (then a name); rows naming an unknown area are refused.

        Returns (area ids as Int64 with <NA> where no code or name was given, that mask).
        """
        batch = self.batch
        known = self.areas()
        by_code = dict(zip(known["area_code"].str.lower(), known["area_id"], strict=True))
        by_name = dict(zip(known["name"].str.strip().str.lower(), known["area_id"], strict=True))
        n = len(batch)
        result = np.full(n, -1, dtype=np.int64)
        given = np.zeros(n, dtype=bool)
        unknown_detail = np.full(n, None, dtype=object)
        for values, lookup, is_code in ((codes, by_code, True), (names, by_name, False)):
            if values is None:
                continue
            # work on the distinct values: a million rows name a few dozen areas
            position, uniques = pd.factorize(values, use_na_sentinel=True)
            shown = [normalise_code(pd.Series([u])).iloc[0] if is_code else str(u).strip() for u in uniques]
            ids = np.array([lookup.get(str(text).lower(), -1) for text in shown] + [-1], dtype=np.int64)
            shown_array = np.array([*shown, None], dtype=object)
            has = position >= 0
            open_rows = has & (result < 0)
            result[open_rows] = ids[position[open_rows]]
            given |= has
            missing = open_rows & (result < 0) & pd.isna(unknown_detail)
            unknown_detail[missing] = shown_array[position[missing]]
        result = pd.array(result, dtype="Int64")
        result[result < 0] = pd.NA
        unknown = given & pd.isna(result)
        batch.reject(unknown, f"{what} is not among the imported areas", unknown_detail)
        return pd.Series(result), ~given


class Handler(Protocol):
    def validate(self, ctx: Context) -> pd.DataFrame: ...

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray: ...


def file_stem(ctx: Context) -> str:
    return Path(ctx.file_name).stem


from data.importers.kinds import areas, crime_counts, incidents, organisations, surveys  # noqa: E402

HANDLERS: dict[str, Handler] = {
    "areas": areas.Areas(),
    "incidents": incidents.Incidents(),
    "crime-counts": crime_counts.CrimeCounts(),
    "surveys": surveys.Surveys(),
    "survey-scores": surveys.SurveyScores(),
    "nonprofits": organisations.Nonprofits(),
    "partnerships": organisations.Partnerships(),
    "programs": organisations.Programs(),
    "activity": organisations.Activity(),
    "kpis": organisations.Kpis(),
    "trainings": organisations.Trainings(),
    "funding": organisations.Funding(),
    "users": organisations.Users(),
}
