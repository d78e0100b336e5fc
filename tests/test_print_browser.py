"""Ctrl-P of an app page in a real Chromium: content only, charts within the page's width."""

from __future__ import annotations

import pytest

from test_browser import _wait_until_idle, page, server  # noqa: F401 - the browser and app server fixtures
from test_packets import pdf_text, words_off_the_page

pytestmark = [pytest.mark.browser, pytest.mark.pdf]


def test_printing_the_overview_leaves_out_sidebar_widgets_and_buttons(server, page, tmp_path):  # noqa: F811
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(server, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=90_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    _wait_until_idle(page)
    page.wait_for_function("document.querySelectorAll('.svg-container[data-print-ratio]').length > 0", timeout=30_000)
    values = [value.strip() for value in page.locator('[data-testid="stMetricValue"]').all_inner_texts()]
    printed = page.pdf(format="Letter", print_background=True)
    text = pdf_text(printed, tmp_path)
    assert "Overview" in text and all(value in text for value in values)
    # the sidebar's "View as" box goes (its chosen role with it); the demo banner, which names it, prints
    for hidden in (
        "Chief of police (whole agency)",
        "Colour areas by",
        "Download CSV",
        "Make PDF",
        "Council packet (PDF)",
        "Period",
    ):
        assert hidden not in text, hidden
    # the urban/rural chart, drawn 1,400 px wide on screen, is scaled onto the page: its labels stay on it
    assert "Urban and rural side by side" in text and "Program participants" in text
    assert words_off_the_page(printed, tmp_path, "letter", margin=0) == []
