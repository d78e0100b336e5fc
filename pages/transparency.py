"""Public transparency report: built only from the published, disclosure-controlled database."""

import streamlit as st

from components import format as fmt
from components import maps, public_views, runtime

manifest = public_views.manifest_values(runtime.public_table("manifest"))
st.title("Community safety partnerships: public report")
st.markdown(
    f"{fmt.plain(manifest.get('agency_name', 'The police department'))} works with local nonprofits to "
    "prevent crime and build trust. This page shows what those partnerships are and how crime and residents' "
    f"trust have changed, from {manifest.get('source_first_month', '')} to {manifest.get('source_last_month', '')}. "
    "Every figure here is an aggregate that passed disclosure control; no individual record is published."
)

side_choice = st.segmented_control(
    "Areas", ["Urban and rural", "Urban", "Rural"], default="Urban and rural", key="public_side"
)
sides = {"Urban": ["urban"], "Rural": ["rural"]}.get(side_choice or "", ["urban", "rural"])

st.header("Partnerships")
partnerships = runtime.public_table("partnerships")
shown = partnerships[partnerships["urbanicity"].isin(sides)]
active = shown[shown["status"] == "active"]
cards = st.columns(3)
cards[0].metric("Active partnerships", fmt.count(len(active)), border=True)
cards[1].metric("Partner organisations", fmt.count(active["nonprofit_name"].nunique()), border=True)
cards[2].metric("Programs", fmt.count(active["programs"].sum()), border=True)
runtime.show_table(shown, "public-partnerships", public_views.PARTNERSHIP_COLUMNS)

st.header("Crime")
crime_class = st.segmented_control(
    "Offences", ["violent", "property", "other"], default="violent", format_func=str.capitalize, key="public_class"
)
by_side = runtime.public_table("crime_urbanicity_month")
by_side = by_side[by_side["urbanicity"].isin(sides)]
runtime.show_chart(public_views.crime_trend_figure(by_side, crime_class or "violent"), by_side, "public-crime")
st.caption(
    "Counts from 1 to 9 are not published (open circles on the axis), and a few other counts are hidden "
    "with them (crosses) so that the small ones cannot be worked out from totals. Sexual offences and "
    "domestic violence are published for the whole jurisdiction only."
)

year_table = runtime.public_table("crime_area_year")
areas = runtime.public_table("areas")
areas = areas[areas["urbanicity"].isin(sides) & areas["geojson"].notna()]
if year_table.empty or areas.empty:
    st.info("The map appears once a full calendar year of crime, and area outlines, are published.")
else:
    latest_year = int(year_table["year"].max())
    violent_year = year_table[(year_table["year"] == latest_year) & (year_table["crime_class"] == "violent")]
    metric = maps.MapMetric(f"Violent offences per 1,000 residents, {latest_year}", "", "reds", 1)
    deck, classes = maps.area_map(areas, violent_year.set_index("area_code")["rate_per_1k"], metric)
    st.subheader(f"Violent offences per 1,000 residents by area, {latest_year}")
    st.pydeck_chart(deck, height=420)
    st.plotly_chart(
        maps.legend_figure(
            classes,
            metric,
            has_missing=violent_year["rate_per_1k"].isna().any(),
            missing_label="fewer than 10 or no data",
            per_row=2,
        ),
        config={"displayModeBar": False},
    )
    runtime.download(violent_year, "public-crime-map")

st.header("Trust in the police")
trust = runtime.public_table("trust_urbanicity_quarter")
trust = trust[trust["urbanicity"].isin(sides)]
runtime.show_chart(public_views.trust_figure(trust), trust, "public-trust")
st.caption(
    f"Survey estimates are weighted and shown with a {manifest.get('ci_level', '95')}% confidence interval, and only "
    f"when at least {manifest.get('survey_min_n', '50')} residents answered (effective sample "
    f"{manifest.get('survey_min_n_eff', '30')} or more). Open diamonds mark estimates whose relative standard "
    f"error is {manifest.get('rse_flag_pct', '30')}% or more: read them with care."
)

st.header("Open data")
st.markdown("Every table behind this page, as CSV. Each is an aggregate; none holds a record about a person.")
for table in runtime.PUBLIC_TABLES:
    runtime.download(runtime.public_table(table), f"open-data-{table}", f"{table.replace('_', ' ')} (CSV)")

with st.expander("How these figures are made"):
    st.markdown(
        "- **Crime** is what the police recorded, grouped into violent (crimes against a person), property and "
        "other offences, by the month it happened.\n"
        "- **Rates** are per 1,000 residents of the areas.\n"
        "- **Trust** comes from a quarterly survey of residents, weighted so that each area and age group counts "
        "in proportion to its population.\n"
        f"- **Disclosure control:** {manifest.get('suppression_method', '')}\n"
        "- **Urban and rural** follow the US Department of Agriculture's rural–urban codes (codes 1–3 urban)."
    )
