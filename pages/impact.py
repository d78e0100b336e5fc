"""Impact: did crime and trust move in a partnership's areas, compared with similar areas?"""

import pandas as pd
import streamlit as st

from components import crime_charts, data_quality, impact_charts, partnership_views, runtime
from components import format as fmt

viewer = runtime.viewer()
period = runtime.filters()
st.title("Partnership impact")

registry = runtime.query("partnerships/registry", **period.params())
# Directors evaluate their own partnerships; a partnership still being planned has nothing to evaluate.
candidates = registry[registry["viewer_may_see_programs"] & (registry["status"] != "planned")]
if candidates.empty:
    st.info("No partnership to evaluate for the current filters.")
    st.stop()

names = dict(zip(candidates["partnership_id"], candidates["partnership_name"], strict=True))
chosen_id, problem = partnership_views.partnership_from_link(
    st.query_params.get("partnership"), candidates, "among the partnerships you can evaluate here"
)
if problem:
    st.warning(problem, icon=":material/link_off:")
left, middle, right = st.columns([3, 1, 1])
partnership_id = left.selectbox(
    "Partnership",
    list(names),
    format_func=names.get,
    key="impact_partnership",
    index=list(names).index(chosen_id) if chosen_id in names else 0,
)
st.query_params["partnership"] = str(partnership_id)
window_months = middle.selectbox("Months before and after", [6, 12, 18, 24], index=1, key="impact_window")
crime_class = right.selectbox(
    "Offences", ["violent", "property", "all"], format_func=crime_charts.CLASS_LABELS.get, key="impact_class"
)

result = runtime.query(
    "impact/wdd", partnership_id=partnership_id, window_months=window_months, crime_class=crime_class
)
row = result.iloc[0]
st.caption(
    f"Started {row.started_on:%d %b %Y}; {row.urbanicity} partnership, so it is compared with "
    f"{row.control_areas} other {row.urbanicity} areas that no partnership of the same focus served "
    f"between {row.before_from:%b %Y} and {row.after_to:%b %Y}."
)
data_quality.show(row.before_from.date(), (row.after_to + pd.offsets.MonthEnd(0)).date())
verdict_box = {"fewer crimes than expected": st.success, "more crimes than expected": st.warning}
verdict_box.get(row.verdict, st.info)(
    f"**{row.verdict.capitalize()}.** {crime_charts.CLASS_LABELS[crime_class]} in the areas served went from "
    f"{fmt.count(row.treated_before)} to {fmt.count(row.treated_after)}; had they moved like the comparison "
    f"areas there would have been about {fmt.count(row.expected_after)} "
    f"({fmt.percent(row.pct_vs_expected, signed=True)} against that).",
    icon=":material/insights:",
)
if pd.isna(row.windows_complete) or not row.windows_complete:  # NA: no crime data held at all
    st.warning("The data do not yet cover both windows in full, so this comparison is provisional.")

cards = st.columns(4)
cards[0].metric(
    "WDD (offences)",
    fmt.signed(row.wdd, 0),
    border=True,
    help="Weighted displacement difference: (after − before in the areas served) − (after − before in "
    "comparison areas)",
)
cards[1].metric("Standard error", fmt.number(row.wdd_se), border=True, help="√(sum of the four counts)")
cards[2].metric("z", fmt.signed(row.z, 2), border=True, help="WDD ÷ standard error; |z| ≥ 2 counts as a change")
cards[3].metric(
    "Against expected",
    fmt.percent(row.pct_vs_expected, signed=True),
    border=True,
    help="Served areas' count after, against their count before scaled by the comparison areas' change",
)
counts = impact_charts.wdd_table(row)
runtime.show_table(counts, "impact-wdd-counts", impact_charts.WDD_COLUMNS)

series = runtime.query("impact/event_study", partnership_id=partnership_id, crime_class=crime_class)
if series.empty:
    st.info("No months of crime data around this partnership's start.")
else:
    runtime.show_chart(impact_charts.event_study_figure(series, window_months, ""), series, "impact-event-study")

st.subheader("Resident trust before and after")
coverage = runtime.coverage()
# the windows sit around the start date, whatever period the sidebar shows
trust = runtime.query(
    "trust/before_after",
    start_date=coverage.first_survey_day,
    end_date=coverage.last_survey_day,
    urbanicity=None,
    partnership_id=partnership_id,
    window_months=window_months,
).iloc[0]
if trust.n_before == 0 and trust.n_after == 0:
    st.info("No resident answered the survey in these areas within the windows.")
else:
    runtime.show_chart(impact_charts.trust_before_after_figure(trust), trust.to_frame().T, "impact-trust")
    st.caption(
        f"Change {fmt.signed(trust.difference)} points "
        f"(95% CI {fmt.interval(trust.difference_ci_low, trust.difference_ci_high)})"
        + (
            ""
            if trust.reportable
            else "; too few answers on one side to report reliably (need n ≥ 50, effective n ≥ 30)"
        )
        + "."
    )

with st.expander("How this is computed"):
    st.markdown(runtime.method_text("impact/wdd"))
    st.markdown(runtime.method_text("trust/before_after"))
