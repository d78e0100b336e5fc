"""Community trust: residents' and officers' trust and safety over time, by group and by area, with uncertainty."""

import streamlit as st

from components import format as fmt
from components import maps, runtime
from components import trust_charts as trust

period = runtime.filters()
sides = [period.urbanicity] if period.urbanicity else ["urban", "rural"]
scope = {"start_date": period.start, "end_date": period.end}

st.title("Community trust")
st.caption(
    f"{period.label} · our resident and officer surveys, weighted, with 95% confidence intervals. "
    f"Estimates from fewer than {trust.MIN_N} responses (or an effective n below {trust.MIN_N_EFF}) "
    "are drawn hollow and grey and listed under each view."
)

VIEWS = ["Over time", "Resident − officer gap", "By group", "By area", "Vendor scores"]
view = st.session_state.get("trust_view") or VIEWS[0]
# the headline's queries and the shown view's quarterly ones, side by side
over_time = view in ("Over time", "Resident − officer gap")
overall, by_side, vendor, *quarterly_frames = runtime.queries_at_once(
    ("trust/scores", {**period.params(), "group_by": "all"}),
    ("trust/scores", {**period.params(), "group_by": "urbanicity"}),
    ("trust/vendor", period.params()),
    *[("trust/scores", {**scope, "urbanicity": side, "group_by": "quarter"}) for side in (sides if over_time else [])],
)
quarterly = dict(zip(sides, quarterly_frames, strict=False))
cards = trust.headline_cards(overall, by_side, sides)
for column, card in zip(st.columns(len(cards)), cards, strict=True):
    with column:
        st.metric(card.label, card.value, help=card.help, border=True)
        st.caption(card.caption)

st.segmented_control("Show", VIEWS, default=VIEWS[0], key="trust_view")
# one view at a time: each has its own queries and charts, so a filter change redraws only what is shown
hidden_by_view = {}

if view == "Over time":
    trend = trust.trend_frame(quarterly, vendor)
    if trend.empty:
        st.info("No survey responses were given in this period for the selected areas.")
    else:
        # only the indices held: a vendor may report safety and no trust
        held = [name for name in trust.MEASURES if name in set(trend["measure"])]
        measure = st.segmented_control("Index", held, default=held[0], key="trust_measure")
        measure = measure if measure in held else held[0]
        shown = trend[trend["measure"] == measure]
        drawn = runtime.kept_chart(  # the same filters and index draw the same figure: built once
            ("trust-trend", runtime._plain(period.params()), measure),
            lambda: trust.trend_figure(
                shown, (period.start, period.end), f"{measure} index by quarter — {period.label}", [measure]
            ),
        )
        runtime.draw_prepared(drawn, "trust-trend")
        runtime.download(shown.drop(columns="date"), "trust-trend")
        st.caption(
            "Lines are weighted quarterly means; shaded bands and error bars are 95% confidence intervals. "
            "Officers are surveyed once a year. Dashed black lines are a vendor's area scores as reported, "
            "averaged over the areas it covers on each side and weighted by the respondents it reports: "
            "no uncertainty is available for them and they are never mixed into our estimates."
        )
        hidden_by_view["Over time"] = trend[trend["series"].isin(trust.AUDIENCE_COLOURS)]

elif view == "Resident − officer gap":
    gap = trust.gap_frame(quarterly)
    if gap.empty:
        st.info("Officers were not surveyed in this period, so there is no gap to show.")
    else:
        runtime.show_chart(
            trust.gap_figure(gap, "Resident minus officer trust, by quarter (points on 0–100)"), gap, "trust-gap"
        )
        st.caption("Below zero: residents trust the police less than officers believe they do.")
        hidden_by_view["Resident − officer gap"] = gap

elif view == "By group":
    breakdown = st.selectbox("Break down by", list(trust.DEMOGRAPHICS), key="trust_breakdown")
    groups = trust.demographic_frame(
        {
            side: runtime.query("trust/scores", **scope, urbanicity=side, group_by=trust.DEMOGRAPHICS[breakdown])
            for side in sides
        }
    )
    if groups.empty:
        st.info("No survey responses were given in this period for the selected areas.")
    else:
        runtime.show_chart(
            trust.demographic_figure(groups, breakdown, f"Trust index by {breakdown.lower()} — {period.label}"),
            groups,
            "trust-groups",
        )
        hidden_by_view[f"By {breakdown.lower()}"] = groups

elif view == "By area":
    by_area = runtime.query("trust/scores", **period.params(), group_by="area")
    values, reasons = trust.area_trust(by_area)
    shapes = runtime.query("areas/shapes", urbanicity=period.urbanicity)
    metric = maps.MapMetric("Resident trust", "", "blues", 1, "Resident trust index (0–100)")
    areas = maps.area_table(shapes, values, metric, reasons)
    if shapes.empty:
        st.info("No areas match the current filters.")
    else:
        if not maps.has_outlines(shapes):
            st.info(maps.NO_OUTLINES)
        else:
            deck, classes = maps.area_map(shapes, values, metric, reasons=reasons)
            st.pydeck_chart(deck, height=480)
            runtime.show_legend(
                maps.class_legend(classes, metric, areas["value"].isna().any(), "too few or no responses")
            )
        st.caption(
            f"Grey areas had fewer than {trust.MIN_N} resident responses (or an effective n below "
            f"{trust.MIN_N_EFF}) in the period; hover an area or see the table for the reason."
        )
        runtime.show_table(trust.area_intervals(areas, by_area), "trust-areas", trust.AREA_COLUMNS)
        hidden_by_view["By area"] = areas

else:
    if vendor.empty:
        st.info("No vendor or city-portal scores cover this period for the selected areas.")
    else:
        sources = ", ".join(sorted(vendor["source"].unique()))  # the imported file's own words: escaped below
        st.caption(
            f"As reported by {fmt.plain(sources)}, no uncertainty available. "
            "Shown beside our survey, never mixed into it."
        )
        runtime.show_table(trust.vendor_table(vendor), "trust-vendor", trust.VENDOR_COLUMNS)

if hidden_by_view:
    st.subheader("Estimates not shown as reliable")
    hidden = trust.suppressed_table(**hidden_by_view)
    if hidden.empty:
        st.caption("Every estimate in this view had enough responses to be reported.")
    else:
        runtime.show_table(hidden, "trust-suppressed", trust.SUPPRESSED_COLUMNS)
