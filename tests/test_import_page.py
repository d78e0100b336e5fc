"""The Import page in AppTest: upload, dry run, import, and the Overview showing the new numbers."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from components import navigation
from data import db

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/import_data.py"
YEAR_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
# 17 robberies in Alder (A1) in 2024: violent crime per 1k goes from (30 + 5 + 4) / 17,000 residents
# (D4 has no population) = 2.29 to (39 + 17) / 17,000 = 3.29; the year before stays 31.
ROBBERIES = "case,when,district,crime\n" + "".join(f"R{i},2024-05-{i + 1:02d} 21:00,A1,ROBBERY\n" for i in range(17))


@pytest.fixture
def database(fixture_path, tmp_path):
    path = tmp_path / "fixture.duckdb"
    shutil.copyfile(fixture_path, path)
    return path


def checksums(path: Path) -> dict:
    """Checksums of a copy: in this process DuckDB would hand back the app's open instance,
    which still serves the file as it was before a swap."""
    copy = path.with_name(f"copy-{path.name}")
    shutil.copyfile(path, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        return db.table_checksums(con)
    finally:
        con.close()
        copy.unlink()


def unescaped(markdown: str) -> str:
    """The text a person reads: fmt.plain escapes Markdown characters of data with a backslash."""
    return re.sub(r"\\(.)", r"\1", markdown)


def open_import_page(database: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("BRIDGEBOARD_DB", str(database))
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.date_input(key="filter_period").set_value(YEAR_2024).run()
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def upload(app: AppTest, name: str, content: bytes, kind: str) -> AppTest:
    app.file_uploader(key="import_file").set_value((name, content, "text/csv"))
    app.selectbox(key="import_kind").set_value(kind).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_only_agency_roles_get_the_page():
    assert PAGE in [page.path for page in navigation.pages_for("chief")]
    assert PAGE in [page.path for page in navigation.pages_for("analyst")]
    assert PAGE not in [page.path for page in navigation.pages_for("director")]


def test_dry_run_then_import_and_the_overview_shows_it(database, monkeypatch):
    app = open_import_page(database, monkeypatch)
    upload(app, "robberies.csv", ROBBERIES.encode(), "incidents")
    # the guesses from the headers: case -> source_id, when -> ?, district -> area_code, crime -> offense
    assert app.selectbox(key="import_map_incidents_area_code").value == "district"
    assert app.selectbox(key="import_map_incidents_offense").value == "crime"
    app.selectbox(key="import_map_incidents_occurred_at").set_value("when")
    app.selectbox(key="import_map_incidents_source_id").set_value("case").run()
    before = checksums(database)
    app.button(key="import_dry_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert "Dry run: nothing was changed" in app.info[0].value
    assert [metric.value for metric in app.metric] == ["17", "17", "0", "0"]
    assert checksums(database) == before

    app.button(key="import_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert "Imported." in app.success[0].value
    assert checksums(database) != before

    app.switch_page("pages/overview.py").run()
    assert not app.exception, [e.value for e in app.exception]
    shown = {metric.label: (metric.value, metric.delta) for metric in app.metric}
    assert shown["Violent crime (FBI) per 1k"][0] == "3.29"


def test_a_file_with_no_usable_rows_is_one_sentence(database, monkeypatch):
    app = open_import_page(database, monkeypatch)
    upload(app, "future.csv", b"source_id,occurred_at,area_code,offense\nF1,2099-01-01,A1,THEFT\n", "incidents")
    before = checksums(database)
    app.button(key="import_run").click().run()
    assert not app.exception
    assert [unescaped(e.value) for e in app.error] == [
        "Nothing was imported: the only row of future.csv cannot be imported: occurred_at is in the future:"
        " '2099-01-01' (line 2)."
    ]
    assert app.dataframe[-1].value["reason"].tolist() == ["occurred_at is in the future"]
    assert checksums(database) == before


def test_a_broken_upload_is_refused_before_mapping(database, monkeypatch):
    app = open_import_page(database, monkeypatch)
    upload(app, "image.csv", bytes(range(256)) * 20, "incidents")
    assert [unescaped(e.value) for e in app.error] == [
        "image.csv cannot be imported: image.csv is not a text file (it holds binary data), "
        "so it cannot be read as CSV."
    ]


def test_a_new_survey_wave_takes_its_scale_from_the_page(database, monkeypatch):
    app = open_import_page(database, monkeypatch)
    upload(
        app,
        "wave.csv",
        b"wave,respondent_id,area_code,responded_on,respect\nAutumn 2024,1,A1,2024-10-02,4\n",
        "surveys",
    )
    app.selectbox(key="import_map_surveys_trust_respect").set_value("respect").run()
    app.button(key="import_dry_run").click().run()
    assert "answer scale is not known" in app.error[0].value
    app.number_input(key="import_scale_min").set_value(1)
    app.number_input(key="import_scale_max").set_value(5).run()
    app.button(key="import_run").click().run()
    assert not app.error, [e.value for e in app.error]
    assert "Imported." in app.success[0].value


def test_a_partial_import_needs_a_confirmation_worded_with_the_numbers(database, monkeypatch):
    """Strict by default: rows that would be left out stop the import until the person confirms the numbers."""
    app = open_import_page(database, monkeypatch)
    partly = (
        b"source_id,occurred_at,area_code,offense\n"
        b"P1,2024-03-01,A1,THEFT\nP2,2024-03-02,Z9,THEFT\nP3,2024-03-03,A1,THEFT\n"
    )
    upload(app, "partly.csv", partly, "incidents")
    before = checksums(database)
    app.button(key="import_dry_run").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    warnings = [unescaped(w.value) for w in app.warning if w.value.startswith("Nothing")]
    assert warnings[0].startswith("Nothing was imported: 1 of the 3 rows would be left out.")
    assert app.button(key="import_confirm_partial_1").label == "Import 2 rows and leave 1 out"
    assert app.dataframe[-1].value["reason"].tolist() == ["area is not among the imported areas"]
    assert app.dataframe[-1].value["fix"].tolist() == ["import the areas first, or correct the code or name"]
    app.button(key="import_run").click().run()  # the plain Import button refuses too
    assert checksums(database) == before
    app.button(key="import_confirm_partial_1").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert "1 rows were left out, as confirmed" in unescaped(app.success[0].value)
    assert checksums(database) != before
    copy = database.with_name("after.duckdb")  # a copy: this process's DuckDB still holds the old file open
    shutil.copyfile(database, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        assert con.execute("select count(*) from incidents where source_id like 'P_'").fetchall() == [(2,)]
        assert con.execute("select line_number, fields->>'area_code' from rejected_rows").fetchall()[-1] == (3, "Z9")
    finally:
        con.close()
