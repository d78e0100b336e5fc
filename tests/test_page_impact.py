"""Impact page in AppTest: the WDD verdict and counts, partnership choice from the URL."""

import pytest

from apptest import CHIEF, YEAR_2024, errors, metrics, open_page
from data import demo


def test_fixture_partnership_from_the_url(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/impact.py", CHIEF, YEAR_2024, {"partnership": "1"})
    assert app.selectbox(key="impact_partnership").value == 1
    # P1 (youth, A1 + B2, from 2023-01): no urban area is left to compare with; 2022 holds no crime
    counts = app.dataframe[0].value
    assert counts[["before", "after"]].values.tolist() == [[0, 30], [0, 0]]
    assert metrics(app)["WDD (offences)"][0] == "+30"
    assert any("More crimes than expected" in box.value for box in app.warning)
    assert any("provisional" in box.value for box in app.warning)  # the data start in Feb 2023


def test_fixture_rural_partnership(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/impact.py", CHIEF, YEAR_2024, {"partnership": "2"})
    # P2 (homelessness, C3, from 2024-03): T0 0, T1 4; control D4: C0 1, C1 3 -> wdd 2, se √8, z 0.71
    shown = metrics(app)
    assert shown["WDD (offences)"][0] == "+2"
    assert shown["z"][0] == "+0.71"
    assert any("No detectable change" in box.value for box in app.info)


@pytest.mark.parametrize("raw", ["abc", "99999", "1; drop table incidents", "3"])
def test_bad_or_foreign_partnership_in_the_url(fixture_path, monkeypatch, raw):
    # "3" exists but is Youth Org's: the Housing director may not evaluate it
    app = open_page(
        fixture_path, monkeypatch, "pages/impact.py", "Director, Housing Org", YEAR_2024, {"partnership": raw}
    )
    assert not errors(app)
    assert any(
        "could not be read" in box.value or "is not among the partnerships you can evaluate here" in box.value
        for box in app.warning
    )
    assert app.selectbox(key="impact_partnership").options == ["Street outreach partnership"]


@pytest.mark.parametrize("effect", demo.PLANTED_CRIME_EFFECTS, ids=lambda effect: effect.partnership_name)
def test_demo_planted_effect_reads_as_fewer_crimes(demo_path, demo_con, monkeypatch, effect):
    partnership_id = demo_con.execute(
        "select partnership_id from partnerships where name = ?", [effect.partnership_name]
    ).fetchone()[0]
    app = open_page(demo_path, monkeypatch, "pages/impact.py", query_params={"partnership": str(partnership_id)})
    assert not errors(app)
    assert any("Fewer crimes than expected" in box.value for box in app.success)
