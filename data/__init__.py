"""Bridgeboard data layer: schema, demo generator, importers, public export (no streamlit)."""
