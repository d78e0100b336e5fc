"""Crime trends: monthly rates with a 12-month rolling mean, urban and rural side by side."""

import streamlit as st

from components import crime_charts, data_quality, runtime
from components import format as fmt

period = runtime.filters()
st.title("Crime trends")
st.caption(f"{period.label}; changes are against the same months a year earlier.")

if runtime.coverage().isna()["first_crime_month"]:
    st.info("No incidents are held yet. An analyst can import a records-system export on the Import data page.")
    st.stop()
data_quality.show(period.start, period.end, period.urbanicity)

categories = runtime.query("meta/categories")
# the five offence choices take a row of their own: beside the categories they were cut off
crime_class = st.segmented_control(
    "Offences",
    list(crime_charts.CLASS_LABELS),
    format_func=crime_charts.CLASS_LABELS.get,
    default="violent",
    key="crime_class",
    help="Violent and property crime as the FBI counts them (UCR): violent = murder and non-negligent "
    "manslaughter, rape, robbery, aggravated assault. Crimes against persons (NIBRS) adds simple assault, "
    "intimidation and other offences against a person, and leaves out robbery (a crime against property).",
)
crime_class = crime_class or "all"
choices = crime_charts.categories_in(categories, crime_class)
labels = dict(zip(choices["category"], choices["label"], strict=True))
picked = st.multiselect(
    "Categories", list(labels), default=list(labels), format_func=labels.get, key=f"crime_categories_{crime_class}"
)

if not picked:
    st.info("Pick at least one offence category to see trends.")
    st.stop()

selection = {**crime_charts.class_selection(crime_class), "categories": picked}
by_side = runtime.query("crime/yoy", **period.params(), group_by="urbanicity", **selection)
by_side = by_side.sort_values("group_key", ascending=False)  # urban first, as in every chart
for column, row in zip(st.columns(max(len(by_side), 1)), by_side.itertuples(), strict=False):
    column.metric(
        f"{row.group_label}: offences per 1,000 residents",
        fmt.number(row.rate_per_1k, 2),
        None if row.change_pct != row.change_pct else fmt.percent(row.change_pct, signed=True),
        delta_color="inverse",
        help="Offences recorded in the period per 1,000 residents; the change compares counts.",
        border=True,
    )
    column.caption(
        f"{fmt.count(row.incidents)} offences, {fmt.count(row.incidents_prior)} a year earlier; exact "
        f"{fmt.p_value(row.p_value)} ({'significant' if row.significant else 'within chance'})."
    )

rolling = runtime.query("crime/rolling", **period.params(), group_by="urbanicity", **selection)
if rolling.empty:
    st.info("No crime is recorded for this period.")
else:
    title = f"{crime_charts.CLASS_LABELS[crime_class]} per 1,000 residents, monthly and 12-month mean"
    runtime.show_chart(crime_charts.trend_figure(rolling, title), rolling, "crime-trend")

st.subheader("Year-over-year change by area")
st.caption(
    "The exact test asks whether a change is larger than chance alone would give: if nothing changed, this "
    "year's count given both years' total is like tossing a fair coin once per offence. p < 0.05 is marked."
)
yoy = crime_charts.yoy_table(runtime.query("crime/yoy", **period.params(), group_by="area", **selection))
runtime.show_table(yoy, "crime-yoy-by-area", crime_charts.yoy_columns(yoy))
