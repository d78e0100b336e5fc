"""The agency's own offence mapping: which NIBRS code (or category) an unknown description or code is.

Choices are stored in the agency's database (offense_choices), which every later import
consults before the shipped tables (data.importers.offenses). They come from the Import
page's review of unmapped offences or from a CSV:

    python -m data import offense-map choices.csv --db bridgeboard.duckdb

with a column offense (the description, optionally with detail) or offense_code (a code in
the file's scheme), a column nibrs_code or category (what it is), and optionally scheme
(any, chicago, lapd for descriptions; nibrs, chicago_fbi, lapd for codes). A file with any
bad row changes nothing and says which row and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from data import db
from data.importers.batch import normalise_label
from data.importers.errors import ImportFailed
from data.importers.fields import header_key
from data.importers.offenses import CODE_SCHEMES, normalise_code
from data.importers.pipeline import file_sha256
from data.importers.reading import read_file

DESCRIPTION_SCHEMES = ("any", "chicago", "lapd")
COLUMN_ALIASES = {
    "offense": "offense", "offence": "offense", "description": "offense", "offense_description": "offense",
    "detail": "detail", "offense_detail": "detail", "subtype": "detail",
    "offense_code": "offense_code", "offence_code": "offense_code", "code": "offense_code",
    "nibrs_code": "nibrs_code", "nibrs": "nibrs_code", "category": "category", "scheme": "scheme",
}  # fmt: skip


@dataclass(frozen=True)
class OffenceChoice:
    kind: str  # 'description' | 'code'
    scheme: str
    offense: str  # the description, or the code
    detail: str
    nibrs_code: str | None
    category: str | None  # None: the code's own


@dataclass
class ChoicesSummary:
    file_name: str
    saved: int
    unchanged: int

    def text(self) -> str:
        return (
            f"offence choices from {self.file_name}: {self.saved:,} saved, {self.unchanged:,} already held;"
            " imports now read them before the shipped tables: import the files again"
        )


def save_choices(
    db_path: str | Path,
    choices: list[OffenceChoice],
    chosen_by: str | None = None,
    file_name: str = "Import page",
    source: Path | None = None,
) -> ChoicesSummary:
    """Store `choices` in the database at db_path (atomically; all or none); returns what changed.

    With `source` (the CSV they came from) the load is also logged in import_log.
    """
    if not choices:
        raise ImportFailed("there are no offence choices to save")
    now = dt.datetime.now().replace(microsecond=0)
    with db.modifying(db_path) as con:
        rows = [_resolved(con, choice, position) for position, choice in enumerate(choices, start=1)]
        held = {
            tuple(row[:4]): tuple(row[4:])
            for row in con.execute(
                "select scheme, kind, offense, detail, nibrs_code, category from offense_choices"
            ).fetchall()
        }
        fresh = [row for row in rows if held.get(row[:4]) != row[4:]]
        if fresh:
            con.executemany(
                "insert or replace into offense_choices values (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*row, chosen_by, now) for row in fresh],
            )
        if source is not None:
            import_id = con.execute("select coalesce(max(import_id), 0) + 1 from import_log").fetchall()[0][0]
            con.execute(
                "insert into import_log values (?, ?, ?, 'offense-map', ?, ?, null, ?, ?, 0, 0)",
                [import_id, now, chosen_by, file_name, file_sha256(source), len(choices), len(fresh)],
            )
    return ChoicesSummary(file_name, len(fresh), len(rows) - len(fresh))


def _resolved(con: duckdb.DuckDBPyConnection, choice: OffenceChoice, position: int) -> tuple:
    """(scheme, kind, offense, detail, nibrs_code, category) as stored, or ImportFailed naming the row."""
    where = f"row {position}"
    schemes = CODE_SCHEMES if choice.kind == "code" else DESCRIPTION_SCHEMES
    if choice.scheme not in schemes:
        raise ImportFailed(f"{where}: scheme {choice.scheme!r} is not one of {', '.join(schemes)}")
    if choice.kind == "code":
        offense, detail = normalise_code(choice.offense, choice.scheme), ""
    else:
        offense, detail = normalise_label(choice.offense), normalise_label(choice.detail or "")
    if not offense:
        raise ImportFailed(f"{where}: give the offence description or code the choice is for")
    categories = dict(con.execute("select category, is_sensitive from offense_categories").fetchall())
    code_row = None
    if choice.nibrs_code:
        code = choice.nibrs_code.strip().upper()
        found = con.execute("select category, is_sensitive from nibrs_offenses where nibrs_code = ?", [code]).fetchall()
        if not found:
            raise ImportFailed(
                f"{where}: {choice.nibrs_code!r} is not a NIBRS offence code (see data/nibrs_offenses.csv)"
            )
        code_row = (code, *found[0])
    category = (choice.category or "").strip().lower().replace(" ", "_") or None
    if category is not None and category not in categories:
        raise ImportFailed(f"{where}: {choice.category!r} is not a category; categories are {', '.join(categories)}")
    if code_row is None and category is None:
        raise ImportFailed(f"{where}: choose a NIBRS code (or a category) for {offense!r}")
    if code_row is not None:
        code, code_category, code_sensitive = code_row
        if category is not None and code_sensitive and not categories[category]:
            raise ImportFailed(
                f"{where}: {code} is a sensitive offence and cannot be filed under {category}, which is published"
            )
        return (choice.scheme, choice.kind, offense, detail, code, category or code_category)
    return (choice.scheme, choice.kind, offense, detail, None, category)


def read_choices(path: str | Path) -> list[OffenceChoice]:
    """The rows of an offence-map CSV (or Excel) file; ImportFailed for a file without the needed columns."""
    path = Path(path)
    raw = read_file(path, path.name)
    columns = {COLUMN_ALIASES[header_key(c)]: c for c in raw.frame.columns if header_key(c) in COLUMN_ALIASES}
    if "offense" not in columns and "offense_code" not in columns:
        raise ImportFailed(f"{path.name} has no offense (description) or offense_code column")
    if "nibrs_code" not in columns and "category" not in columns:
        raise ImportFailed(f"{path.name} has no nibrs_code or category column saying what each offence is")

    def cell(row, name: str) -> str:
        value = row.get(columns[name]) if name in columns else None
        return "" if value is None or pd.isna(value) else str(value).strip()

    choices = []
    for row in raw.frame.to_dict("records"):
        code, offense = cell(row, "offense_code"), cell(row, "offense")
        kind = "code" if code else "description"
        scheme = cell(row, "scheme").lower() or ("nibrs" if kind == "code" else "any")
        choices.append(
            OffenceChoice(
                kind,
                scheme,
                code or offense,
                cell(row, "detail") if kind == "description" else "",
                cell(row, "nibrs_code") or None,
                cell(row, "category") or None,
            )
        )
    return choices


def import_choices_file(path: str | Path, db_path: str | Path, chosen_by: str | None = None) -> ChoicesSummary:
    """`python -m data import offense-map FILE --db PATH`: read, check every row, store them all, log it."""
    path = Path(path)
    return save_choices(db_path, read_choices(path), chosen_by, path.name, source=path)
