"""The one exception importers raise for people, and how values and fixes appear in messages."""

from __future__ import annotations

import re

QUOTED_CHARACTERS = 200  # no message quotes more of any one value (a 5 MB cell stays out of stderr)


class ImportFailed(ValueError):
    """The file cannot be imported; the message is one sentence for the person importing.

    `summary` is set when the rows were read, so callers can still show the rejections
    grouped by reason. `over_limit` is true when the rows could be imported but more of them
    would be left out than the import allows (--max-rejected): the Import page then offers
    to import the rest.
    """

    def __init__(self, message: str, summary: object | None = None, *, over_limit: bool = False) -> None:
        super().__init__(message)
        self.summary = summary
        self.over_limit = over_limit


def shown(value: object, limit: int = QUOTED_CHARACTERS) -> str:
    """A value as messages quote it: repr-quoted, at most `limit` characters of it."""
    text = str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def clipped(value: object, limit: int = QUOTED_CHARACTERS) -> str:
    """A value cut to `limit` characters for tables and stored reasons (no quotes added)."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


# How to fix each kind of refused row, matched against the reason in this order. The
# reasons come from batch.py and the kinds; a reason no pattern matches gets the last fix.
_FIXES: tuple[tuple[str, str], ...] = (
    (
        r"^offence not mapped|^offence code not known",
        "choose its NIBRS code on the Import page or with `python -m data import offense-map FILE --db PATH`,"
        " then import again",
    ),
    (r"is not among the imported areas|an area is not among", "import the areas first, or correct the code or name"),
    (r"outside every area", "check the coordinates, or give an area code column"),
    (
        r"county FIPS is not in the RUCC file",
        "give those rows a rucc_code column (1-9), or leave them out with --max-rejected: RUCC 2023 has no code"
        " for counties replaced or renamed before it (Connecticut's eight counties became planning regions)",
    ),
    (r"^no area:", "map an area code, area name or latitude/longitude column"),
    (
        r"is a year, not a date|is a month, not a date|is a quarter, not a date",
        "give full dates, or say the period with --date-format (%Y for a year, %B %Y for a month)",
    ),
    (r"is not a date", "write dates as YYYY-MM-DD, or give their format with --date-format"),
    (r"is not a time of day", "write times as HHMM (2230) or HH:MM (22:30)"),
    (r"in the future", "check the date column is the one you meant and the dates are right"),
    (r"is before \d{4}", "check the date column is the one you meant and the dates are right"),
    (r"^duplicate", "remove the repeated rows, or give each row its own id"),
    (r"is empty$", "fill it in, or map another column to that field"),
    (r"looks like the existing|looks like .* in this file", "use the existing name exactly, or rename the new one"),
    (r"is not known", "import that first, or correct the name"),
    (r"is not a (whole |finite )?number|is not a number", "write plain numbers (1234 or 12.5)"),
    (r"is outside|is below|is above|not above", "correct the value, or check the column is the one you meant"),
    (r"is not one of|is not yes/no", "use one of the values the reason lists"),
    (
        r"columns \(a cut-short|values for \d+ columns|cannot be parsed",
        "repair the line (quotes, delimiters) or export the file again",
    ),
    (r"NUL byte", "export the file again: a zero byte means the line was damaged"),
    (r"scale", "check the answers against the wave's scale"),
)
_DEFAULT_FIX = "correct those rows in the file"


def fix_for(reason: str) -> str:
    """One short instruction for the rows refused with `reason`."""
    for pattern, fix in _FIXES:
        if re.search(pattern, reason):
            return fix
    return _DEFAULT_FIX
