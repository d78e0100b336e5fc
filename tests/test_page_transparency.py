"""The app's Public report: the static site's numbers, from the published file, with no free text."""

import json
import re

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import queries
from apptest import APP
from components import format as fmt
from components import runtime
from reports import i18n, site
from test_site import nothing_published, parse, tables


def _open(public_path, tmp_path, monkeypatch, site_url=None) -> AppTest:
    monkeypatch.setenv("BRIDGEBOARD_MODE", "public")
    monkeypatch.setenv("BRIDGEBOARD_PUBLIC_DB", str(public_path))
    monkeypatch.setenv("BRIDGEBOARD_DB", str(tmp_path / "not-here.duckdb"))
    if site_url:
        monkeypatch.setenv("BRIDGEBOARD_PUBLIC_SITE", site_url)
    else:
        monkeypatch.delenv("BRIDGEBOARD_PUBLIC_SITE", raising=False)
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception and not app.error, [e.value for e in app.exception]
    return app


@pytest.fixture(scope="module")
def demo_public(demo_path, tmp_path_factory):
    from data import publish

    folder = tmp_path_factory.mktemp("page-public")
    publish.publish(demo_path, folder / "public.duckdb")
    site.build(folder / "public.duckdb", folder / "site")
    return folder / "public.duckdb", folder / "site"


def test_headline_numbers_and_tables_are_the_sites(demo_public, tmp_path, monkeypatch):
    public_path, built = demo_public
    app = _open(public_path, tmp_path, monkeypatch)
    cards = parse(built / "en" / "index.html").cards
    shown = [(fmt.unplain(metric.label), metric.value) for metric in app.metric]  # the page escapes its labels
    assert shown == [(f"{card['label']} — {card['side']}", card["value"]) for card in cards]
    assert len(shown) == 8 and shown[0][1] != "not published"
    site_change = tables(built / "en" / "crime.html")[0]
    assert app.dataframe[0].value.values.tolist() == site_change.values.tolist()
    registry = next(frame for frame in tables(built / "en" / "partnerships.html") if "Partnership" in frame.columns)
    page_registry = next(frame.value for frame in app.dataframe if "Partnership" in frame.value.columns)
    assert page_registry.values.tolist() == registry.values.tolist()
    # each chart is drawn with the site's values: the violent chart's urban line is the rate per 1,000
    with duckdb.connect(str(public_path), read_only=True) as con:
        series = queries.run(con, "public/crime_series", crime_class="violent")
    urban = series[(series["side"] == "urban") & series["is_published"]]
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    line = next(trace for trace in spec["data"] if trace["name"] == "Urban areas")
    site_spec = parse(built / "en" / "crime.html").charts["crime-violent"]
    site_line = next(trace for trace in site_spec["data"] if trace["name"] == "Urban areas")
    assert site_line["y"] == pytest.approx(list(urban["rate_per_1k"]))
    assert site.plain_arrays(line)["y"] == pytest.approx(site_line["y"])


def test_draws_no_empty_chart_from_a_file_with_nothing_published(tmp_path, monkeypatch):
    """No axes without points and no table of headings alone: the sentences say what is missing."""
    app = _open(nothing_published(tmp_path / "empty.duckdb"), tmp_path, monkeypatch)
    words = i18n.words("en")
    assert app.get("plotly_chart") == []
    text = [fmt.unplain(block.value) for block in (*app.markdown, *app.caption)]
    assert words.t("trust.sentence_no_survey.trust") in text and words.t("funding.sentence_none") in text
    assert words.t("table.empty", caption=words.t("trust.latest_caption")) in text
    assert all(frame.value.shape[0] > 0 for frame in app.dataframe)


def test_explains_the_two_partnership_counts(demo_public, tmp_path, monkeypatch):
    public_path, _ = demo_public
    app = _open(public_path, tmp_path, monkeypatch)
    text = " ".join(block.value for block in app.markdown)
    with duckdb.connect(str(public_path), read_only=True) as con:
        (active,) = con.execute("select count(*) from partnerships where status = 'active'").fetchall()[0]
        year, running = con.execute(
            "select year, partnerships_active from program_counts_city order by year desc limit 1"
        ).fetchall()[0]
    sentence = re.sub(r"\\(.)", r"\1", text)  # the page escapes Markdown
    assert f"The registry lists {active} partnerships whose status is active today" in sentence
    assert f"The yearly count for {year} is {running} partnerships" in sentence


def test_no_free_text_and_human_names_for_the_open_data(public_fixture_path, tmp_path, monkeypatch):
    app = _open(public_fixture_path, tmp_path, monkeypatch)
    registry = next(frame.value for frame in app.dataframe if "Partnership" in frame.value.columns)
    assert "What it does" not in registry.columns and "description" not in registry.columns
    text = " ".join(str(cell) for frame in app.dataframe for cell in frame.value.values.ravel())
    assert "Mentors and officers" not in text  # the fixture partnership's description
    labels = [button.label for button in app.get("download_button")]
    words = i18n.words("en")
    for table in runtime.PUBLIC_TABLES:
        assert f"{words.t(f'tables.{table}.title')} (CSV)" in labels
    assert not any("_" in label or label.startswith("crime sensitive") for label in labels)


def test_links_to_the_site_when_it_is_configured(public_fixture_path, tmp_path, monkeypatch):
    app = _open(public_fixture_path, tmp_path, monkeypatch)
    assert not app.get("link_button")
    app = _open(public_fixture_path, tmp_path, monkeypatch, site_url="https://report.example.gov/")
    buttons = app.get("link_button")
    assert len(buttons) == 1 and buttons[0].proto.url == "https://report.example.gov/"
