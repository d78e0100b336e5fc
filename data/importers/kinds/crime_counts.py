"""Crime counts: area x month x offence x count, for agencies and portals that publish counts, not incidents.

The offence is a NIBRS code, a description or a Bridgeboard category, classified exactly as
incidents are (data.importers.offenses), so the FBI classes mean the same. Counts feed the
crime_monthly rollup through their own table (crime_counts), never as made-up incidents. An
area and month that already hold incidents are refused (the two would be added up), as the
incidents importer refuses months held as counts. A row's key is (area, month, the file's own
offence label): re-importing a corrected file updates those counts and adds no duplicates.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from data.importers.batch import normalise_label
from data.importers.kinds import Context
from data.importers.kinds.incidents import OFFENCE_COLUMNS, classify

INCIDENTS_HELD_REASON = "this area and month hold incidents: counts would count them twice"
_YEAR_MONTH = re.compile(r"^\s*(\d{4})[-/](\d{1,2})\s*$")


class CrimeCounts:
    KEY = ("area_id", "month", "source_offense")

    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        codes = batch.text("area_code") if batch.has("area_code") else None
        names = batch.text("area_name") if batch.has("area_name") else None
        area_id, not_given = ctx.resolve_areas(codes, names)
        batch.reject(not_given, "no area: neither an area code nor an area name")
        month = self._months(ctx)
        offence = classify(ctx)
        batch.required("count")
        count = batch.integer("count", minimum=0)
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "area_id": area_id,
                "month": month,
                "source_offense": _source_label(batch),
                **{column: offence[column] for column in OFFENCE_COLUMNS},
                "incidents": count,
            }
        )
        batch.reject_duplicates(
            clean[list(self.KEY)], "duplicate count (same area, month and offence)", clean["source_offense"]
        )
        self._refuse_months_holding_incidents(ctx, clean)
        return clean[batch.alive].reset_index(drop=True)

    def _months(self, ctx: Context) -> pd.Series:
        """The month of each row: any day in it, or YYYY-MM."""
        batch = ctx.batch
        text = batch.required("month")
        text = text.map(
            lambda value: f"{m[1]}-{int(m[2]):02d}-01" if (m := _YEAR_MONTH.match(value)) else value,
            na_action="ignore",
        )
        day = batch.dates("month", values=text)
        return day.dt.to_period("M").dt.start_time.dt.date

    def _refuse_months_holding_incidents(self, ctx: Context, clean: pd.DataFrame) -> None:
        held = ctx.query("select distinct area_id, date_trunc('month', occurred_at)::date as month from incidents")
        if held.empty:
            return
        held = held.assign(area_id=pd.array(held["area_id"], dtype="Int64"), month=held["month"].map(_as_date))
        rows = pd.DataFrame(
            {"area_id": pd.array(clean["area_id"], dtype="Int64"), "month": clean["month"].map(_as_date)}
        )
        matched = rows.merge(held.assign(held=True), how="left", on=["area_id", "month"])["held"]
        ctx.batch.reject(matched.fillna(False).to_numpy(dtype=bool), INCIDENTS_HELD_REASON)

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        con = ctx.con
        con.register("incoming_counts", clean)
        try:
            matches = con.execute(
                """
                select
                    incoming_counts.position,
                    not (crime_counts.incidents = incoming_counts.incidents
                         and crime_counts.nibrs_code is not distinct from incoming_counts.nibrs_code
                         and crime_counts.category = incoming_counts.category
                         and crime_counts.crime_class = incoming_counts.crime_class
                         and crime_counts.crimes_against = incoming_counts.crimes_against) as changed,
                from incoming_counts
                join crime_counts using (area_id, month, source_offense)
                """
            ).df()
            con.register("count_matches", matches)
            inserted = con.execute(
                """
                insert into crime_counts
                select area_id, month, source_offense, nibrs_code, category, crime_class, crimes_against, incidents,
                from incoming_counts
                where position not in (select position from count_matches)
                """
            ).fetchall()[0][0]
            updated = con.execute(
                """
                update crime_counts set
                    nibrs_code = incoming_counts.nibrs_code,
                    category = incoming_counts.category,
                    crime_class = incoming_counts.crime_class,
                    crimes_against = incoming_counts.crimes_against,
                    incidents = incoming_counts.incidents,
                from count_matches join incoming_counts using (position)
                where count_matches.changed
                  and crime_counts.area_id = incoming_counts.area_id
                  and crime_counts.month = incoming_counts.month
                  and crime_counts.source_offense = incoming_counts.source_offense
                """
            ).fetchall()[0][0]
            con.unregister("count_matches")
        finally:
            con.unregister("incoming_counts")
        ctx.count("crime_counts", inserted)
        ctx.count("crime_counts (updated)", updated)
        ctx.incidents_changed = bool(inserted or updated)
        status = np.full(len(clean), "new", dtype=object)
        positions = clean["position"].to_numpy()
        status[np.isin(positions, matches["position"].to_numpy())] = "unchanged"
        status[np.isin(positions, matches.loc[matches["changed"], "position"].to_numpy())] = "updated"
        return status


def _source_label(batch) -> pd.Series:
    """The row's own offence label, the key re-imports match on: its code, else its description, else its category."""
    parts = []
    for name in ("offense_code", "offense", "category"):
        parts.append(batch.text(name).map(normalise_label, na_action="ignore") if batch.has(name) else None)
    code, offense, category = parts
    label = pd.Series([None] * len(batch), dtype=object)
    if batch.has("offense_detail") and offense is not None:
        detail = batch.text("offense_detail").map(normalise_label, na_action="ignore")
        offense = offense.where(detail.isna(), offense + " / " + detail)
    for values in (category, offense, code):  # the most specific one given wins
        if values is not None:
            label = label.where(values.isna(), values)
    return label


def _as_date(value):
    return pd.Timestamp(value).date() if pd.notna(value) else None
