"""HTML to PDF by Debian's headless Chromium, driven by Playwright (no browser is ever downloaded).

Chromium draws the packets' plotly figures with the installed plotly package's full plotly.js
(the app's figures; the public site ships only the basic bundle), as SVG, so charts stay vector
in the PDF; it embeds (subsets of) the system fonts it used, repeats a
table's <thead> on every page a table spans, and writes the page numbers in the footer. Nothing
is fetched: the page is a local file and every request that is not a local file is refused.

The table of contents needs the page each section lands on, which only the printed PDF knows:
the first print carries an outline (PDF bookmarks) of the headings, whose pages fill the
contents, and the second print is the packet.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import plotly
from pypdf import PdfReader

CHROMIUM = Path(os.environ.get("BRIDGEBOARD_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAPERS = {"letter": "Letter", "a4": "A4"}
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
MARGINS = {"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"}
NOT_AVAILABLE = (
    "PDF packets need Debian's Chromium, which is not installed here: "
    "`apt-get install chromium` adds it (see README, PDF packets)."
)


class PdfError(RuntimeError):
    """The PDF cannot be made; the message is one sentence for people."""


@dataclass
class Printed:
    pdf: bytes
    pages: int


def unavailable_reason() -> str | None:
    """Why no PDF can be made on this machine, or None when it can."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return NOT_AVAILABLE
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "PDF packets need the playwright package: install requirements.txt."
    return None


def footer(title: str) -> str:
    """Chromium's footer template: the packet's title and 'Page n of N' on every page."""
    from markupsafe import escape

    return (
        "<div style=\"font-family: 'DejaVu Sans', sans-serif; font-size: 8pt; color: #333; width: 100%;"
        ' padding: 0 15mm; display: flex; justify-content: space-between;">'
        f'<span>{escape(title)}</span><span>Page <span class="pageNumber"></span> of '
        '<span class="totalPages"></span></span></div>'
    )


def print_html(html: str, title: str, paper: str = "letter") -> Printed:
    """Print a packet's HTML (which loads plotly.js from plotly.js's own file:// URL) to PDF."""
    reason = unavailable_reason()
    if reason:
        raise PdfError(reason)
    if paper not in PAPERS:
        raise PdfError(f"paper must be one of {', '.join(PAPERS)}, not {paper!r}")
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="bridgeboard-pdf-"))
    try:
        page_file = folder / "packet.html"
        page_file.write_text(html, encoding="utf-8")
        with sync_playwright() as driver:
            # launch() gives Chromium a fresh profile of its own in a temporary folder
            browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            try:
                page = browser.new_page()
                page.route(
                    "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()
                )
                page.goto(page_file.as_uri(), wait_until="load")
                page.wait_for_function("window.packetReady === true", timeout=30_000)
                page.emulate_media(media="print")
                options = {
                    "format": PAPERS[paper],
                    "margin": MARGINS,
                    "print_background": True,
                    "display_header_footer": True,
                    "header_template": "<div></div>",
                    "footer_template": footer(title),
                }
                first = page.pdf(**options, outline=True, tagged=True)
                pages = heading_pages(first)
                page.evaluate("pages => window.fillContents(pages)", pages)
                final = page.pdf(**options, tagged=True, outline=True)
            finally:
                browser.close()
    except PlaywrightError as error:
        raise PdfError(f"Chromium could not print the packet ({str(error).splitlines()[0]})") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Printed(final, len(PdfReader(io.BytesIO(final)).pages))


def heading_pages(pdf: bytes) -> dict[str, int]:
    """Outline title -> page number (from 1) of every bookmark in the PDF."""
    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, int] = {}

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.setdefault(" ".join(str(item.title).split()), reader.get_destination_page_number(item) + 1)

    walk(reader.outline)
    return found
