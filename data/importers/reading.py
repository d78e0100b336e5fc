"""Reading any supported file into strings: CSV/TXT/TSV, Excel .xlsx, GeoJSON and shapefiles.

Every cell is read as text (so "009" stays "009" and "=HYPERLINK(...)" stays text) and
typed later by the field rules. Each row keeps the line number people see in a text
editor or spreadsheet (the header is line 1); a GeoJSON or shapefile row keeps its
feature number. Rows a CSV parser cannot split into the header's columns are returned
as rejects with their line, never dropped silently.
"""

from __future__ import annotations

import codecs
import csv
import io
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


@dataclass
class RawTable:
    """A file's rows as text, with line numbers, rows rejected while parsing, and shapes."""

    frame: pd.DataFrame  # one column per header, every value str or missing
    lines: np.ndarray  # int64 line (or feature) number of each row
    file_format: str  # 'csv' | 'excel' | 'geojson' | 'shapefile'
    parse_rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (line, reason, raw)
    geometry: object | None = None  # geopandas.GeoSeries in EPSG:4326, aligned with frame
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def rows_read(self) -> int:
        return len(self.frame) + len(self.parse_rejects)

    def raw_text(self, positions: np.ndarray) -> list[str]:
        """The rows at these positions as delimited text, for rejected_rows.raw."""
        separator = self.delimiter or ","
        subset = self.frame.iloc[positions].astype(object).where(self.frame.iloc[positions].notna(), "")
        return [separator.join(str(value) for value in row)[:2000] for row in subset.itertuples(index=False)]


def read_file(path: str | Path, file_name: str | None = None) -> RawTable:
    """Read `path` (named `file_name` for messages) into a RawTable, or raise ImportFailed."""
    path = Path(path)
    name = file_name or path.name
    suffix = Path(name).suffix.lower()
    if not path.is_file():
        raise ImportFailed(f"there is no file at {path}")
    if path.stat().st_size == 0:
        raise ImportFailed(f"{name} is empty")
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, name)
    if suffix in GEO_SUFFIXES:
        return _read_geo(path, name, suffix)
    if suffix == ".xls":
        raise ImportFailed(f"{name} is an old-style .xls workbook; save it as .xlsx or .csv and import that")
    if suffix in TEXT_SUFFIXES or suffix == "":
        return _read_delimited(path, name)
    raise ImportFailed(
        f"{name} has the extension {suffix!r}; Bridgeboard reads CSV, Excel .xlsx, GeoJSON and shapefiles"
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


def _check_is_text(path: Path, name: str) -> bytes:
    with open(path, "rb") as handle:
        head = handle.read(_SAMPLE_BYTES)
    if head.startswith(b"PK\x03\x04"):
        raise ImportFailed(f"{name} is a zip or Excel file with a text extension; give it its real extension")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailed(f"{name} is saved as UTF-16; save it as UTF-8 CSV and import that")
    if b"\x00" in head or sum(byte < 9 or 13 < byte < 32 for byte in head[:4096]) > 8:
        raise ImportFailed(f"{name} is not a text file (it holds binary data), so it cannot be read as CSV")
    return head


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


def _read_delimited(path: Path, name: str) -> RawTable:
    head = _check_is_text(path, name)
    # Arrow validates UTF-8 as it parses, so a file whose start is UTF-8 is tried as such
    # and fully checked (and re-read as Windows-1252 or Latin-1) only if that fails
    encoding = "utf-8" if _decodes(head, "utf-8") else detect_encoding(path)
    text_head = head.decode(encoding, errors="replace").lstrip("\ufeff")
    header_line = next((line for line in text_head.splitlines() if line.strip()), "")
    if not header_line:
        raise ImportFailed(f"{name} has no header row (the first lines are blank)")
    delimiter = _sniff_delimiter(header_line)
    header = next(csv.reader([header_line], delimiter=delimiter))
    columns = _unique_columns(header)
    table = _read_fast(path, encoding, delimiter, columns)
    if table is None and encoding == "utf-8" and detect_encoding(path) != "utf-8":
        encoding = detect_encoding(path)
        table = _read_fast(path, encoding, delimiter, columns)
    if table is None:
        frame, lines, rejects = _read_exact(path, encoding, delimiter, columns)
    else:
        frame, lines, rejects = table, np.arange(2, len(table) + 2, dtype=np.int64), []
    if frame.empty and not rejects:
        raise ImportFailed(f"{name} has a header but no rows")
    return RawTable(frame, lines, "csv", rejects, encoding=encoding, delimiter=delimiter)


def _unique_columns(header: list[str]) -> list[str]:
    columns, seen = [], {}
    for position, raw in enumerate(header):
        column = raw.strip().lstrip("\ufeff") or f"column_{position + 1}"
        if column in seen:
            seen[column] += 1
            column = f"{column}_{seen[column]}"
        else:
            seen[column] = 1
        columns.append(column)
    return columns


def _read_fast(path: Path, encoding: str, delimiter: str, columns: list[str]) -> pd.DataFrame | None:
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
    newlines = _count_newlines(path)
    if newlines not in (table.num_rows + 1, table.num_rows):  # with or without a final newline
        return None
    return table.to_pandas(types_mapper=pd.ArrowDtype).astype("str")


def _count_newlines(path: Path) -> int:
    count, last = 0, b""
    with open(path, "rb") as handle:
        while chunk := handle.read(_DECODE_CHUNK):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count if last == b"\n" else count + 1


def _read_exact(
    path: Path, encoding: str, delimiter: str, columns: list[str]
) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, str, str]]]:
    """Python's csv reader: slower, but knows each record's first line and keeps ragged rows."""
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
                if len(record) != width:
                    raw = delimiter.join(record)[:2000]
                    if len(record) < width:
                        reason = f"has {len(record)} of the {width} columns (a cut-short or broken line)"
                    else:
                        reason = f"has {len(record)} values for {width} columns (a stray delimiter or unquoted text)"
                    rejects.append((start, reason, raw))
                    continue
                records.append(record)
                lines.append(start)
        except csv.Error as error:
            rejects.append((previous_end + 1, f"cannot be parsed ({error}); the file may be cut short", ""))
    frame = pd.DataFrame(records, columns=columns, dtype="str") if records else pd.DataFrame(columns=columns)
    frame = frame.astype("str").replace("", None)
    return frame, np.asarray(lines, dtype=np.int64), rejects


# --- Excel ------------------------------------------------------------------------------


def _read_excel(path: Path, name: str) -> RawTable:
    if not zipfile.is_zipfile(path):
        raise ImportFailed(f"{name} is not a valid .xlsx workbook (it may be damaged or another format renamed)")
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl", header=None)
    except Exception as error:
        raise ImportFailed(f"{name} could not be read as an Excel workbook ({_short(error)})") from None
    frame = frame.dropna(how="all", axis=1)
    if frame.empty:
        raise ImportFailed(f"{name} has no data on its first sheet")
    header_row = frame.index[0]
    columns = _unique_columns([("" if pd.isna(value) else str(value)) for value in frame.loc[header_row]])
    body = frame.loc[frame.index > header_row].copy()
    body.columns = columns
    body = body.dropna(how="all")
    lines = body.index.to_numpy(dtype=np.int64) + 1
    body = body.reset_index(drop=True).astype("str")
    body = body.apply(lambda column: column.str.strip()).replace("", None)
    if body.empty:
        raise ImportFailed(f"{name} has a header but no rows on its first sheet")
    return RawTable(body, lines, "excel")


# --- shapes -----------------------------------------------------------------------------


def _read_geo(path: Path, name: str, suffix: str) -> RawTable:
    import geopandas

    if suffix == ".zip" and not zipfile.is_zipfile(path):
        raise ImportFailed(f"{name} is not a valid zip file")
    if suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            if not any(member.lower().endswith(".shp") for member in archive.namelist()):
                raise ImportFailed(f"{name} holds no shapefile (.shp)")
    try:
        shapes = geopandas.read_file(path)
    except Exception as error:
        kind = "GeoJSON" if suffix in (".geojson", ".json") else "a shapefile"
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
    attributes.columns = _unique_columns([str(column) for column in attributes.columns])
    for column in attributes.columns:
        attributes[column] = attributes[column].map(_cell_text, na_action="ignore")
    attributes = attributes.astype("str").replace("", None) if len(attributes.columns) else attributes
    file_format = "geojson" if suffix in (".geojson", ".json") else "shapefile"
    lines = np.arange(1, len(shapes) + 1, dtype=np.int64)
    return RawTable(
        attributes.reset_index(drop=True), lines, file_format, geometry=shapes.geometry.reset_index(drop=True)
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
