"""Import data: upload a file, map its columns, dry-run it, then import it (chief and analyst only).

Everything here is widgets and display; reading, validating and the atomic swap are in
data.importers, the same code as `python -m data import`.
"""

import tempfile
from pathlib import Path

import streamlit as st

from components import format as fmt
from components import offence_review, runtime
from data import importers

NOT_MAPPED = "— not in this file —"
FILE_TYPES = ["csv", "txt", "tsv", "xlsx", "geojson", "json", "zip"]

viewer = runtime.viewer()
st.title("Import data")
if viewer.is_director:  # the page is not registered for directors; this guards a stale session
    st.error("Only agency staff can import data.")
    st.stop()
st.caption(
    "Check a file with a dry run first: nothing changes until you import, and an import either "
    "completes or leaves the database exactly as it was. Every refused row is kept with its line and reason."
)


def saved_upload(upload) -> Path:
    """The upload as a file on disk (the importers read paths), written once per upload.

    One folder per session, made on first use (not on every rerun), holding only the latest upload.
    """
    if "import_folder" not in st.session_state:
        st.session_state["import_folder"] = tempfile.mkdtemp(prefix="bridgeboard-import-")
    folder = Path(st.session_state["import_folder"])
    path = folder / f"{upload.file_id}{Path(upload.name).suffix.lower()}"
    if not path.exists():
        for earlier in folder.iterdir():
            earlier.unlink(missing_ok=True)
        path.write_bytes(upload.getvalue())
    return path


def show_summary(summary: importers.ImportSummary) -> None:
    read, imported, present, rejected = st.columns(4)
    read.metric("Rows read", f"{summary.rows_read:,}")
    imported.metric("Would import" if summary.dry_run or summary.failed else "Imported", f"{summary.rows_accepted:,}")
    present.metric("Already present", f"{summary.rows_unchanged:,}")
    rejected.metric("Rejected", f"{summary.rows_rejected:,}")
    if summary.reasons:
        st.markdown("**Rejected rows by reason**")
        runtime.show_table(summary.reasons_frame(), "import-reasons", offer_csv=False)
    for warning in summary.warnings:
        st.info(fmt.plain(warning))
    # offences no table maps: the analyst names each, and the same run is repeated with the choices
    offence_review.review(
        summary.offence_review,
        runtime.query("meta/offence_codes"),
        runtime.database_path(),
        viewer.email or viewer.label,
        summary.dry_run,
    )


DATE_CHOICES = {
    "Read from the file": None,
    "Day first: 03/04/2024 is 3 April": "day-first",
    "Month first: 03/04/2024 is 4 March": "month-first",
    "A year: 2024 means the whole year": "%Y",
    "A month: March 2024 means the whole month": "%B %Y",
}


def run(options: importers.ImportOptions, bar) -> importers.ImportSummary | None:
    """Run the import; on a refusal show why (and offer the rest when rows would be left out)."""
    try:
        return importers.run_import(
            kind,
            path,
            runtime.database_path(),
            options,
            progress=lambda share, text: bar.progress(share, text=fmt.plain(text)),
        )
    except importers.ImportFailed as error:
        bar.empty()
        summary = error.summary
        if error.over_limit and summary is not None:
            # strict by default: nothing is imported until the person confirms the numbers
            st.session_state["import_partial"] = (signature, summary.rows_rejected, summary.confirm_label())
            st.warning(
                f"Nothing was imported: {summary.rows_rejected:,} of the {summary.rows_read:,} rows would be left out."
                " Fix them in the file (the fix for each reason is listed), or import the rest with the button below."
            )
        else:
            st.error(f"Nothing was imported: {fmt.plain(error)}.")
        if summary is not None:
            show_summary(summary)
        return None


kind = st.selectbox("What the file holds", importers.KINDS, format_func=importers.KIND_LABELS.get, key="import_kind")
presets = [preset.name for preset in importers.presets_for(kind)]
preset_name = st.selectbox(
    "Format", presets, format_func=lambda name: importers.PRESETS[name].label, key=f"import_preset_{kind}"
)
upload = st.file_uploader("File", type=FILE_TYPES, key="import_file")
if upload is None:
    st.info("Upload a CSV, Excel (.xlsx), GeoJSON or zipped shapefile to begin.")
    st.stop()

path = saved_upload(upload)
if st.session_state.get("import_signature") != (upload.file_id, kind, preset_name):
    # another file or format: its own guesses, not the choices made for the previous one
    for stale in [key for key in st.session_state if str(key).startswith("import_map_")]:
        del st.session_state[stale]
    st.session_state["import_signature"] = (upload.file_id, kind, preset_name)
try:
    head, columns, guessed = importers.preview(path, kind, preset_name, file_name=upload.name)
except importers.ImportFailed as error:
    st.error(f"{fmt.plain(upload.name)} cannot be imported: {fmt.plain(error)}.")
    st.stop()

st.subheader("First rows")
runtime.show_table(head, "import-preview", offer_csv=False)

options = importers.ImportOptions(
    preset=preset_name,
    imported_by=viewer.email or viewer.label,
    file_name=upload.name,
)
if importers.PRESETS[preset_name].reshape is not None:
    st.caption("This format is reshaped automatically; its columns need no mapping.")
else:
    st.subheader("Columns")
    st.caption("Which column holds each field; the guesses come from the column names. Required fields are marked *.")
    field_of_column = {column: field for column, field in guessed.items()}
    chosen: dict[str, str] = {}
    left, right = st.columns(2)
    for index, (field, help_text, required) in enumerate(importers.field_help_rows(kind)):
        default = next((column for column, target in field_of_column.items() if target == field), NOT_MAPPED)
        choices = [NOT_MAPPED, *columns]
        picked = (left if index % 2 == 0 else right).selectbox(
            f"{field} *" if required else field,
            choices,
            index=choices.index(default),
            help=help_text,
            key=f"import_map_{kind}_{field}",
        )
        if picked != NOT_MAPPED:
            chosen[picked] = field
    options.mapping = chosen
    options.exact_mapping = True

if kind == "areas":
    density = st.number_input(
        "Urban from this many residents per km² (leave 0 to use codes or an urbanicity column)",
        min_value=0.0,
        value=0.0,
        step=50.0,
        key="import_density",
    )
    options.density_threshold = density or None
    rucc = st.file_uploader("USDA RUCC 2023 file (for areas with a county FIPS)", type=["csv"], key="import_rucc")
    if rucc is not None:
        options.rucc_path = saved_upload(rucc)
date_choice = st.selectbox(
    "Dates",
    list(DATE_CHOICES),
    key="import_date_format",
    help="How the file writes its dates, when the file alone cannot tell (03/04/2024) or a column holds periods.",
)
if DATE_CHOICES[date_choice]:
    options.date_formats = {"*": DATE_CHOICES[date_choice]}
if (suggested := importers.suggest_preset(kind, columns, importers.PRESETS.get(preset_name))) is not None:
    st.info(f"This file looks like {fmt.plain(suggested.label)}: choose that format above.")
if kind == "surveys":
    st.caption("For a new wave, give its answer scale (an existing wave keeps the scale it was created with).")
    low, high = st.columns(2)
    scale = {
        "scale_min": low.number_input("Answers run from", value=None, step=1, key="import_scale_min"),
        "scale_max": high.number_input("to", value=None, step=1, key="import_scale_max"),
    }
    options.constants = {field: str(int(value)) for field, value in scale.items() if value is not None}

signature = (upload.file_id, kind, preset_name, tuple(sorted(options.mapping.items())), date_choice)
dry_column, import_column = st.columns(2)
dry_run = dry_column.button("Dry run", key="import_dry_run", help="Check every row; change nothing.")
start = import_column.button("Import", type="primary", key="import_run")
rerun = st.session_state.pop("import_rerun", None)  # offence choices were just saved: the same run again
offence_review.show_message()
pending = st.session_state.get("import_partial")
if pending is not None and pending[0] != signature:  # another file or mapping: its own dry run first
    del st.session_state["import_partial"]
    pending = None
offered = pending is not None and not (dry_run or start)
confirm_slot = st.empty()
# the key carries the count, so a refusal of another count after a click can offer its own button
confirmed = offered and confirm_slot.button(
    fmt.plain(pending[2][:1].upper() + pending[2][1:]), key=f"import_confirm_partial_{pending[1]}"
)
if confirmed:
    confirm_slot.empty()  # clicked: the outcome below replaces the offer
if dry_run or start or confirmed or rerun is not None:
    options.dry_run = dry_run or (not (start or confirmed) and bool(rerun))
    if confirmed:
        options.max_rejected = pending[1]  # exactly the rows shown: if more would be left out, it refuses again
    st.session_state.pop("import_partial", None)
    bar = st.progress(0.0, text="Starting")
    summary = run(options, bar)
    if summary is None:
        offer = st.session_state.get("import_partial")
        if offer is not None and not (offered and offer[1] == pending[1]):
            st.button(fmt.plain(offer[2][:1].upper() + offer[2][1:]), key=f"import_confirm_partial_{offer[1]}")
        st.stop()
    bar.empty()
    if summary.dry_run:
        st.info("Dry run: nothing was changed. " + fmt.plain(summary.headline()) + ".")
    elif summary.swapped:
        left_out = f" {summary.rows_rejected:,} rows were left out, as confirmed." if summary.rows_rejected else ""
        st.success(f"Imported. {fmt.plain(summary.headline())}.{left_out} Every page now shows the new data.")
    else:
        st.info("Nothing new: every valid row is already in the database, which was not changed.")
    show_summary(summary)
