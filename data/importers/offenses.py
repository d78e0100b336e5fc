"""Which offence a source row names: a NIBRS code, and from it the FBI class and NIBRS crimes-against.

The code decides the class (data/nibrs_offenses.csv, loaded into nibrs_offenses). Lookups, in order:

* an offence code: the agency's own choices (offense_choices), then the shipped table of the
  file's code scheme (data/offense_codes.csv: Chicago's fbi_code, LAPD's Crm Cd), then, for
  the NIBRS scheme, the code itself;
* a description: the agency's choices, then data/offense_map.csv for the file's scheme and
  then its 'any' lines, then NIBRS's own offence names and codes, then a Bridgeboard category;
* both: the code decides the FBI class, and a description that maps to a finer code of the
  same class (and crimes-against, unless the code's is unspecified) refines it, so Chicago's
  26 "misc non-index" with CRIMINAL TRESPASS becomes 90J without leaving the class fbi_code gives.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from data.importers.batch import Batch, normalise_label

DATA_DIR = Path(__file__).resolve().parent.parent
MAP_PATH = DATA_DIR / "offense_map.csv"
CODES_PATH = DATA_DIR / "offense_codes.csv"
CATEGORIES = (
    "homicide", "sexual_assault", "robbery", "aggravated_assault", "simple_assault", "domestic_violence",
    "burglary", "theft", "motor_vehicle_theft", "arson", "vandalism", "fraud",
    "drug_offense", "weapons_offense", "public_order", "trespass", "other",
)  # fmt: skip
CODE_SCHEMES = ("nibrs", "chicago_fbi", "lapd")
# An incident known only by its category, flagged domestic, becomes domestic_violence from these.
DOMESTIC_FLAG_CATEGORIES = frozenset({"simple_assault", "aggravated_assault"})
UNMAPPED_REASON = "offence not mapped to a NIBRS code"
UNKNOWN_CODE_REASON = "offence code not known"
_CHICAGO_CODE = re.compile(r"^0*(\d{1,2})([A-Z]?)$")


@dataclass(frozen=True)
class Offence:
    nibrs_code: str | None
    category: str
    crime_class: str
    crimes_against: str


@dataclass(frozen=True)
class OffenseRule:
    scheme: str
    offense: str
    detail: str  # '' = any description; 'PREFIX*' = descriptions starting with PREFIX
    nibrs_code: str
    category: str  # '' = the code's own
    note: str


@dataclass(frozen=True)
class CodeRule:
    scheme: str
    code: str
    name: str
    nibrs_code: str
    category: str
    note: str


@dataclass(frozen=True)
class UnmappedOffence:
    """A description or code no table knows, with the rows it stands for (for the Import page's review)."""

    kind: str  # 'description' | 'code'
    scheme: str
    offense: str
    detail: str
    rows: int

    @property
    def label(self) -> str:
        if self.kind == "code":
            return f"code {self.offense}"
        return f"{self.offense} / {self.detail}" if self.detail else self.offense


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def read_rules(path: Path = MAP_PATH) -> list[OffenseRule]:
    """data/offense_map.csv, comment lines (#) skipped."""
    return [
        OffenseRule(
            row["scheme"].strip().lower(),
            normalise_label(row["offense"]),
            normalise_label(row["detail"] or ""),
            row["nibrs_code"].strip().upper(),
            (row["category"] or "").strip(),
            row.get("note") or "",
        )
        for row in _csv_rows(path)
    ]


def read_code_rules(path: Path = CODES_PATH) -> list[CodeRule]:
    """data/offense_codes.csv, comment lines (#) skipped."""
    return [
        CodeRule(
            row["scheme"].strip().lower(),
            normalise_code(row["code"], row["scheme"].strip().lower()),
            row["name"],
            row["nibrs_code"].strip().upper(),
            (row["category"] or "").strip(),
            row.get("note") or "",
        )
        for row in _csv_rows(path)
    ]


def normalise_code(code: str, scheme: str) -> str:
    """'04a' and '4A' -> '04A' (Chicago), '624.0' -> '624' (LAPD, read as a number), ' 13a ' -> '13A'."""
    text = str(code).strip().upper()
    if scheme == "chicago_fbi" and (match := _CHICAGO_CODE.match(text)):
        return f"{int(match[1]):02d}{match[2]}"
    if re.fullmatch(r"\d+\.0*", text):
        return text.split(".")[0]
    return text


class OffenseMap:
    """Resolves codes and (offence, description) pairs to an Offence; see the module docstring."""

    def __init__(
        self,
        nibrs: pd.DataFrame,
        categories: pd.DataFrame,
        choices: pd.DataFrame,
        description_scheme: str | None = None,
        code_scheme: str = "nibrs",
    ) -> None:
        self.nibrs = {row.nibrs_code: row for row in nibrs.itertuples(index=False)}
        self.categories = {row.category: row for row in categories.itertuples(index=False)}
        self.code_scheme = code_scheme
        self.description_schemes = (
            [description_scheme, "any"] if description_scheme and description_scheme != "any" else ["any"]
        )
        self.exact: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.prefixes: dict[tuple[str, str], list[tuple[str, tuple[str, str]]]] = {}
        for rule in read_rules():
            target = (rule.nibrs_code, rule.category)
            if rule.detail.endswith("*"):
                self.prefixes.setdefault((rule.scheme, rule.offense), []).append((rule.detail[:-1], target))
            else:
                self.exact[(rule.scheme, rule.offense, rule.detail)] = target
        for entries in self.prefixes.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        self.codes = {(rule.scheme, rule.code): (rule.nibrs_code, rule.category) for rule in read_code_rules()}
        self.by_name = {normalise_label(row.offense): (code, "") for code, row in self.nibrs.items()}
        self.chosen: dict[tuple[str, str, str, str], tuple[str | None, str]] = {
            (row.scheme, row.kind, row.offense, row.detail): (row.nibrs_code, row.category)
            for row in choices.itertuples(index=False)
        }

    # --- building an Offence ---------------------------------------------------------------

    def offence(self, nibrs_code: str | None, category: str = "") -> Offence | None:
        """The Offence a code (and an optional category override) stands for; None for an unknown code."""
        if nibrs_code:
            code = self.nibrs.get(nibrs_code)
            if code is None:
                return None
            return Offence(nibrs_code, category or code.category, code.crime_class, code.crimes_against)
        known = self.categories.get(category)
        if known is None:
            return None
        return Offence(None, category, known.crime_class, known.crimes_against)

    def domestic(self, offence: Offence) -> Offence:
        """The offence as the source flagged it domestic: its code's domestic category, the class unchanged."""
        if offence.nibrs_code:
            target = self.nibrs[offence.nibrs_code].domestic_category
            if isinstance(target, str) and offence.category == self.nibrs[offence.nibrs_code].category:
                return Offence(offence.nibrs_code, target, offence.crime_class, offence.crimes_against)
            return offence
        if offence.category in DOMESTIC_FLAG_CATEGORIES:
            return Offence(None, "domestic_violence", offence.crime_class, offence.crimes_against)
        return offence

    # --- lookups ---------------------------------------------------------------------------

    def by_code(self, code: str | None) -> Offence | None:
        if code is None or not str(code).strip():
            return None
        key = normalise_code(code, self.code_scheme)
        if chosen := self.chosen.get((self.code_scheme, "code", key, "")):
            return self.offence(*chosen)
        if shipped := self.codes.get((self.code_scheme, key)):
            return self.offence(*shipped)
        if self.code_scheme == "nibrs":
            return self.offence(key)
        return None

    def by_description(self, offense: str | None, detail: str | None) -> Offence | None:
        if offense is None or not str(offense).strip():
            return None
        offense_key = normalise_label(offense)
        detail_key = normalise_label(detail) if detail is not None and str(detail).strip() else ""
        for scheme in self.description_schemes:
            for wanted in ((offense_key, detail_key), (offense_key, "")):
                if chosen := self.chosen.get((scheme, "description", *wanted)):
                    return self.offence(*chosen)
        for scheme in self.description_schemes:
            if detail_key and (found := self.exact.get((scheme, offense_key, detail_key))):
                return self.offence(*found)
            for prefix, target in self.prefixes.get((scheme, offense_key), ()):
                if detail_key.startswith(prefix):
                    return self.offence(*target)
            if found := self.exact.get((scheme, offense_key, "")):
                return self.offence(*found)
        if found := self.by_name.get(offense_key):
            return self.offence(*found)
        if offense_key in self.nibrs:
            return self.offence(offense_key)
        direct = offense_key.lower().replace(" ", "_")
        return self.offence(None, direct) if direct in self.categories else None

    def resolve(self, code: str | None, offense: str | None, detail: str | None) -> Offence | None:
        """The code's offence, refined by the description within the same class; else the description's."""
        from_code = self.by_code(code)
        from_text = self.by_description(offense, detail)
        if from_code is None:
            return from_text
        if (
            from_text is not None
            and from_text.nibrs_code is not None
            and from_text.crime_class == from_code.crime_class
            and from_code.crimes_against in (from_text.crimes_against, "unspecified")
        ):
            return from_text
        return from_code

    def category(self, offense: str | None, detail: str | None) -> str | None:
        """The category a description maps to (None when unmapped)."""
        found = self.by_description(offense, detail)
        return found.category if found else None


def load(
    con: duckdb.DuckDBPyConnection, description_scheme: str | None = None, code_scheme: str = "nibrs"
) -> OffenseMap:
    """The map an import into `con` uses: that database's NIBRS table, categories and the agency's choices."""

    def frame(sql: str) -> pd.DataFrame:
        return con.execute(sql).df()

    return OffenseMap(
        frame(
            "select nibrs_code, offense, crime_class, crimes_against, category, domestic_category from nibrs_offenses"
        ),
        frame("select category, crime_class, crimes_against from offense_categories"),
        frame("select scheme, kind, offense, detail, nibrs_code, category from offense_choices"),
        description_scheme,
        code_scheme,
    )


@functools.cache
def offense_map(description_scheme: str | None = None, code_scheme: str = "nibrs") -> OffenseMap:
    """The shipped tables alone (no agency choices), on a fresh in-memory schema."""
    from data import db

    con = duckdb.connect()
    try:
        db.create_schema(con)
        return load(con, description_scheme, code_scheme)
    finally:
        con.close()


def classify_rows(batch: Batch, lookup: OffenseMap) -> tuple[pd.DataFrame, list[UnmappedOffence]]:
    """Offence columns (nibrs_code, category, crime_class, crimes_against) for every row of `batch`.

    From an offence code, a description, or a Bridgeboard category, each distinct value looked up
    once. Rows nothing maps are refused (the code's reason when the file gives a code) and listed
    for review; a `domestic` flag moves assaults to domestic_violence, keeping their class.
    """
    n = len(batch)
    empty = pd.Series([None] * n, dtype=object)
    code = batch.text("offense_code") if batch.has("offense_code") else empty
    offense = batch.text("offense") if batch.has("offense") else empty
    detail = batch.text("offense_detail") if batch.has("offense_detail") else empty
    if batch.has("category") and not batch.has("offense") and not batch.has("offense_code"):
        batch.required("category")
        offense = batch.choice("category", CATEGORIES)
    elif not batch.has("offense_code"):
        batch.required("offense")
    else:
        batch.reject(code.isna().to_numpy() & offense.isna().to_numpy(), "offense_code is empty")

    # look each distinct (code, offence, description) up once: a million rows hold a few hundred
    factors = [pd.factorize(values.astype(object), use_na_sentinel=False) for values in (code, offense, detail)]
    sizes = [max(len(uniques), 1) for _, uniques in factors]
    combined = (factors[0][0].astype(np.int64) * sizes[1] + factors[1][0]) * sizes[2] + factors[2][0]
    distinct, inverse = np.unique(combined, return_inverse=True)

    def value(uniques, index: int):
        found = uniques[index] if len(uniques) else None
        return None if found is None or (isinstance(found, float) and np.isnan(found)) else found

    resolved = []
    for key in distinct:
        rest, detail_index = divmod(int(key), sizes[2])
        code_index, offense_index = divmod(rest, sizes[1])
        resolved.append(
            lookup.resolve(
                value(factors[0][1], code_index),
                value(factors[1][1], offense_index),
                value(factors[2][1], detail_index),
            )
        )
    lookups = np.empty(len(resolved), dtype=object)
    lookups[:] = resolved
    per_row = lookups[inverse.ravel()] if n else lookups

    domestic = np.zeros(n, dtype=bool)
    if batch.has("domestic"):
        domestic = batch.boolean("domestic").fillna(False).to_numpy(dtype=bool)
        moved = 0
        for position in np.flatnonzero(domestic & batch.alive):
            if per_row[position] is not None:
                flagged = lookup.domestic(per_row[position])
                moved += flagged.category != per_row[position].category
                per_row[position] = flagged
        batch.warn("assaults flagged domestic were stored as domestic_violence", int(moved))

    missing = pd.isna(pd.Series(per_row, dtype=object)).to_numpy() & batch.alive
    has_code = code.notna().to_numpy()
    unmapped: list[UnmappedOffence] = []
    for by_code, reason in ((True, UNKNOWN_CODE_REASON), (False, UNMAPPED_REASON)):
        mask = missing & (has_code == by_code)
        if not mask.any():
            continue
        if by_code:
            shown = code.map(lambda value: normalise_code(value, lookup.code_scheme), na_action="ignore")
            label = shown
            entries = shown[mask].value_counts()
            unmapped += [
                UnmappedOffence("code", lookup.code_scheme, str(value), "", int(count))
                for value, count in entries.items()
            ]
        else:
            frame = pd.DataFrame(
                {
                    "offense": offense[mask].map(normalise_label).to_numpy(),
                    "detail": detail[mask].map(normalise_label, na_action="ignore").fillna("").to_numpy(),
                }
            )
            label = pd.Series([None] * n, dtype=object)
            label[mask] = (frame["offense"] + np.where(frame["detail"] != "", " / " + frame["detail"], "")).to_numpy()
            counts = frame.value_counts(sort=True)
            scheme = lookup.description_schemes[0]
            unmapped += [
                UnmappedOffence("description", scheme, str(text), str(more), int(count))
                for (text, more), count in counts.items()
            ]
        batch.reject(mask, reason, label)
    unmapped.sort(key=lambda entry: -entry.rows)

    def column(attribute: str) -> pd.Series:
        return pd.Series([getattr(item, attribute) if item is not None else None for item in per_row], dtype=object)

    frame = pd.DataFrame({name: column(name) for name in ("nibrs_code", "category", "crime_class", "crimes_against")})
    return frame, unmapped
