"""Every page opens for every role on databases holding each subset of the data kinds (issue 10, Build 8).

A department fills its database a kind at a time, and vendors send what they have: a page
must say what is missing, never fail. Each database holds areas (from a CSV: no outlines),
one nonprofit and a chief, an analyst and that nonprofit's director, plus one of: nothing
else; incidents; crime counts only; survey responses; vendor scores with safety only (the
crash of issue 10: subplots with no column); vendor scores with trust only; partnerships with
programs and activity.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import apptest
from components import navigation
from data.importers import ImportOptions, run_import

AREAS = "area_code,name,population,urbanicity\nA1,Alder,1000,urban\nB2,Birch,500,rural\n"
USERS = (
    "email,name,role,organisation\nchief@example.org,Chief,chief,\nanalyst@example.org,Analyst,analyst,\n"
    "dir@youth.example,Director,director,Youth Org\n"
)
MONTHS = [f"{year}-{month:02d}" for year in (2023, 2024) for month in range(1, 13)]
SCORES = "area,month,measure,score,n\n" + "".join(
    f"{area},{month}-01,{{measure}},{50 + index % 7},{30 + index % 5}\n"
    for index, (area, month) in enumerate((area, month) for area in ("A1", "B2") for month in MONTHS)
)
SUBSETS: dict[str, list[tuple[str, str, dict]]] = {
    "areas only": [],
    "incidents": [
        (
            "incidents",
            "source_id,occurred_at,area_code,offense_code\n"
            + "".join(
                f"I{index},{month}-{1 + index % 27:02d} 10:00,{('A1', 'B2')[index % 2]},"
                f"{('120', '23H', '13B')[index % 3]}\n"
                for index, month in enumerate(MONTHS * 3)
            ),
            {},
        )
    ],
    "counts only": [
        (
            "crime-counts",
            "district,month,offense_code,count\n"
            + "".join(
                f"{area},{month},{code},{2 + len(month) % 3}\n"
                for area in ("A1", "B2")
                for month in MONTHS
                for code in ("120", "220", "13B")
            ),
            {},
        )
    ],
    "surveys": [
        (
            "surveys",
            "wave,respondent,area,date,weight,age,sex,respect,listen,safe_night\n"
            + "".join(
                f"Spring 2024,{index},{('A1', 'B2')[index % 2]},2024-04-{1 + index % 20:02d},1,{20 + index},"
                f"{('F', 'M')[index % 2]},{1 + index % 5},{1 + (index + 2) % 5},{1 + (index + 1) % 5}\n"
                for index in range(40)
            ),
            {"constants": {"scale_min": "1", "scale_max": "5"}},
        )
    ],
    "vendor scores, safety only": [("survey-scores", SCORES.replace("{measure}", "Safety"), {})],
    "vendor scores, trust only": [("survey-scores", SCORES.replace("{measure}", "Trust"), {})],
    "programs": [
        (
            "partnerships",
            "name,nonprofit,org_type,start_date,end_date,areas\nYouth partnership,Youth Org,youth,2023-06-01,,A1\n",
            {},
        ),
        (
            "programs",
            "partnership,program,focus,start_date,target,areas\nYouth partnership,Mentoring,youth,2023-07-01,40,A1\n",
            {},
        ),
        (
            "activity",
            "program,month,participants\n" + "".join(f"Mentoring,{m},{10 + i}\n" for i, m in enumerate(MONTHS[6:])),
            {},
        ),
    ],
}


def build(folder: Path, subset: str) -> Path:
    database = folder / "subset.duckdb"
    for kind, text, options in [
        ("areas", AREAS, {}),
        ("nonprofits", "name,org_type\nYouth Org,youth\n", {}),
        *SUBSETS[subset],
        ("users", USERS, {}),
    ]:
        source = folder / f"{kind}.csv"
        source.write_text(text)
        summary = run_import(kind, source, database, ImportOptions(**options))
        assert summary.rows_rejected == 0 and summary.rows_accepted > 0, summary.text()
    return database


@pytest.mark.parametrize("subset", list(SUBSETS))
def test_every_page_opens_for_every_role(subset, tmp_path, monkeypatch):
    database = build(tmp_path, subset)
    for role, label in (("chief", apptest.CHIEF), ("analyst", apptest.ANALYST), ("director", "Director, Youth Org")):
        app = apptest.open_page(database, monkeypatch, view_as=label)
        pages = navigation.pages_for(role)
        assert pages
        for page in pages:
            app.switch_page(page.path).run()
            assert not app.exception, (subset, role, page.path, [e.value for e in app.exception])
            assert not [e.value for e in app.error if "internal error" in e.value.lower()], (subset, role, page.path)
