"""One import pipeline for the CLI and the Import page.

read (any format, within reading.LIMITS) -> preset / mapping -> validate row by row,
vectorised -> if nothing is usable, or more rows would be left out than the import allows
(strict by default: none; --max-rejected N or P%), one sentence listing the reasons with
their fixes and no change -> otherwise write into a copy of the database (db.modifying),
log the import and its rejected rows (the mapped fields only), clear the earlier rejections
of rows now accepted, rebuild rollups, swap it in. A dry run does all of it and throws the
copy away, so its summary is the real one.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data import db
from data.importers import kinds
from data.importers.batch import Batch
from data.importers.errors import ImportFailed, clipped, fix_for, shown
from data.importers.fields import (
    KINDS,
    ROW_KEYS,
    fields_of,
    guess_mapping,
    header_key,
    kinds_with_field,
    missing_required,
)
from data.importers.presets import PRESETS, Preset
from data.importers.reading import LIMITS, Limits, RawTable, read_file

Progress = Callable[[float, str], None]


@dataclass
class ImportOptions:
    preset: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)  # source column -> field
    constants: dict[str, str] = field(default_factory=dict)  # field -> value where the file has none
    dry_run: bool = False
    imported_by: str | None = None
    agency: str | None = None  # the agency new areas, waves and trainings belong to
    rucc_path: Path | None = None  # USDA RUCC 2023 file, for areas with a county_fips
    density_threshold: float | None = None  # residents per km² from which an area is urban
    file_name: str | None = None  # the name people know the file by (an upload's name)
    exact_mapping: bool = False  # use `mapping` as the whole mapping (the Import page shows every field)
    # how many refused rows may be left out: None or 0 refuses the file on any; 25; "2%"
    max_rejected: int | str | None = None
    # field (or "*" for every date field) -> strptime format, "day-first" or "month-first"
    date_formats: dict[str, str] = field(default_factory=dict)
    limits: Limits = LIMITS


@dataclass(frozen=True)
class Allowance:
    """How many refused rows an import may leave out: a number, a share of the rows read, or both."""

    rows: int = 0
    share: float | None = None  # 0.02 for "2%"

    def of(self, rows_read: int) -> int:
        if self.share is None:
            return self.rows
        return max(self.rows, math.floor(self.share * rows_read + 1e-9))

    def __str__(self) -> str:
        return f"{self.share * 100:g}%" if self.share is not None else f"{self.rows}"


def parse_max_rejected(value: int | str | None) -> Allowance:
    """25 -> at most 25 rows; "2%" -> at most 2% of the rows read; None -> none at all."""
    if value is None or value == "":
        return Allowance()
    if isinstance(value, int):
        if value < 0:
            raise ImportFailed(f"--max-rejected must be 0 or more, not {value}")
        return Allowance(rows=value)
    text = str(value).strip().replace(",", "").replace("_", "")
    percent = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", text)
    if percent:
        share = float(percent.group(1)) / 100
        if share > 1:
            raise ImportFailed(f"--max-rejected {value} is more than 100%")
        return Allowance(share=share)
    if text.isdigit():
        return Allowance(rows=int(text))
    raise ImportFailed(f"--max-rejected takes a number of rows (25) or a share of them (2%), not {shown(value)}")


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    rows: int
    first_line: int
    example: str | None
    fix: str = ""


@dataclass
class ImportSummary:
    kind: str
    file_name: str
    preset: str | None
    sha256: str
    dry_run: bool
    mapping: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    rows_accepted: int = 0  # new or changed rows written
    rows_unchanged: int = 0  # already in the database exactly so
    rows_rejected: int = 0
    reasons: list[ReasonCount] = field(default_factory=list)
    unmapped_offenses: list[tuple[str, int]] = field(default_factory=list)
    offence_review: list = field(default_factory=list)  # offenses.UnmappedOffence: what the analyst can map
    warnings: list[str] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)  # table -> rows inserted or updated
    import_id: int | None = None
    duration_s: float = 0.0
    swapped: bool = False
    failed: bool = False  # the import was refused: the summary explains an ImportFailed
    allowed_rejected: int = 0  # refused rows this import could leave out (--max-rejected)
    suggested_preset: Preset | None = None  # the file's headers are those of this known format
    rejections_cleared: int = 0  # earlier imports' refused rows that this import accepted

    @property
    def over_limit(self) -> bool:
        return self.rows_rejected > self.allowed_rejected

    @property
    def rejected_share(self) -> float:
        return self.rows_rejected / self.rows_read if self.rows_read else 0.0

    def confirm_label(self) -> str:
        """The words a person confirms to import the rest: "import 29,965 rows and leave 3,069 out"."""
        kept = self.rows_accepted + self.rows_unchanged
        return f"import {kept:,} row{'s' if kept != 1 else ''} and leave {self.rows_rejected:,} out"

    def suggestion(self) -> str | None:
        preset = self.suggested_preset
        if preset is None:
            return None
        kind = f" as {preset.kind}" if preset.kind != self.kind else ""
        return f"this looks like {preset.label}: import it{kind} with --preset {preset.name}"

    def headline(self) -> str:
        preset = f", preset {self.preset}" if self.preset else ""
        return (
            f"{self.kind} from {self.file_name}{preset}: {self.rows_read:,} rows read, "
            f"{self.rows_accepted:,} {'to import' if self.dry_run or self.failed else 'imported'}, "
            f"{self.rows_unchanged:,} already present, "
            f"{self.rows_rejected:,} rejected"
        )

    def reasons_frame(self) -> pd.DataFrame:
        """Rejected rows grouped by reason, most frequent first, with how to fix each."""
        return pd.DataFrame(
            [(r.rows, r.reason, r.first_line, r.example, r.fix) for r in self.reasons],
            columns=["rows", "reason", "first_line", "example", "fix"],
        )

    def unmapped_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(clipped(label), count) for label, count in self.unmapped_offenses], columns=["offence", "rows"]
        )

    def text(self) -> str:
        lines = [self.headline()]
        if hint := self.suggestion():
            lines.append(hint)
        if self.reasons:
            lines.append("rejected rows by reason:")
            for reason in self.reasons:
                example = f": {reason.example}" if reason.example else ""
                lines.append(f"  {reason.rows:>8,}  {reason.reason} (first on line {reason.first_line}{example})")
                lines.append(f"  {'':>8}  fix: {reason.fix}")
        if self.unmapped_offenses:
            lines.append(
                "offences no table maps (choose a NIBRS code for each on the Import page or with"
                " `python -m data import offense-map FILE --db PATH`, then import again):"
            )
            lines.extend(f"  {count:>8,}  {clipped(label)}" for label, count in self.unmapped_offenses)
        lines.extend(f"note: {warning}" for warning in self.warnings)
        if self.written and not self.failed:
            lines.append("written: " + ", ".join(f"{table} {rows:,}" for table, rows in self.written.items()))
        if self.rejections_cleared:
            lines.append(f"cleared: {self.rejections_cleared:,} rows refused by earlier imports are now imported")
        if self.failed:
            pass
        elif self.dry_run:
            lines.append("dry run: nothing was changed")
        elif not self.swapped:
            lines.append("nothing new to import: the database was not changed")
        else:
            lines.append(f"import #{self.import_id} done in {self.duration_s:.1f} s")
        return "\n".join(lines)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_preset(kind: str, name: str | None) -> Preset | None:
    if kind not in KINDS:
        raise ImportFailed(f"{shown(kind)} is not a kind of import; choose one of {', '.join(KINDS)}")
    if name in (None, "", "generic"):
        return None
    if name not in PRESETS:
        raise ImportFailed(f"there is no preset {shown(name)}; presets are {', '.join(PRESETS)}")
    preset = PRESETS[name]
    if preset.kind != kind:
        raise ImportFailed(f"preset {name!r} is for {preset.kind}, not {kind}")
    return preset


def effective_mapping(
    kind: str, columns: list[str], preset: Preset | None, user: dict[str, str], exact: bool = False
) -> dict[str, str]:
    """{source column: field}: the preset's (or guessed) columns, overridden by the user's."""
    known = fields_of(kind)
    for source, target in user.items():
        if target not in known:
            raise ImportFailed(f"{shown(target)} is not a field of {kind}; its fields are {', '.join(known)}")
        if source not in columns and header_key(source) not in {header_key(c) for c in columns}:
            listed = ", ".join(clipped(c, 60) for c in columns[:30]) + (", …" if len(columns) > 30 else "")
            raise ImportFailed(f"the file has no column {shown(source)}; its columns are {listed}")
    if exact:
        base = {}
    elif preset is not None:
        base = {c: preset.columns[header_key(c)] for c in columns if header_key(c) in preset.columns}
    else:
        base = guess_mapping(kind, columns)
    resolved_user = {}
    for source, target in user.items():
        column = source if source in columns else next(c for c in columns if header_key(c) == header_key(source))
        resolved_user[column] = target
    targets = set(resolved_user.values())
    mapping = {c: t for c, t in base.items() if t not in targets and c not in resolved_user}
    # one source column per field: the first one wins (a preset may list alternatives)
    seen: set[str] = set()
    for column, target in list(mapping.items()):
        if target in seen:
            del mapping[column]
        seen.add(target)
    mapping.update(resolved_user)
    return mapping


def _looks_like(columns: list[str], kind: str) -> str | None:
    for other in KINDS:
        if other == kind:
            continue
        guessed = set(guess_mapping(other, columns).values())
        if guessed and not missing_required(other, guessed) and len(guessed) >= 3:
            return other
    return None


def suggest_preset(kind: str, columns: list[str], chosen: Preset | None) -> Preset | None:
    """The known format whose headers this file has (every field of the preset found), when not chosen.

    Only presets naming at least four fields count: a file with "district" and "name"
    columns is not thereby Chicago's district boundaries.
    """
    keys = {header_key(column) for column in columns}
    best, best_fields = None, 0
    for preset in PRESETS.values():
        if not preset.columns or preset is chosen:
            continue
        targets = set(preset.columns.values())
        covered = {target for source, target in preset.columns.items() if source in keys}
        if len(targets) >= 4 and covered == targets and len(targets) > best_fields:
            best, best_fields = preset, len(targets)
    if best is not None and chosen is not None and best.kind == kind and set(chosen.columns) >= set(best.columns):
        return None
    return best


def map_rows(kind: str, raw: RawTable, preset: Preset | None, options: ImportOptions) -> tuple[Batch, dict]:
    """The raw table as a Batch of field columns, or ImportFailed when a required field has no column."""
    columns = list(raw.frame.columns)
    date_formats = {"*": preset.date_order} if preset is not None and preset.date_order else {}
    date_formats.update(options.date_formats)
    if preset is not None and preset.reshape is not None:
        long = preset.reshape(raw.frame)
        rows = long.pop("row").to_numpy()
        batch = Batch(long, raw.lines[rows], source_rows=rows, date_formats=date_formats)
        mapping = {column: "(reshaped)" for column in columns}
    else:
        mapping = effective_mapping(kind, columns, preset, options.mapping, options.exact_mapping)
        frame = pd.DataFrame({target: raw.frame[source] for source, target in mapping.items()})
        if preset is not None:
            for target, function in preset.tidy.items():
                if target in frame.columns:
                    frame[target] = function(frame[target])
        batch = Batch(frame, raw.lines, date_formats=date_formats)
    constants = {**(preset.constants if preset else {}), **options.constants}
    known = fields_of(kind)
    for target, value in constants.items():
        if target not in known:
            raise ImportFailed(f"{shown(target)} is not a field of {kind}; its fields are {', '.join(known)}")
        if target in batch.frame.columns:
            batch.frame[target] = batch.frame[target].astype(object).where(batch.frame[target].notna(), value)
        else:
            batch.frame[target] = value
    present = {name for name in batch.frame.columns if name in known}
    missing = missing_required(kind, present)
    if missing:
        field_names = " or ".join(f.name for f in missing[:1]) + "".join(
            f" or {alt}" for alt in missing[0].alternatives
        )
        hint = ""
        if len(columns) == 1:
            hint = (
                f" (the file was read as a single column {columns[0][:60]!r}: is it separated by commas,"
                " semicolons, tabs or pipes?)"
            )
        elif other := _looks_like(columns, kind):
            hint = f" (it looks like a {other} file: choose that kind)"
        else:
            hint = f"; map one of its columns to {missing[0].name}"
        raise ImportFailed(f"the file has no column for {field_names}{hint}")
    return batch, mapping


def run_import(
    kind: str,
    path: str | Path,
    db_path: str | Path,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one file into the database at db_path (created when missing); see module docstring."""
    options = options or ImportOptions()
    report = progress or (lambda fraction, text: None)
    started = time.perf_counter()
    path = Path(path)
    preset = resolve_preset(kind, options.preset)
    allowance = parse_max_rejected(options.max_rejected)
    file_name = options.file_name or path.name
    report(0.02, f"reading {file_name}")
    raw = read_file(path, file_name, options.limits)
    sha = file_sha256(path)
    summary = ImportSummary(kind, file_name, preset.name if preset else None, sha, options.dry_run)
    summary.rows_read = raw.rows_read
    summary.allowed_rejected = allowance.of(raw.rows_read)
    summary.suggested_preset = suggest_preset(kind, list(raw.frame.columns), preset)
    try:
        batch, mapping = map_rows(kind, raw, preset, options)
    except ImportFailed as error:
        hint = summary.suggestion()
        raise ImportFailed(f"{error}; {hint}" if hint else str(error)) from None
    summary.mapping = mapping
    notes = _file_notes(kind, raw, mapping, file_name)
    report(0.15, "checking every row")
    handler = kinds.HANDLERS[kind]
    ctx = kinds.Context(
        kind=kind,
        batch=batch,
        raw=raw,
        options=options,
        preset=preset,
        file_name=file_name,
        sha256=sha,
        geometry=raw.geometry,
    )
    try:
        with db.modifying(db_path, swap=not options.dry_run) as con:
            ctx.con = con
            clean = handler.validate(ctx)
            report(0.45, "checking against the database")
            _collapse_rejected_lines(batch)
            clean = clean[batch.alive[clean["position"].to_numpy()]] if len(clean) else clean
            _fill_rejections(summary, raw, batch, ctx)
            summary.warnings = notes + _warnings(batch)
            if clean.empty:
                summary.failed = True
                raise ImportFailed(_nothing_usable(summary), summary)
            report(0.55, "writing")
            # written into the copy even when the import will be refused, so the refusal can say
            # exactly how many rows are new and how many already held
            status = handler.write(ctx, clean)
            _count_statuses(summary, batch, clean, status)
            summary.written = ctx.written
            summary.warnings = notes + _warnings(batch)
            if summary.over_limit:
                summary.failed = True
                raise ImportFailed(_refusal(summary, allowance), summary, over_limit=True)
            if summary.rows_accepted == 0:
                summary.duration_s = time.perf_counter() - started
                raise _NothingNew
            report(0.8, "rebuilding the monthly rollups")
            db.rebuild_rollups(con, crime=ctx.incidents_changed)
            summary.duration_s = time.perf_counter() - started
            summary.import_id = _log(
                con, summary, options, ctx.rejected, lambda: _row_keys(kind, batch, clean["position"])
            )
            report(0.9, "saving")
    except _NothingNew:
        return summary
    except db.SchemaMismatch as error:
        raise ImportFailed(str(error)) from None
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise ImportFailed(_disk_full(db_path)) from None
        raise
    except duckdb.Error as error:
        if _is_disk_full(error):
            raise ImportFailed(_disk_full(db_path)) from None
        raise ImportFailed(f"the database refused the rows ({str(error).splitlines()[0][:200]})") from None
    summary.swapped = not options.dry_run
    summary.duration_s = time.perf_counter() - started
    report(1.0, "done")
    return summary


def _is_disk_full(error: Exception) -> bool:
    text = str(error).lower()
    return "no space left on device" in text or "disk is full" in text or "errno 28" in text


def _disk_full(db_path: str | Path) -> str:
    target = Path(db_path)
    size = target.stat().st_size if target.exists() else 0
    need = f" (an import needs room for a copy of it, about {size / (1 << 20):,.0f} MB)" if size else ""
    return f"the disk holding {target} is full{need}; free some space and import again, nothing was changed"


class _NothingNew(Exception):
    """Every valid row is already stored: leave the database exactly as it was."""


def _warnings(batch: Batch) -> list[str]:
    return [f"{message} ({count:,} rows)" if count > 1 else message for message, count in batch.warnings.items()]


def _file_notes(kind: str, raw: RawTable, mapping: dict[str, str], file_name: str) -> list[str]:
    """Sentences about the file itself: repeated headers, formulas without values, columns not used.

    Raises ImportFailed when the column used for a field is an empty duplicate of another,
    or a mapped column holds formulas whose values were never saved.
    """
    notes = []
    for text, names in raw.duplicate_headers.items():
        positions = [raw.position_of(name) for name in names]
        where = f"{len(names)} columns named {shown(text)} (columns {_and(positions)})"
        used = [name for name in names if name in mapping]
        if not used:
            notes.append(f"{file_name} has {where}; none of them is used")
            continue
        chosen, field_name = used[0], mapping[used[0]]
        others = [name for name in names if name != chosen]
        filled = [name for name in others if raw.frame[name].notna().any()]
        if raw.frame[chosen].isna().all() and filled:
            raise ImportFailed(
                f"{file_name} has {where}; column {raw.position_of(chosen)}, used as {field_name}, is empty and"
                f" column {raw.position_of(filled[0])} is not: delete the empty column, or map the other one with"
                f" --map {shown(filled[0] + '=' + field_name)}"
            )
        same = all(raw.frame[name].equals(raw.frame[chosen]) for name in others)
        notes.append(
            f"{file_name} has {where}; column {raw.position_of(chosen)} was used as {field_name}"
            + (" (they hold the same values)" if same else f" and column {raw.position_of(others[0])} was not")
        )
    for column, lines in raw.uncached_formulas.items():
        cells = f"{len(lines):,} formula cell{'s' if len(lines) > 1 else ''} without a saved value"
        if column in mapping:
            raise ImportFailed(
                f"{file_name} has {cells} in column {shown(column)} (first on line {lines[0]}), which is imported as"
                f" {mapping[column]}: open the workbook in Excel or LibreOffice, let it calculate, save it and import"
                " it again"
            )
        notes.append(f"{file_name} has {cells} in column {shown(column)}, which is not imported")
    if set(mapping.values()) == {"(reshaped)"}:
        return notes
    unused = [column for column in raw.frame.columns if column not in mapping]
    plain = []
    for column in unused:
        generic = header_key(column) in _GENERIC_HEADERS
        elsewhere = [] if generic else [other for other in kinds_with_field(column) if other != kind]
        if elsewhere:
            notes.append(f"{clipped(column, 60)}: not used by {kind} (it is a field of {_and(elsewhere)})")
        else:
            plain.append(clipped(column, 60))
    if plain:
        listed = ", ".join(plain[:12]) + (f" and {len(plain) - 12:,} more" if len(plain) > 12 else "")
        notes.append(f"{len(plain):,} column{'s' if len(plain) > 1 else ''} not used by {kind}: {listed}")
    return notes


# headers too common to suggest the file meant another kind ("Status" of an LAPD case is no partnership's)
_GENERIC_HEADERS = frozenset({"name", "status", "description", "type", "source", "date", "notes", "value", "kind"})


def _and(items) -> str:
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _collapse_rejected_lines(batch: Batch) -> None:
    """A source line becomes several rows only in reshaped (wide) files: all or none of them."""
    if len(batch.lines) == 0 or batch.alive.all():
        return
    dead_lines = np.unique(batch.lines[~batch.alive])
    batch.alive &= ~np.isin(batch.lines, dead_lines)


_MAPPED_VALUE_CHARACTERS = 1000  # a refused row's stored field values are cut to this length


def _mapped_fields(kind: str, batch: Batch) -> list[str]:
    known = fields_of(kind)
    return [column for column in batch.frame.columns if column in known]


def _fields_json(kind: str, batch: Batch, positions: np.ndarray) -> list[str | None]:
    """Each row's mapped fields as a JSON object: never a column the import did not map."""
    columns = _mapped_fields(kind, batch)
    if not len(positions) or not columns:
        return [None] * len(positions)
    subset = batch.frame.iloc[positions][columns].astype(object)
    subset = subset.map(lambda value: None if pd.isna(value) else str(value)[:_MAPPED_VALUE_CHARACTERS])
    return subset.to_json(orient="records", lines=True, force_ascii=False).splitlines()


def _row_keys(kind: str, batch: Batch, positions) -> list[str | None]:
    """What identifies each row among the kind's rows: its key fields' text, else all its mapped fields."""
    positions = np.asarray(positions, dtype=np.int64)
    if not len(positions):
        return []
    key_fields = [name for name in ROW_KEYS.get(kind, ()) if name in batch.frame.columns]
    if not key_fields:
        return _fields_json(kind, batch, positions)
    parts = []
    for name in key_fields:  # Arrow kernels: a million incident ids take well under a second
        values = batch.frame[name].iloc[positions]
        try:  # text columns (Arrow- or pandas-string) convert without Python objects
            text = pa.array(values, from_pandas=True).cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            values = values.astype(object)
            text = pa.array(values.where(values.isna(), values.astype(str)), from_pandas=True, type=pa.string())
        text = pc.replace_substring_regex(pc.utf8_lower(pc.utf8_trim_whitespace(text)), r"\s+", " ")
        parts.append(pc.fill_null(text, ""))
    keys = pc.binary_join_element_wise(*parts, "\x1f") if len(parts) > 1 else parts[0]
    empty = "\x1f" * (len(parts) - 1)
    return [None if key == empty else key for key in keys.to_pylist()]


def _fill_rejections(summary: ImportSummary, raw: RawTable, batch: Batch, ctx: kinds.Context) -> None:
    table = batch.reject_table()
    table = table.drop_duplicates("line", keep="first")
    positions = table["position"].to_numpy(dtype=np.int64) if len(table) else np.array([], dtype=np.int64)
    table["fields"] = _fields_json(ctx.kind, batch, positions)
    table["row_key"] = _row_keys(ctx.kind, batch, positions)
    parse = pd.DataFrame(raw.parse_rejects, columns=["line", "reason"])
    # a line the parser could not split has no reliable fields to keep
    parse = parse.assign(detail=None, fields=None, row_key=None)
    combined = pd.concat([parse, table[["line", "reason", "detail", "fields", "row_key"]]], ignore_index=True)
    combined = combined.sort_values("line", kind="stable").reset_index(drop=True)
    ctx.rejected = combined
    summary.rows_rejected = len(combined)
    if combined.empty:
        return
    grouped = combined.groupby("reason", sort=False).agg(
        rows=("line", "size"), first_line=("line", "min"), example=("detail", "first")
    )
    grouped = grouped.sort_values("rows", ascending=False, kind="stable")
    summary.reasons = [
        ReasonCount(
            reason,
            int(row.rows),
            int(row.first_line),
            None if pd.isna(row.example) else shown(row.example),
            fix_for(reason),
        )
        for reason, row in grouped.iterrows()
    ]
    summary.unmapped_offenses = ctx.unmapped_offenses
    summary.offence_review = ctx.offence_review


def _nothing_usable(summary: ImportSummary) -> str:
    hint = f"; {summary.suggestion()}" if summary.suggested_preset else ""
    if not summary.reasons:
        return f"{summary.file_name} has no rows to import{hint}"
    top = summary.reasons[0]
    others = len(summary.reasons) - 1
    more = f", and {others} other reason{'s' if others > 1 else ''}" if others else ""
    example = f" {top.example}" if top.example and summary.rows_rejected == 1 else ""
    if summary.rows_rejected == 1:
        return (
            f"the only row of {summary.file_name} cannot be imported: {top.reason}{_colon(example)}"
            f" (line {top.first_line}){hint}"
        )
    top_rows = f"{top.rows:,} rows" if top.rows != 1 else "1 row"
    return (
        f"none of the {summary.rows_rejected:,} rows of {summary.file_name} can be imported: "
        f"{top.reason} ({top_rows}, first on line {top.first_line}){more}{hint}"
    )


def _colon(example: str) -> str:
    return f":{example}" if example else ""


def _refusal(summary: ImportSummary, allowance: Allowance) -> str:
    """One sentence: how many rows would be left out, why (the main reasons), and what to do."""
    left, read = summary.rows_rejected, summary.rows_read
    share = _percent(summary.rejected_share)
    listed = "; ".join(f"{r.reason} ({r.rows:,} row{'s' if r.rows != 1 else ''})" for r in summary.reasons[:3])
    more = f"; and {len(summary.reasons) - 3} other reasons" if len(summary.reasons) > 3 else ""
    allowed = (
        "an import leaves out no row unless told to"
        if allowance.rows == 0 and allowance.share is None
        else f"--max-rejected {allowance} allows {summary.allowed_rejected:,}"
    )
    percent = max(math.ceil(summary.rejected_share * 1000) / 10, 0.1)
    hint = f"; {summary.suggestion()}" if summary.suggested_preset else ""
    return (
        f"{left:,} of the {read:,} rows of {summary.file_name} ({share}) would be left out and {allowed},"
        f" so nothing was imported: {listed}{more}; fix those rows (the fix for each is listed with it),"
        f" or import the rest with --max-rejected {left} (or {percent:g}%){hint}"
    )


def _percent(share: float) -> str:
    """0.093 -> '9.3%', 0.0002 -> 'under 0.1%'."""
    if 0 < share < 0.001:
        return "under 0.1%"
    return f"{share * 100:.1f}".removesuffix(".0") + "%"


def _count_statuses(summary: ImportSummary, batch: Batch, clean: pd.DataFrame, status: np.ndarray) -> None:
    """Count source lines: new if any of its rows is new or changed, else unchanged."""
    lines = batch.lines[clean["position"].to_numpy()]
    changed = pd.Series(status != "unchanged").groupby(lines).any()
    summary.rows_accepted = int(changed.sum())
    summary.rows_unchanged = int((~changed).sum())


def _log(
    con: duckdb.DuckDBPyConnection,
    summary: ImportSummary,
    options: ImportOptions,
    rejected: pd.DataFrame,
    accepted_keys: Callable[[], list[str | None]],
) -> int:
    import_id = con.execute("select coalesce(max(import_id), 0) + 1 from import_log").fetchall()[0][0]
    con.execute(
        "insert into import_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            import_id,
            dt.datetime.now().replace(microsecond=0),
            options.imported_by,
            summary.kind,
            summary.file_name,
            summary.sha256,
            summary.preset,
            summary.rows_read,
            summary.rows_accepted,
            summary.rows_rejected,
            round(summary.duration_s, 3),
        ],
    )
    summary.rejections_cleared = _clear_accepted(con, summary.kind, import_id, accepted_keys)
    rejected = _rejected_frame(import_id, rejected)
    if len(rejected):
        con.register("rejected_frame", rejected)
        try:
            con.execute("insert into rejected_rows by name select * from rejected_frame")
        finally:
            con.unregister("rejected_frame")
    return int(import_id)


def _clear_accepted(
    con: duckdb.DuckDBPyConnection, kind: str, import_id: int, accepted_keys: Callable[[], list[str | None]]
) -> int:
    """Delete earlier imports' rejections of rows this import accepted (matched by row_key).

    The accepted rows' keys are computed only when an earlier import of the kind left rejections.
    """
    earlier = con.execute(
        "select count(*) from rejected_rows join import_log using (import_id)"
        " where import_log.kind = ? and rejected_rows.row_key is not null",
        [kind],
    ).fetchall()[0][0]
    if not earlier:
        return 0
    keys = sorted({key for key in accepted_keys() if key})
    if not keys:
        return 0
    con.register("accepted_keys", pd.DataFrame({"row_key": keys}))
    try:
        where = (
            "where rejected_rows.import_id < ? and rejected_rows.row_key in (select row_key from accepted_keys)"
            " and rejected_rows.import_id in (select import_id from import_log where kind = ?)"
        )
        cleared = con.execute(f"select count(*) from rejected_rows {where}", [import_id, kind]).fetchall()[0][0]  # noqa: S608
        if cleared:
            con.execute(f"delete from rejected_rows {where}", [import_id, kind])  # noqa: S608 - constant text
    finally:
        con.unregister("accepted_keys")
    return int(cleared)


def _rejected_frame(import_id: int, rejected: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "import_id": import_id,
            "line_number": rejected["line"].astype("int64"),
            "reason": [
                f"{reason}: {clipped(detail)}" if isinstance(detail, str) and detail else reason
                for reason, detail in zip(rejected["reason"], rejected["detail"], strict=True)
            ],
            "fields": rejected["fields"].astype(object),
            "row_key": rejected["row_key"].astype(object),
        }
    )


def preview(path: str | Path, kind: str, preset_name: str | None, file_name: str | None = None, rows: int = 10):
    """(first rows of the file, columns, guessed {column: field}) for the Import page."""
    raw = read_file(Path(path), file_name)
    preset = resolve_preset(kind, preset_name)
    columns = list(raw.frame.columns)
    if preset is not None and preset.reshape is not None:
        guessed = {}
    elif preset is not None:
        guessed = effective_mapping(kind, columns, preset, {})
    else:
        guessed = guess_mapping(kind, columns)
    return raw.frame.head(rows), columns, guessed


def suggested_preset_for(path: str | Path, kind: str, preset_name: str | None, file_name: str | None = None):
    """The known format the file's headers match, when another (or none) was chosen (for the Import page)."""
    raw = read_file(Path(path), file_name)
    return suggest_preset(kind, list(raw.frame.columns), resolve_preset(kind, preset_name))
