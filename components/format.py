"""Number formatting shared by every page: thousands separators, units, missing values."""

from __future__ import annotations

import re

import pandas as pd

MISSING = "—"


def is_missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def count(value: object) -> str:
    """12345 -> '12,345'."""
    return MISSING if is_missing(value) else f"{round(float(value)):,}"


def number(value: object, digits: int = 1) -> str:
    """1234.56 -> '1,234.6'."""
    return MISSING if is_missing(value) else f"{float(value):,.{digits}f}"


def percent(value: object, digits: int = 1, signed: bool = False) -> str:
    """12.345 -> '12.3%' (the value is already a percentage)."""
    if is_missing(value):
        return MISSING
    return f"{float(value):+,.{digits}f}%" if signed else f"{float(value):,.{digits}f}%"


def signed(value: object, digits: int = 1) -> str:
    """2.5 -> '+2.5'."""
    return MISSING if is_missing(value) else f"{float(value):+,.{digits}f}"


def interval(low: object, high: object, digits: int = 1) -> str:
    """(60.04, 64.2) -> '60.0–64.2'."""
    if is_missing(low) or is_missing(high):
        return MISSING
    return f"{float(low):,.{digits}f}–{float(high):,.{digits}f}"


def p_value(p: object) -> str:
    """An exact p-value as people read it: 'p = 0.13', 'p = 0.004', 'p < 0.001'."""
    if is_missing(p):
        return MISSING
    p = float(p)
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


_MARKDOWN_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:"


def plain(text: object) -> str:
    """Text from a user or an imported file, escaped so Markdown shows it as written (no links,
    images, LaTeX or emphasis)."""
    if is_missing(text):
        return MISSING
    return "".join("\\" + char if char in _MARKDOWN_SPECIALS else char for char in str(text))


def unplain(text: str) -> str:
    """`plain` undone: words written for Markdown, for a sink that escapes text itself (HTML through Jinja)."""
    return re.sub("\\\\([" + re.escape("".join(sorted(_MARKDOWN_SPECIALS))) + "])", r"\1", text)
