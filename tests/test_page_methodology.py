"""Methodology page: generated from the SQL headers, so every metric query is described."""

import queries
from apptest import CHIEF, open_page
from components import runtime
from data import disclosure


def test_every_metric_query_is_described(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/methodology.py", CHIEF)
    titles = [expander.label for expander in app.expander]
    expected = [
        queries.spec(name).title_sentence for folder in runtime.METRIC_FOLDERS for name in runtime.queries_in(folder)
    ]
    assert titles == expected
    assert len(titles) >= 16
    text = " ".join(markdown.value for markdown in app.markdown)
    assert "Wheeler, A. P. & Ratcliffe, J. H. (2018)" in text  # from impact/wdd's header
    assert "queries/trust/scores.sql" in text
    categories = app.dataframe[-1].value
    assert len(categories) == 17
    assert set(categories.loc[categories["is_sensitive"], "category"]) == {"sexual_assault", "domestic_violence"}


def test_publication_rules_come_from_the_code_that_publishes(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/methodology.py", CHIEF)
    text = app.markdown[-1].value
    assert 'Counts from 1 to 9 are shown as "<10"' in text
    assert disclosure.LIMITS in text and disclosure.RULE in text and disclosure.ZEROS in text
    # the audit's own result, from the manifest of the file the app published from the fixture
    assert "0 of 120 hidden cells can be narrowed below the protection level" in text
    assert "urban 66.7%, rural 0.0%" in text
    assert "at least 50 responses and an effective sample of 30 or more" in text
