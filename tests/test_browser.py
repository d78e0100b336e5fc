"""The Overview in a real headless Chromium against `streamlit run` on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import independent
from components import navigation
from deploy_support import ERROR_TEXT, chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
# outside the repository (tests never write into it): BRIDGEBOARD_SCREENSHOTS, or a folder in the
# system's temporary directory; the chosen ones are copied to docs/screenshots by hand
SCREENSHOTS = Path(os.environ.get("BRIDGEBOARD_SCREENSHOTS") or Path(tempfile.gettempdir()) / "bridgeboard-screenshots")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db_path: Path, public_path: Path, log_path: Path):
    """`streamlit run app.py` on a free loopback port; yields its URL; no traceback may reach its log."""
    port = _free_port()
    env = {**os.environ, "BRIDGEBOARD_DB": str(db_path), "BRIDGEBOARD_PUBLIC_DB": str(public_path)}
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"streamlit did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.3)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    assert "Traceback" not in log_path.read_text(), log_path.read_text()[-3000:]


@pytest.fixture(scope="module")
def server(demo_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("server")
    with streamlit_server(demo_path, folder / "public.duckdb", folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile"), height=1100) as context:
        yield context.new_page()


def _wait_until_idle(page) -> None:
    """Streamlit shows a 'running' widget while the script runs; wait for it to go."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


def test_overview_renders_map_and_headline_numbers(server, page, demo_con):
    page.goto(server, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=90_000)
    page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=60_000)
    _wait_until_idle(page)
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    shown = dict(zip([label.strip() for label in labels], [value.strip() for value in values], strict=True))
    start, end = independent.default_period(demo_con)
    truth = independent.expected(demo_con, start, end, None)
    assert shown["Programs running"] == f"{truth.programs_active:,}"
    assert shown["Participants served"] == f"{truth.participants_served:,}"
    assert shown["Violent crime (FBI) per 1k"] == f"{truth.violent_per_1k:,.2f}"
    assert shown["Resident trust"] == f"{truth.trust:,.1f}"
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    box = canvas.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    body = page.inner_text("body")
    assert not ERROR_TEXT.search(body), ERROR_TEXT.search(body)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "overview.png"), full_page=True)


def test_view_as_a_director_in_the_browser(server, page, demo_con):
    page.goto(server, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=90_000)
    director = demo_con.execute(
        "select n.nonprofit_id, n.name from app_users u join nonprofits n using (nonprofit_id)"
        " where u.role = 'director' order by n.name limit 1"
    ).fetchone()
    page.get_by_role("combobox", name="View as").click()
    page.get_by_role("option", name=f"Director, {director[1]}").click()
    page.get_by_text("Your programs running").wait_for(timeout=60_000)
    _wait_until_idle(page)
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    labels = [label.strip() for label in page.locator('[data-testid="stMetricLabel"]').all_inner_texts()]
    shown = dict(zip(labels, [value.strip() for value in values], strict=True))
    start, end = independent.default_period(demo_con)
    truth = independent.expected(demo_con, start, end, int(director[0]))
    assert shown["Your programs running"] == f"{truth.programs_active:,}"
    assert shown["Your participants served"] == f"{truth.participants_served:,}"
    assert not ERROR_TEXT.search(page.inner_text("body"))
    page.screenshot(path=str(SCREENSHOTS / "overview-director.png"), full_page=True)


# every page the chief can open, by its URL path (st.Page uses the file name; the default page is "/")
CHIEF_PAGES = [page for page in navigation.pages_for("chief")]


def _open(page, url: str) -> str:
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("h1", timeout=90_000)
    _wait_until_idle(page)
    page.wait_for_timeout(500)
    return page.inner_text("body")


@pytest.mark.parametrize("spec", CHIEF_PAGES, ids=lambda spec: Path(spec.path).stem)
def test_every_page_loads_without_error_text(server, page, spec):
    stem = Path(spec.path).stem
    body = _open(page, server if spec is CHIEF_PAGES[0] else f"{server}/{stem}")
    assert spec.title.split()[0] in body
    assert not ERROR_TEXT.search(body), ERROR_TEXT.search(body)
    if stem in ("overview", "map", "transparency"):
        page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=60_000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"))
    page.set_viewport_size({"width": 1400, "height": 1100})


def test_urban_rural_filter_changes_the_chart_and_the_link(server, page):
    _open(page, f"{server}/crime")
    # Plotly draws after the script has finished: wait for the legends, not a fixed time (a busy machine)
    charts_text = (
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')].map(c => c.innerText).join(' ')"
    )
    page.wait_for_function(f"() => ({charts_text})().includes('Rural: 12-month mean')", timeout=60_000)
    charts = " ".join(page.locator('[data-testid="stPlotlyChart"]').all_inner_texts())  # a chart per side
    assert "Rural: 12-month mean" in charts and "Urban: 12-month mean" in charts
    page.locator('[data-testid="stSidebar"]').get_by_text("Urban", exact=True).click()
    _wait_until_idle(page)
    page.wait_for_function("() => location.search.includes('areas=urban')", timeout=30_000)
    page.wait_for_function(f"() => !({charts_text})().includes('Rural: 12-month mean')", timeout=60_000)
    charts = " ".join(page.locator('[data-testid="stPlotlyChart"]').all_inner_texts())
    assert "Urban: 12-month mean" in charts and "Rural: 12-month mean" not in charts


def test_a_shared_link_restores_the_filters(server, page):
    body = _open(page, f"{server}/crime?from=2024-01-01&to=2024-06-30&areas=rural")
    assert "Jan 2024 – Jun 2024" in body
    dates = page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"] input[type="date"]')
    assert [dates.nth(index).input_value() for index in range(dates.count())] == ["2024-01-01", "2024-06-30"]
    checked = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] input:checked')
    assert checked.count() == 1
    label = page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label:has(input:checked)').inner_text()
    assert label.strip() == "Rural"
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    assert "Urban: 12-month mean" not in chart.inner_text()


@pytest.mark.parametrize("first_path", ["transparency", "crime?areas=rural"])
def test_first_visit_of_a_fresh_server_by_deep_link(page, tmp_path, first_path):
    """The README's first run: no database yet, and the very first request is a shared link to a page.

    Streamlit decides at the first session whether a folder named pages/ means a legacy app;
    the page must still run through app.py (which builds the demo database on first run).
    """
    missing = tmp_path / "data" / "bridgeboard.duckdb"
    with streamlit_server(missing, tmp_path / "data" / "public.duckdb", tmp_path / "streamlit.log") as url:
        body = _open(page, f"{url}/{first_path}")
        expected = "public report" if first_path == "transparency" else "Crime trends"
        assert expected in body
        assert not ERROR_TEXT.search(body), ERROR_TEXT.search(body)
    assert missing.exists()


def test_nothing_is_fetched_from_outside_the_machine(server, page):
    """No map style, font or icon from a CDN: every request of the pages stays on 127.0.0.1."""
    outside = []

    def note(request) -> None:
        # any loopback server counts as this machine (an earlier test's stopped server is still polled)
        host = urllib.parse.urlsplit(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            return
        outside.append(request.url)

    page.on("request", note)
    try:
        for path in ("", "map", "crime", "transparency"):
            _open(page, f"{server}/{path}")
            if path in ("", "map"):
                page.wait_for_selector('[data-testid="stDeckGlJsonChart"] canvas', timeout=60_000)
            page.wait_for_timeout(1_500)
    finally:
        page.remove_listener("request", note)
    assert outside == []
