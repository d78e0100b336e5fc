"""CSV exports of exactly what a chart or table shows, safe to open in a spreadsheet."""

from __future__ import annotations

import numpy as np
import pandas as pd

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
# (CSV injection); a leading apostrophe makes them show it as text instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if isinstance(value, (list, tuple, np.ndarray)):  # e.g. a sparkline's values
        return "; ".join(str(item) for item in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads accents right); text cells never run as formulas."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_datetime64_any_dtype(safe[column]):
            safe[column] = safe[column].map(_cell)
    return safe.to_csv(index=False).encode("utf-8-sig")
