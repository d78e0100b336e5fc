"""Builders from DataFrames to figures, maps and tables (pure), plus the Streamlit runtime glue."""
