"""Incidents: one row per reported crime, given its NIBRS offence code (and so its FBI class) and placed in an area.

The area comes from an area code, else an area name, else the coordinates (point in
polygon against the imported area shapes); a row whose code or name is unknown, or whose
point falls outside every area, is refused with that reason; so is a row for an area and
month held as offence counts (import crime-counts), which would be counted twice. The
offence comes from data.importers.offenses. Rows are matched on the source's id, so
re-importing an export, or an overlapping one, adds no duplicates and applies corrections
(a reclassified offence, a fixed address).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from data.importers import offenses
from data.importers.batch import map_distinct
from data.importers.kinds import Context

OFFENCE_COLUMNS = ("nibrs_code", "category", "crime_class", "crimes_against")
COMPARED = ("occurred_at", "area_id", *OFFENCE_COLUMNS, "lat", "lon")
UNMAPPED_REASON = offenses.UNMAPPED_REASON
COUNTS_HELD_REASON = "this area and month are held as offence counts (import crime-counts): it would count twice"


class Incidents:
    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        occurred = self._occurred(ctx)
        offence = classify(ctx)
        lat = batch.number("lat", minimum=-90, maximum=90)
        lon = batch.number("lon", minimum=-180, maximum=180)
        zero = ((lat == 0) & (lon == 0)).to_numpy()
        lat[zero], lon[zero] = np.nan, np.nan
        batch.warn("coordinates 0,0 mean 'unknown' and were dropped", int((zero & batch.alive).sum()))
        one_missing = (lat.isna() != lon.isna()).to_numpy()
        batch.reject(one_missing, "latitude and longitude must both be given or both be empty")

        source_id = batch.text("source_id")
        if source_id.isna().all():
            batch.warn(
                "no source_id column: re-importing this same file adds nothing, but an overlapping export would "
                "add its incidents again"
            )
        missing = source_id.isna().to_numpy()
        if missing.any():  # the file and line stand in, so the same file never adds a row twice
            source_id = source_id.astype(object)
            source_id[missing] = [f"{ctx.sha256[:16]}:{line}" for line in batch.lines[missing]]
            source_id = source_id.astype("str")
        batch.reject_duplicates(source_id, "duplicate source_id in the file", source_id)

        area_id = self._place(ctx, lat, lon)
        refuse_months_held_as_counts(ctx, area_id, pd.Series(pd.to_datetime(occurred)).dt.to_period("M"))
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "source_id": source_id,
                "occurred_at": occurred,
                "area_id": area_id,
                **{column: offence[column] for column in OFFENCE_COLUMNS},
                "lat": lat,
                "lon": lon,
            }
        )
        return clean[batch.alive].reset_index(drop=True)

    def _occurred(self, ctx: Context) -> pd.Series:
        batch = ctx.batch
        if batch.has("occurred_at"):
            return batch.required("occurred_at", batch.dates("occurred_at", with_time=True))
        day_text = batch.required("occurred_date")
        day = batch.dates("occurred_date", values=day_text)
        if not batch.has("occurred_time"):
            return day
        time_text = batch.text("occurred_time")

        def seconds(value: str) -> float:
            value = value.strip()
            if value.replace(".", "", 1).isdigit():  # LAPD: 2230, 930, 1
                digits = value.split(".")[0].zfill(4)
                hours, minutes, secs = int(digits[:-2]), int(digits[-2:]), 0
            else:
                parts = value.upper().replace("AM", "").replace("PM", "").strip().split(":")
                if not all(part.strip().isdigit() for part in parts) or len(parts) not in (2, 3):
                    return np.nan
                hours, minutes = int(parts[0]), int(parts[1])
                secs = int(parts[2]) if len(parts) == 3 else 0
                if "PM" in value.upper() and hours < 12:
                    hours += 12
                if "AM" in value.upper() and hours == 12:
                    hours = 0
            if hours > 23 or minutes > 59 or secs > 59:
                return np.nan
            return hours * 3600 + minutes * 60 + secs

        offset = pd.to_numeric(map_distinct(time_text, seconds), errors="coerce")
        bad_time = time_text.notna().to_numpy() & offset.isna().to_numpy()
        batch.reject(bad_time, "occurred_time is not a time of day", time_text)
        return day + pd.to_timedelta(offset.fillna(0).to_numpy(), unit="s")

    def _place(self, ctx: Context, lat: pd.Series, lon: pd.Series) -> pd.Series:
        batch = ctx.batch
        codes = batch.text("area_code") if batch.has("area_code") else None
        names = batch.text("area_name") if batch.has("area_name") else None
        area_id, not_given = ctx.resolve_areas(codes, names)
        needs_point = not_given & batch.alive
        has_point = needs_point & lat.notna().to_numpy()
        batch.reject(needs_point & ~has_point, "no area: neither an area code or name nor coordinates")
        if has_point.any():
            placed = point_in_areas(ctx, lon.to_numpy()[has_point], lat.to_numpy()[has_point])
            area_id[has_point] = placed
            outside = np.zeros(len(batch), dtype=bool)
            outside[has_point] = pd.isna(placed)
            batch.reject(outside, "the coordinates are outside every area")
        return area_id

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        con = ctx.con
        # Arrow, not pandas object columns: DuckDB scans it several times faster
        incoming = pa.Table.from_pandas(
            clean.assign(**{column: clean[column].astype("category") for column in OFFENCE_COLUMNS}),
            preserve_index=False,
        )
        con.register("incoming_incidents", incoming)
        try:
            con.execute(
                """
                create temp table incident_matches as
                select
                    incoming_incidents.position,
                    incidents.incident_id,
                    not (incidents.occurred_at is not distinct from incoming_incidents.occurred_at
                         and incidents.area_id is not distinct from incoming_incidents.area_id
                         and incidents.nibrs_code is not distinct from incoming_incidents.nibrs_code
                         and incidents.category is not distinct from incoming_incidents.category
                         and incidents.crime_class is not distinct from incoming_incidents.crime_class
                         and incidents.crimes_against is not distinct from incoming_incidents.crimes_against
                         and incidents.lat is not distinct from incoming_incidents.lat
                         and incidents.lon is not distinct from incoming_incidents.lon) as changed,
                from incoming_incidents
                join incidents on incidents.source_id = incoming_incidents.source_id
                """
            )
            matches = con.execute("select position, changed from incident_matches").df()
            first_id = ctx.next_id("incidents", "incident_id")
            inserted = con.execute(
                """
                insert into incidents
                select
                    ? + row_number() over (order by incoming_incidents.position) - 1,
                    source_id, occurred_at, area_id, nibrs_code::varchar, category::varchar, crime_class::varchar,
                    crimes_against::varchar, lat, lon,
                from incoming_incidents
                anti join incident_matches using (position)
                """,
                [first_id],
            ).fetchall()[0][0]
            updated = con.execute(
                """
                update incidents set
                    occurred_at = incoming_incidents.occurred_at,
                    area_id = incoming_incidents.area_id,
                    nibrs_code = incoming_incidents.nibrs_code,
                    category = incoming_incidents.category,
                    crime_class = incoming_incidents.crime_class,
                    crimes_against = incoming_incidents.crimes_against,
                    lat = incoming_incidents.lat,
                    lon = incoming_incidents.lon,
                from incident_matches
                join incoming_incidents using (position)
                where incidents.incident_id = incident_matches.incident_id and incident_matches.changed
                """
            ).fetchall()[0][0]
            con.execute("drop table incident_matches")
        finally:
            con.unregister("incoming_incidents")
        ctx.count("incidents", inserted)
        ctx.count("incidents (updated)", updated)
        ctx.incidents_changed = bool(inserted or updated)
        status = np.full(len(clean), "new", dtype=object)
        matched = np.isin(clean["position"].to_numpy(), matches["position"].to_numpy())
        changed = np.isin(clean["position"].to_numpy(), matches.loc[matches["changed"], "position"].to_numpy())
        status[matched] = "unchanged"
        status[changed] = "updated"
        return status


def classify(ctx: Context) -> pd.DataFrame:
    """The offence columns of every row (see offenses.classify_rows), with unmapped offences kept for review."""
    preset = ctx.preset
    lookup = offenses.load(
        ctx.con,
        preset.offense_scheme if preset else None,
        preset.code_scheme if preset and preset.code_scheme else "nibrs",
    )
    frame, unmapped = offenses.classify_rows(ctx.batch, lookup)
    ctx.offence_review = unmapped
    ctx.unmapped_offenses = [(entry.label, entry.rows) for entry in unmapped[:100]]
    return frame


def refuse_months_held_as_counts(ctx: Context, area_id: pd.Series, month: pd.Series) -> None:
    """Refuse rows for an area and month whose offences were imported as counts."""
    held = ctx.query("select distinct area_id, month from crime_counts")
    if held.empty:
        return
    held = held.assign(month=pd.to_datetime(held["month"]).dt.to_period("M"), held=True)
    rows = pd.DataFrame({"area_id": pd.array(area_id, dtype="Int64"), "month": month.to_numpy()})
    held["area_id"] = pd.array(held["area_id"], dtype="Int64")
    matched = rows.merge(held, how="left", on=["area_id", "month"])["held"]
    clash = matched.fillna(False).to_numpy(dtype=bool) & ctx.batch.alive
    ctx.batch.reject(clash, COUNTS_HELD_REASON)


def point_in_areas(ctx: Context, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """area_id of the area each point falls in (the lowest id on a shared border), <NA> outside all."""
    import geopandas
    import shapely

    shapes = ctx.query("select area_id, st_aswkb(geometry) as wkb from areas where geometry is not null")
    result = pd.array([pd.NA] * len(lon), dtype="Int64")
    if shapes.empty:
        return result
    areas = geopandas.GeoDataFrame(
        {"area_id": shapes["area_id"].to_numpy()},
        geometry=shapely.from_wkb([bytes(value) for value in shapes["wkb"]]),
        crs=4326,
    )
    points = geopandas.GeoDataFrame(
        {"point": np.arange(len(lon))}, geometry=geopandas.points_from_xy(lon, lat), crs=4326
    )
    joined = geopandas.sjoin(points, areas, predicate="intersects", how="inner")
    first = joined.groupby("point")["area_id"].min()
    result[first.index.to_numpy()] = first.to_numpy()
    return result
