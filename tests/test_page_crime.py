"""Crime trends page in AppTest: numbers against the fixture's hand-counted incidents."""

import json

import pytest

from apptest import ANALYST, CHIEF, YEAR_2024, errors, metrics, open_page


@pytest.mark.parametrize("view_as", [CHIEF, ANALYST, "Director, Youth Org", "Director, Housing Org"])
def test_violent_rates_by_side_for_every_role(fixture_path, monkeypatch, view_as):
    app = open_page(fixture_path, monkeypatch, "pages/crime.py", view_as, YEAR_2024)
    assert not errors(app)
    shown = metrics(app)
    # urban: A1 30 + B2 5 violent over 15,000; 2023: 20 + 10 -> +16.7%
    assert shown["Urban: offences per 1,000 residents"] == ("2.33", "+16.7%")
    # rural: C3 4 over 2,000 (D4 has no population); counts 7 vs 1 -> +600%
    assert shown["Rural: offences per 1,000 residents"] == ("2.00", "+600.0%")
    table = app.dataframe[0].value.set_index("group_key")
    # A1's counts (30 and 20) are 10 or more, so every role sees its test. The old z = 2(√30 − √20)
    # = 2.01 called it significant; the exact test does not: n = 50,
    # p = 2 x P(Bin(50, 1/2) <= 20) = 2 x sum(C(50, k), k = 0..20) / 2^50 = 0.2026
    assert table.loc["A1", "p_value"] == pytest.approx(0.2026, abs=1e-4)
    assert table.loc["A1", "change"] == "– within chance"
    if view_as.startswith("Director"):  # counts under 10 by area are hidden: tests/test_director_crime.py
        return
    assert table["incidents"].to_dict() == {"A1": 30, "B2": 5, "C3": 4, "D4": 3}
    # the old z called C3 significant too (z = 2√4 = 4); exact: C3 4 vs 0: n = 4, p = 2 x (1/2)^4 = 0.125
    assert table.loc["C3", "p_value"] == pytest.approx(0.125)
    assert table.loc["C3", "change"] == "– within chance"
    assert table.loc["B2", "change"] == "– within chance"


def test_class_toggle_categories_and_empty_choice(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/crime.py", period=YEAR_2024)
    app.segmented_control(key="crime_class").set_value("property").run()
    table = app.dataframe[0].value.set_index("group_key")
    assert table.loc["A1", "incidents"] == 51  # 50 thefts in March + 1 at 23:59 on 31 December
    app.multiselect(key="crime_categories_property").set_value([]).run()
    assert [info.value for info in app.info] == ["Pick at least one offence category to see trends."]
    assert not app.exception


def test_rural_filter_draws_only_the_rural_panel(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, "pages/crime.py", period=YEAR_2024)
    # a panel per side, each its own chart (side by side on a laptop, stacked on a phone)
    urban, rural = (chart.proto.spec for chart in app.get("plotly_chart"))
    assert '"Urban: 12-month mean"' in urban and '"Rural: 12-month mean"' in rural
    # the two panels share one value axis from zero, as the grid they came from did: side by side they
    # compare by height (numpy data reach the split as plotly's typed arrays, which must be read as numbers)
    ranges = [json.loads(spec)["layout"]["yaxis"]["range"] for spec in (urban, rural)]
    assert ranges[0] == ranges[1] and ranges[0][0] == 0 and ranges[0][1] > 0
    app.radio(key="filter_urbanicity").set_value("Rural").run()
    (rural,) = (chart.proto.spec for chart in app.get("plotly_chart"))
    assert '"Rural: 12-month mean"' in rural and '"Urban: 12-month mean"' not in rural
    assert list(app.dataframe[0].value["group_key"]) == ["C3", "D4"]
