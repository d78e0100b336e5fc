"""Every page reads right on a laptop and on a phone, in a real headless Chromium.

For every page x {the chief, one director} x {1440, 390} pixels wide: nothing makes the page
scroll sideways; no two text boxes among headings, chart titles, axis titles, legend items and
metric labels overlap (boxes from the DOM, and from plotly's rendered SVG text); no visible
"None", "nan", "NaT" or "null". The viewer is chosen by the URL (?as=), as a shared link would.
Screenshots go to layout/ under test_browser.SCREENSHOTS, outside the repository (the chosen ones
are copied to docs/screenshots).
"""

from __future__ import annotations

import re

import pytest

from components import navigation
from deploy_support import ERROR_TEXT, chromium_browser
from test_browser import SCREENSHOTS, streamlit_server

pytestmark = pytest.mark.browser

WIDTHS = {"laptop": (1440, 900), "phone": (390, 844)}
MISSING_WORDS = re.compile(r"\b(None|nan|NaN|NaT|null|undefined)\b")

# Text boxes that must never overlap one another: the page's headings and metric labels, the
# map legends' items, and every title and legend item plotly draws in its SVG.
TEXT_BOXES_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const selectors = [
    'h1', 'h2', 'h3', 'h4', 'h5',
    '[data-testid="stMetricLabel"]',
    '.bb-legend-title', '.bb-legend li',
    '.main-svg .gtitle', '.main-svg .g-xtitle text', '.main-svg .g-ytitle text',
    '.main-svg .annotation-text', '.main-svg .legendtext', '.main-svg .legendtitletext', '.main-svg .textpoint text',
  ];
  const boxes = [];
  for (const element of main.querySelectorAll(selectors.join(','))) {
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) continue;
    const text = (element.textContent || '').trim();
    if (!text) continue;
    const box = element.getBoundingClientRect();
    if (box.width < 1 || box.height < 1) continue;
    boxes.push({text: text.slice(0, 60), left: box.left, top: box.top + main.scrollTop,
                right: box.right, bottom: box.bottom + main.scrollTop,
                kind: element.closest('svg') ? 'svg' : 'dom'});
  }
  return boxes;
}
"""


def _overlaps(boxes: list[dict], slack: float = 1.5) -> list[tuple[str, str]]:
    """Pairs of text boxes whose areas overlap by more than `slack` pixels each way."""
    found = []
    for index, first in enumerate(boxes):
        for second in boxes[index + 1 :]:
            if first["text"] == second["text"] and first["left"] == second["left"]:
                continue  # the same text reached by two selectors (a heading's inner element)
            inside = (
                first["left"] <= second["left"]
                and first["right"] >= second["right"]
                and first["top"] <= second["top"]
                and first["bottom"] >= second["bottom"]
            ) or (
                second["left"] <= first["left"]
                and second["right"] >= first["right"]
                and second["top"] <= first["top"]
                and second["bottom"] >= first["bottom"]
            )
            if inside and first["text"].find(second["text"]) + second["text"].find(first["text"]) > -2:
                continue  # one element's text contains the other's: nested, not two boxes
            width = min(first["right"], second["right"]) - max(first["left"], second["left"])
            height = min(first["bottom"], second["bottom"]) - max(first["top"], second["top"])
            if width > slack and height > slack:
                found.append((first["text"], second["text"]))
    return found


def test_overlap_rule_finds_overlaps_and_passes_neighbours():
    """The rule itself: two boxes sharing pixels overlap; touching or nested ones do not."""
    title = {"text": "Resident trust", "left": 0, "top": 0, "right": 120, "bottom": 20}
    beside = {"text": "Program participants", "left": 100, "top": 5, "right": 260, "bottom": 25}
    below = {"text": "Urban", "left": 0, "top": 20, "right": 50, "bottom": 40}
    nested = {"text": "Resident", "left": 2, "top": 2, "right": 60, "bottom": 18}
    assert _overlaps([title, beside]) == [("Resident trust", "Program participants")]
    assert _overlaps([title, below]) == []
    assert _overlaps([title, nested]) == []


@pytest.fixture(scope="module")
def server(demo_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout-server")
    with streamlit_server(demo_path, folder / "public.duckdb", folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium_browser() as launched:
        yield launched


def _director(demo_con) -> int:
    return demo_con.execute(
        "select n.nonprofit_id from app_users u join nonprofits n using (nonprofit_id)"
        " where u.role = 'director' order by n.name limit 1"
    ).fetchone()[0]


def _wait_until_drawn(page) -> None:
    page.wait_for_selector("h1", timeout=120_000)
    page.wait_for_timeout(500)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
    # every plotly chart on the page has drawn its SVG
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".every(chart => chart.querySelector('.main-svg'))",
        timeout=60_000,
    )
    page.wait_for_timeout(1500)


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ["chief", "director"])
def test_every_page_reads_right(server, browser, demo_con, role, width):
    slug = role if role == "chief" else f"director-{_director(demo_con)}"
    pages = navigation.pages_for(role)
    columns, rows = WIDTHS[width]
    context = browser.new_context(viewport={"width": columns, "height": rows}, is_mobile=width == "phone")
    page = context.new_page()
    problems: dict[str, object] = {}
    folder = SCREENSHOTS / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for spec in pages:
            page.goto(f"{server}/{spec.url_path}?as={slug}", wait_until="domcontentloaded")
            _wait_until_drawn(page)
            stem = spec.url_path
            main = page.locator('[data-testid="stMain"]')
            text = main.inner_text()
            assert stem in page.url and page.locator("h1").first.inner_text().strip(), (stem, text[:300])
            if ERROR_TEXT.search(text):
                problems[f"{stem}: error text"] = ERROR_TEXT.search(text).group(0)
            if missing := MISSING_WORDS.findall(text):
                problems[f"{stem}: missing-value words"] = sorted(set(missing))
            sideways = page.evaluate(
                "() => [document.documentElement.scrollWidth - window.innerWidth,"
                " document.querySelector('[data-testid=\"stMain\"]').scrollWidth"
                " - document.querySelector('[data-testid=\"stMain\"]').clientWidth]"
            )
            if max(sideways) > 1:
                problems[f"{stem}: scrolls sideways by px"] = sideways
            if overlapping := _overlaps(page.evaluate(TEXT_BOXES_JS)):
                problems[f"{stem}: overlapping text"] = overlapping[:5]
            tall = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
            page.set_viewport_size({"width": columns, "height": min(max(tall, rows), 8000)})
            # charts and tables redraw for the taller window (a screenshot, not a check: no condition)
            page.wait_for_timeout(4000)
            page.screenshot(path=str(folder / f"{stem}-{role}-{columns}.png"))
            page.set_viewport_size({"width": columns, "height": rows})
    finally:
        context.close()
    assert not problems, problems


def test_a_tapped_page_closes_the_sidebar_on_a_phone(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(f"{server}/crime?as=chief", wait_until="domcontentloaded")
        _wait_until_drawn(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect().right > 200",
            timeout=10_000,
        )
        page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Map").tap()
        page.wait_for_function("() => location.pathname.endsWith('/map')", timeout=30_000)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect().right <= 0",
            timeout=10_000,
        )
        assert sidebar.bounding_box()["x"] + sidebar.bounding_box()["width"] <= 0
    finally:
        context.close()


def test_the_overview_by_name_and_its_areas_filter(server, browser):
    """/overview opens the Overview (it used to open a "page not found" box that froze every widget),
    and the sidebar's Areas choice then changes the link and the radio."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{server}/overview?as=chief", wait_until="domcontentloaded")
        _wait_until_drawn(page)
        assert page.locator('[role="dialog"]').count() == 0
        page.locator('[data-testid="stSidebar"] [data-testid="stRadio"]').get_by_text("Rural", exact=True).click()
        page.wait_for_function("() => location.search.includes('areas=rural')", timeout=30_000)
        checked = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label:has(input:checked)')
        assert checked.inner_text().strip() == "Rural"
    finally:
        context.close()


def test_view_as_lives_in_the_sidebar_and_survives_a_reload(server, browser, demo_con):
    director = _director(demo_con)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{server}/programs?as=director-{director}", wait_until="domcontentloaded")
        _wait_until_drawn(page)
        switch = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="View as")
        assert switch.count() == 1
        name = demo_con.execute("select name from nonprofits where nonprofit_id = ?", [director]).fetchone()[0]
        assert f"{name}'s programs only" in page.locator('[data-testid="stMain"]').inner_text()
        page.reload(wait_until="domcontentloaded")
        _wait_until_drawn(page)
        assert f"as=director-{director}" in page.url
        assert f"{name}'s programs only" in page.locator('[data-testid="stMain"]').inner_text()
    finally:
        context.close()
