"""Shared fixtures: the hand-built fixture database, the demo database, AppTest set-up."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

# figures are built with plotly's property checks on in tests (the app turns them off for speed)
os.environ.setdefault("BRIDGEBOARD_VALIDATE_FIGURES", "1")

import duckdb
import pytest
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

import fixture_db

# the app publishes its public file here, one per test process, never into the repository's
# data/public.duckdb (which a running demo's Public report reads, and which workers would share)
_SCRATCH = tempfile.mkdtemp(prefix="bridgeboard-tests-")
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
os.environ.setdefault("BRIDGEBOARD_PUBLIC_DB", os.path.join(_SCRATCH, "public.duckdb"))


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
