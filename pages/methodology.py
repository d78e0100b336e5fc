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

st.subheader("Changes in crime and partnership impact")
st.markdown(
    "- **A change between two counts** (this year against last, on Crime trends and the Overview) is called "
    "significant when an exact test gives p < 0.05 (two-sided). If nothing changed, this period's count, given "
    "both periods' total n, is binomial(n, ½): the conditional test for two Poisson counts (Przyborowski & "
    "Wilenski 1940, *Biometrika* 31:313–323). It is valid for any counts, however small: 1 against 4 is not "
    "significant (p = 0.38), nor is 500 against 550 (p = 0.13); 100 against 140 is (p = 0.012). The older "
    "z = 2(√after − √before) is still listed, but |z| ≥ 2 is no test for two single counts: it compares a count "
    "with a long-run mean known almost exactly, and for two counts it would call p = 0.16 significant.\n"
    "- **Impact (weighted displacement difference).** Offences in the areas a partnership serves are compared, "
    "over equal windows before and after its start, with comparison areas that no partnership of the same "
    "focus served then: WDD = (after − before, served) − (after − before, comparison), with the Poisson "
    "variance of the four counts (Wheeler & Ratcliffe 2018, *Crime Science* 7:11).\n"
    "- **The verdict** follows an exact test of the same four counts: whether the served areas changed in "
    "proportion with the comparison areas (the conditional test for a ratio of Poisson rates, Fisher's exact "
    "test on the 2 × 2 table; Breslow & Day 1987, *Statistical Methods in Cancer Research* II). Two-sided, "
    "p < 0.05.\n"
    "- **Cannot judge yet** is an answer. No verdict, statistic or colour is shown when there are no comparison "
    "areas; when a window reaches a month the crime data do not hold; when the after window runs past the "
    "partnership's end; when the windows overlap the start or end of another partnership's program of the same "
    "focus in the same areas; or when any of the four counts is below 10 (a count of 10 could as well be 5 or "
    "18, so a smaller one cannot show a change a program could make). The counts and the reason stay on screen.\n"
    '- **Smallest detectable change.** Beside "no detectable change" the page says how large a fall or rise '
    "the test would have found with 80% power at the 5% level, for those counts.\n"
    "- **Synthetic control** (Abadie, Diamond & Hainmueller 2010, *JASA* 105:493–505). A weighted mix of "
    "comparison areas, weights zero or more adding up to one, is matched to the served areas' monthly rate "
    "before the start; the gap after it is the estimate. Placebo test: every comparison area is refitted as if "
    "it had been served, and the p-value is the served areas' rank by the ratio of their error after the start "
    "to their error before it.\n"
    "- **Event study bands** are 95% Poisson intervals for each month's count (Byar's approximation to the "
    "exact interval)."
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
