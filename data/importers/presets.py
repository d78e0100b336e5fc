"""Presets for public formats: which column is which field, constants, and reshaping.

Headers are matched with fields.header_key, so the Chicago portal's bulk CSV ("Case Number",
"Primary Type") and its API export (case_number, primary_type) share one preset.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data.importers.batch import normalise_code
from data.importers.errors import ImportFailed
from data.importers.fields import header_key


@dataclass(frozen=True)
class Preset:
    name: str
    kind: str
    label: str
    columns: dict[str, str]  # header_key(source column) -> field
    constants: dict[str, str] = field(default_factory=dict)  # field -> value for every row
    offense_scheme: str | None = None  # the descriptions' scheme in data/offense_map.csv
    code_scheme: str | None = None  # the offence codes' scheme in data/offense_codes.csv; None = NIBRS codes
    agency_name: str | None = None  # used when the database has no agency yet
    # (frame of source columns, file name) -> frame with field columns and a 'row' column
    # holding the source row position; for wide files that become several rows each
    reshape: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    tidy: dict[str, Callable[[pd.Series], pd.Series]] = field(default_factory=dict)
    # how the format writes 03/04/2024 ("month-first" for US portals), so that a file whose
    # dates happen to fall on days 1-12 is not refused as ambiguous (--date-format overrides it)
    date_order: str | None = None


def _district_name(names: pd.Series) -> pd.Series:
    """'9th-district-deering' -> '9th District Deering'."""
    return names.map(
        lambda name: " ".join(word[:1].upper() + word[1:] for word in re.split(r"[-_\s]+", name) if word),
        na_action="ignore",
    )


# --- Chicago Police Sentiment Scores ----------------------------------------------------------

_SENTIMENT_MEASURES = (
    ("T_LISTEN", "trust_listen"),
    ("T_RESPECT", "trust_respect"),
    ("TRUST", "trust"),
    ("SAFETY", "safety"),
    ("T", "trust"),
    ("S", "safety"),
)
_SENTIMENT_LEVELS = ("citywide", "area", "district", "sector")


def _sentiment_column(column: str) -> tuple[str, str] | None:
    """'T_LISTEN_RACE_WHITE' -> ('trust_listen', 'race_white'); 'SAFETY' -> ('safety', 'all')."""
    upper = column.upper()
    for prefix, measure in _SENTIMENT_MEASURES:
        if upper == prefix and prefix not in ("T", "S"):
            return measure, "all"
        if upper.startswith(prefix + "_"):
            rest = upper[len(prefix) + 1 :]
            if prefix in ("T", "S") and rest.startswith(("LISTEN", "RESPECT")):
                continue
            return measure, rest.lower()
    return None


def reshape_chicago_sentiment(source: pd.DataFrame) -> pd.DataFrame:
    """The portal's wide table (one row per geography x period) -> one row per score.

    ORG_LEVEL names the geography when it is one of citywide/area/district/sector; the
    published file says 'Other' everywhere, so the level is otherwise the most specific of
    SECTOR, DISTRICT, AREA that is filled. District 9.0 and sector 1420.0 become "9" and
    "1420"; citywide rows get no area.
    """
    columns = {header_key(column): column for column in source.columns}
    for needed in ("start_date", "end_date"):
        if needed not in columns:
            raise ImportFailed(f"this is not the Police Sentiment Scores file: it has no {needed.upper()} column")
    value_columns = {
        column: parsed for column in source.columns if (parsed := _sentiment_column(column)) and column != "START_DATE"
    }
    value_columns = {c: p for c, p in value_columns.items() if header_key(c) not in ("start_date", "end_date")}
    if not value_columns:
        raise ImportFailed("this is not the Police Sentiment Scores file: it has no SAFETY or TRUST columns")

    def column(name: str) -> pd.Series:
        return source[columns[name]] if name in columns else pd.Series([None] * len(source), dtype=object)

    stated = column("org_level").str.strip().str.lower() if "org_level" in columns else column("org_level")
    sector, district, area = column("sector"), column("district"), column("area")
    inferred = np.select(
        [sector.notna(), district.notna(), area.notna()], ["sector", "district", "area"], default="citywide"
    )
    level = pd.Series(np.where(stated.isin(_SENTIMENT_LEVELS), stated, inferred), index=source.index)
    code = pd.Series(None, index=source.index, dtype=object)
    for name, values in (("sector", sector), ("district", district), ("area", area)):
        chosen = (level == name).to_numpy()
        code[chosen] = normalise_code(values[chosen]).to_numpy()
    frames = []
    for column_name, (measure, subgroup) in value_columns.items():
        frames.append(
            pd.DataFrame(
                {
                    "row": np.arange(len(source)),
                    "area_code": code.to_numpy(),
                    "area_level": level.to_numpy(),
                    "period_start": column("start_date").to_numpy(),
                    "period_end": column("end_date").to_numpy(),
                    "measure": measure,
                    "subgroup": subgroup,
                    "value_0_100": source[column_name].to_numpy(),
                }
            )
        )
    long = pd.concat(frames, ignore_index=True)
    long = long[long["value_0_100"].notna()].sort_values("row", kind="stable").reset_index(drop=True)
    return long


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "chicago-crimes",
            "incidents",
            'City of Chicago "Crimes - 2001 to present" (portal CSV or API export)',
            {
                "id": "source_id",
                "date": "occurred_at",
                "primary_type": "offense",
                "description": "offense_detail",
                "fbi_code": "offense_code",
                "domestic": "domestic",
                "district": "area_code",
                "latitude": "lat",
                "longitude": "lon",
            },
            offense_scheme="chicago",
            code_scheme="chicago_fbi",
            agency_name="Chicago Police Department",
            date_order="month-first",
        ),
        Preset(
            "lapd-crimes",
            "incidents",
            'LAPD "Crime Data from 2020 to Present"',
            {
                "dr_no": "source_id",
                "date_occ": "occurred_date",
                "time_occ": "occurred_time",
                "area_name": "area_name",
                "crm_cd": "offense_code",
                "crm_cd_desc": "offense",
                "lat": "lat",
                "lon": "lon",
            },
            offense_scheme="lapd",
            code_scheme="lapd",
            agency_name="Los Angeles Police Department",
            date_order="month-first",
        ),
        Preset(
            "chicago-districts",
            "areas",
            "Chicago Police district boundaries (GeoJSON or shapefile); Cook County for RUCC",
            {"district": "area_code", "dist_num": "area_code", "name": "name", "dist_label": "name"},
            constants={"kind": "district", "county_fips": "17031"},
            agency_name="Chicago Police Department",
            tidy={"name": _district_name},
        ),
        Preset(
            "chicago-sentiment",
            "survey-scores",
            'City of Chicago "Police Sentiment Scores" (wide: SAFETY, TRUST, T_LISTEN, T_RESPECT by group)',
            {},
            constants={"source": "Chicago Police Sentiment Scores", "audience": "resident"},
            agency_name="Chicago Police Department",
            reshape=reshape_chicago_sentiment,
        ),
        Preset("generic", "any", "Generic: columns named like the fields, or mapped with --map", {}),
    )
}


def presets_for(kind: str) -> list[Preset]:
    """The generic format first, then the kind's own presets."""
    return [PRESETS["generic"]] + [preset for preset in PRESETS.values() if preset.kind == kind]
