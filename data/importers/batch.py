"""Vectorised typing and validation of mapped rows, collecting (line, reason) for every reject.

A Batch holds one column of text per field. Each check marks the rows it refuses with a
reason (the group people see in the summary, e.g. "weight is not a finite number above 0")
and a detail (the value); a row keeps the first reason it got, so checks run in the
order a person would fix them. Nothing here loops over rows in Python except over the
distinct values of a column, which stays fast on a million rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data.importers.errors import ImportFailed, shown

EARLIEST_PLAUSIBLE = dt.date(1960, 1, 1)
_NUMERIC_CODE = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_SPACES = re.compile(r"\s+")

# Formats tried on a sample of a date column, most specific first; the best fit is used for
# the whole column. Month-first before day-first: US agencies write 11/20/2022.
DATE_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
    "%m/%d/%y",
    "%d-%b-%Y",
    "%b %d %Y",
    "%Y%m%d",
)
DAY_FIRST_FORMATS = tuple(f for f in DATE_FORMATS if f.startswith("%d"))
MONTH_FIRST_FORMATS = tuple(f for f in DATE_FORMATS if f.startswith("%m"))
# --date-format day-first | month-first settle 03/04/2024; any other value is one strptime format
DATE_ORDER_NAMES = {
    "day-first": tuple(f for f in DATE_FORMATS if f not in MONTH_FIRST_FORMATS),
    "month-first": tuple(f for f in DATE_FORMATS if f not in DAY_FIRST_FORMATS),
}
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
)
# values that name a period, not a day: taken as its first day they would silently collide
PERIOD_PATTERNS = (
    ("year", re.compile(r"^(1[89]|2[01])\d\d$")),
    ("quarter", re.compile(r"^(q[1-4][\s/-]*\d{4}|\d{4}[\s/-]*q[1-4])$", re.IGNORECASE)),
    (
        "month",
        re.compile(rf"^(({_MONTHS})\.?([\s,/-]+(\d{{4}}|\d{{2}}))?|\d{{4}}[\s/-]+({_MONTHS})\.?)$", re.IGNORECASE),
    ),
)
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:[ T].*)?$")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "x", "1.0"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "0.0"})


def normalise_code(values: pd.Series) -> pd.Series:
    """Identifiers as text: "009", " 9", "9.0" and 9 all become "9"; other codes are trimmed."""

    def one(code: str) -> str:
        code = code.strip()
        if _NUMERIC_CODE.match(code):
            return str(int(float(code))) if "." in code else str(int(code))
        return code

    return map_distinct(values, one)


def map_distinct(values: pd.Series, function) -> pd.Series:
    """Apply `function` to each distinct non-missing value once and broadcast the results."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) == 0:
        return pd.Series([None] * len(values), index=values.index, dtype=object)
    mapped = np.array([function(value) for value in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index)


def normalise_label(text: str) -> str:
    return _SPACES.sub(" ", str(text).strip()).upper()


def clean_text(values: pd.Series) -> pd.Series:
    """Trimmed text with empty cells missing; kept exactly otherwise (formulas stay text)."""
    if values.dtype == object:
        values = values.astype("str")
    stripped = values.str.strip()
    return stripped.where(stripped != "", None)


@dataclass
class Reject:
    positions: np.ndarray
    reason: str
    details: np.ndarray | None


@dataclass
class Batch:
    """Mapped rows of one import, as text, plus what has been refused so far."""

    frame: pd.DataFrame  # one text column per mapped field, positional index 0..n-1
    lines: np.ndarray
    rejects: list[Reject] = field(default_factory=list)
    warnings: Counter = field(default_factory=Counter)
    # position of each row's source row in the file (several rows share one in wide files)
    source_rows: np.ndarray | None = None
    # field (or "*" for every date field) -> strptime format, or day-first / month-first
    date_formats: dict[str, str] = field(default_factory=dict)
    # field -> "day", "month" or "year": what one value of a date field covers
    period_units: dict[str, str] = field(default_factory=dict)
    alive: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.frame = self.frame.reset_index(drop=True)
        self.alive = np.ones(len(self.frame), dtype=bool)
        if self.source_rows is None:
            self.source_rows = np.arange(len(self.frame))

    def __len__(self) -> int:
        return len(self.frame)

    def has(self, name: str) -> bool:
        return name in self.frame.columns and self.frame[name].notna().any()

    def text(self, name: str) -> pd.Series:
        if name not in self.frame.columns:
            return pd.Series([None] * len(self.frame), dtype=object)
        return clean_text(self.frame[name])

    def reject(self, mask, reason: str, details=None) -> None:
        """Refuse the rows where mask is true (and still alive) for `reason`."""
        mask = np.asarray(mask, dtype=bool) & self.alive
        if not mask.any():
            return
        positions = np.flatnonzero(mask)
        detail_values = None
        if details is not None:
            detail_values = np.asarray(pd.Series(details).to_numpy(dtype=object))[positions]
        self.rejects.append(Reject(positions, reason, detail_values))
        self.alive &= ~mask

    def reject_duplicates(self, key: pd.DataFrame | pd.Series, reason: str, shown: pd.Series | None = None) -> None:
        """Refuse later rows repeating an earlier usable row's key (rows with a missing key part are skipped)."""
        key = key.to_frame() if isinstance(key, pd.Series) else key
        key = key.reset_index(drop=True)
        candidates = self.alive & key.notna().all(axis=1).to_numpy()
        if candidates.sum() < 2:
            return
        subset = key[candidates]
        repeated = subset.duplicated(keep="first").to_numpy()
        if not repeated.any():
            return
        group = subset.groupby(list(subset.columns), sort=False, dropna=False).ngroup().to_numpy()
        first_line = pd.Series(self.lines[candidates]).groupby(group).transform("min").to_numpy()
        mask = np.zeros(len(self), dtype=bool)
        mask[np.flatnonzero(candidates)[repeated]] = True
        details = np.full(len(self), None, dtype=object)
        prefix = shown.astype(str).to_numpy()[candidates][repeated] + " " if shown is not None else ""
        details[mask] = [f"{p}(first on line {n})" for p, n in zip(
            np.broadcast_to(prefix, repeated.sum()), first_line[repeated], strict=True)]  # fmt: skip
        self.reject(mask, reason, details)

    def warn(self, message: str, count: int = 1) -> None:
        if count:
            self.warnings[message] += int(count)

    # --- typed columns --------------------------------------------------------------------

    def required(self, name: str, values: pd.Series | None = None) -> pd.Series:
        values = self.text(name) if values is None else values
        self.reject(values.isna().to_numpy(), f"{name} is empty")
        return values

    def integer(self, name: str, *, minimum: int | None = None, maximum: int | None = None) -> pd.Series:
        """Whole numbers ("1,234" and "7.0" accepted); a bad value rejects its row."""
        raw = self.text(name)
        numbers = _to_number(raw)
        present = raw.notna().to_numpy()
        bad = present & ~np.isfinite(numbers)
        self.reject(bad, f"{name} is not a number", raw)
        fractional = present & np.isfinite(numbers) & (np.mod(np.nan_to_num(numbers), 1) != 0)
        self.reject(fractional, f"{name} is not a whole number", raw)
        self._range(name, numbers, present, raw, minimum, maximum)
        result = pd.array(np.where(np.isfinite(numbers), numbers, 0).astype(np.int64), dtype="Int64")
        result[~(present & np.isfinite(numbers))] = pd.NA
        return pd.Series(result)

    def number(
        self, name: str, *, minimum: float | None = None, maximum: float | None = None, above: float | None = None
    ) -> pd.Series:
        """Finite numbers; "inf", "nan" and text reject their row."""
        raw = self.text(name)
        numbers = _to_number(raw)
        present = raw.notna().to_numpy()
        self.reject(present & ~np.isfinite(numbers), f"{name} is not a finite number", raw)
        if above is not None:
            self.reject(present & np.isfinite(numbers) & ~(numbers > above), f"{name} is not above {above:g}", raw)
        self._range(name, numbers, present, raw, minimum, maximum)
        return pd.Series(np.where(present & np.isfinite(numbers), numbers, np.nan))

    def _range(self, name, numbers, present, raw, minimum, maximum) -> None:
        finite = present & np.isfinite(numbers)
        if minimum is not None and maximum is not None:
            outside = finite & ((numbers < minimum) | (numbers > maximum))
            self.reject(outside, f"{name} is outside {minimum:g}–{maximum:g}", raw)
        elif minimum is not None:
            self.reject(finite & (numbers < minimum), f"{name} is below {minimum:g}", raw)
        elif maximum is not None:
            self.reject(finite & (numbers > maximum), f"{name} is above {maximum:g}", raw)

    def boolean(self, name: str) -> pd.Series:
        raw = self.text(name)
        lowered = map_distinct(raw, lambda value: value.strip().lower())
        truthy = lowered.isin(TRUE_WORDS).to_numpy()
        falsy = lowered.isin(FALSE_WORDS).to_numpy()
        self.reject(raw.notna().to_numpy() & ~truthy & ~falsy, f"{name} is not yes/no or true/false", raw)
        result = pd.array(truthy, dtype="boolean")
        result[~(truthy | falsy)] = pd.NA
        return pd.Series(result)

    def choice(self, name: str, allowed: tuple[str, ...], aliases: dict[str, str] | None = None) -> pd.Series:
        """One of `allowed` (case, spaces and hyphens forgiven, plus aliases)."""
        raw = self.text(name)
        aliases = aliases or {}

        def one(value: str) -> str | None:
            key = re.sub(r"[\s\-/]+", "_", value.strip().lower())
            key = aliases.get(key, key)
            return key if key in allowed else None

        mapped = map_distinct(raw, one)
        self.reject(
            raw.notna().to_numpy() & mapped.isna().to_numpy(), f"{name} is not one of {', '.join(allowed)}", raw
        )
        return mapped

    def dates(
        self,
        name: str,
        *,
        earliest: dt.date | None = EARLIEST_PLAUSIBLE,
        latest: dt.date | None = None,
        values: pd.Series | None = None,
        with_time: bool = False,
    ) -> pd.Series:
        """Dates (or timestamps) in the column's own format; implausible ones reject their row.

        `latest` defaults to tomorrow: nothing recorded can have happened after today.
        """
        raw = self.text(name) if values is None else values
        date_format = self.date_formats.get(name, self.date_formats.get("*"))
        self.period_units[name] = period_unit(date_format)
        parsed, periods = read_dates(raw, date_format, name, self.lines)
        present = raw.notna().to_numpy()
        for period in ("year", "quarter", "month"):
            self.reject(present & (periods == period).to_numpy(), f"{name} is a {period}, not a date", raw)
        explained = f" in the format {date_format}" if date_format and date_format not in DATE_ORDER_NAMES else ""
        self.reject(present & parsed.isna().to_numpy(), f"{name} is not a date{explained}", raw)
        latest = latest or (dt.date.today() + dt.timedelta(days=1))
        if earliest is not None:
            self.reject(
                parsed.notna().to_numpy() & (parsed < pd.Timestamp(earliest)).to_numpy(),
                f"{name} is before {earliest.year}",
                raw,
            )
        self.reject(
            parsed.notna().to_numpy() & (parsed >= pd.Timestamp(latest)).to_numpy(), f"{name} is in the future", raw
        )
        return parsed if with_time else parsed.dt.normalize()

    # --- results --------------------------------------------------------------------------

    def reject_table(self) -> pd.DataFrame:
        """(position, line, reason, detail) of every refused row, first reason only."""
        if not self.rejects:
            return pd.DataFrame({"position": [], "line": [], "reason": [], "detail": []})
        frames = []
        for reject in self.rejects:
            details = reject.details if reject.details is not None else np.full(len(reject.positions), None)
            frames.append(pd.DataFrame({"position": reject.positions, "reason": reject.reason, "detail": details}))
        table = pd.concat(frames, ignore_index=True)
        table["line"] = self.lines[table["position"].to_numpy()]
        return table


def _to_number(raw: pd.Series) -> np.ndarray:
    """Text to float64; thousands commas, spaces and currency signs are forgiven."""
    if raw.isna().all():
        return np.full(len(raw), np.nan)
    try:  # the common case, every cell a plain number: Arrow's cast is many times faster
        array = pa.array(raw, from_pandas=True) if not isinstance(raw.dtype, pd.ArrowDtype) else raw.array._pa_array
        numbers = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
        numbers = np.array(numbers, dtype=np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        numbers = np.array(pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))
    retry = raw.notna().to_numpy() & np.isnan(numbers)
    if retry.any():  # only the cells plain parsing refused: "1,234", "$50", "12 000"
        cleaned = raw[retry].astype("str").str.replace(r"[\s,$€£_]", "", regex=True)
        numbers[retry] = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return numbers


def period_unit(date_format: str | None) -> str:
    """What one value read with `date_format` covers: a day, a month or a year."""
    if not date_format or date_format in DATE_ORDER_NAMES or re.search(r"%[dja]", date_format):
        return "day"
    if re.search(r"%[mbB]", date_format):
        return "month"
    return "year" if re.search(r"%[Yy]", date_format) else "day"


def read_dates(
    raw: pd.Series, date_format: str | None = None, name: str = "date", lines: np.ndarray | None = None
) -> tuple[pd.Series, pd.Series]:
    """(timestamps, period kind) of a text column; NaT where a value is no date.

    Without a format, a value naming a year, quarter or month (2018, Q1 2024, March) is a
    period, not a day: its kind is returned and it parses to NaT. Dates written 03/04/2024
    are read the way the column's other dates settle, and refused (ImportFailed) when none
    settles it or some are day-first and others month-first.
    """
    periods = pd.Series([None] * len(raw), index=raw.index, dtype=object)
    if date_format and date_format not in DATE_ORDER_NAMES:
        present = raw.notna()
        parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
        if present.any():
            values = raw[present].astype("str").str.strip()
            parsed.loc[present] = _strptime(values, date_format).to_numpy()
        return parsed, periods
    present = raw.notna()
    if present.any():
        text = pc.utf8_trim_whitespace(_arrow_strings(raw[present]))
        kinds = np.full(len(text), None, dtype=object)
        for kind, pattern in reversed(PERIOD_PATTERNS):  # Arrow's regex kernels: no Python loop per value
            kinds[
                np.asarray(pc.fill_null(pc.match_substring_regex(text, pattern.pattern, ignore_case=True), False))
            ] = kind
        periods.loc[present] = kinds
    formats = DATE_ORDER_NAMES.get(date_format) if date_format else None
    if formats is None:
        formats = _settled_formats(raw, name, lines)
    usable = raw.where(periods.isna(), None)
    return parse_datetimes(usable, formats), periods


def _settled_formats(raw: pd.Series, name: str, lines: np.ndarray | None) -> tuple[str, ...]:
    """The formats to try, month-first or day-first as the column's dates settle it."""
    present = raw.dropna()
    if present.empty:
        return DATE_FORMATS
    slashed = pc.match_substring_regex(pc.utf8_trim_whitespace(_arrow_strings(present)), _SLASH_DATE.pattern)
    present = present[np.asarray(pc.fill_null(slashed, False))]  # ISO dates skip the Python regex below
    if present.empty:
        return DATE_FORMATS
    parts = present.astype("str").str.strip().str.extract(_SLASH_DATE)
    parts = parts.dropna()
    if parts.empty:
        return DATE_FORMATS
    first, second = parts[0].astype(int), parts[1].astype(int)
    day_first = (first > 12) & (second <= 12)
    month_first = (second > 12) & (first <= 12)
    ambiguous = (first <= 12) & (second <= 12) & (first != second)
    if not ambiguous.any():
        return DATE_ORDER_NAMES["day-first"] if day_first.any() and not month_first.any() else DATE_FORMATS
    if day_first.any() != month_first.any():
        return DATE_ORDER_NAMES["day-first" if day_first.any() else "month-first"]

    def line(index) -> str:
        return f"line {int(lines[index])}" if lines is not None else f"row {index + 1}"

    example = ambiguous.idxmax()
    value = present[example].strip()
    a, b, year = int(parts.loc[example, 0]), int(parts.loc[example, 1]), parts.loc[example, 2]
    readings = f"{a} {_MONTH_NAMES[b - 1]} or {b} {_MONTH_NAMES[a - 1]} {year}"
    say = "say which with --date-format day-first or --date-format month-first"
    if day_first.any():
        day_example, month_example = day_first.idxmax(), month_first.idxmax()
        raise ImportFailed(
            f"{name} mixes day-first and month-first dates: {shown(present[day_example].strip())}"
            f" ({line(day_example)}) is day-first and {shown(present[month_example].strip())}"
            f" ({line(month_example)}) is month-first, so {shown(value)} ({line(example)}) could be {readings};"
            f" {say}"
        )
    raise ImportFailed(
        f"{name} holds dates that could be read two ways and none of its dates settles which:"
        f" {shown(value)} ({line(example)}) could be {readings}; {say}"
    )


def parse_datetimes(raw: pd.Series, formats: tuple[str, ...] = DATE_FORMATS) -> pd.Series:
    """Parse a text column with the one format that fits its values best; misfits are NaT."""
    result = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    present = raw.notna()
    if not present.any():
        return result
    values = raw[present].astype("str").str.strip()
    sample = values.iloc[:: max(1, len(values) // 500)].head(500)
    best_format, best_hits = None, -1
    iso = _iso(sample)
    best_hits = int(iso.notna().sum())
    for candidate in formats:
        hits = int(_strptime(sample, candidate).notna().sum())
        if hits > best_hits:
            best_format, best_hits = candidate, hits
    parsed = _iso(values) if best_format is None else _strptime(values, best_format)
    # a file that mixes formats (an export edited by hand): the leftovers try the others
    for candidate in (None, *formats):
        leftover = parsed.isna()
        if not leftover.any():
            break
        if candidate != best_format:
            retry = _iso(values[leftover]) if candidate is None else _strptime(values[leftover], candidate)
            if retry.notna().any():
                parsed = parsed.astype("datetime64[us]")
                parsed[leftover] = retry.astype("datetime64[us]")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(None)
    result.loc[present] = parsed.astype("datetime64[us]").to_numpy()
    return result


def _arrow_strings(values: pd.Series) -> pa.Array:
    """The column as an Arrow string array, without a detour through Python objects when it is Arrow-backed."""
    try:
        array = pa.array(values.array, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array(values.to_numpy(dtype=object), type=pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.string()) if array.type != pa.string() else array


def _iso(values: pd.Series) -> pd.Series:
    """ISO 8601 text to timestamps: Arrow's cast when every value is plain, pandas otherwise."""
    try:
        parsed = pc.cast(_arrow_strings(values), pa.timestamp("us"))
        return pd.Series(parsed.to_numpy(zero_copy_only=False), index=values.index).astype("datetime64[us]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # offsets ("+02:00", "Z") are converted to UTC; naive times are taken as they are
        parsed = pd.to_datetime(values, format="ISO8601", errors="coerce", utc=True)
        return parsed.dt.tz_convert(None).astype("datetime64[us]")


def _strptime(values: pd.Series, date_format: str) -> pd.Series:
    parsed = pc.strptime(_arrow_strings(values), format=date_format, unit="us", error_is_null=True)
    return pd.Series(parsed.to_numpy(zero_copy_only=False), index=values.index).astype("datetime64[us]")


def finite(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
