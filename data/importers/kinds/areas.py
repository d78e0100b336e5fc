"""Areas: codes, names, population, shapes, and which side of urban/rural each is on.

Urbanicity comes, in this order, from a RUCC 2023 code, a RUCA code, the county's RUCC
code looked up in the USDA file (--rucc), the density threshold (--density, residents per
km²), or an urban/rural column; codes 1-3 are urban in both schemes. The code and its
scheme are kept on the area.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from data.importers.batch import normalise_code
from data.importers.errors import ImportFailed
from data.importers.fields import header_key
from data.importers.kinds import Context
from data.importers.reading import read_file

AREA_KINDS = ("beat", "district", "sector", "tract", "town", "township", "neighbourhood", "county")
AREA_KIND_ALIASES = {
    "neighborhood": "neighbourhood",
    "precinct": "district",
    "community_area": "neighbourhood",
    "census_tract": "tract",
    "city": "town",
    "village": "town",
}
UPDATABLE = (
    "name",
    "kind",
    "population",
    "land_km2",
    "urbanicity",
    "class_code",
    "class_scheme",
    "centroid_lat",
    "centroid_lon",
)


JOIN = "lower(areas.area_code) = lower(incoming_areas.area_code)"
NEW_SHAPE = (
    "incoming_areas.geometry_wkb is not null"
    " and st_geomfromwkb(incoming_areas.geometry_wkb) is distinct from areas.geometry"
)


def read_rucc(path) -> dict[str, int]:
    """{5-digit county FIPS: RUCC 2023 code} from the USDA file (long or wide layout)."""
    table = read_file(path).frame
    columns = {header_key(column): column for column in table.columns}
    if "fips" not in columns:
        raise ImportFailed(f"the RUCC file {path} has no FIPS column")
    fips = table[columns["fips"]].str.strip().str.zfill(5)
    if "attribute" in columns and "value" in columns:
        chosen = table[columns["attribute"]].str.strip().str.upper().isin({"RUCC_2023", "RUCC2023", "RUCC"})
        codes = pd.to_numeric(table.loc[chosen, columns["value"]], errors="coerce")
        fips = fips[chosen]
    else:
        code_column = next((columns[key] for key in ("rucc_2023", "rucc2023", "rucc") if key in columns), None)
        if code_column is None:
            raise ImportFailed(f"the RUCC file {path} has no RUCC_2023 column or attribute")
        codes = pd.to_numeric(table[code_column], errors="coerce")
    valid = codes.notna()
    return dict(zip(fips[valid], codes[valid].astype(int), strict=True))


class Areas:
    def _update(self, ctx: Context) -> np.ndarray:
        """Update existing areas from `incoming_areas`; the positions of those that changed.

        Attributes are updated in place. A new shape cannot be: DuckDB rewrites an update of
        a geometry as delete + insert, which the foreign keys of rows in that area refuse.
        So those rows are set aside, the shape replaced, and the rows put back (all inside
        the copy that is swapped in only if everything succeeds).
        """
        con = ctx.con
        differs = " or ".join(
            f"(incoming_areas.{column} is not null and incoming_areas.{column} is distinct from areas.{column})"
            for column in UPDATABLE
        )
        attributes = con.execute(
            f"select incoming_areas.position from incoming_areas join areas on {JOIN} where {differs}"  # noqa: S608
        ).df()["position"]
        if len(attributes):
            assignments = ", ".join(
                f"{column} = coalesce(incoming_areas.{column}, areas.{column})" for column in UPDATABLE
            )
            con.execute(
                f"update areas set {assignments} from incoming_areas where {JOIN}"  # noqa: S608 - constant columns
                " and incoming_areas.position in (select unnest(?::bigint[]))",
                [attributes.tolist()],
            )
        reshaped = con.execute(
            f"select incoming_areas.position, areas.area_id from incoming_areas"  # noqa: S608 - constant text
            f" join areas on {JOIN} where {NEW_SHAPE}"
        ).df()
        if len(reshaped):
            self._replace_shapes(ctx, reshaped["area_id"].tolist())
        return np.union1d(attributes.to_numpy(), reshaped["position"].to_numpy())

    def _replace_shapes(self, ctx: Context, area_ids: list[int]) -> None:
        con = ctx.con
        children = con.execute(
            "select table_name from duckdb_constraints() where constraint_type = 'FOREIGN KEY'"
            " and referenced_table = 'areas' and constraint_column_names = ['area_id'] order by table_name"
        ).fetchall()
        for (table,) in children:  # names from the catalogue, not from users
            con.execute(
                f"create temp table held_{table} as select * from {table}"  # noqa: S608
                " where area_id in (select unnest(?::integer[]))",
                [area_ids],
            )
            con.execute(f"delete from {table} where area_id in (select unnest(?::integer[]))", [area_ids])  # noqa: S608
        con.execute(
            "update areas set geometry = st_geomfromwkb(incoming_areas.geometry_wkb) from incoming_areas"  # noqa: S608
            f" where {JOIN} and areas.area_id in (select unnest(?::integer[]))",
            [area_ids],
        )
        for (table,) in children:
            con.execute(f"insert into {table} select * from held_{table}")  # noqa: S608
            con.execute(f"drop table held_{table}")

    def validate(self, ctx: Context) -> pd.DataFrame:
        batch = ctx.batch
        code = batch.required("area_code", normalise_code(batch.text("area_code")))
        batch.reject_duplicates(code.str.lower(), "duplicate area_code in the file", code)
        # an area already held keeps its name and kind unless the file gives them (a file of
        # populations updates populations); a new one is named by its code, a district by default
        is_new = ~code.str.lower().isin(set(ctx.areas()["area_code"].str.lower())).to_numpy()
        name = batch.text("name")
        name = name.where(name.notna() | ~is_new, code)
        if not batch.has("kind") and (is_new & batch.alive).any():
            batch.warn("no area kind given: new areas stored as 'district' (map a kind column or use --set kind=tract)")
        kind = (
            batch.choice("kind", AREA_KINDS, AREA_KIND_ALIASES)
            if batch.has("kind")
            else pd.Series(np.where(is_new, "district", None), index=code.index, dtype=object)
        )
        population = batch.integer("population", minimum=0)
        land_km2 = batch.number("land_km2", above=0)
        centroid_lat = batch.number("centroid_lat", minimum=-90, maximum=90)
        centroid_lon = batch.number("centroid_lon", minimum=-180, maximum=180)
        geometry_wkb = pd.Series([None] * len(batch), dtype=object)
        if ctx.geometry is not None:
            geometry_wkb, land_km2, centroid_lat, centroid_lon = self._shapes(ctx, land_km2, centroid_lat, centroid_lon)
        urbanicity, class_code, class_scheme = self._urbanicity(ctx, population, land_km2, is_new)
        clean = pd.DataFrame(
            {
                "position": np.arange(len(batch)),
                "area_code": code,
                "name": name,
                "kind": kind,
                "population": population,
                "land_km2": land_km2.round(3),
                "urbanicity": urbanicity,
                "class_code": class_code,
                "class_scheme": class_scheme,
                "geometry_wkb": geometry_wkb,
                "centroid_lat": centroid_lat.round(6),
                "centroid_lon": centroid_lon.round(6),
            }
        )
        return clean[batch.alive].reset_index(drop=True)

    def _shapes(self, ctx: Context, land_km2, centroid_lat, centroid_lon):
        import geopandas

        batch = ctx.batch
        geometry = geopandas.GeoSeries(ctx.geometry.to_numpy()[batch.source_rows], crs=4326)
        empty = geometry.isna().to_numpy() | geometry.is_empty.to_numpy()
        batch.reject(empty, "the area has no shape")
        polygonal = geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        batch.reject(~empty & ~polygonal, "the shape is not a polygon", geometry.geom_type)
        valid = np.zeros(len(geometry), dtype=bool)
        valid[~empty] = shapely.is_valid(geometry.to_numpy()[~empty])
        why = pd.Series([None] * len(geometry), dtype=object)
        bad = ~empty & polygonal & ~valid
        if bad.any():
            why[bad] = shapely.is_valid_reason(geometry.to_numpy()[bad])
        batch.reject(bad, "the shape is not a valid polygon (it crosses itself or is broken)", why)
        usable = ~empty & polygonal & valid
        wkb = pd.Series([None] * len(geometry), dtype=object)
        wkb[usable] = list(shapely.to_wkb(geometry.to_numpy()[usable]))
        if usable.any():
            shapes = geometry[usable]
            equal_area = shapes.to_crs(6933)
            km2 = pd.Series(np.nan, index=geometry.index)
            km2[usable] = (equal_area.area / 1e6).to_numpy()
            land_km2 = land_km2.where(land_km2.notna(), km2)
            centroids = equal_area.centroid.to_crs(4326)
            lat = pd.Series(np.nan, index=geometry.index)
            lon = pd.Series(np.nan, index=geometry.index)
            lat[usable], lon[usable] = centroids.y.to_numpy(), centroids.x.to_numpy()
            centroid_lat = centroid_lat.where(centroid_lat.notna(), lat)
            centroid_lon = centroid_lon.where(centroid_lon.notna(), lon)
        return wkb, land_km2, centroid_lat, centroid_lon

    def _urbanicity(self, ctx: Context, population: pd.Series, land_km2: pd.Series, is_new: np.ndarray):
        batch, options = ctx.batch, ctx.options
        n = len(batch)
        code = pd.Series(np.nan, index=range(n))
        scheme = pd.Series([None] * n, dtype=object)
        if batch.has("rucc_code"):
            rucc = batch.integer("rucc_code", minimum=1, maximum=9)
            take = rucc.notna().to_numpy()
            code[take], scheme[take] = rucc[take].astype(float), "RUCC2023"
        if batch.has("ruca_code"):
            ruca = batch.number("ruca_code", minimum=1, maximum=10.99)
            take = ruca.notna().to_numpy() & scheme.isna().to_numpy()
            code[take], scheme[take] = np.floor(ruca[take]), "RUCA"
        if batch.has("county_fips"):
            fips = county_fips(batch)
            if options.rucc_path is None:
                batch.warn("a county_fips column was given without --rucc FILE, so it was not used")
            else:
                table = read_rucc(options.rucc_path)
                looked_up = fips.map(table)
                wanted = fips.notna().to_numpy() & scheme.isna().to_numpy()
                batch.reject(wanted & looked_up.isna().to_numpy(), "county FIPS is not in the RUCC file", fips)
                take = wanted & looked_up.notna().to_numpy()
                code[take], scheme[take] = looked_up[take].astype(float), "RUCC2023"
        explicit = batch.choice("urbanicity", ("urban", "rural"), {"metro": "urban", "nonmetro": "rural"})
        urbanicity = pd.Series(np.where(code <= 3, "urban", "rural"), dtype=object)
        if options.density_threshold is not None:
            density = population.astype("float64") / land_km2
            take = scheme.isna().to_numpy() & density.notna().to_numpy()
            code[take], scheme[take] = density[take].round(), "density"
            urbanicity[take] = np.where(density[take] >= options.density_threshold, "urban", "rural")
        unclassified = scheme.isna().to_numpy()
        urbanicity[unclassified] = explicit[unclassified]
        batch.reject(  # an area already held keeps its class
            urbanicity.isna().to_numpy() & is_new,
            "no way to tell urban from rural: give urbanicity, a RUCC or RUCA code, county_fips with --rucc, "
            "or --density",
        )
        class_code = pd.array(code.round().astype("Int64"), dtype="Int64")
        return urbanicity, pd.Series(class_code), scheme

    def write(self, ctx: Context, clean: pd.DataFrame) -> np.ndarray:
        con = ctx.con
        agency_id = ctx.agency_id()
        existing = ctx.query("select area_id, lower(area_code) as key from areas")
        keys = clean["area_code"].str.lower()
        is_new = ~keys.isin(set(existing["key"])).to_numpy()
        status = np.where(is_new, "new", "unchanged").astype(object)
        new = clean[is_new].drop(columns="position").copy()
        new.insert(0, "area_id", np.arange(ctx.next_id("areas", "area_id"), ctx.next_id("areas", "area_id") + len(new)))
        new["agency_id"] = agency_id
        ctx.insert("areas", new, "* exclude (geometry_wkb), st_geomfromwkb(geometry_wkb) as geometry")
        old = clean[~is_new]
        if len(old):
            con.register("incoming_areas", old)
            try:
                changed = self._update(ctx)
            finally:
                con.unregister("incoming_areas")
            status[np.isin(clean["position"].to_numpy(), changed)] = "updated"
            ctx.count("areas (updated)", len(changed))
        return status


def _digits(values: pd.Series) -> pd.Series:
    return values.str.strip().str.replace(r"\.0+$", "", regex=True)


def county_fips(batch) -> pd.Series:
    """5-digit county FIPS from the county_fips field: 1001 or "1001.0" is "01001".

    Census files often split it: STATE "01" and COUNTY "001". A county code of 3 digits or
    fewer is completed by a state_fips field, and refused without one: padding "001" to
    "00001" would look up a county that does not exist.
    """
    county = _digits(batch.text("county_fips"))
    given = county.notna().to_numpy()
    numeric = county.str.fullmatch(r"\d{1,5}").fillna(False).to_numpy(dtype=bool)
    batch.reject(given & ~numeric, "county FIPS is not a number", county)
    short = numeric & (county.str.len().fillna(0).to_numpy() <= 3)
    if batch.has("state_fips"):
        state = _digits(batch.text("state_fips"))
        state_ok = state.str.fullmatch(r"\d{1,2}").fillna(False).to_numpy(dtype=bool)
        batch.reject(short & ~state_ok & state.notna().to_numpy(), "state FIPS is not a 1- or 2-digit number", state)
        completed = short & state_ok
        county = county.where(~completed, state.str.zfill(2) + county.str.zfill(3))
        short &= ~state_ok
    batch.reject(
        short,
        "a county FIPS of 3 digits or fewer is a county code without its state: give 5 digits or a state_fips column",
        county,
    )
    return county.where(numeric & ~short).str.zfill(5)
