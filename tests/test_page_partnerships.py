"""The Partnerships page in AppTest: registry, detail, links and scope, on the fixture and the demo."""

import datetime as dt

import pandas as pd
import pytest

import apptest
import independent
from apptest import YEAR_2024, assert_clean
from pagetree import page_text

PAGE = "pages/partnerships.py"
LOCKED = "Program details, partner feedback and funding of this partnership are visible to the agency and to {}."


def open_page(db_path, monkeypatch, view_as=None, period=YEAR_2024, link=None):
    query_params = {"partnership": link} if link is not None else None
    app = apptest.open_page(db_path, monkeypatch, PAGE, view_as, period, query_params)
    assert_clean(app)
    return app


def table(app, column):
    """The first table on the page with this column (registry: 'partnership_id', programs: 'participants'...)."""
    return next((frame.value for frame in app.dataframe if column in frame.value.columns), None)


def registry_expected(con, start, end):
    """Partnerships overlapping the period or planned, from the partnerships table itself."""
    rows = con.execute(
        "select p.*, n.name as nonprofit from partnerships p join nonprofits n using (nonprofit_id)"
    ).df()
    ends = rows["end_date"].fillna(pd.Timestamp(start))
    overlaps = (rows["start_date"] <= pd.Timestamp(end)) & (ends >= pd.Timestamp(start))
    return rows[overlaps | (rows["status"] == "planned")]


# --- fixture: hand-known numbers --------------------------------------------------------


def test_registry_for_2024_with_funding(fixture_path, con, monkeypatch):
    app = open_page(fixture_path, monkeypatch)
    registry = table(app, "partnership_id").set_index("partnership_name")
    # P3 ended in 2022; P4 is planned for 2025 and listed as planned
    assert list(registry.index) == [
        "Planned housing partnership",
        "Street outreach partnership",
        "Youth mentoring partnership",
    ]
    assert set(registry.index) == set(registry_expected(con, *YEAR_2024)["name"])
    youth = registry.loc["Youth mentoring partnership"]
    # FY2024 and FY2025 overlap 2024: 36,600 agency + 3,660 in kind + 36,500 grant, as whole years
    assert youth["funding_usd"] == 76_760 and youth["funding_fiscal_years"] == "FY2024–FY2025"
    # prorated: FY2024 (366 days, 110 a day) for Jan-Jun 2024 = 182 days -> 20,020;
    # FY2025 (365 days, 100 a day) for Jul-Dec 2024 = 184 days -> 18,400; together 38,420
    assert youth["funding_in_period_usd"] == pytest.approx(182 * 110 + 184 * 100) == 38_420
    # not paid by the agency, prorated: in kind 182 x 10 = 1,820 + grant 18,400 = 20,220 of 38,420
    assert youth["co_funding_share_pct"] == pytest.approx((182 * 10 + 184 * 100) * 100 / 38_420)  # 52.6%
    assert (youth["status"], youth["since"], youth["mou"]) == ("Active", dt.date(2023, 1, 1), "Signed 2022-12-01")
    assert registry.loc["Street outreach partnership", "co_funding_share_pct"] == 100
    assert registry.loc["Planned housing partnership", "status"] == "Planned"


def test_a_link_opens_the_partnership_with_its_programs_feedback_and_funding(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, link="1")
    assert app.selectbox(key="partnership_detail").value == 1
    programs = table(app, "participants").set_index("program_name")
    # served in 2024: Mentoring 22 in January + 3 new; Summer league 30 + 0 + 3
    assert programs["participants"].to_dict() == {"Mentoring": 25, "Summer league": 33}
    feedback = table(app, "respondent_side").set_index("respondent_side")
    # 2024 ratings: police 4, 4, 5, 3 -> mean 4 -> 75; nonprofit 3, 4, 2 (trust blank) -> 3 -> 50
    assert feedback["overall_0_100"].to_dict() == {"Police": 75, "Nonprofit": 50}
    assert list(table(app, "topic")["topic"]) == ["Mentor basics", "Youth engagement"]
    funding = table(app, "fiscal_year").set_index(["fiscal_year", "source"])["amount_usd"]
    assert funding.to_dict() == {(2024, "Police agency"): 36_600, (2024, "In kind"): 3_660, (2025, "Grants"): 36_500}
    metrics = {metric.label: metric.value for metric in app.metric}
    # 2024 spans two fiscal years: 182 days of FY2024 at 110 a day + 184 days of FY2025 at 100 a day
    assert metrics["Funding in the period (FY2024–FY2025, prorated)"] == f"${182 * 110 + 184 * 100:,}" == "$38,420"
    assert metrics["Co-funded by others"] == "53%"  # 20,220 / 38,420 = 52.6%
    funding_help = next(m for m in app.metric if m.label.startswith("Funding in the period")).help
    assert "FY2024–FY2025 together hold \\$76,760" in funding_help


def test_a_director_sees_another_organisations_partnership_without_program_details(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch, view_as="Director, Housing Org", link="1")
    assert app.selectbox(key="partnership_detail").value == 1
    assert "#### Youth mentoring partnership" in [markdown.value for markdown in app.markdown]
    assert LOCKED.format("Youth Org") in [info.value for info in app.info]
    assert table(app, "program_name") is None and table(app, "respondent_side") is None
    assert "Summer league" not in page_text(app)
    app.segmented_control(key="partnerships_view").set_value("Registry and counts").run()
    registry = table(app, "partnership_id").set_index("partnership_name")
    assert pd.isna(registry.loc["Youth mentoring partnership", "funding_usd"])  # another organisation's money
    assert registry.loc["Street outreach partnership", "funding_usd"] == 7_320
    assert pd.isna(registry.loc["Youth mentoring partnership", "funding_in_period_usd"])
    # FY2024 (366 days) holds 7,320 at 20 a day; Jan-Jun 2024 is 182 of its days
    assert registry.loc["Street outreach partnership", "funding_in_period_usd"] == pytest.approx(182 * 20)


@pytest.mark.parametrize(
    ("link", "sentence"),
    [
        ("abc", "The link's partnership could not be read (it should be a number), so none is opened."),
        (
            "1; drop table partnerships",
            "The link's partnership could not be read (it should be a number), so none is opened.",
        ),
        ("99999", "Partnership 99999 is not in the registry for this period and these areas, so none is opened."),
        ("3", "Partnership 3 is not in the registry for this period and these areas, so none is opened."),  # ended 2022
    ],
)
def test_a_bad_link_gives_one_friendly_sentence(fixture_path, monkeypatch, link, sentence):
    app = open_page(fixture_path, monkeypatch, link=link, period=None)
    warnings = [warning.value for warning in app.warning]
    assert any(warning.startswith(sentence) for warning in warnings), warnings
    assert app.selectbox(key="partnership_detail").value in {1, 2, 4}


def test_rural_filter_and_type_filter_change_the_registry_and_chart(fixture_path, monkeypatch):
    app = open_page(fixture_path, monkeypatch)
    app.radio(key="filter_urbanicity").set_value("Rural").run()
    assert_clean(app)
    assert sorted(table(app, "partnership_id")["partnership_name"]) == [
        "Planned housing partnership",
        "Street outreach partnership",
    ]
    chart = app.get("plotly_chart")[0].proto.spec
    assert '"Rural areas"' in chart and '"Urban areas"' not in chart
    app.radio(key="filter_urbanicity").set_value("Urban and rural").run()
    app.multiselect(key="partnerships_org_types").set_value(["youth"]).run()
    assert_clean(app)
    assert list(table(app, "partnership_id")["partnership_name"]) == ["Youth mentoring partnership"]
    app.multiselect(key="partnerships_org_types").set_value(["faith"]).run()
    assert "No partnerships match these filters in this period." in [info.value for info in app.info]


# --- demo: every role -------------------------------------------------------------------


def test_every_role_on_the_demo_sees_the_registry_and_only_its_own_programs(demo_path, demo_con, monkeypatch):
    monkeypatch.setenv("BRIDGEBOARD_DB", str(demo_path))
    start, end = independent.default_period(demo_con)
    expected = registry_expected(demo_con, start, end)
    app = apptest.open_page(demo_path, monkeypatch, PAGE)
    roles = apptest.roles(demo_con)
    assert len(roles) >= 10
    for label, nonprofit_id in roles:
        app.selectbox(key="view_as").set_value(label).run()
        app.segmented_control(key="partnerships_view").set_value("Registry and counts").run()
        assert_clean(app)
        registry = table(app, "partnership_id")
        assert sorted(registry["partnership_name"]) == sorted(expected["name"]), label
        if nonprofit_id is None:
            continue
        app.segmented_control(key="partnerships_view").set_value("One partnership in detail").run()
        own = expected.loc[expected["nonprofit_id"] == nonprofit_id, "partnership_id"]
        if not own.empty:  # a director starts on their own partnership (Eastgate's ended before the period)
            assert app.selectbox(key="partnership_detail").value in set(own), label
        secret = apptest.other_programs(demo_con, nonprofit_id)
        text = page_text(app)
        assert not [name for name in secret if name in text], label
        # and opening another organisation's partnership shows its registry row, never its programs
        foreign = int(expected.loc[expected["nonprofit_id"] != nonprofit_id, "partnership_id"].iloc[0])
        app.selectbox(key="partnership_detail").set_value(foreign).run()
        assert_clean(app)
        owner = expected.set_index("partnership_id").loc[foreign, "nonprofit"]
        assert LOCKED.format(owner) in [info.value for info in app.info], label
        text = page_text(app)
        assert not [name for name in secret if name in text], label
