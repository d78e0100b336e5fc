"""Shared fixtures: the hand-built fixture database, the demo database, AppTest set-up."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# figures are built with plotly's property checks on in tests (the app turns them off for speed)
os.environ.setdefault("BRIDGEBOARD_VALIDATE_FIGURES", "1")

import duckdb
import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

import fixture_db

# a page opened on a test database publishes its public file here, never into the repository's
# data/public.duckdb (which the Public report of a running demo reads)
_SCRATCH = tempfile.mkdtemp(prefix="bridgeboard-tests-")
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
os.environ.setdefault("BRIDGEBOARD_PUBLIC_DB", os.path.join(_SCRATCH, "public.duckdb"))
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _navigation_not_legacy_pages(monkeypatch):
    """Keep AppTest on st.navigation although a pages/ folder exists.

    Cause: AppTest resets PagesManager.uses_pages_directory before each run and
    PagesManager.__init__ then sets it to True because app.py has a sibling folder named
    pages/ (the v1 multipage convention), so switch_page would run a page script alone,
    without app.py's connection, viewer and filters. st.navigation sets it to False only
    after app.py has started, too late for the first script chosen.
    """
    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    from components import runtime

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
    runtime.close_connections()


@pytest.fixture(scope="session")
def fixture_path(tmp_path_factory):
    return fixture_db.build(tmp_path_factory.mktemp("fixture") / "fixture.duckdb")


@pytest.fixture(scope="session")
def con(fixture_path):
    connection = duckdb.connect(str(fixture_path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory):
    """The demo database at its default size (seed 1), built once per test process."""
    from data import demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build(path, seed=1)
    return path


@pytest.fixture(scope="session")
def demo_con(demo_path):
    connection = duckdb.connect(str(demo_path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def public_fixture_path(fixture_path, tmp_path_factory):
    """The fixture database as `python -m data publish` writes it."""
    from data import publish

    path = tmp_path_factory.mktemp("published") / "public.duckdb"
    publish.publish(fixture_path, path)
    return path


@pytest.fixture(scope="session")
def public_con(public_fixture_path):
    connection = duckdb.connect(str(public_fixture_path), read_only=True)
    yield connection
    connection.close()


# --- tests never write into the repository -------------------------------------------------


def repository_data_state() -> dict[str, tuple[int, int] | None] | None:
    """Every changed, untracked or ignored file under data/ with its (size, mtime); None without git.

    `git status --porcelain --ignored` sees new and modified files, ignored ones (*.duckdb) included;
    the sizes and times see a file that was there before and was written again.
    """
    try:
        listed = subprocess.run(
            ["git", "status", "--porcelain", "--ignored", "--untracked-files=all", "--", "data/"],
            cwd=REPO, capture_output=True, text=True, timeout=60, check=True,
        ).stdout  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    state = {}
    for line in listed.splitlines():
        name = line[3:].split(" -> ")[-1].strip('"')
        if "__pycache__/" in name:  # Python's own byte code, rewritten whenever a module changes
            continue
        path = REPO / name
        state[line[:3] + name] = (path.stat().st_size, path.stat().st_mtime_ns) if path.is_file() else None
    return state


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # once, in the controlling process
        session.config._repository_data_before = repository_data_state()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_repository_data_before", None)
    if before is None:
        return
    after = repository_data_state()
    if after is not None and after != before:
        changed = sorted(name for name in after.keys() | before.keys() if after.get(name) != before.get(name))
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = "the tests wrote into the repository's data/ folder (they must use tmp_path): " + ", ".join(changed)
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
