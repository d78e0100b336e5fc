"""Bring your own data: importers for agency and nonprofit files (see pipeline.py).

    from data import importers
    summary = importers.run_import("incidents", "crimes.csv", "bridgeboard.duckdb",
                                   importers.ImportOptions(preset="chicago-crimes"))

Used by `python -m data import` and the Import page alike; nothing here imports streamlit.
"""

from data.importers.errors import ImportFailed
from data.importers.fields import KIND_LABELS, KINDS, field_help_rows, guess_mapping
from data.importers.pipeline import ImportOptions, ImportSummary, preview, run_import, suggest_preset
from data.importers.presets import PRESETS, presets_for

__all__ = [
    "KINDS",
    "KIND_LABELS",
    "PRESETS",
    "ImportFailed",
    "ImportOptions",
    "ImportSummary",
    "field_help_rows",
    "guess_mapping",
    "presets_for",
    "preview",
    "run_import",
    "suggest_preset",
]
