"""The Overview on the demo database, for every demo role, against independent pandas numbers."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import independent
import queries

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_every_role_sees_numbers_matching_an_independent_computation(demo_path, demo_con, monkeypatch):
    monkeypatch.setenv("BRIDGEBOARD_DB", str(demo_path))
    start, end = independent.default_period(demo_con)
    viewers = queries.run(demo_con, "meta/viewers")
    roles = [("Chief of police (whole agency)", None)] + [
        (f"Director, {row.nonprofit_name}", int(row.nonprofit_id))
        for row in viewers.itertuples()
        if row.role == "director"
    ]
    assert len(roles) >= 10
    app = AppTest.from_file(APP, default_timeout=120).run()
    for label, nonprofit_id in roles:
        app.selectbox(key="view_as").set_value(label).run()
        assert not app.exception and not app.error, label
        truth = independent.expected(demo_con, start, end, nonprofit_id)
        shown = {metric.label: metric.value for metric in app.metric}
        prefix = "Your " if nonprofit_id else ""
        assert shown[(prefix + "active partnerships").capitalize()] == f"{truth.partnerships_active:,}", label
        assert shown[(prefix + "programs running").capitalize()] == f"{truth.programs_active:,}", label
        assert shown[(prefix + "participants served").capitalize()] == f"{truth.participants_served:,}", label
        assert shown["Violent crime (FBI) per 1k"] == f"{truth.violent_per_1k:,.2f}", label
        assert truth.trust is not None, "the demo should have enough residents every year"
        assert shown["Resident trust"] == f"{truth.trust:,.1f}", label
        captions = " ".join(caption.value for caption in app.caption)
        assert f"95% CI {truth.trust_ci[0]:,.1f}–{truth.trust_ci[1]:,.1f}" in captions, label
    # the period is the latest 12 months, stated on the page
    assert f"{start:%b %Y} – {end:%b %Y}" in app.caption[0].value


@pytest.mark.parametrize("side", ["Urban", "Rural"])
def test_urban_rural_filter_on_demo(demo_path, demo_con, monkeypatch, side):
    monkeypatch.setenv("BRIDGEBOARD_DB", str(demo_path))
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.radio(key="filter_urbanicity").set_value(side).run()
    assert not app.exception and not app.error
    start, end = independent.default_period(demo_con)
    frame = queries.run(
        demo_con,
        "crime/yoy",
        start_date=start,
        end_date=end,
        urbanicity=side.lower(),
        group_by="all",
        crime_class="violent",
    )
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Violent crime (FBI) per 1k"] == f"{frame.loc[0, 'rate_per_1k']:,.2f}"
    assert list(app.dataframe[0].value.columns) == ["measure", side]
