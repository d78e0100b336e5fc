"""Reading any supported file into strings: CSV/TXT/TSV, Excel .xlsx, GeoJSON and shapefiles.

Every cell is read as text (so "009" stays "009" and "=HYPERLINK(...)" stays text) and
typed later by the field rules. Each row keeps the line number people see in a text
editor or spreadsheet (the header is line 1); a GeoJSON or shapefile row keeps its
feature number. Rows a CSV parser cannot split into the header's columns are returned
as rejects with their line, never dropped silently.

What a file may cost is capped (LIMITS) before the expensive part starts: bytes and rows
of a text file (one streaming pass counts them), the sheet XML, shared strings and cells
of a workbook (sizes from the zip directory, counts from a streaming scan, both before
openpyxl parses anything), and the bytes and features of shapes. Each cap, when exceeded,
is one sentence that says what to do instead.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from data.importers.errors import ImportFailed

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
GEO_SUFFIXES = (".geojson", ".json", ".shp", ".zip", ".gpkg")
SUPPORTED = TEXT_SUFFIXES + EXCEL_SUFFIXES + GEO_SUFFIXES
_SAMPLE_BYTES = 1 << 16
_DECODE_CHUNK = 1 << 22
MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """What one file may cost. The numbers and why are in README.md ("What a file may cost")."""

    text_bytes: int = 2048 * MIB  # a CSV of ~20M incidents; the importer needs ~16x in memory
    rows: int = 10_000_000  # DESIGN.md's scale: 10M incidents in one database
    columns: int = 16_384  # Excel's own maximum; no export has more
    header_bytes: int = 4 * MIB  # 16,384 columns of 256 characters
    value_bytes: int = 16 * MIB  # one cell; Arrow's block size, so a fast-read row always fits
    xlsx_sheet_bytes: int = 128 * MIB  # uncompressed XML of the sheet read, checked before parsing
    xlsx_part_bytes: int = 16 * MIB  # shared strings, styles and every other part openpyxl parses
    xlsx_cells: int = 1_000_000  # openpyxl reads ~100k cells/s here: at most ~10 s per workbook
    geo_bytes: int = 512 * MIB  # a GeoJSON, shapefile or GeoPackage (unzipped)
    geo_features: int = 250_000  # every US census tract (85k) three times over


LIMITS = Limits()
# The Import page accepts uploads up to this many MB (.streamlit/config.toml maxUploadSize): the
# benchmarked 1M-row incidents CSV (97 MB) imports in ~5 s at ~1.6 GB peak memory, so the app
# never holds more than one such import per upload; bigger files go through the CLI.
UPLOAD_LIMIT_MB = 100


@dataclass
class RawTable:
    """A file's rows as text, with line numbers, rows rejected while parsing, and shapes."""

    frame: pd.DataFrame  # one column per header, every value str or missing
    lines: np.ndarray  # int64 line (or feature) number of each row
    file_format: str  # 'csv' | 'excel' | 'geojson' | 'shapefile'
    parse_rejects: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    geometry: object | None = None  # geopandas.GeoSeries in EPSG:4326, aligned with frame
    encoding: str | None = None
    delimiter: str | None = None
    # a header that appears more than once: its text -> the column names it got, in file order
    duplicate_headers: dict[str, list[str]] = field(default_factory=dict)
    # column -> line numbers of cells holding a formula whose value was never saved
    uncached_formulas: dict[str, list[int]] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.parse_rejects)

    def position_of(self, column: str) -> int:
        """1-based position of a column in the file, as a spreadsheet counts it."""
        return list(self.frame.columns).index(column) + 1


def read_file(path: str | Path, file_name: str | None = None, limits: Limits = LIMITS) -> RawTable:
    """Read `path` (named `file_name` for messages) into a RawTable, or raise ImportFailed."""
    path = Path(path)
    name = file_name or path.name
    suffix = Path(name).suffix.lower()
    if not path.is_file():
        raise ImportFailed(f"there is no file at {path}")
    if path.stat().st_size == 0:
        raise ImportFailed(f"{name} is empty")
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, name, limits)
    if suffix in GEO_SUFFIXES:
        return _read_geo(path, name, suffix, limits)
    if suffix == ".xls":
        raise ImportFailed(f"{name} is an old-style .xls workbook; save it as .xlsx or .csv and import that")
    if suffix in TEXT_SUFFIXES or suffix == "":
        return _read_delimited(path, name, limits)
    raise ImportFailed(
        f"{name} has the extension {suffix[:20]!r}; Bridgeboard reads CSV, Excel .xlsx, GeoJSON and shapefiles"
    )


def _size(count: int) -> str:
    if count >= MIB:
        return f"{count / MIB:,.0f} MB"
    return f"{count / 1024:,.0f} KB" if count >= 1024 else f"{count:,} bytes"


def _too_big(name: str, size: int, cap: int, what: str, instead: str) -> ImportFailed:
    return ImportFailed(
        f"{name} is too large to import: {what} is {_size(size)} and Bridgeboard reads at most {_size(cap)}; {instead}"
    )


# --- text -------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """utf-8 (a BOM is skipped), else Windows-1252, else Latin-1 (which decodes anything)."""
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(_DECODE_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"


def _decodes(head: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _wide_encoding(head: bytes) -> str | None:
    """UTF-32 or UTF-16 from a byte-order mark, or from where the zero bytes of plain text fall."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00 starts both
        return "UTF-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    sample = head[: 4096 - 4096 % 4]
    if len(sample) < 16:
        return None
    zeros = [sample[offset::4].count(0) / len(sample[offset::4]) for offset in range(4)]
    if (min(zeros[1:]) > 0.9 and zeros[0] < 0.5) or (min(zeros[:3]) > 0.9 and zeros[3] < 0.5):
        return "UTF-32"
    if zeros[1] > 0.9 and zeros[3] > 0.9 and max(zeros[0], zeros[2]) < 0.5:
        return "UTF-16"
    if zeros[0] > 0.9 and zeros[2] > 0.9 and max(zeros[1], zeros[3]) < 0.5:
        return "UTF-16"
    return None


def _check_is_text(path: Path, name: str) -> bytes:
    with open(path, "rb") as handle:
        head = handle.read(_SAMPLE_BYTES)
    if head.startswith(b"PK\x03\x04"):
        raise ImportFailed(f"{name} is a zip or Excel file with a text extension; give it its real extension")
    if wide := _wide_encoding(head):
        raise ImportFailed(f"{name} is saved as {wide}; save it as UTF-8 CSV and import that")
    # a stray zero byte is one damaged line (refused with its line number); many are binary
    if sum(byte < 9 or 13 < byte < 32 for byte in head[:4096]) > 8:
        raise ImportFailed(f"{name} is not a text file (it holds binary data), so it cannot be read as CSV")
    return head


@dataclass(frozen=True)
class _ByteScan:
    newlines: int
    ends_with_newline: bool
    nul_bytes: int


def _scan_bytes(path: Path) -> _ByteScan:
    """One streaming pass over the file: line breaks and zero bytes, wherever they are."""
    newlines = nul_bytes = 0
    last = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(_DECODE_CHUNK):
            newlines += chunk.count(b"\n")
            nul_bytes += chunk.count(b"\x00")
            last = chunk[-1:]
    return _ByteScan(newlines, last == b"\n", nul_bytes)


def _sniff_delimiter(header: str) -> str:
    counts = {delimiter: _count_outside_quotes(header, delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > 0 else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def _header_line(path: Path, name: str, encoding: str, limits: Limits) -> str:
    """The first non-blank line, whole however long (up to limits.header_bytes)."""
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        while True:
            line = handle.readline(limits.header_bytes + 1)
            if not line:
                return ""
            if len(line) > limits.header_bytes and not line.endswith(("\n", "\r")):
                raise ImportFailed(
                    f"{name}'s first line is longer than {limits.header_bytes // MIB} MB, so it is not a header"
                    " row: is this a CSV file?"
                )
            line = line.lstrip("\ufeff").rstrip("\r\n")
            if line.strip():
                return line


def _read_delimited(path: Path, name: str, limits: Limits) -> RawTable:
    size = path.stat().st_size
    if size > limits.text_bytes:
        raise _too_big(name, size, limits.text_bytes, "the file", "split it into several files (by year, say)")
    head = _check_is_text(path, name)
    scan = _scan_bytes(path)
    if scan.newlines > limits.rows + 1:
        raise ImportFailed(
            f"{name} has {scan.newlines:,} lines and Bridgeboard imports at most {limits.rows:,} rows from one"
            " file; split it into several files (by year, say)"
        )
    # Arrow validates UTF-8 as it parses, so a file whose start is UTF-8 is tried as such
    # and fully checked (and re-read as Windows-1252 or Latin-1) only if that fails
    encoding = "utf-8" if _decodes(head, "utf-8") else detect_encoding(path)
    columns, delimiter, duplicates = _header(path, name, encoding, limits)
    table = None if scan.nul_bytes else _read_fast(path, encoding, delimiter, columns, scan)
    if table is None and encoding == "utf-8" and detect_encoding(path) != "utf-8":
        encoding = detect_encoding(path)
        columns, delimiter, duplicates = _header(path, name, encoding, limits)
        table = None if scan.nul_bytes else _read_fast(path, encoding, delimiter, columns, scan)
    if table is None:
        frame, lines, rejects = _read_exact(path, encoding, delimiter, columns, limits)
    else:
        frame, lines, rejects = table, np.arange(2, len(table) + 2, dtype=np.int64), []
    if frame.empty and not rejects:
        raise ImportFailed(f"{name} has a header but no rows")
    return RawTable(frame, lines, "csv", rejects, encoding=encoding, delimiter=delimiter, duplicate_headers=duplicates)


def _header(path: Path, name: str, encoding: str, limits: Limits) -> tuple[list[str], str, dict[str, list[str]]]:
    header_line = _header_line(path, name, encoding, limits)
    if not header_line:
        raise ImportFailed(f"{name} has no header row (the first lines are blank)")
    delimiter = _sniff_delimiter(header_line)
    _allow_long_fields(limits)
    header = next(csv.reader([header_line], delimiter=delimiter))
    if len(header) > limits.columns:
        raise ImportFailed(
            f"{name} has {len(header):,} columns and Bridgeboard reads at most {limits.columns:,}; keep the columns"
            " you need and import that"
        )
    columns, duplicates = unique_columns(header)
    return columns, delimiter, duplicates


def _allow_long_fields(limits: Limits) -> None:
    # csv refuses fields over 128 KiB by default; a long header or cell is read whole up to the cap
    csv.field_size_limit(max(csv.field_size_limit(), limits.value_bytes, limits.header_bytes))


def unique_columns(header: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Column names made unique ("DATE OCC", "DATE OCC_2"), and which headers repeated."""
    columns, seen, groups = [], {}, {}
    for position, raw in enumerate(header):
        text = str(raw).strip().lstrip("\ufeff")
        column = text or f"column_{position + 1}"
        if column in seen:
            seen[column] += 1
            unique = f"{column}_{seen[column]}"
            while unique in seen:
                unique += "_"
            seen[unique] = 1
            groups.setdefault(column, [column]).append(unique)
            column = unique
        else:
            seen[column] = 1
        columns.append(column)
    return columns, {text: names for text, names in groups.items() if not text.startswith("column_")}


def _read_fast(path: Path, encoding: str, delimiter: str, columns: list[str], scan: _ByteScan) -> pd.DataFrame | None:
    """Arrow's multithreaded parser, used only when every record is one clean line.

    Returns None (use the exact reader) when a row has the wrong number of fields, a quoted
    value spans lines, or there are blank lines: then line numbers need the slow reader.
    """
    bad_rows = []

    def on_invalid(row: pa_csv.InvalidRow) -> str:
        bad_rows.append(row)
        return "skip"

    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(
                encoding="utf8" if encoding == "utf-8" else encoding,
                column_names=columns,
                skip_rows=1,
                block_size=1 << 24,
            ),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(columns, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if bad_rows:
        return None
    newlines = scan.newlines if scan.ends_with_newline else scan.newlines + 1
    if newlines not in (table.num_rows + 1, table.num_rows):  # with or without a final newline
        return None
    return table.to_pandas(types_mapper=pd.ArrowDtype).astype("str")


NUL_REASON = "holds a NUL byte (a zero byte): the line is damaged"


def _read_exact(
    path: Path, encoding: str, delimiter: str, columns: list[str], limits: Limits = LIMITS
) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, str]]]:
    """Python's csv reader: slower, but knows each record's first line and keeps ragged rows."""
    _allow_long_fields(limits)
    records, lines, rejects = [], [], []
    width = len(columns)
    with open(path, encoding=encoding, newline="", errors="strict") as handle:
        if encoding == "utf-8" and handle.read(1) != "\ufeff":
            handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter, strict=False)
        previous_end = 0
        try:
            for number, record in enumerate(reader):
                start = previous_end + 1
                previous_end = reader.line_num
                if number == 0:
                    continue
                if not record or all(not value.strip() for value in record):
                    continue
                if any("\x00" in value for value in record):
                    rejects.append((start, NUL_REASON))
                    continue
                if len(record) != width:
                    if len(record) < width:
                        reason = f"has {len(record)} of the {width} columns (a cut-short or broken line)"
                    else:
                        reason = f"has {len(record)} values for {width} columns (a stray delimiter or unquoted text)"
                    rejects.append((start, reason))
                    continue
                records.append(record)
                lines.append(start)
        except csv.Error as error:
            rejects.append((previous_end + 1, f"cannot be parsed ({str(error)[:200]}); the file may be cut short"))
    frame = pd.DataFrame(records, columns=columns, dtype="str") if records else pd.DataFrame(columns=columns)
    frame = frame.astype("str").replace("", None)
    return frame, np.asarray(lines, dtype=np.int64), rejects


# --- Excel ------------------------------------------------------------------------------

_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _excel_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return _cell_text(value)


def _check_workbook_parts(archive: zipfile.ZipFile, name: str, limits: Limits) -> None:
    """Every XML part openpyxl would parse, by the sizes the zip directory declares.

    Python's zipfile never inflates a member past its declared size (it fails the CRC), so
    the declared sizes bound what parsing can cost.
    """
    for member in archive.infolist():
        lower = member.filename.lower()
        if not lower.endswith((".xml", ".rels")):
            continue
        is_sheet = lower.startswith("xl/worksheets/")
        cap = limits.xlsx_sheet_bytes if is_sheet else limits.xlsx_part_bytes
        if member.file_size > cap:
            what = "a sheet's XML" if is_sheet else f"its part {member.filename}"
            raise _too_big(name, member.file_size, cap, what, "save the sheet as CSV and import that")


def _scan_sheet(archive: zipfile.ZipFile, member: str, limits: Limits) -> tuple[int, int, bool]:
    """(rows, cells, has formulas) of a sheet's XML, counted in one streaming pass.

    Stops counting once the cells pass the cap. Plain tags are counted with bytes.count (GB/s);
    a sheet written with namespace prefixes (<x:c>) falls back to a regular expression.
    """
    rows = cells = 0
    formulas = False
    carry = b""
    prefixed = None
    with archive.open(member) as handle:
        while chunk := handle.read(_DECODE_CHUNK):
            data = carry + chunk
            # a tag split across chunks starts at the last "<" near the end: it is counted with the next chunk
            cut = data.rfind(b"<", max(0, len(data) - 16))
            cut = len(data) if cut < 0 else cut
            body, carry = data[:cut], data[cut:]
            if prefixed is None:
                prefixed = re.search(rb"<\w+:(?:c|row)[\s>/]", data) is not None
            rows, cells, formulas = _count_tags(body, prefixed, rows, cells, formulas)
            if cells > limits.xlsx_cells:
                return rows, cells, formulas
    return _count_tags(carry, bool(prefixed), rows, cells, formulas)


def _count_tags(body: bytes, prefixed: bool, rows: int, cells: int, formulas: bool) -> tuple[int, int, bool]:
    if prefixed:
        rows += len(_ROW_TAG.findall(body))
        cells += len(_CELL_TAG.findall(body))
        return rows, cells, formulas or _FORMULA_TAG.search(body) is not None
    rows += body.count(b"<row ") + body.count(b"<row>")
    cells += body.count(b"<c ") + body.count(b"<c>") + body.count(b"<c/>")
    return rows, cells, formulas or b"<f>" in body or b"<f " in body


def _too_many_cells(name: str, cells: int, limits: Limits, cost: int | None = None) -> ImportFailed:
    if cells > limits.xlsx_cells:  # counting stops soon after the cap: a lower bound
        counted = f" (it holds at least {cells:,})"
    elif cost is not None and cost > limits.xlsx_cells:  # sheets without a <dimension>, or formulas, are read twice
        counted = f" (it holds {cells:,}, but reading it means parsing {cost:,})"
    else:
        counted = ""
    return ImportFailed(
        f"{name} is too large to read as a workbook: Bridgeboard reads at most {limits.xlsx_cells:,} cells from"
        f" one{counted}; save the sheet as CSV, which has no such limit, and import that"
    )


def _sheet_members(archive: zipfile.ZipFile) -> list[str]:
    """The workbook's sheets' XML parts, in the workbook's order (the first is the one imported)."""
    import xml.etree.ElementTree as ET

    relationships = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    workbook = ET.fromstring(archive.read("xl/workbook.xml"))
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    members = []
    for sheet in workbook.iter():
        if sheet.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        target = targets.get(sheet.get(relationships), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if member in archive.namelist():
            members.append(member)
    return members


def _has_dimension(archive: zipfile.ZipFile, member: str) -> bool:
    """Whether a <dimension> comes before <sheetData>: without it openpyxl reads the whole sheet to size it."""
    with archive.open(member) as handle:
        head = handle.read(_SAMPLE_BYTES)
    dimension = re.search(rb"<(?:\w+:)?dimension[\s>/]", head)
    data = re.search(rb"<(?:\w+:)?sheetData[\s>/]", head)
    return dimension is not None and (data is None or dimension.start() < data.start())


def _check_workbook_cost(archive: zipfile.ZipFile, name: str, limits: Limits) -> bool:
    """Refuse a workbook whose parsing would cost more than limits.xlsx_cells cells; whether it has formulas.

    openpyxl parses the first sheet once to read it (twice when formulas need their text too),
    and once more at load time each sheet that lacks a <dimension>, so those count as well.
    """
    members = _sheet_members(archive)
    if not members:
        raise ImportFailed(f"{name} has no sheets")
    _, first_cells, has_formulas = _scan_sheet(archive, members[0], limits)
    cost = first_cells * (1 if _has_dimension(archive, members[0]) else 2)
    for member in members[1:]:
        if cost > limits.xlsx_cells:
            break
        if not _has_dimension(archive, member):
            cost += _scan_sheet(archive, member, limits)[1]
    cost *= 2 if has_formulas else 1
    if cost > limits.xlsx_cells:
        raise _too_many_cells(name, first_cells, limits, cost)
    return has_formulas


def _read_excel(path: Path, name: str, limits: Limits) -> RawTable:
    import openpyxl

    if not zipfile.is_zipfile(path):
        raise ImportFailed(f"{name} is not a valid .xlsx workbook (it may be damaged or another format renamed)")
    try:
        with zipfile.ZipFile(path) as archive:
            _check_workbook_parts(archive, name, limits)
            has_formulas = _check_workbook_cost(archive, name, limits)
        values_book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except ImportFailed:
        raise
    except Exception as error:
        raise ImportFailed(f"{name} could not be read as an Excel workbook ({_short(error)})") from None
    formula_book = None
    try:
        if not values_book.worksheets:
            raise ImportFailed(f"{name} has no sheets")
        sheet = values_book.worksheets[0]
        sheet.reset_dimensions()  # a <dimension> that claims XFD1048576 must not pad every row
        formula_rows = None
        if has_formulas:
            formula_book = openpyxl.load_workbook(path, read_only=True, data_only=False)
            formula_sheet = formula_book.worksheets[0]
            formula_sheet.reset_dimensions()
            formula_rows = formula_sheet.iter_rows(values_only=True)
        rows, uncached = _sheet_rows(sheet.iter_rows(values_only=True), formula_rows, name, limits)
    except ImportFailed:
        raise
    except Exception as error:
        raise ImportFailed(f"{name} could not be read as an Excel workbook ({_short(error)})") from None
    finally:
        values_book.close()
        if formula_book is not None:
            formula_book.close()
    return _excel_table(rows, uncached, name, limits)


def _sheet_rows(value_rows, formula_rows, name: str, limits: Limits):
    """[(sheet row number, [text...])] of non-empty rows, and {(row, column index)} of uncached formulas."""
    rows, uncached, cells = [], set(), 0
    for number, values in enumerate(value_rows, start=1):
        row_has_uncached = False
        formulas = next(formula_rows, ()) if formula_rows is not None else ()
        cells += len(values)
        if cells > limits.xlsx_cells:
            raise _too_many_cells(name, cells, limits)
        texts = [_excel_text(value) for value in values]
        for index, formula in enumerate(formulas):
            if isinstance(formula, str) and formula.startswith("=") and index < len(values) and values[index] is None:
                uncached.add((number, index))
                texts[index] = None
                row_has_uncached = True
        if row_has_uncached or any(text is not None for text in texts):
            rows.append((number, texts))
    return rows, uncached


def _excel_table(rows, uncached, name: str, limits: Limits) -> RawTable:
    if not rows:
        raise ImportFailed(f"{name} has no data on its first sheet")
    width = max(len(texts) for _, texts in rows)
    if width > limits.columns:
        raise ImportFailed(f"{name} has {width:,} columns and Bridgeboard reads at most {limits.columns:,}")
    header_number, header = rows[0]
    header = [*header, *([None] * (width - len(header)))]
    body = [(number, [*texts, *([None] * (width - len(texts)))]) for number, texts in rows[1:]]
    formula_columns = {column for _, column in uncached}
    used = [
        index
        for index in range(width)
        if header[index] is not None or index in formula_columns or any(texts[index] is not None for _, texts in body)
    ]
    columns, duplicates = unique_columns(["" if header[index] is None else header[index] for index in used])
    frame = pd.DataFrame([[texts[index] for index in used] for _, texts in body], columns=columns, dtype=object)
    lines = np.array([number for number, _ in body], dtype=np.int64)
    keep = frame.notna().any(axis=1).to_numpy() | np.isin(lines, [row for row, _ in uncached])
    frame, lines = frame[keep].reset_index(drop=True), lines[keep]
    if frame.empty:
        raise ImportFailed(f"{name} has a header but no rows on its first sheet")
    formulas: dict[str, list[int]] = {}
    for row, index in sorted(uncached):
        if row != header_number and index in used:
            formulas.setdefault(columns[used.index(index)], []).append(row)
    return RawTable(frame, lines, "excel", duplicate_headers=duplicates, uncached_formulas=formulas)


# --- shapes -----------------------------------------------------------------------------


def _check_shapefile_zip(path: Path, name: str, limits: Limits) -> None:
    with zipfile.ZipFile(path) as archive:
        members = [member for member in archive.infolist() if not member.is_dir()]
        unzipped = sum(member.file_size for member in members)
        if unzipped > limits.geo_bytes:
            raise _too_big(name, unzipped, limits.geo_bytes, "its content unzipped", "split it into smaller files")
        names = {member.filename.lower() for member in members}
        shapes = [member.filename for member in members if member.filename.lower().endswith(".shp")]
        if not shapes:
            raise ImportFailed(f"{name} holds no shapefile (.shp)")
        for shape in shapes:
            stem = shape[:-4]
            for extension, role in ((".shx", "index"), (".dbf", "attribute table")):
                if (stem + extension).lower() not in names:
                    raise ImportFailed(
                        f"{name} holds {Path(shape).name} without {Path(stem).name}{extension} (the shapefile's"
                        f" {role}); zip all the files that share its name (.shp, .shx, .dbf, .prj) and import that"
                    )


def _read_geo(path: Path, name: str, suffix: str, limits: Limits) -> RawTable:
    import geopandas
    import pyogrio

    if suffix == ".zip" and not zipfile.is_zipfile(path):
        raise ImportFailed(f"{name} is not a valid zip file")
    if suffix == ".zip":
        _check_shapefile_zip(path, name, limits)
    elif path.stat().st_size > limits.geo_bytes:
        raise _too_big(name, path.stat().st_size, limits.geo_bytes, "the file", "split it into smaller files")
    if suffix == ".shp" and not (path.with_suffix(".shx").exists() or path.with_suffix(".SHX").exists()):
        raise ImportFailed(
            f"{name} has no {path.stem}.shx beside it (the shapefile's index); copy it next to the .shp,"
            " or zip all the files that share its name and import that"
        )
    kind = "GeoJSON" if suffix in (".geojson", ".json") else "a shapefile"
    try:
        features = pyogrio.read_info(path).get("features")
    except Exception as error:
        raise ImportFailed(f"{name} could not be read as {kind} ({_short(error)})") from None
    if features is not None and features > limits.geo_features:
        raise ImportFailed(
            f"{name} has {features:,} features and Bridgeboard imports at most {limits.geo_features:,} areas from"
            " one file; split it (by state, say)"
        )
    try:
        shapes = geopandas.read_file(path)
    except Exception as error:
        raise ImportFailed(f"{name} could not be read as {kind} ({_short(error)})") from None
    if shapes.empty:
        raise ImportFailed(f"{name} has no features")
    if shapes.crs is None:
        minx, miny, maxx, maxy = shapes.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise ImportFailed(f"{name} has no coordinate system and its coordinates are not longitude/latitude")
        shapes = shapes.set_crs(4326)
    elif not shapes.crs.equals("EPSG:4326") and shapes.crs.to_epsg() != 4326:
        shapes = shapes.to_crs(4326)
    attributes = pd.DataFrame(shapes.drop(columns=shapes.geometry.name))
    columns, duplicates = unique_columns([str(column) for column in attributes.columns])
    attributes.columns = columns
    for column in attributes.columns:
        attributes[column] = attributes[column].map(_cell_text, na_action="ignore")
    attributes = attributes.astype("str").replace("", None) if len(attributes.columns) else attributes
    file_format = "geojson" if suffix in (".geojson", ".json") else "shapefile"
    lines = np.arange(1, len(shapes) + 1, dtype=np.int64)
    return RawTable(
        attributes.reset_index(drop=True),
        lines,
        file_format,
        geometry=shapes.geometry.reset_index(drop=True),
        duplicate_headers=duplicates,
    )


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else str(value)
    return str(value)


def _short(error: Exception) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200].rstrip(".")


def sample_text(path: Path, limit: int = 4096) -> str:
    """The first bytes of a text file, decoded, for error messages."""
    with open(path, "rb") as handle:
        return io.TextIOWrapper(io.BytesIO(handle.read(limit)), encoding="latin-1").read()
