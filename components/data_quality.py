"""The data-quality line every page that shows crime carries, for the period it shows (one component).

`sentence(row)` turns a meta/data_quality row into words (pure, tested without Streamlit);
`show(start, end, urbanicity)` queries it for the viewer and draws it: a caption when the
figures are whole, a warning when months are incomplete or the last crime import left rows out.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from components import format as fmt


def _month_words(month: str) -> str:
    return f"{dt.date.fromisoformat(month + '-01'):%b %Y}"


def sentence(row: pd.Series) -> tuple[str, bool]:
    """(the line, whether it warns) for one meta/data_quality row."""
    parts = []
    warns = False
    if row["incomplete_months"] is not None and len(row["incomplete_months"]):
        warns = True
        flagged = [
            f"{_month_words(month)} ({fmt.plain(reason)})"
            for month, reason in zip(row["incomplete_months"], row["incomplete_reasons"], strict=True)
        ]
        parts.append("incomplete months: " + "; ".join(flagged) + " — impact results do not count them as held")
    elif row["months_held"]:
        parts.append("every month of the period is complete")
    if row["offences"]:
        parts.append(f"{fmt.percent(row['unclassified_pct'])} of offences unclassified (NIBRS 90Z or no code)")
    rejected = row["last_import_rows_rejected"]
    if not fmt.is_missing(rejected):
        when = pd.Timestamp(row["last_imported_at"])
        imported = f"the last crime import ({fmt.plain(row['last_import_file'])}, {when:%d %b %Y})"
        if rejected:
            warns = True
            area = row["last_import_area_unknown"]
            offence = row["last_import_offence_unmapped"]
            because = [
                f"{fmt.count(area)} with an unknown area ({fmt.percent(row['area_unknown_pct'])})" if area else None,
                f"{fmt.count(offence)} with an unmapped offence" if offence else None,
            ]
            because = [reason for reason in because if reason]
            parts.append(
                f"{imported} left out {fmt.count(rejected)} of {fmt.count(row['last_import_rows_read'])} rows "
                f"({fmt.percent(row['rejected_pct'])})" + (": " + ", ".join(because) if because else "")
            )
        else:
            parts.append(f"{imported} left no row out")
    if not parts:
        return "Data quality: no crime data are held for this period.", False
    text = "; ".join(parts)
    return f"Data quality: {text[0].upper()}{text[1:]}.", warns


def show(start: dt.date, end: dt.date, urbanicity: str | None = None) -> None:
    """Draw the data-quality line for the period [start, end]."""
    import streamlit as st

    from components import runtime

    row = runtime.query("meta/data_quality", start_date=start, end_date=end, urbanicity=urbanicity).iloc[0]
    text, warns = sentence(row)
    if warns:
        st.warning(text, icon=":material/report:")
    else:
        st.caption(text)
