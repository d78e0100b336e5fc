"""The Import page's review of offences no table maps: pick a NIBRS code for each, save, run again.

The choices go into the agency's own database (data.importers.choices), which every later
import reads before the shipped tables; the page then reruns the dry run or import it showed.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import format as fmt
from data.importers.choices import OffenceChoice, save_choices
from data.importers.errors import ImportFailed

LEAVE = "— leave unmapped —"
MAX_SHOWN = 40
CLASS_WORDS = {"violent": "FBI violent", "property": "FBI property", "other": "not an FBI class"}


def code_options(codes: pd.DataFrame) -> dict[str, str]:
    """{option label: NIBRS code} from meta/offence_codes.

    For example '13B Simple Assault — Simple assault … (not an FBI class)'.
    """
    return {
        f"{row.nibrs_code} {row.offense} — {row.category_label} ({CLASS_WORDS[row.crime_class]})": row.nibrs_code
        for row in codes.itertuples(index=False)
    }


def review_frame(entries) -> pd.DataFrame:
    """The unmapped offences as a table (most rows first): what the file says, how many rows, where."""
    return pd.DataFrame(
        [(entry.label, entry.rows, entry.kind, entry.scheme) for entry in entries],
        columns=["offence", "rows", "kind", "scheme"],
    )


def _save(entries, options: dict[str, str], database, chosen_by: str | None, dry_run: bool) -> None:
    """Form callback: store the picks, then ask the page to run the same dry run or import again."""
    chosen = []
    for index, entry in enumerate(entries[:MAX_SHOWN]):
        picked = st.session_state.get(f"offence_review_{index}", LEAVE)
        if picked != LEAVE:
            chosen.append(OffenceChoice(entry.kind, entry.scheme, entry.offense, entry.detail, options[picked], None))
    if not chosen:
        st.session_state["offence_review_message"] = ("info", "No offence was given a code, so nothing was saved.")
        return
    try:
        saved = save_choices(database, chosen, chosen_by)
    except ImportFailed as error:
        st.session_state["offence_review_message"] = ("error", f"The choices were not saved: {error}.")
        return
    st.session_state["offence_review_message"] = (
        "success",
        f"Saved {saved.saved + saved.unchanged:,} offence choices in this database;"
        " the file was checked again with them.",
    )
    st.session_state["import_rerun"] = dry_run


def show_message() -> None:
    """The outcome of the last save, once."""
    if message := st.session_state.pop("offence_review_message", None):
        getattr(st, message[0])(message[1])


def review(entries, codes: pd.DataFrame, database, chosen_by: str | None, dry_run: bool) -> None:
    """The review form for `entries` (offenses.UnmappedOffence), saving into `database` on submit."""
    if not entries:
        return
    options = code_options(codes)
    st.markdown("**Offences no table maps**")
    st.caption(
        "Choose the NIBRS offence each one is; the FBI class and the category follow from the code. The choice is "
        "kept in this agency's database, so later imports use it too."
        + (f" The {MAX_SHOWN} with most rows are listed." if len(entries) > MAX_SHOWN else "")
    )
    with st.form("offence_review"):
        for index, entry in enumerate(entries[:MAX_SHOWN]):
            st.selectbox(
                f"{fmt.plain(entry.label)} ({entry.rows:,} {'row' if entry.rows == 1 else 'rows'})",
                [LEAVE, *options],
                key=f"offence_review_{index}",
            )
        st.form_submit_button(
            "Save these choices and check the file again",
            on_click=_save,
            args=(entries, options, database, chosen_by, dry_run),
            type="primary",
        )
