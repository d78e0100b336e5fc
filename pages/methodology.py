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
    "only; the agency sees everything; the public sees only published, disclosure-controlled aggregates."
)

for folder, title in runtime.METRIC_FOLDERS.items():
    st.subheader(title)
    for name in runtime.queries_in(folder):
        with st.expander(runtime.describe(name).title_sentence):
            st.markdown(runtime.method_text(name))
            st.markdown("**Inputs**")
            runtime.show_table(runtime.parameters_table(name), f"{name}-inputs", offer_csv=False)
            st.markdown("**Output columns**")
            runtime.show_table(runtime.columns_table(name), f"{name}-columns", offer_csv=False)

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
manifest = runtime.public_table("manifest")
promise = dict(zip(manifest["key"], manifest["value"], strict=True))
st.markdown(
    "`python -m data publish` writes the only file the public report reads. It holds aggregates, never a "
    "record about a person, an address or coordinates, free text, or a program's name. These rules come "
    "from the code that publishes, and the file's manifest table repeats them.\n"
    f"- **Small counts.** Counts from 1 to {disclosure.MIN_SHOWN - 1} are shown as "
    f'"{disclosure.SHOWN[disclosure.PRIMARY]}"; counts hidden only to protect them read '
    f'"{disclosure.SHOWN[disclosure.COMPLEMENTARY]}" (always {disclosure.MIN_SHOWN} or more); the parts of a '
    f"total below {disclosure.MIN_SHOWN}, and an area's monthly series where most months are small, read "
    f'"{disclosure.SHOWN[disclosure.ROLLED_UP]}": they are published inside their year, latest-12-month and '
    "area-group totals instead.\n"
    f"- **Rule.** {disclosure.RULE}\n"
    f"- **Zeros.** {disclosure.ZEROS}\n"
    f"- **Protection level.** {publish.PROTECTION_RULE}.\n"
    f"- **Audit.** {promise.get('suppression_protects_against', '')} Equations: {publish.EQUATIONS}.\n"
    f"- **Result of the audit that ran when this file was published.** {promise.get('audit_result', '')} "
    f"({promise.get('audit_cells', '')} hidden cells, {promise.get('audit_equations', '')} equations); "
    "publishing fails when any can.\n"
    f"- **Rural coverage.** Share of residents whose area has a published violent-crime count for "
    f"{promise.get('crime_latest_12m_period', 'the latest 12 months')}: urban "
    f"{promise.get('violent_latest_12m_area_coverage_urban_pct', '')}%, rural "
    f"{promise.get('violent_latest_12m_area_coverage_rural_pct', '')}% (with area groups: urban "
    f"{promise.get('violent_latest_12m_area_or_group_coverage_urban_pct', '')}%, rural "
    f"{promise.get('violent_latest_12m_area_or_group_coverage_rural_pct', '')}%).\n"
    f"- **Limits.** {disclosure.LIMITS}\n"
    f"- **Surveys.** Published only with at least {publish.SURVEY_MIN_N} responses and an effective sample of "
    f"{publish.SURVEY_MIN_N_EFF} or more, always with a {publish.CI_LEVEL}% confidence interval, flagged when "
    f"the relative standard error is {publish.RSE_FLAG_PCT}% or more. {publish.MEAN_THREAT} In this file: "
    f"{promise.get('survey_n_withdrawn_for_means', '0')} n's withdrawn for that.\n"
    "- **Sensitive offences** (marked in the table above) are published for the whole jurisdiction only."
)
