"""PDF packets: the numbers the pages show, scope from identity, pages that hold their text.

The PDFs are printed by Debian's Chromium and read back with poppler-utils (pdftotext,
pdffonts), as a reader would; .ci/run installs both.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import duckdb
import pandas as pd
import pytest

import queries
from apptest import CHIEF, YEAR_2024, directors, metrics, open_page, other_programs
from data.__main__ import main as data_main
from reports import command, packets

pytestmark = pytest.mark.pdf
PERIOD = packets.Period(*YEAR_2024)
# points: Letter 612 x 792, A4 595.3 x 841.9
PAPER_POINTS = {"letter": (612.0, 792.0), "a4": (595.28, 841.89)}
MARGIN_POINTS = 15 / 25.4 * 72  # reports/pdf.py's side margins


def pdf_text(pdf: bytes, tmp_path, first: int | None = None, last: int | None = None, layout: bool = False) -> str:
    """The PDF's words, whitespace collapsed; with `layout`, in reading order along each line (table rows)."""
    path = tmp_path / "read.pdf"
    path.write_bytes(pdf)
    pages = [
        *(["-f", str(first)] if first else []),
        *(["-l", str(last)] if last else []),
        *(["-layout"] if layout else []),
    ]
    text = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


WORD = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>')


def words_off_the_page(pdf: bytes, tmp_path, paper: str, margin: float = MARGIN_POINTS) -> list[str]:
    """Words (pdftotext -bbox) outside the page less its side margins, and any page of the wrong size."""
    path = tmp_path / "bbox.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    width, height = PAPER_POINTS[paper]
    problems = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        if abs(float(page[1]) - width) > 1 or abs(float(page[2]) - height) > 1:
            problems.append(f"page of {page[1]} x {page[2]}")
        for word in WORD.finditer(page[3]):
            x0, y0, x1, y1 = (float(value) for value in word.groups()[:4])
            if x0 < margin - 3 or y0 < 0 or x1 > width - margin + 3 or y1 > height:  # glyph boxes: 1 mm
                problems.append(word[5])
    return problems


@pytest.fixture(scope="module")
def council_pdf(fixture_path):
    con = duckdb.connect(str(fixture_path), read_only=True)
    try:
        made = packets.make("council", lambda name, **p: queries.run(con, name, **p), PERIOD)
    finally:
        con.close()
    return made


@pytest.fixture(scope="module")
def housing_scorecard_a4(fixture_path):
    con = duckdb.connect(str(fixture_path), read_only=True)
    scope = queries.Scope("director", 2)
    try:
        made = packets.make(
            "scorecard",
            lambda name, **p: queries.run(con, name, scope=scope, **p),
            PERIOD,
            nonprofit_id=2,
            nonprofit_name="Housing Org",
            paper="a4",
        )
    finally:
        con.close()
    return made


def test_council_packet_from_the_overview_holds_the_cards_numbers(fixture_path, monkeypatch, tmp_path):
    app = open_page(fixture_path, monkeypatch, None, CHIEF, YEAR_2024)
    shown = metrics(app)
    app.button(key="packet_make_council").click().run()
    assert not app.exception and not app.error
    packet = app.session_state["packet"]
    text = pdf_text(packet["pdf"], tmp_path)
    for label, (value, delta) in shown.items():
        assert label in text and value in text
        if delta:
            assert delta in text
    # the same values by hand (tests/test_app_overview.py has the arithmetic), read along the cards' rows
    rows = pdf_text(packet["pdf"], tmp_path, layout=True)
    for expected in ("Active partnerships 2 +1", "Programs running 3 +2", "Participants served 67 +47"):
        assert expected in rows
    # the card is named for the FBI class (issue 10). Violent in 2024: A1 30 robberies, B2 5 and C3 4 aggravated
    # assaults, D4 3 robberies = 42; in 2023: A1 20 + B2 10 + D4 1 = 31 (C3's 2 burglaries are property crime):
    # (42 - 31) / 31 = +35.5%; the rate counts areas with a population only: (30 + 5 + 4) / 17,000 x 1,000 = 2.29
    assert "Violent crime (FBI) per 1k 2.29 +35.5%" in rows
    assert "42 offences, 31 a year earlier" in text
    assert "Resident trust 39.4" in text and "n = 64 (effective n 51)" in text
    assert "Jan 2024 – Dec 2024" in text and "Testville Police Department" in text
    assert packet["pages"] >= 6


def test_council_packet_sections_and_contents_point_at_their_pages(council_pdf, tmp_path):
    text = pdf_text(council_pdf.pdf, tmp_path)
    contents = pdf_text(council_pdf.pdf, tmp_path, 2, 2)
    for _, heading in packets.COUNCIL_CONTENTS:
        number = int(re.search(re.escape(heading) + r" (\d+)", contents)[1])
        assert pdf_text(council_pdf.pdf, tmp_path, number, number).startswith(f"{heading} ") or (
            f" {heading} " in pdf_text(council_pdf.pdf, tmp_path, number, number)
        ), heading
    assert f"Page 1 of {council_pdf.pages}" in text and f"Page {council_pdf.pages} of {council_pdf.pages}" in text
    # FBI classes by name; the area table's small-count rule; the impact's "cannot judge yet" with its reason
    assert "FBI violent crime" in text and "Property crime" in text
    assert "too few offences to test (under 10 in both years)" in text
    assert "Cannot judge yet:" in text
    # the methodology appendix comes from the SQL headers
    assert queries.spec("impact/wdd").title_sentence in text
    assert "Data held: crime from Feb 2023 to Jan 2025" in text


def test_council_packet_trust_with_intervals(council_pdf, tmp_path, con):
    text = pdf_text(council_pdf.pdf, tmp_path)
    row = queries.run(con, "trust/scores", **PERIOD.params(), group_by="all").set_index("audience").loc["resident"]
    assert f"{row['trust_0_100']:.1f} ({row['ci_low']:.1f}–{row['ci_high']:.1f})" in text
    assert "Officers All areas" in text


def test_no_text_runs_off_the_page_and_fonts_are_embedded(council_pdf, housing_scorecard_a4, tmp_path):
    assert words_off_the_page(council_pdf.pdf, tmp_path, "letter") == []
    assert words_off_the_page(housing_scorecard_a4.pdf, tmp_path, "a4") == []
    for made in (council_pdf, housing_scorecard_a4):
        path = tmp_path / "fonts.pdf"
        path.write_bytes(made.pdf)
        listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        fonts = listing.splitlines()[2:]
        assert fonts and all(line.split()[-5] == "yes" for line in fonts), listing


def test_charts_are_vector(council_pdf, tmp_path):
    """A chart's tick labels are text in the PDF (an image of a chart would have none)."""
    text = pdf_text(council_pdf.pdf, tmp_path)
    assert "Month" in text and "Urban: 12-month mean" in text
    path = tmp_path / "images.pdf"
    path.write_bytes(council_pdf.pdf)
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) == 2, images  # the header lines only: no raster image


def test_directors_scorecard_from_the_programs_page_holds_only_their_own(fixture_path, con, monkeypatch, tmp_path):
    app = open_page(fixture_path, monkeypatch, "pages/programs.py", "Director, Youth Org", YEAR_2024)
    shown = metrics(app)
    assert "programs_scorecard_for" not in [box.key for box in app.selectbox]  # no choice of nonprofit offered
    app.button(key="packet_make_scorecard").click().run()
    assert not app.exception and not app.error
    text = pdf_text(app.session_state["packet"]["pdf"], tmp_path)
    assert "Youth Org" in text
    assert f"Programs {shown['Programs'][0]}" in text and shown["Programs"][0] == "2"
    assert f"Participants served {shown['Participants served'][0]}" in text
    assert f"Measures on track {shown['Measures on track'][0]}" in text
    others = [name for (name,) in con.execute("select name from nonprofits where nonprofit_id <> 1").fetchall()]
    leaked = [name for name in [*others, *other_programs(con, 1)] if name in text]
    assert leaked == []


def test_scorecard_in_rba_form_with_targets_in_words(housing_scorecard_a4, con, tmp_path):
    text = pdf_text(housing_scorecard_a4.pdf, tmp_path)
    assert "How much did we do?" in text and "How well did we do it?" in text and "Is anyone better off?" in text
    assert "Outreach" in text and "Mentoring" not in text and "Youth Org" not in text
    assert "Participants served 9" in text  # Outreach's 9 participants (tests/test_sql_programs.py)
    assert "Partner feedback" in text


def test_a_chief_makes_any_nonprofits_scorecard_on_the_programs_page(fixture_path, monkeypatch, tmp_path):
    app = open_page(fixture_path, monkeypatch, "pages/programs.py", CHIEF, YEAR_2024)
    app.selectbox(key="programs_scorecard_for").set_value("Housing Org").run()
    app.button(key="packet_make_scorecard").click().run()
    text = pdf_text(app.session_state["packet"]["pdf"], tmp_path)
    assert "Housing Org: programs scorecard" in text and "Mentoring" not in text


def test_cli_operator_writes_both_packets(fixture_path, tmp_path, capsys, council_pdf):
    out = tmp_path / "council.pdf"
    assert data_main(["report", "council", "--db", str(fixture_path), "--out", str(out),
                      "--from", "2024-01-01", "--to", "2024-12-31"]) == 0  # fmt: skip
    assert "pages" in capsys.readouterr().out
    assert pdf_text(out.read_bytes(), tmp_path, 3, 3) == pdf_text(council_pdf.pdf, tmp_path, 3, 3)
    card = tmp_path / "youth.pdf"
    assert data_main(["report", "scorecard", "--db", str(fixture_path), "--out", str(card), "--nonprofit", "youth org",
                      "--from", "2024-01-01", "--to", "2024-12-31", "--areas", "urban"]) == 0  # fmt: skip
    text = pdf_text(card.read_bytes(), tmp_path)
    assert "Youth Org: programs scorecard" in text and "urban areas only" in text and "Outreach" not in text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["council", "--as", "director@youth.example"], "the council packet is for the chief and analysts"),
        (["scorecard", "--as", "director@youth.example", "--nonprofit", "Housing Org"], "may make only Youth Org's"),
        (["scorecard", "--as", "nobody@example.org"], "is not a Bridgeboard user"),
        (["scorecard"], "name the nonprofit with --nonprofit NAME"),
        (["scorecard", "--nonprofit", "Hosuing Org"], "no nonprofit called 'Hosuing Org'"),
        (["council", "--from", "2024-12-31", "--to", "2024-01-01"], "is after --to"),
    ],
)
def test_cli_refuses_in_one_sentence_and_writes_nothing(fixture_path, tmp_path, capsys, arguments, message):
    out = tmp_path / "refused.pdf"
    kind, *rest = arguments
    assert data_main(["report", kind, "--db", str(fixture_path), "--out", str(out), *rest]) == 1
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error and error.count("\n") == 1
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_cli_director_gets_their_own_scorecard(fixture_path, tmp_path, con):
    out = tmp_path / "own.pdf"
    period = ["--from", "2024-01-01", "--to", "2024-12-31"]
    as_director = ["--as", "director@housing.example"]
    assert data_main(["report", "scorecard", "--db", str(fixture_path), "--out", str(out), *as_director, *period]) == 0
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Housing Org" in text
    assert [name for name in other_programs(con, 2) if name in text] == []


def test_default_period_is_the_twelve_months_to_the_last_data(con):
    assert command.default_period(con) == (dt.date(2024, 2, 1), dt.date(2025, 1, 31))


# --- pure parts --------------------------------------------------------------------------------


def wdd_row(**overrides) -> pd.DataFrame:
    row = {
        "partnership_name": "Planted", "treated_before": 40, "treated_after": 10, "control_before": 50,
        "control_after": 50, "control_areas": 3, "evaluable": True, "not_evaluable_reason": None,
        "window_months": 12, "wdd": -30.0, "wdd_se": 12.25, "z": -2.45, "expected_after": 40.0,
        "pct_vs_expected": -75.0, "p_value": 0.0004, "mde_fall_pct": 35.0, "mde_rise_pct": 60.0,
        "verdict": "fewer crimes than expected",
    }  # fmt: skip
    row.update(overrides)
    return pd.DataFrame([row])


def fake_run(**overrides):
    """impact/wdd gives the row; impact/area_series no months, so no synthetic control can be fitted."""
    empty = pd.DataFrame(columns=["area_code", "role", "months_since_start", "incidents", "population"])
    return lambda name, **params: wdd_row(**overrides) if name == "impact/wdd" else empty


def test_impact_judged_and_cannot_judge_both_ways():
    # planted fall: WDD = (10 - 40) - (50 - 50) = -30; expected after 40 x 50 / 50 = 40, so -75% against it
    judged = packets.partnership_impact(fake_run(), 1)
    assert judged.judged and judged.verdict == "Fewer crimes than expected"
    assert "WDD (offences) -30" in judged.wdd and "z -2.45" in judged.wdd and "Exact p < 0.001" in judged.wdd
    assert "there would have been about 40 (-75.0% against that" in judged.counts.replace("−", "-")
    assert judged.synthetic.startswith("Synthetic control: none could be built.")
    assert "\\" not in judged.counts + judged.synthetic  # Markdown escapes are undone for the PDF's HTML
    null = packets.partnership_impact(fake_run(treated_after=38, wdd=-2.0, z=-0.15, verdict="no detectable change"), 1)
    assert null.judged and null.verdict == "No detectable change"
    assert "only a fall of 35% or more, or a rise of 60% or more" in null.counts
    reason = "there are no comparison areas (Mar 2019-Dec 2019)"
    alone = packets.partnership_impact(fake_run(control_areas=0, evaluable=False, not_evaluable_reason=reason), 1)
    assert not alone.judged and alone.verdict == "Cannot judge yet"
    assert alone.reason.startswith("There are no comparison areas (Mar 2019-Dec 2019)") and alone.wdd == ""
    assert "offences in the areas served went from 40 to 10" in alone.reason  # the four counts stay visible


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (1234.5, "%,d", "1,234"),
        (38420.0, "$%,.0f", "$38,420"),
        (79.456, "%.0f%%", "79%"),
        (12.345, "%+.1f", "+12.3"),
        (2024, "FY%d", "FY2024"),
        (None, "%d", "—"),
        (float("nan"), "%.1f", "—"),
        ("Urban", None, "Urban"),
    ],
)
def test_cells_follow_the_pages_formats(value, spec, expected):
    assert packets.cell(value, spec) == expected


def test_the_packets_grey_friendly_figures():
    import plotly.graph_objects as go

    figure = packets.for_print(go.Figure([go.Scatter(y=[1, 2]), go.Scatter(y=[2, 1]), go.Bar(y=[1]), go.Bar(y=[2])]))
    assert [trace.line.dash for trace in figure.data[:2]] == ["solid", "dash"]
    assert [trace.marker.pattern.shape for trace in figure.data[2:]] == ["", "/"]
    assert figure.layout.width == packets.PRINT_WIDTH_PX


def test_demo_directors_scorecards_name_no_other_organisation(demo_path, demo_con, tmp_path):
    # two directors: a print takes seconds, and the Programs page's test covers every director's scope
    for nonprofit_id, label in directors(demo_con)[:2]:
        name = label.removeprefix("Director, ")
        scope = queries.Scope("director", nonprofit_id)
        con = duckdb.connect(str(demo_path), read_only=True)
        try:
            made = packets.make("scorecard", lambda q, **p: queries.run(con, q, scope=scope, **p),  # noqa: B023
                                packets.Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
                                nonprofit_id=nonprofit_id, nonprofit_name=name)  # fmt: skip
        finally:
            con.close()
        text = pdf_text(made.pdf, tmp_path)
        others = [other for (other,) in demo_con.execute(
            "select name from nonprofits where nonprofit_id <> ?", [nonprofit_id]).fetchall()]  # fmt: skip
        leaked = [other for other in [*others, *other_programs(demo_con, nonprofit_id)] if other in text]
        assert name in text and leaked == [], (name, leaked)
