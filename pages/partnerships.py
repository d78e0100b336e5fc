"""Partnerships: the registry, counts by type urban and rural, and one partnership in detail."""

import streamlit as st

from components import format as fmt
from components import partnership_views as views
from components import runtime, verdicts

viewer = runtime.viewer()
period = runtime.filters()
DETAIL_KEY = "partnership_detail"

st.title("Partnerships")
st.caption(
    f"{period.label} · partnerships active in the period, and planned ones"
    + (f" · program details are shown for {fmt.plain(viewer.nonprofit_name)}'s own" if viewer.is_director else "")
)

VIEWS = ["Registry and counts", "One partnership in detail"]
link = st.query_params.get("partnership")
# a shared link to one partnership opens its detail; otherwise the registry comes first
view = st.session_state.get("partnerships_view") or (VIEWS[1] if link is not None else VIEWS[0])
registry, *summary_frames = runtime.queries_at_once(
    ("partnerships/registry", period.params()),
    *([("partnerships/summary", period.params())] if view == VIEWS[0] else []),
)
left, right = st.columns(2)
org_types = left.multiselect(
    "Organisation type",
    list(views.ORG_TYPES),
    format_func=views.ORG_TYPES.get,
    placeholder="All types",
    key="partnerships_org_types",
)
statuses = right.multiselect(
    "Status", list(views.STATUSES), format_func=views.STATUSES.get, placeholder="All", key="partnerships_statuses"
)
org_types = org_types or list(views.ORG_TYPES)
table = views.registry_table(registry, org_types, statuses or list(views.STATUSES))
st.segmented_control("Show", VIEWS, default=view, key="partnerships_view")
# one view at a time, so a filter change redraws only what is shown

if view == VIEWS[0]:
    st.subheader("Registry")
    if table.empty:
        st.info("No partnerships match these filters in this period.")
    else:
        runtime.show_table(table, "partnerships-registry", views.REGISTRY_COLUMNS)
        if viewer.is_director:
            st.caption("Funding is shown for your organisation's partnerships only.")

    st.subheader("Partnerships by type, urban and rural")
    summary = views.summary_table(summary_frames[0], org_types)
    if summary.empty:
        st.info("No partnerships of these types were active in this period.")
    else:
        runtime.show_chart(
            views.summary_figure(summary, f"Active partnerships by organisation type — {period.label}"),
            summary[["org_type", "urbanicity", "partnerships_active"]],
            "partnerships-summary",
        )
        runtime.show_table(summary, "partnerships-summary-table", views.SUMMARY_COLUMNS)
    st.stop()

st.subheader("One partnership in detail")
if st.session_state.get("partnership_detail_viewer") != viewer.label:  # viewed as someone else: start afresh
    st.session_state.pop(DETAIL_KEY, None)
    st.session_state["partnership_detail_viewer"] = viewer.label
if link is not None and link != st.session_state.get("partnership_link_seen"):  # a shared link, handled once
    st.session_state["partnership_link_seen"] = link
    requested, problem = views.partnership_from_link(link, registry)
    if requested is not None:
        st.session_state[DETAIL_KEY] = requested
    if problem:
        st.warning(problem, icon=":material/link_off:")

choices = views.detail_choices(table)
if not choices:
    st.info("No partnership to show: none matches these filters in this period.")
    st.stop()
if st.session_state.get(DETAIL_KEY) not in choices:
    st.session_state[DETAIL_KEY] = views.default_choice(choices, registry)
chosen = st.selectbox("Partnership", list(choices), format_func=choices.get, key=DETAIL_KEY)
st.query_params["partnership"] = str(chosen)
st.session_state["partnership_link_seen"] = str(chosen)

row = registry.set_index("partnership_id").loc[chosen]
st.markdown(f"#### {fmt.plain(row['partnership_name'])}")
if not fmt.is_missing(row["description"]):
    st.markdown(fmt.plain(row["description"]))
cards = [
    ("Years running", fmt.number(row["years_running"])),
    ("Areas served", fmt.count(row["area_count"])),
    ("Programs", fmt.count(row["programs"])),
    views.funding_card(row),
    ("Co-funded by others", fmt.percent(row["co_funding_share_pct"], 0)),
]
for column, (heading, value, *explained) in zip(st.columns(len(cards)), cards, strict=True):
    column.metric(heading, value, help=explained[0] if explained else None, border=True)
st.markdown("  \n".join(f"**{heading}:** {fmt.plain(value)}" for heading, value in views.facts(row)))

if row["viewer_may_see_programs"] and row["status"] != "planned":
    st.markdown(f"##### {views.DETAIL_IMPACT_TITLE}")
    impact = runtime.query("impact/wdd", partnership_id=int(chosen), **views.DETAIL_IMPACT).iloc[0]
    runtime.show_verdict(verdicts.wdd_verdict(impact, views.DETAIL_IMPACT["crime_class"]))
    st.caption("The Impact page shows the comparison areas, the monthly series and the synthetic control.")

detail_params = {**period.params(), "partnership_id": int(chosen)}
program_level = [
    ("programs/scorecard", {**detail_params, "nonprofit_id": None}),
    ("partnerships/feedback", detail_params),
    ("resources/funding", detail_params),
]
trainings, *program_frames = runtime.queries_at_once(
    ("partnerships/trainings", detail_params), *(program_level if row["viewer_may_see_programs"] else [])
)
st.markdown("##### Officer trainings co-delivered")
if trainings.empty:
    st.info("No officer trainings were co-delivered with this partnership in the period.")
else:
    runtime.show_table(views.trainings_table(trainings), "partnership-trainings", views.TRAINING_COLUMNS)

if not row["viewer_may_see_programs"]:
    st.info(
        "Program details, partner feedback and funding of this partnership are visible to the agency "
        f"and to {fmt.plain(row['nonprofit_name'])}.",
        icon=":material/lock:",
    )
    st.stop()

scorecard, feedback_frame, funding_frame = program_frames
st.markdown("##### Programs: how much and how well")
if scorecard.empty:
    st.info("None of this partnership's programs ran in the period.")
else:
    runtime.show_table(views.program_table(scorecard), "partnership-programs", views.PROGRAM_COLUMNS)
    measures = views.kpi_table(scorecard)
    if not measures.empty:
        st.markdown("##### Performance measures against target")
        runtime.show_table(measures, "partnership-kpis", views.KPI_COLUMNS)

st.markdown("##### How each side rates the partnership")
feedback = views.feedback_table(feedback_frame)
if feedback.empty:
    st.info("Neither side gave feedback on this partnership in the period.")
else:
    runtime.show_chart(
        views.feedback_figure(feedback, "Overall rating by each side, 0–100"),
        feedback[["period_start", "respondent_side", "overall_0_100"]],
        "partnership-feedback",
    )
    runtime.show_table(feedback, "partnership-feedback-table", views.FEEDBACK_COLUMNS)

st.markdown("##### Funding mix")
funding = views.funding_table(funding_frame)
if funding.empty:
    st.info("No funding is recorded for this partnership's programs in fiscal years overlapping the period.")
else:
    runtime.show_chart(
        views.funding_figure(funding, "Funding by source and fiscal year"),
        funding[["fiscal_year", "source", "amount_usd"]],
        "partnership-funding",
    )
    runtime.show_table(funding, "partnership-funding-table", views.FUNDING_COLUMNS)
