"""The static public site in Debian's Chromium: accessible, phone-sized, self-contained, readable without JS.

Every page in both languages at 1440 and 390 px: axe-core finds no serious or critical violation,
nothing scrolls sideways, headings, legend items and chart titles do not overlap, and no request
leaves the site's own origin. Screenshots go to test_browser.SCREENSHOTS, outside the repository
(the chosen ones are copied to docs/screenshots by hand).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from pathlib import Path

import pytest

from deploy_support import chromium_browser
from reports import i18n, site
from test_browser import SCREENSHOTS

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
WIDTHS = {1440: 900, 390: 844}
SERIOUS = ("serious", "critical")
# the text boxes that must not overlap: page headings, the map legend, and plotly's legends and titles
TEXT_BOXES = (
    "h1, h2, h3, .card-label, .card-value, .legend li, .legend-title,"
    " .chart .legendtext, .chart .gtitle, .chart .annotation-text, .chart .g-xtitle text, .chart .g-ytitle text"
)
OVERLAPS = """
(selector) => {
  const boxes = [...document.querySelectorAll(selector)]
    .map(node => ({node, box: node.getBoundingClientRect()}))
    .filter(({box}) => box.width > 0 && box.height > 0);
  const found = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.node.contains(b.node) || b.node.contains(a.node)) continue;
      const width = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
      const height = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
      if (width > 1 && height > 1) found.push([a.node.textContent.slice(0, 40), b.node.textContent.slice(0, 40)]);
    }
  }
  return found;
}
"""


# the headers the sample nginx config sends, the Content-Security-Policy among them: the pages must work under it
HEADERS = re.findall(
    r'^add_header ([\w-]+) "([^"]*)" always;$', (ROOT / "reports" / "nginx" / "site-headers.conf").read_text(), re.M
)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        for name, value in HEADERS:
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served_site(demo_path, tmp_path_factory):
    """The demo's site, served from 127.0.0.1 by a plain static file server."""
    from data import publish

    folder = tmp_path_factory.mktemp("site-browser")
    publish.publish(demo_path, folder / "public.duckdb")
    out = folder / "site"
    site.build(folder / "public.duckdb", out)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", out
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as launched:
        yield launched


def _context(browser, origin: str, width: int, outside: list[str], **options):
    context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, **options)

    def only_the_site(route):
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_site)
    return context


def _open(page, url: str) -> None:
    page.goto(url, wait_until="load")
    charts = page.locator(".chart").count()
    if charts:
        page.wait_for_function(
            "(count) => document.querySelectorAll('.chart .main-svg').length >= count", arg=charts, timeout=30_000
        )
    page.wait_for_timeout(200)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_page_is_accessible_fits_and_stays_on_the_site(served_site, browser, language, width):
    from axe_playwright_python.sync_playwright import Axe

    origin, _ = served_site
    outside: list[str] = []
    context = _context(browser, origin, width, outside)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    axe = Axe()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for name in [*site.PAGES, None]:
        url = f"{origin}/{language}/{name}.html" if name else f"{origin}/index.html"
        _open(page, url)
        if name:
            assert page.evaluate("document.documentElement.lang") == i18n.words(language).html_lang
        results = axe.run(page)
        for violation in results.response["violations"]:
            if violation["impact"] in SERIOUS:
                targets = [node["target"] for node in violation["nodes"][:3]]
                problems.append(f"{name} {violation['id']} ({violation['impact']}): {violation['help']} {targets}")
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"{url} scrolls sideways at {width} px: {scroll_width} > {inner_width}"
        assert page.evaluate(OVERLAPS, TEXT_BOXES) == [], f"{url} at {width} px: overlapping text"
        # on a laptop and on a phone every table fits the page: none hides columns behind a sideways
        # scroll of its own (wide ones stack into a block per row on a phone)
        clipped = page.evaluate(
            "[...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1)"
            ".map(w => w.getAttribute('aria-label') + ': ' + w.scrollWidth + ' > ' + w.clientWidth)"
        )
        assert clipped == [], f"{url} at {width} px: tables wider than the page {clipped}"
        page.screenshot(path=str(SCREENSHOTS / f"site-{language}-{name or 'choose'}-{width}.png"), full_page=True)
    context.close()
    assert problems == []
    assert outside == []
    assert errors == []
    assert [message for message in console if "Content Security Policy" in message] == []


def test_without_javascript_the_numbers_and_tables_are_there(served_site, browser):
    origin, _ = served_site
    outside: list[str] = []
    context = _context(browser, origin, 390, outside, java_script_enabled=False)
    page = context.new_page()
    for language in i18n.LANGUAGES:
        page.goto(f"{origin}/{language}/index.html")
        values = [value.strip() for value in page.locator(".card-value").all_inner_texts()]
        assert len(values) == 8 and all(values)
        assert any(character.isdigit() for character in values[0])
        page.goto(f"{origin}/{language}/crime.html")
        assert page.locator(".chart .main-svg").count() == 0  # no chart without JS ...
        first_table = page.locator("table").first
        assert first_table.is_visible()  # ... but the values, in tables
        assert page.locator("table").count() >= 5
        cells = first_table.locator("td").all_inner_texts()
        assert any(character.isdigit() for cell in cells for character in cell)
        assert page.locator("ul.sentences li").count() >= 4
    context.close()
    assert outside == []


def test_keyboard_reaches_every_link_and_download(served_site, browser):
    origin, _ = served_site
    outside: list[str] = []
    context = _context(browser, origin, 1440, outside)
    page = context.new_page()
    for name in ("downloads", "index"):
        _open(page, f"{origin}/en/{name}.html")
        links = set(page.eval_on_selector_all("a[href]", "nodes => nodes.map(node => node.href)"))
        reached = set()
        for _ in range(len(links) + 80):
            page.keyboard.press("Tab")
            href = page.evaluate("document.activeElement && document.activeElement.href")
            if href:
                reached.add(href)
        assert links - reached == set(), name
    context.close()


def test_print_hides_navigation_and_fits_the_page(served_site, browser):
    origin, _ = served_site
    outside: list[str] = []
    context = _context(browser, origin, 1440, outside)
    page = context.new_page()
    _open(page, f"{origin}/en/crime.html")
    page.emulate_media(media="print")
    assert page.locator(".site-nav").is_hidden() and page.locator(".languages").is_hidden()
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 2
    context.close()
