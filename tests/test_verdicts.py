"""One component phrases every impact verdict (components/verdicts.py) and obeys impact/wdd's evaluable rule."""

import re
from pathlib import Path

import pandas as pd

import queries
from apptest import CHIEF, open_page
from components import synthetic_control, verdicts

ROOT = Path(__file__).resolve().parent.parent
VERDICT_PHRASES = re.compile(
    r"fewer crimes than expected|more crimes than expected|no detectable change|cannot judge yet", re.IGNORECASE
)
# reading a verdict's statistics off an impact/wdd row; only the verdict component may
WDD_FIELDS = re.compile(r"""(\.|\[["'])(verdict|z|p_value|wdd|pct_vs_expected|mde_fall_pct|mde_rise_pct)\b""")


# every floor that renders for people: the app, the public export, and the documents built outside
# Streamlit (reports/: the static site and the council packet, with their templates and locale files)
RENDERING = [("pages", "*.py"), ("components", "*.py"), ("data", "*.py"), ("reports", "**/*.*"), ("app.py", "")]


def rendering_files() -> list[Path]:
    files = []
    for folder, pattern in RENDERING:
        base = ROOT / folder
        files += [base] if base.is_file() else [path for path in base.glob(pattern) if path.is_file()]
    return [path for path in files if path.suffix in (".py", ".html", ".j2", ".jinja", ".md", ".po", ".yml", ".yaml")]


def test_no_page_or_component_phrases_a_verdict_outside_the_verdict_component():
    files = rendering_files()
    assert ROOT / "pages" / "impact.py" in files and ROOT / "components" / "runtime.py" in files
    offenders = []
    for path in files:
        if path.relative_to(ROOT).as_posix() in ("components/verdicts.py", "pages/methodology.py"):
            continue  # the component; the page that describes the rules
        text = path.read_text()
        if VERDICT_PHRASES.search(text):
            offenders.append(f"{path.name}: verdict words")
        if "impact/wdd" in text and WDD_FIELDS.search(text):
            offenders.append(f"{path.name}: reads {WDD_FIELDS.search(text).group(0)} of an impact/wdd row")
    assert not offenders


def test_every_page_that_runs_impact_wdd_shows_its_verdict_through_the_component():
    for path in (ROOT / "pages").glob("*.py"):
        text = path.read_text()
        if '"impact/wdd"' in text:
            assert "verdicts.wdd_verdict(" in text and "runtime.show_verdict(" in text, path.name
    assert (ROOT / "pages" / "impact.py").read_text().count("runtime.show_verdict(") >= 2
    assert '"impact/wdd"' in (ROOT / "pages" / "partnerships.py").read_text()


ROW = {
    "treated_before": 50, "treated_after": 25, "control_before": 50, "control_after": 50, "control_areas": 3,
    "evaluable": True, "not_evaluable_reason": None, "verdict": "fewer crimes than expected", "wdd": -25.0,
    "z": -1.89, "p_value": 0.0314, "expected_after": 50.0, "pct_vs_expected": -50.0, "mde_fall_pct": 60.2,
    "mde_rise_pct": 120.4,
}  # fmt: skip


def test_an_evaluable_row_is_a_coloured_verdict_with_its_statistics():
    verdict = verdicts.wdd_verdict(pd.Series(ROW), "violent")
    assert verdict.tone == verdicts.GOOD and verdict.headline == "Fewer crimes than expected."
    assert "had they moved like the 3 comparison areas there would have been about 50" in verdict.body
    assert "exact p = 0.03)" in verdict.body
    assert [card.label for card in verdict.cards] == ["WDD (offences)", "z", "Exact p", "Against expected"]
    null = verdicts.wdd_verdict(pd.Series({**ROW, "verdict": "no detectable change", "p_value": 0.4}), "violent")
    assert null.tone == verdicts.NEUTRAL
    assert null.notes == (
        "With these counts only a fall of 60% or more, or a rise of 120% or more, against expected would have "
        "shown (80% power, 5% significance).",
    )


def test_a_row_that_is_not_evaluable_has_no_statistic_and_no_colour():
    row = pd.Series({**ROW, "evaluable": False, "not_evaluable_reason": "there are no comparison areas: [x](y)"})
    row = row.drop(["wdd", "z", "p_value"])  # a page cannot show what the row does not hold
    verdict = verdicts.wdd_verdict(row, "property")
    assert verdict.tone == verdicts.CANNOT_JUDGE and not verdict.judged and not verdict.cards
    assert verdict.headline == "Cannot judge yet:"
    assert verdict.body.startswith("There are no comparison areas\\: \\[x\\]\\(y\\).")  # names are escaped
    assert "Property offences in the areas served went from 50 to 25" in verdict.body
    synthetic = verdicts.synthetic_verdict(row, None)
    assert synthetic.tone == verdicts.CANNOT_JUDGE


def test_partnership_detail_shows_the_same_verdict(demo_path, demo_con, monkeypatch):
    ids = dict(demo_con.execute("select name, partnership_id from partnerships").fetchall())
    app = open_page(
        demo_path,
        monkeypatch,
        "pages/partnerships.py",
        "Director, Safe Haven Family Violence Services",
        query_params={"partnership": str(ids["Family Violence Response Team"])},
    )
    assert any("**Cannot judge yet:**" in block.value for block in app.markdown)
    assert not [box.value for box in [*app.success, *app.warning] if "crimes than expected" in box.value]
    app = open_page(
        demo_path,
        monkeypatch,
        "pages/partnerships.py",
        CHIEF,
        query_params={"partnership": str(ids["East Side Safe Passages"])},
    )
    assert any(box.value.startswith("**Fewer crimes than expected.**") for box in app.success)


def test_impact_reading_gives_documents_the_page_s_numbers(demo_con):
    """verdicts.impact_reading: the plain function reports (the council packet) call."""
    ids = dict(demo_con.execute("select name, partnership_id from partnerships").fetchall())
    planted = verdicts.impact_reading(demo_con, ids["East Side Safe Passages"])
    row = queries.run(demo_con, "impact/wdd", partnership_id=ids["East Side Safe Passages"], crime_class="violent")
    row = row.iloc[0]
    assert planted.evaluable and planted.reason is None and planted.verdict == "fewer crimes than expected"
    assert (planted.wdd, planted.z, planted.p_value) == (row.wdd, row.z, row.p_value)
    assert (planted.mde_fall_pct, planted.mde_rise_pct) == (row.mde_fall_pct, row.mde_rise_pct)
    series = queries.run(
        demo_con, "impact/area_series", partnership_id=ids["East Side Safe Passages"], crime_class="violent"
    )
    fit = synthetic_control.fit(series, 12)
    assert planted.synthetic_effect_pct == fit.effect_pct < -15 and planted.placebo_p == fit.p_value
    assert planted.synthetic_problem is None
    # the Safe Haven director's default: the rule withholds every statistic, the counts stay
    withheld = verdicts.impact_reading(demo_con, ids["Family Violence Response Team"])
    assert not withheld.evaluable and withheld.verdict == "cannot judge yet"
    assert "the before window needs 10 months the crime data do not hold (Mar 2019–Dec 2019)" in withheld.reason
    assert (withheld.wdd, withheld.z, withheld.p_value, withheld.synthetic_effect_pct, withheld.placebo_p) == (
        None, None, None, None, None
    )  # fmt: skip
    assert withheld.treated_after > withheld.treated_before > 0
    # a caller's incomplete months make an evaluable window not evaluable, and say which
    flagged = verdicts.impact_reading(demo_con, ids["East Side Safe Passages"], months_not_held=["2022-06"])
    assert not flagged.evaluable and "(Jun 2022)" in flagged.reason and flagged.placebo_p is None
