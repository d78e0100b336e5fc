"""Impact: did crime and trust move in a partnership's areas, compared with similar areas?"""

import datetime as dt

import pandas as pd
import streamlit as st

from components import crime_charts, data_quality, impact_charts, partnership_views, runtime, verdicts
from components import format as fmt
from components import synthetic_control as synthetic

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

candidates_frame = runtime.query(
    "impact/comparison_candidates", partnership_id=partnership_id, window_months=window_months
)
area_labels = {row.area_code: f"{row.area_name} ({row.urbanicity})" for row in candidates_frame.itertuples()}
default_areas = candidates_frame.loc[candidates_frame["is_default"], "area_code"].tolist()
chosen_areas = st.multiselect(
    "Comparison areas",
    list(area_labels),
    default=default_areas,
    format_func=area_labels.get,
    key=f"impact_comparison_{partnership_id}_{window_months}",
    placeholder="No comparison area chosen",
    help="Areas that neither this partnership nor any partnership of the same focus served during the windows. "
    "By default those on the same side (urban or rural) as the partnership.",
)
# the default set is passed as null, so every viewer of the default shares one cached result
comparison = None if sorted(chosen_areas) == sorted(default_areas) else chosen_areas
choice = {"partnership_id": partnership_id, "window_months": window_months, "crime_class": crime_class}
choice["comparison_area_codes"] = comparison

# months the data-quality check flags (partial latest month, a records-system drop) count as not held
quality = runtime.query(
    "meta/data_quality", start_date=dt.date(1900, 1, 1), end_date=dt.date(2100, 12, 31), urbanicity=None
).iloc[0]
flagged = quality["incomplete_months"]
not_held = sorted(flagged) if flagged is not None and len(flagged) else None
row = runtime.query("impact/wdd", months_not_held=not_held, **choice).iloc[0]
st.caption(
    f"Started {row.started_on:%d %b %Y}; {row.urbanicity} partnership. "
    f"Windows: {fmt.count(window_months)} months before ({row.before_from:%b %Y} on) and after "
    f"(to {row.after_to:%b %Y}); compared with {fmt.count(row.control_areas)} areas "
    "that no partnership of the same focus served then."
)
data_quality.show(row.before_from.date(), (row.after_to + pd.offsets.MonthEnd(0)).date())
runtime.show_verdict(verdicts.wdd_verdict(row, crime_class))
runtime.show_table(impact_charts.wdd_table(row), "impact-wdd-counts", impact_charts.WDD_COLUMNS)

series = runtime.query("impact/event_study", **choice)
fit = runtime.synthetic_control(**choice) if row.evaluable else None
if series.empty:
    st.info("No months of crime data around this partnership's start.")
else:
    chart = impact_charts.with_synthetic(series, fit.series if fit is not None and fit.fitted else None)
    runtime.show_chart(impact_charts.event_study_figure(chart, window_months, ""), chart, "impact-event-study")

st.subheader("Matched comparison: synthetic control")
runtime.show_verdict(verdicts.synthetic_verdict(row, fit))
if fit is not None and fit.fitted:
    left, right = st.columns(2)
    with left:
        st.markdown("**Donor weights** (non-negative, summing to 100%)")
        runtime.show_table(
            impact_charts.weights_table(fit.weights), "impact-synthetic-weights", impact_charts.WEIGHT_COLUMNS
        )
    with right:
        st.markdown("**Placebo test** (each unit refitted as if it had been served)")
        runtime.show_table(fit.placebos, "impact-synthetic-placebos", impact_charts.PLACEBO_COLUMNS)

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
    st.markdown(synthetic.METHOD)
    st.markdown(runtime.method_text("trust/before_after"))
