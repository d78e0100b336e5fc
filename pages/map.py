"""Map: areas coloured by a chosen measure, the city limit between urban and rural, and program sites."""

import streamlit as st

from components import data_quality, maps, runtime
from components import format as fmt
from components import trust_charts as trust

viewer = runtime.viewer()
period = runtime.filters()

# the Overview's measures, less the year-over-year change (the Crime trends page has it by area)
METRICS = {name: spec for name, spec in maps.AREA_MEASURES.items() if spec[3] != "change_pct"}

st.title("Map")
st.caption(
    f"{period.label} · the bold line is the city limit: urban areas inside, rural outside"
    + (f" · programs and sites are {fmt.plain(viewer.nonprofit_name)}'s only" if viewer.is_director else "")
)
data_quality.show(period.start, period.end, period.urbanicity)

left, right = st.columns([3, 1], vertical_alignment="bottom")
choice = left.selectbox("Colour areas by", list(METRICS), key="map_metric")
show_sites = right.toggle("Show program sites", value=True, key="map_sites")
query_name, extra, key_column, value_column, metric = METRICS[choice]
frame = runtime.query(query_name, **period.params(), **extra)
if query_name == "trust/scores":  # areas with too few residents answering stay grey, with the reason
    values, reasons = trust.area_trust(frame)
else:
    values, reasons = frame.set_index(key_column)[value_column], None
shapes = runtime.query("areas/shapes", urbanicity=period.urbanicity)
sites = runtime.query("programs/sites", **period.params())

if shapes.empty:
    st.info("No areas match the current filters.")
    st.stop()

areas = maps.area_table(shapes, values, metric, reasons)
if not maps.has_outlines(shapes):
    st.info(maps.NO_OUTLINES)
else:
    deck, classes = maps.area_map(shapes, values, metric, reasons=reasons, sites=sites if show_sites else None)
    st.pydeck_chart(deck, height=600)
    runtime.show_legend(
        maps.class_legend(
            classes,
            metric,
            areas["value"].isna().any(),
            missing_label="too few responses" if reasons is not None else "no data",
        )
    )
    if show_sites and not sites.empty:
        runtime.show_legend(maps.sites_legend(sites))
    elif show_sites:
        st.caption("No program sites are recorded for programs running in this period and these areas.")
    if reasons is not None:
        st.caption(
            f"Grey areas had fewer than {trust.MIN_N} resident responses (or an effective n below "
            f"{trust.MIN_N_EFF}) in the period; the table says which."
        )

st.subheader(choice)
runtime.show_table(
    areas,
    "map-areas",
    {
        "name": ("Area", None),
        "urbanicity": ("Urban or rural", None),
        "population": ("Residents", "%,d"),
        "value": (metric.label, f"%.{metric.digits}f"),
        "note": ("Note", None),
    },
)

if show_sites and not sites.empty:
    st.subheader("Program sites")
    runtime.show_table(
        maps.site_table(sites),
        "map-sites",
        {
            "site_name": ("Site", None),
            "program_name": ("Program", None),
            "focus": ("Focus", None),
            "nonprofit_name": ("Nonprofit", None),
            "area_name": ("Area", None),
            "urbanicity": ("Urban or rural", None),
        },
    )
