"""Every page, as the chief and as a director, in AppTest: what the browser test cannot read.

Table cells are drawn on a canvas in the browser, so here every table is checked from its data:
missing values are shown as "—" (the table's placeholder), no cell holds the words None / nan /
NaT / null, every CSV button says what it holds, and every plotly chart hides its toolbar and
puts its legend below the plot, in lines that fit a phone.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

import apptest
from components import navigation

MISSING_WORDS = re.compile(r"^(None|nan|NaN|NaT|null|<NA>)$")


def _check_page(app, where: str) -> list[str]:
    problems = []
    for table in app.dataframe:
        if table.proto.placeholder != "—":
            problems.append(f"{where}: a table shows missing values as {table.proto.placeholder!r}")
        frame = table.value
        for column in frame.columns:
            if frame[column].dtype == object:
                words = frame[column].map(
                    lambda cell: isinstance(cell, str) and bool(MISSING_WORDS.match(cell.strip()))
                )
                if words.any():
                    problems.append(f"{where}: column {column!r} holds {frame.loc[words, column].iloc[0]!r}")
    labels = [button.proto.label for button in app.get("download_button")]
    if "Download CSV" in labels or len(labels) != len(set(labels)):
        problems.append(f"{where}: CSV buttons not labelled apart: {labels}")
    for chart in app.get("plotly_chart"):
        config = json.loads(chart.proto.config or "{}")
        if config.get("displayModeBar") is not False:
            problems.append(f"{where}: a chart shows plotly's toolbar")
        spec = json.loads(chart.proto.spec)
        legend = spec["layout"].get("legend", {})
        if legend.get("orientation") != "h" or legend.get("y", 1) >= 0:
            problems.append(f"{where}: a chart's legend is not below it: {legend}")
        # plotly never wraps a legend entry: a line longer than a phone's width runs off its edge
        lines = [line for trace in spec["data"] for line in str(trace.get("name") or "").split("<br>")]
        problems += [f"{where}: a legend line of {len(line)} characters: {line!r}" for line in lines if len(line) > 42]
    texts = [element.value for kind in ("markdown", "caption", "info", "warning") for element in getattr(app, kind)]
    texts += [f"{metric.label} {metric.value}" for metric in app.metric]
    for text in texts:
        if re.search(r"\b(None|nan|NaT|null)\b", str(text)):
            problems.append(f"{where}: text reads {str(text)[:120]!r}")
    return problems


@pytest.mark.parametrize("role", ["chief", "director"])
def test_every_page_shows_dashes_labels_and_no_missing_words(demo_path, demo_con, monkeypatch, role):
    view_as = apptest.CHIEF if role == "chief" else apptest.directors(demo_con)[0][1]
    app = apptest.open_page(demo_path, monkeypatch, view_as=view_as)
    problems = []
    for spec in navigation.pages_for(role):
        app.switch_page(spec.path).run()
        apptest.assert_clean(app)
        problems += _check_page(app, f"{spec.url_path} as {role}")
    assert not problems, problems


def test_the_dash_rule_itself():
    """The check finds what it looks for, so a page passing it means something."""
    assert MISSING_WORDS.match("None") and MISSING_WORDS.match("nan") and not MISSING_WORDS.match("Nonprofit")
    assert pd.isna(pd.Series([None]).iloc[0])
