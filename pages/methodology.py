"""Methodology: every metric's definition, generated from the SQL files that compute it."""

import streamlit as st

from components import runtime
from data import disclosure, publish

st.title("Methodology")
st.markdown(
    "Every number in Bridgeboard is computed by one SQL file in `queries/`. This page is built from "
    "those files' headers, so it always describes the code that runs. Scales, weighting and "
    "suppression rules are stated with each metric."
)

st.subheader("Rules that apply everywhere")
st.markdown(
    "- **Urban and rural.** Each area is urban or rural from its RUCC 2023 or RUCA code (codes 1–3 "
    "urban, higher codes rural) or a density threshold. A partnership or program counts on the side "
    "holding most of the population it serves, so urban + rural always adds up to the whole.\n"
    "- **Periods.** The sidebar period is compared with the same dates one year earlier. Crime is "
    "counted in whole calendar months.\n"
    "- **Rates** are per 1,000 residents over the period (not annualised); areas without a known "
    "population are left out of rates (never counted as zero).\n"
    "- **Survey scores** are put on 0–100 with each wave's own scale; groups are weighted, with a "
    "95% confidence interval, and shown only with at least 50 respondents and an effective sample "
    "size (Kish) of at least 30.\n"
    "- **Who sees what.** A nonprofit director sees program-level data of their own organisation "
    "only; the agency sees everything; the public sees only published, disclosure-controlled aggregates.\n"
    f"- **Crime for directors** {runtime.DIRECTOR_CRIME_RULES}\n"
    "- **Officer trainings** of every partnership (date, topic, officers trained, hours) are shown to "
    "directors too: they describe the agency's own staff, not residents or victims, so the small-count "
    "rule that protects people in crime and survey figures does not apply to them."
)

for folder, title in runtime.METRIC_FOLDERS.items():
    st.subheader(title)
    for name in runtime.queries_in(folder):
        with st.expander(runtime.describe(name).title_sentence):
            st.markdown(runtime.method_text(name))
            st.markdown("**Inputs**")
            st.dataframe(runtime.parameters_table(name), hide_index=True)
            st.markdown("**Output columns**")
            st.dataframe(runtime.columns_table(name), hide_index=True)

st.subheader("Offence categories")
st.markdown(
    "Every source's offence descriptions are mapped to this fixed list. Violent means a crime against "
    "a person (NIBRS). Sensitive categories are never published below the whole jurisdiction."
)
runtime.show_table(
    runtime.query("meta/categories"),
    "methodology-categories",
    {
        "label": ("Category", None),
        "crime_class": ("Class", None),
        "is_violent": ("Violent", None),
        "is_sensitive": ("Sensitive", None),
    },
)

st.subheader("What the public report publishes")
st.markdown(
    "`python -m data publish` writes the only file the public report reads. It holds aggregates, never a "
    "record about a person, an address or coordinates, free text, or a program's name. These rules come "
    "from the code that publishes, and the file's manifest table repeats them.\n"
    f"- **Small counts.** Counts from 1 to {disclosure.MIN_SHOWN - 1} are shown as "
    f'"{disclosure.SHOWN[disclosure.PRIMARY]}"; cells hidden only to protect them read '
    f'"{disclosure.SHOWN[disclosure.COMPLEMENTARY]}" (they can be any size).\n'
    f"- **Method.** {disclosure.METHOD}\n"
    f"- **Protects against.** {disclosure.PROTECTS}\n"
    f"- **Limits.** {disclosure.LIMITS}\n"
    f"- **Surveys.** Published only with at least {publish.SURVEY_MIN_N} responses and an effective sample of "
    f"{publish.SURVEY_MIN_N_EFF} or more, always with a {publish.CI_LEVEL}% confidence interval, flagged when "
    f"the relative standard error is {publish.RSE_FLAG_PCT}% or more.\n"
    "- **Sensitive offences** (marked in the table above) are published for the whole jurisdiction only."
)
