"""Bridgeboard entry point: database, viewer, shared filters, navigation (see DESIGN.md)."""

import logging

import streamlit as st

from components import format as fmt
from components import memory, navigation, print_view, runtime

st.set_page_config(page_title="Bridgeboard", page_icon="🤝", layout="wide")
print_view.apply()

problem = None
try:
    if not runtime.public_mode():  # a public deployment never opens the agency's database
        runtime.ensure_database()
        problem = runtime.database_problem()
    if problem is None:
        viewer = runtime.identify()
        if not viewer.is_public:
            runtime.sidebar_filters()
except Exception:  # a broken database must read as a sentence, not a traceback
    logging.getLogger("bridgeboard").exception("start-up failed")
    st.error(
        f"Bridgeboard cannot open its database at {fmt.plain(runtime.database_path())}. "
        "Check BRIDGEBOARD_DB or rebuild it with `python -m data demo`."
    )
    st.stop()
if problem:
    st.error(
        f"Bridgeboard cannot read its database at {fmt.plain(runtime.database_path())}: {fmt.plain(problem)}. "
        "Rebuild it with `python -m data demo`, or import your files into a new one with `python -m data import`."
    )
    st.stop()

sections: dict[str, list] = {}
for number, page in enumerate(navigation.pages_for(viewer.role)):
    first = number == 0
    sections.setdefault(page.section, []).append(
        st.Page(page.path, title=page.title, icon=page.icon, default=first, url_path=navigation.HOME if first else None)
    )
    if first:  # its own name opens it too (/overview), not a "page not found" box that freezes the app
        sections[page.section].append(
            st.Page(page.path, title=page.title, icon=page.icon, url_path=page.url_path, visibility="hidden")
        )
page = st.navigation(sections)
runtime.close_sidebar_after_navigation_on_phones()
runtime.run_page(page)
memory.freeze_long_lived()  # the modules this run imported stay out of every later rerun's collection
