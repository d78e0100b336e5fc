"""One import pipeline for the CLI and the Import page.

read (any format) -> preset / mapping -> validate row by row, vectorised -> if nothing is
usable, one sentence and no change -> otherwise write into a copy of the database
(db.modifying), log the import and its rejected rows, rebuild rollups, swap it in.
A dry run does all of it and throws the copy away, so its summary is the real one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from data import db
from data.importers import kinds
from data.importers.batch import Batch
from data.importers.errors import ImportFailed
from data.importers.fields import KINDS, fields_of, guess_mapping, header_key, missing_required
from data.importers.presets import PRESETS, Preset
from data.importers.reading import RawTable, read_file

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


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    rows: int
    first_line: int
    example: str | None


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
    failed: bool = False  # no usable row: the summary explains an ImportFailed

    def headline(self) -> str:
        preset = f", preset {self.preset}" if self.preset else ""
        return (
            f"{self.kind} from {self.file_name}{preset}: {self.rows_read:,} rows read, "
            f"{self.rows_accepted:,} {'to import' if self.dry_run else 'imported'}, "
            f"{self.rows_unchanged:,} already present, "
            f"{self.rows_rejected:,} rejected"
        )

    def reasons_frame(self) -> pd.DataFrame:
        """Rejected rows grouped by reason, most frequent first."""
        return pd.DataFrame(
            [(r.rows, r.reason, r.first_line, r.example) for r in self.reasons],
            columns=["rows", "reason", "first_line", "example"],
        )

    def unmapped_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.unmapped_offenses, columns=["offence", "rows"])

    def text(self) -> str:
        lines = [self.headline()]
        if self.reasons:
            lines.append("rejected rows by reason:")
            for reason in self.reasons:
                example = f": {reason.example}" if reason.example else ""
                lines.append(f"  {reason.rows:>8,}  {reason.reason} (first on line {reason.first_line}{example})")
        if self.unmapped_offenses:
            lines.append(
                "offences no table maps (choose a NIBRS code for each on the Import page or with"
                " `python -m data import offense-map FILE --db PATH`, then import again):"
            )
            lines.extend(f"  {count:>8,}  {label}" for label, count in self.unmapped_offenses)
        lines.extend(f"note: {warning}" for warning in self.warnings)
        if self.written:
            lines.append("written: " + ", ".join(f"{table} {rows:,}" for table, rows in self.written.items()))
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
        raise ImportFailed(f"{kind!r} is not a kind of import; choose one of {', '.join(KINDS)}")
    if name in (None, "", "generic"):
        return None
    if name not in PRESETS:
        raise ImportFailed(f"there is no preset {name!r}; presets are {', '.join(PRESETS)}")
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
            raise ImportFailed(f"{target!r} is not a field of {kind}; its fields are {', '.join(known)}")
        if source not in columns and header_key(source) not in {header_key(c) for c in columns}:
            raise ImportFailed(f"the file has no column {source!r}; its columns are {', '.join(columns[:30])}")
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


def map_rows(kind: str, raw: RawTable, preset: Preset | None, options: ImportOptions) -> tuple[Batch, dict]:
    """The raw table as a Batch of field columns, or ImportFailed when a required field has no column."""
    columns = list(raw.frame.columns)
    if preset is not None and preset.reshape is not None:
        long = preset.reshape(raw.frame)
        rows = long.pop("row").to_numpy()
        batch = Batch(long, raw.lines[rows], source_rows=rows)
        mapping = {column: "(reshaped)" for column in columns}
    else:
        mapping = effective_mapping(kind, columns, preset, options.mapping, options.exact_mapping)
        frame = pd.DataFrame({target: raw.frame[source] for source, target in mapping.items()})
        if preset is not None:
            for target, function in preset.tidy.items():
                if target in frame.columns:
                    frame[target] = function(frame[target])
        batch = Batch(frame, raw.lines)
    constants = {**(preset.constants if preset else {}), **options.constants}
    known = fields_of(kind)
    for target, value in constants.items():
        if target not in known:
            raise ImportFailed(f"{target!r} is not a field of {kind}; its fields are {', '.join(known)}")
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
    file_name = options.file_name or path.name
    report(0.02, f"reading {file_name}")
    raw = read_file(path, file_name)
    sha = file_sha256(path)
    summary = ImportSummary(kind, file_name, preset.name if preset else None, sha, options.dry_run)
    summary.rows_read = raw.rows_read
    batch, mapping = map_rows(kind, raw, preset, options)
    summary.mapping = mapping
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
            if clean.empty:
                summary.failed = True
                raise ImportFailed(_nothing_usable(summary), summary)
            report(0.55, "writing")
            status = handler.write(ctx, clean)
            _count_statuses(summary, batch, clean, status)
            summary.written = ctx.written
            summary.warnings = [
                f"{message} ({count:,} rows)" if count > 1 else message for message, count in batch.warnings.items()
            ]
            if summary.rows_accepted == 0:
                summary.duration_s = time.perf_counter() - started
                raise _NothingNew
            report(0.8, "rebuilding the monthly rollups")
            db.rebuild_rollups(con, crime=ctx.incidents_changed)
            summary.duration_s = time.perf_counter() - started
            summary.import_id = _log(con, summary, options, ctx.rejected)
            report(0.9, "saving")
    except _NothingNew:
        return summary
    except db.SchemaMismatch as error:
        raise ImportFailed(str(error)) from None
    except duckdb.Error as error:
        raise ImportFailed(f"the database refused the rows ({str(error).splitlines()[0][:200]})") from None
    summary.swapped = not options.dry_run
    summary.duration_s = time.perf_counter() - started
    report(1.0, "done")
    return summary


class _NothingNew(Exception):
    """Every valid row is already stored: leave the database exactly as it was."""


def _collapse_rejected_lines(batch: Batch) -> None:
    """A source line becomes several rows only in reshaped (wide) files: all or none of them."""
    if len(batch.lines) == 0 or batch.alive.all():
        return
    dead_lines = np.unique(batch.lines[~batch.alive])
    batch.alive &= ~np.isin(batch.lines, dead_lines)


def _fill_rejections(summary: ImportSummary, raw: RawTable, batch: Batch, ctx: kinds.Context) -> None:
    table = batch.reject_table()
    table = table.drop_duplicates("line", keep="first")
    parse = pd.DataFrame(raw.parse_rejects, columns=["line", "reason", "raw"])
    parse["detail"] = None
    table["raw"] = raw.raw_text(batch.source_rows[table["position"].to_numpy()]) if len(table) else []
    combined = pd.concat([parse, table[["line", "reason", "detail", "raw"]]], ignore_index=True)
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
        ReasonCount(reason, int(row.rows), int(row.first_line), None if pd.isna(row.example) else repr(row.example))
        for reason, row in grouped.iterrows()
    ]
    summary.unmapped_offenses = ctx.unmapped_offenses
    summary.offence_review = ctx.offence_review


def _nothing_usable(summary: ImportSummary) -> str:
    if not summary.reasons:
        return f"{summary.file_name} has no rows to import"
    top = summary.reasons[0]
    others = len(summary.reasons) - 1
    more = f", and {others} other reason{'s' if others > 1 else ''}" if others else ""
    if summary.rows_rejected == 1:
        return f"the only row of {summary.file_name} cannot be imported: {top.reason} (line {top.first_line})"
    top_rows = f"{top.rows:,} rows" if top.rows != 1 else "1 row"
    return (
        f"none of the {summary.rows_rejected:,} rows of {summary.file_name} can be imported: "
        f"{top.reason} ({top_rows}, first on line {top.first_line}){more}"
    )


def _count_statuses(summary: ImportSummary, batch: Batch, clean: pd.DataFrame, status: np.ndarray) -> None:
    """Count source lines: new if any of its rows is new or changed, else unchanged."""
    lines = batch.lines[clean["position"].to_numpy()]
    changed = pd.Series(status != "unchanged").groupby(lines).any()
    summary.rows_accepted = int(changed.sum())
    summary.rows_unchanged = int((~changed).sum())


def _log(con: duckdb.DuckDBPyConnection, summary: ImportSummary, options: ImportOptions, rejected: pd.DataFrame) -> int:
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
    rejected = _rejected_frame(import_id, rejected)
    if len(rejected):
        con.register("rejected_frame", rejected)
        try:
            con.execute("insert into rejected_rows select * from rejected_frame")
        finally:
            con.unregister("rejected_frame")
    return int(import_id)


def _rejected_frame(import_id: int, rejected: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "import_id": import_id,
            "line_number": rejected["line"].astype("int64"),
            "reason": [
                f"{reason}: {detail}" if isinstance(detail, str) and detail else reason
                for reason, detail in zip(rejected["reason"], rejected["detail"], strict=True)
            ],
            "raw": rejected["raw"],
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
