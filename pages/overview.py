"""Overview: headline numbers, a map of areas and urban vs rural side by side."""

import streamlit as st

from components import charts, data_quality, headlines, maps, runtime
from components import format as fmt
from components.packet_button import packet_button

viewer = runtime.viewer()
period = runtime.filters()
year_earlier = period.prior()

st.title("Overview")
st.caption(
    f"{period.label}; changes are against {year_earlier.label}"
    + (f" · {fmt.plain(viewer.nonprofit_name)}'s programs" if viewer.is_director else " · whole agency")
)
data_quality.show(period.start, period.end, period.urbanicity)

MAP_METRICS = maps.AREA_MEASURES
choice = st.session_state.get("overview_map_metric", next(iter(MAP_METRICS)))
query_name, extra, key_column, value_column, metric = MAP_METRICS[choice]
now, before = period.params(), year_earlier.params()
(
    totals,
    totals_before,
    violent,
    trust,
    trust_before,
    map_frame,
    shapes,
    violent_by_side,
    crime_by_side,
    trust_by_side,
) = runtime.queries_at_once(
    ("programs/totals", now),
    ("programs/totals", before),
    ("crime/yoy", {**now, "group_by": "all", "crime_class": "violent"}),
    ("trust/scores", {**now, "group_by": "all"}),
    ("trust/scores", {**before, "group_by": "all"}),
    (query_name, {**now, **extra}),
    ("areas/shapes", {"urbanicity": period.urbanicity}),
    ("crime/yoy", {**now, "group_by": "urbanicity", "crime_class": "violent"}),
    ("crime/yoy", {**now, "group_by": "urbanicity", "crime_class": "all"}),
    ("trust/scores", {**now, "group_by": "urbanicity"}),
)
cards = headlines.headlines(
    totals,
    totals_before,
    violent,
    trust,
    trust_before,
    own_programs_only=viewer.is_director,
    crime_held=runtime.coverage().notna()["first_crime_month"],
)
for column, card in zip(st.columns(len(cards)), cards, strict=True):
    with column:
        st.metric(
            card.label,
            card.value,
            card.delta,
            delta_color=card.delta_color,
            delta_arrow=card.delta_arrow,
            help=card.help,
            border=True,
        )
        if card.caption:
            st.caption(card.caption)

with st.expander("Council packet (PDF)", icon=":material/picture_as_pdf:"):
    if viewer.is_director:
        st.caption("The council packet is for agency staff; your funder scorecard is on the Programs page.")
    else:
        st.caption(f"Every number above and more, for {period.label}, as a print-ready PDF.")
        packet_button("council", period)

st.subheader("Map")
st.selectbox("Colour areas by", list(MAP_METRICS), key="overview_map_metric")
frame = map_frame
if query_name == "trust/scores":  # areas with too few residents answering stay uncoloured
    frame = frame[(frame["audience"] == "resident") & frame["reportable"]]
values = frame.set_index(key_column)[value_column]


@st.cache_resource(max_entries=128, ttl=3600, show_spinner=False)
def overview_map(file_version: str, scope: tuple, choice: str, params: tuple, _shapes, _values) -> tuple:
    """The map and its legend, once per file, viewer, measure and filters (the same numbers each time)."""
    deck, classes = maps.area_map(_shapes, _values, metric)
    return deck, maps.class_legend(classes, metric, has_missing=_shapes["area_code"].map(_values).isna().any())


if not maps.has_outlines(shapes):
    st.info(maps.NO_OUTLINES)
else:
    deck, legend = overview_map(
        runtime.database_version(runtime.database_path()),
        (viewer.role, viewer.nonprofit_id),
        choice,
        runtime._plain(now),
        shapes,
        values,
    )
    st.pydeck_chart(deck, height=520)
    runtime.show_legend(legend)
    if query_name == "trust/scores":
        st.caption("Areas with fewer than 50 responses (or effective n below 30) in the period are grey.")
by_area = shapes[["area_code", "name", "urbanicity", "population"]]
runtime.download(by_area.assign(**{metric.label: shapes["area_code"].map(values)}), "overview-map")

st.subheader("Urban and rural")
table = charts.urban_rural_table(violent_by_side, crime_by_side, trust_by_side, totals)
if table.empty:
    st.info("No areas match the current filters.")
else:
    drawn = runtime.kept_chart(
        ("overview-urban-rural", runtime._plain(now)), lambda: charts.urban_rural_figure(table, period.label)
    )
    runtime.draw_prepared(drawn, "overview-urban-rural")
    runtime.download(table, "overview-urban-rural")
    rows = charts.urban_rural_rows(table)
    columns = {"measure": ("Measure", None), **{side: (side, None) for side in rows.columns[1:]}}
    runtime.show_table(rows, "overview-urban-rural-table", columns, csv=table)
