"""Words and number formats of one language: reports/locales/<lang>.toml, numbers and dates by Babel.

Every string a resident reads on the public site (and on the app's Public report) comes from a
locale file; `Words.t` raises MissingTranslation for a key the file lacks, so a missing
translation fails the build and its test instead of showing an English word on a Spanish page.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import string
import tomllib
from pathlib import Path

import babel
import pandas as pd
from babel import dates as babel_dates
from babel import numbers as babel_numbers

LOCALE_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("en", "es")
MISSING = "—"


class MissingTranslation(KeyError):
    """A key that a locale file does not hold (or a placeholder its text does not fill)."""


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= _flatten(value, f"{name}.")
        else:
            flat[name] = str(value)
    return flat


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class Words:
    """One language's strings (`t`) and its number and date formats."""

    def __init__(self, language: str, strings: dict[str, str]) -> None:
        self.language = language
        self.strings = strings
        self.babel_locale = strings["meta.babel_locale"]
        self.html_lang = strings["meta.html_lang"]

    # --- words ---------------------------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        """The text of `key` with its {placeholders} filled; a missing key or placeholder raises."""
        try:
            text = self.strings[key]
        except KeyError:
            raise MissingTranslation(f"locale {self.language!r} has no text for {key!r}") from None
        try:
            return text.format(**values) if values or "{" in text else text
        except (KeyError, IndexError) as error:
            raise MissingTranslation(f"{self.language}:{key} needs a value for {error}") from None

    def sentence(self, key: str, **values: object) -> str:
        """`t` with a capital first letter: texts that begin with a filled-in phrase ('in urban areas, ...')."""
        text = self.t(key, **values)
        return text[:1].upper() + text[1:]

    def has(self, key: str) -> bool:
        return key in self.strings

    def choice(self, prefix: str, value: object) -> str:
        """The word for a coded value, e.g. choice('side', 'urban') -> 'Urban areas'."""
        return self.t(f"{prefix}.{value}")

    # --- numbers -------------------------------------------------------------------

    def count(self, value: object) -> str:
        """12345 -> '12,345' (en)."""
        if _is_missing(value):
            return MISSING
        return babel_numbers.format_decimal(round(float(value)), format="#,##0", locale=self.babel_locale)

    def number(self, value: object, digits: int = 1) -> str:
        """1234.56 -> '1,234.6' (en)."""
        if _is_missing(value) or not math.isfinite(float(value)):
            return MISSING
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return babel_numbers.format_decimal(
            float(value), format=pattern, locale=self.babel_locale, decimal_quantization=True
        )

    def percent(self, value: object, digits: int = 1, signed: bool = False) -> str:
        """12.34 (already a percentage) -> '12.3%' (en); signed adds '+' to a rise."""
        if _is_missing(value):
            return MISSING
        # the locale's own pattern (where the sign goes, a space before it) with `digits` decimals
        pattern = babel.Locale.parse(self.babel_locale).percent_formats[None].pattern
        last_zero = pattern.rindex("0")
        pattern = pattern[: last_zero + 1] + ("." + "0" * digits if digits else "") + pattern[last_zero + 1 :]
        text = babel_numbers.format_percent(float(value) / 100, format=pattern, locale=self.babel_locale)
        return f"+{text}" if signed and float(value) > 0 and not text.startswith("+") else text

    def money(self, value: object) -> str:
        """1234567.0 -> '$1,234,567' (en): whole dollars."""
        if _is_missing(value):
            return MISSING
        return babel_numbers.format_currency(
            round(float(value)), "USD", format="¤#,##0", locale=self.babel_locale, currency_digits=False
        )

    def p_value(self, value: object) -> str:
        """0.0312 -> '0.03'; below 0.001 -> '< 0.001' (en)."""
        if _is_missing(value):
            return MISSING
        if float(value) < 0.001:
            return self.t("format.p_below", threshold=self.number(0.001, 3))
        return self.number(value, 3 if float(value) < 0.01 else 2)

    # --- dates ---------------------------------------------------------------------

    def month(self, value: object) -> str:
        """2026-09-01 -> 'September 2026' (en), 'septiembre de 2026' (es)."""
        if _is_missing(value):
            return MISSING
        return babel_dates.format_date(_as_date(value), self.t("format.month"), locale=self.babel_locale)

    def month_short(self, value: object) -> str:
        """2026-09-01 -> 'Sep 2026' (en)."""
        if _is_missing(value):
            return MISSING
        return babel_dates.format_date(_as_date(value), self.t("format.month_short"), locale=self.babel_locale)

    def date(self, value: object) -> str:
        """2026-09-15 -> 'September 15, 2026' (en)."""
        if _is_missing(value):
            return MISSING
        return babel_dates.format_date(_as_date(value), "long", locale=self.babel_locale)

    def quarter(self, quarter: object) -> str:
        """'2024-Q4' -> 'Q4 2024' (en), 'T4 2024' (es)."""
        if _is_missing(quarter):
            return MISSING
        year, number = str(quarter).split("-Q")
        return self.t("format.quarter", year=year, number=number)

    def period(self, start: object, end: object) -> str:
        """A span of whole months: 'October 2025 – September 2026', or the year alone when it is one."""
        if _is_missing(start) or _is_missing(end):
            return MISSING
        start, end = _as_date(start), _as_date(end)
        if start.month == 1 and end.month == 12 and start.year == end.year:
            return str(start.year)
        return self.t("format.period", start=self.month(start), end=self.month(end))

    def placeholders(self, key: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.strings[key]) if name}


def _as_date(value: object) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@functools.cache
def words(language: str) -> Words:
    """The words of `language` (one of LANGUAGES), read once per process."""
    if language not in LANGUAGES:
        raise MissingTranslation(f"there is no locale file for {language!r}; languages: {', '.join(LANGUAGES)}")
    with open(LOCALE_DIR / f"{language}.toml", "rb") as file:
        return Words(language, _flatten(tomllib.load(file)))
