"""Server-side time of a page rerun after a filter change, measured with Streamlit's AppTest.

Each page is opened as the chief on the large database, warmed once, then rerun `runs`
times, each time with a filter combination it has not seen (a different 12-month period,
cycling urban / rural / both), so every query of the page misses st.cache_data: the cold
case a chief meets when changing a filter. A second series revisits combinations already
seen (the cached case). The time is AppTest's `run()`: the whole script, queries, figure
and table building, and serialising the page, without the browser's rendering.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from bench.timing import add_months, summarize

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SIDES = ("Urban", "Rural", "Urban and rural")
# pages without queries of their own (the upload form) are left out
SKIPPED = {"pages/import_data.py"}
# pages that draw one view at a time are also timed on their heaviest other view
VIEWS = {
    "pages/partnerships.py": ("partnerships_view", "One partnership in detail"),
    "pages/trust.py": ("trust_view", "By area"),
}


def _navigation_not_legacy_pages() -> None:
    """AppTest re-decides Streamlit's legacy pages/ mode before every run (see tests/conftest.py)."""
    original = PagesManager.__init__
    if getattr(original, "_bridgeboard", False):
        return

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init._bridgeboard = True
    PagesManager.__init__ = init


def _periods(last_month: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """`count` different 12-month periods ending one month apart, latest first."""
    periods = []
    for back in range(count):
        end_month = add_months(last_month, -back)
        periods.append((add_months(end_month, -11), add_months(end_month, 1) - dt.timedelta(days=1)))
    return periods


def bench_pages(db_path: Path, public_path: Path, last_month: dt.date, runs: int, log: Callable[[str], None]) -> dict:
    """p50 / p95 of cold and cached reruns per page, in ms."""
    from components import navigation, runtime

    _navigation_not_legacy_pages()
    os.environ["BRIDGEBOARD_DB"] = str(db_path)
    os.environ["BRIDGEBOARD_PUBLIC_DB"] = str(public_path)
    periods = _periods(last_month, runs + 1)
    results = {}
    targets = [(page.path, page.title, None) for page in navigation.pages_for("chief") if page.path not in SKIPPED]
    targets += [(path, None, view) for path, view in VIEWS.items()]
    titles = {page.path: page.title for page in navigation.pages_for("chief")}
    for path, title, view in targets:
        label = title or f"{titles[path]}: {view[1]}"
        st.cache_data.clear()
        st.cache_resource.clear()  # query results are kept there (components/runtime.py)
        runtime.close_connections()
        app = AppTest.from_file(APP, default_timeout=300).run()
        app.switch_page(path).run()
        if view:
            app.segmented_control(key=view[0]).set_value(view[1]).run()
        app.date_input(key="filter_period").set_value(periods[0]).run()  # warm: connections, imports
        cold, cached = [], []
        for index in range(runs):
            app.date_input(key="filter_period").set_value(periods[index + 1])
            app.radio(key="filter_urbanicity").set_value(SIDES[index % len(SIDES)])
            started = time.perf_counter()
            app.run()
            cold.append(time.perf_counter() - started)
            if app.exception:
                raise RuntimeError(f"{label} failed: {app.exception[0].value}")
        for index in range(runs):  # the same combinations again: every query is cached now
            app.date_input(key="filter_period").set_value(periods[index + 1])
            app.radio(key="filter_urbanicity").set_value(SIDES[index % len(SIDES)])
            started = time.perf_counter()
            app.run()
            cached.append(time.perf_counter() - started)
        key = path if view is None else f"{path}#{view[1]}"
        results[key] = {"title": label, "cold": summarize(cold), "cached": summarize(cached)}
        timed = results[key]
        log(
            f"  {label}: cold p50 {timed['cold']['p50_ms']:.0f} ms, p95 {timed['cold']['p95_ms']:.0f} ms;"
            f" cached p50 {timed['cached']['p50_ms']:.0f} ms"
        )
    runtime.close_connections()
    return results
