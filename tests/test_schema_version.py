"""A database of another data model version (or not Bridgeboard's at all) is refused with one
sentence by the app, the importer, publish and check, and is left byte-for-byte as it was."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from apptest import APP, errors
from components import format as fmt
from data import db, publish
from data.__main__ import main
from data.importers import ImportFailed, run_import

NEWER = "it was built for data model version 3, and this Bridgeboard reads version 2"
FOREIGN = "it is not a Bridgeboard database (it has no schema_meta table)"


@pytest.fixture
def newer(fixture_path, tmp_path):
    """The fixture database as a later Bridgeboard would have stamped it."""
    path = tmp_path / "newer.duckdb"
    shutil.copyfile(fixture_path, path)
    con = duckdb.connect(str(path))
    con.execute("update schema_meta set value = '3' where key = 'schema_version'")
    con.close()
    return path


@pytest.fixture
def foreign(tmp_path):
    path = tmp_path / "foreign.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table areas as select 1 as area_id")
    con.close()
    return path


def problem(path) -> str | None:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return db.schema_problem(con)
    finally:
        con.close()


def test_the_problem_in_words(fixture_path, newer, foreign):
    assert problem(fixture_path) is None
    assert problem(newer) == NEWER
    assert problem(foreign) == FOREIGN


def test_the_app_says_so_and_shows_no_page(newer, monkeypatch):
    monkeypatch.setenv("BRIDGEBOARD_DB", str(newer))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert errors(app) == [
        f"Bridgeboard cannot read its database at {fmt.plain(newer)}: {fmt.plain(NEWER)}. "
        "Rebuild it with `python -m data demo`, "
        "or import your files into a new one with `python -m data import`."
    ]
    assert not app.metric and not app.sidebar.radio


def test_import_publish_and_check_refuse_and_change_nothing(newer, foreign, tmp_path, capsys):
    areas = tmp_path / "areas.csv"
    areas.write_text("area_code,name,population,urbanicity\nZ9,Zelkova,1000,urban\n")
    for path, why in ((newer, NEWER), (foreign, FOREIGN)):
        before = path.read_bytes()
        with pytest.raises(ImportFailed) as failure:
            run_import("areas", areas, path)
        assert str(failure.value) == f"{path} cannot be changed: {why}"
        with pytest.raises(publish.PublishError) as failure:
            publish.publish(path, tmp_path / "public.duckdb")
        assert str(failure.value) == f"{path} cannot be published: {why}"
        assert main(["check", "--db", str(path)]) == 1
        assert capsys.readouterr().err.strip() == f"check failed: {path} cannot be checked: {why}"
        assert path.read_bytes() == before
    assert not (tmp_path / "public.duckdb").exists()
