"""CSV for people to open in a spreadsheet, with no cell able to run as a formula.

Imports store text exactly as given ("=HYPERLINK(...)" stays that text in the database);
the danger is only when a spreadsheet opens an exported CSV and runs a cell starting
with =, +, -, @ (or a tab or carriage return) as a formula. safe_csv prefixes such text
cells with an apostrophe, which spreadsheets show as text; numbers, including negative
ones, are left alone because they are numbers, not text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """'=1+1' -> "'=1+1"; a list (a sparkline's values) -> "1.0; 2.0"; anything else as is."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return "; ".join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM (so Excel reads accents right) where text never runs as a formula."""
    safe = frame.copy()
    safe.columns = [neutralise(str(column)) for column in safe.columns]
    for column in safe.columns:
        values = safe[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        safe[column] = values.map(neutralise)
    return safe.to_csv(index=False).encode("utf-8-sig")
