"""python -m data check: integrity errors exit non-zero, warnings do not (unless --strict)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from data import check, db
from data.__main__ import main


@pytest.fixture
def database(fixture_path, tmp_path):
    path = tmp_path / "fixture.duckdb"
    shutil.copyfile(fixture_path, path)
    return path


def edit(path, *statements: str) -> None:
    con = duckdb.connect(str(path))
    for statement in statements:
        con.execute(statement)
    con.close()


def test_the_fixture_has_warnings_but_no_errors(database, capsys):
    report = check.check(database)
    assert report.errors == []  # its empty months are chance: a typical month has 2 incidents
    messages = {finding.message: finding.examples for finding in report.warnings}
    # D4 Dogwood Township has no population in the fixture (see fixture_db)
    assert messages["areas without population (crime rates cannot be computed for them)"] == ["D4"]
    assert main(["check", "--db", str(database)]) == 0
    assert main(["check", "--db", str(database), "--strict"]) == 1
    assert "no errors" in capsys.readouterr().out


def test_stale_rollup_is_an_error(database, capsys):
    edit(database, "delete from incidents where incident_id = 1")
    report = check.check(database)
    assert [finding.message for finding in report.errors] == [
        "crime_monthly cells disagree with incidents (rebuild the rollup)"
    ]
    assert main(["check", "--db", str(database)]) == 1
    assert "error: 1 crime_monthly cells disagree" in capsys.readouterr().out


def test_an_empty_month_is_an_error_only_where_months_are_busy(database):
    # the fixture's few incidents leave 11 empty months between 2023-02 and 2025-01: chance
    gaps = next(f for f in check.check(database).warnings if f.message.startswith("months with no incidents"))
    assert gaps.count == 11
    # 20 incidents in every month of 2023 except June: now June is a missing load
    con = duckdb.connect(str(database))
    con.execute("delete from incidents")
    con.execute(
        """
        insert into incidents
        select row_number() over (), null, make_timestamp(2023, month, 10, 12, 0, 0), 1, '23H', 'theft', 'property',
            'property', null, null
        from range(1, 13) as months(month), range(20) where month <> 6
        """
    )
    db.rebuild_rollups(con)
    con.close()
    report = check.check(database)
    assert [(f.message, f.examples) for f in report.errors] == [
        ("months with no incidents anywhere inside the data's span", ["2023-06"])
    ]


def test_unweighted_wave_is_a_warning(database):
    edit(database, "update survey_responses set weight = 1 where wave_id = 3")
    messages = {finding.message: finding.examples for finding in check.check(database).warnings}
    assert "Residents 2024 Q4" in messages["survey waves without weights (every weight is 1)"]


def test_missing_database_is_one_sentence(tmp_path, capsys):
    assert main(["check", "--db", str(tmp_path / "nothing.duckdb")]) == 1
    assert capsys.readouterr().err.strip() == f"check failed: there is no database at {tmp_path / 'nothing.duckdb'}"
