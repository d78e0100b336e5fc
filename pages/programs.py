"""Programs: a Results-Based Accountability scorecard per program (directors see only their own)."""

import streamlit as st

from components import format as fmt
from components import runtime, scorecards
from components.packet_button import packet_button

viewer = runtime.viewer()
period = runtime.filters()
st.title("Programs scorecard")
st.caption(
    f"{period.label} · "
    + (f"{fmt.plain(viewer.nonprofit_name)}'s programs only" if viewer.is_director else "every program of the agency")
    + ". How much did we do, how well did we do it, and is anyone better off?"
)

scorecard = runtime.query("programs/scorecard", **period.params(), nonprofit_id=None)
if scorecard.empty:
    st.info("No program ran in this period for the current filters.")
    st.stop()

programs = scorecards.programs_table(scorecard)
if not viewer.is_director:
    nonprofits = sorted(programs["nonprofit_name"].unique())
    picked = st.multiselect("Nonprofits", nonprofits, placeholder="All nonprofits", key="programs_nonprofits")
    if picked:
        programs = programs[programs["nonprofit_name"].isin(picked)]
        scorecard = scorecard[scorecard["nonprofit_name"].isin(picked)]

with_targets = programs["measures_with_target"].sum()
cards = st.columns(4)
cards[0].metric("Programs", fmt.count(len(programs)), border=True)
cards[1].metric("Participants served", fmt.count(programs["participants"].sum()), border=True)
cards[2].metric(
    "Measures on track",
    f"{programs['measures_on_track'].sum():,} of {with_targets:,}",
    border=True,
    help="Latest value of each measure with a target, judged in the measure's own direction.",
)
cards[3].metric(
    "Urban · rural programs",
    f"{(programs['urbanicity'] == 'urban').sum()} · {(programs['urbanicity'] == 'rural').sum()}",
    border=True,
)

runtime.show_table(programs, "programs-overview", scorecards.PROGRAM_COLUMNS, label="Download the programs table (CSV)")

with st.expander("Funder scorecard (PDF)", icon=":material/picture_as_pdf:"):
    if viewer.is_director:  # scope from identity: a director's scorecard is their own, with no choice to make
        packet_button("scorecard", period, viewer.nonprofit_id, viewer.nonprofit_name)
    else:
        owners = dict(zip(programs["nonprofit_name"], programs["nonprofit_id"], strict=False))
        chosen = st.selectbox("Scorecard for", sorted(owners), key="programs_scorecard_for")
        packet_button("scorecard", period, int(owners[chosen]), chosen)

st.subheader("One program in detail")
names = dict(zip(programs["program_id"], programs["program_name"] + " — " + programs["nonprofit_name"], strict=True))
program_id = st.selectbox("Program", list(names), format_func=names.get, key="programs_detail")
detail = programs.set_index("program_id").loc[program_id]
st.caption(
    f"{fmt.plain(detail.partnership_name)} · {fmt.plain(detail.focus.replace('_', ' '))} · {fmt.plain(detail.side)} · "
    f"{fmt.count(detail.participants)} participants served in {period.label} (monthly activity records) "
    f"against a target of {fmt.count(detail.participants_target)}; each measure's latest report is dated"
)
for category, title in scorecards.CATEGORY_TITLES.items():
    st.markdown(f"**{title}**")
    measures = scorecards.measures_table(scorecard, program_id, category)
    if measures.empty:
        st.caption("No measure of this kind is reported for this program.")
    else:
        runtime.show_table(
            measures,
            f"programs-{program_id}-{category}",
            scorecards.MEASURE_COLUMNS,
            cell_styles={"status": scorecards.status_style},
            label=f"Download “{title}” measures (CSV)",
        )
runtime.download(
    scorecard[scorecard["program_id"] == program_id],
    f"programs-{program_id}-scorecard",
    "Download this program's whole scorecard (CSV)",
)
