"""The "Download PDF" of the Overview (council packet) and the Programs page (funder scorecard).

The packet is made from runtime.query, so it carries the viewer's scope exactly as the page
does; a director is never offered a choice of nonprofit. Making one takes seconds, so it is a
button with a progress bar, and the PDF waits in the session for its download button.
"""

from __future__ import annotations

import re

import streamlit as st

from components import format as fmt
from components import runtime
from reports import packets, pdf


def _period(filters: runtime.Filters) -> packets.Period:
    return packets.Period(filters.start, filters.end, filters.urbanicity)


def packet_button(
    kind: str, filters: runtime.Filters, nonprofit_id: int | None = None, nonprofit_name: str = ""
) -> None:
    """Offer the packet for these filters; on a machine without Chromium, say so in one sentence."""
    reason = pdf.unavailable_reason()
    if reason:
        st.caption(reason)
        return
    viewer = runtime.viewer()
    key = (kind, viewer.role, viewer.nonprofit_id, filters.start, filters.end, filters.urbanicity, nonprofit_id)
    left, right = st.columns([1, 1])
    paper = left.radio("Paper", ["Letter", "A4"], horizontal=True, key=f"packet_paper_{kind}")
    if right.button("Make PDF", key=f"packet_make_{kind}", icon=":material/picture_as_pdf:"):
        bar = st.progress(0.0, text="Starting")
        try:
            made = packets.make(
                kind,
                runtime.query,
                _period(filters),
                nonprofit_id=nonprofit_id,
                nonprofit_name=nonprofit_name,
                own_programs_only=viewer.is_director,
                paper=paper.lower(),
                progress=lambda fraction, what: bar.progress(fraction, text=fmt.plain(what)),
            )
        except (packets.PacketError, pdf.PdfError) as error:
            bar.empty()
            st.error(f"No PDF was made: {fmt.plain(str(error))}.")
            return
        bar.empty()
        st.session_state["packet"] = {"key": key, "pdf": made.pdf, "pages": made.pages, "title": made.title}
    held = st.session_state.get("packet")
    if held and held["key"] == key:
        st.download_button(
            f"Download PDF ({held['pages']} pages)",
            held["pdf"],
            file_name=re.sub(r"[^a-z0-9]+", "-", held["title"].lower()).strip("-") + ".pdf",
            mime="application/pdf",
            key=f"packet_download_{kind}",
            icon=":material/download:",
        )
