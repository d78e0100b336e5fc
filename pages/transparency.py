"""Public report: the static site's figures, words and tables, from the published database only."""

import streamlit as st

from components import format as fmt
from components import maps, public_tables, public_text, public_views, runtime
from reports import i18n, site

words = i18n.words("en")


# Everything on this page comes from the published file alone (the same for every viewer and
# filter), so it is built once per published version and kept (st.cache_resource: read, never
# changed, by every session): the data, the words, the finished figures and the map.
@st.cache_resource(ttl=3600, max_entries=4, show_spinner=False)
def report(public_version: str) -> tuple[dict, site.SiteData, dict]:
    """The site's manifest, query results and English content, once per published file (not per visitor)."""
    manifest = public_views.manifest_values(runtime.public_table("manifest"))
    data = site.gather(runtime.public_query, manifest)
    return manifest, data, site.page_content(data, words)


manifest, data, content = report(runtime.public_version())


@st.cache_resource(ttl=3600, max_entries=4, show_spinner=False)
def drawn(public_version: str) -> dict:
    """The page's charts (runtime.prepare_chart) and map, once per published file."""
    _, data, content = report(public_version)
    figures = {
        f"public-crime-{crime_class}": public_views.crime_rate_figure(data["crime_series"], crime_class, words)
        for crime_class in public_text.CLASSES_SHOWN
    }
    for measure in ("trust", "safety"):
        figures[f"public-{measure}"] = public_views.trust_figure(data["trust_quarters"], words, measure)
    figures["public-partnership-types"] = public_views.partnerships_type_figure(data["partnerships_by_type"], words)
    figures["public-programs"] = public_views.programs_figure(data["program_years"], words)
    figures["public-funding"] = public_views.funding_figure(data["funding"], words)
    # each chart's title is the section's subheader already (chart() below): drawn once, not twice
    kept = {name: ("", runtime.prepare_chart(figure)[1]) for name, figure in figures.items()}
    outlines = data["area_outlines"]
    if maps.has_outlines(outlines):
        area_crime = data["area_crime"]
        metric = maps.MapMetric(content["index"]["map"]["legend_title"], "", "reds", 1)
        deck, classes = maps.area_map(outlines, area_crime.set_index("area_code")["rate_per_1k"], metric)
        legend = maps.class_legend(
            classes, metric, has_missing=area_crime["rate_per_1k"].isna().any(),
            missing_label=words.t("map.legend_not_published"),
        )  # fmt: skip
        kept["map"] = (deck, legend)
    return kept


charts = drawn(runtime.public_version())
agency = manifest.get("agency_name", "")
first, last = (site.manifest_month(words, manifest.get(key)) for key in ("source_first_month", "source_last_month"))

st.title(words.t("site.name"))
st.markdown(fmt.plain(words.t("pages.index.intro", agency=agency, first=first, last=last)))
if url := runtime.public_site_url():
    st.link_button(words.t("app.site_link"), url, icon=":material/open_in_new:")


def table(spec: public_tables.Table, name: str) -> None:
    """A table of the site as the site shows it (formatted cells), with its CSV."""
    if not spec.rows:
        st.caption(fmt.plain(words.t("table.empty", caption=spec.caption)))
        return
    st.caption(fmt.plain(spec.caption))
    runtime.show_table(spec.frame(), name)


def chart(spec: site.Chart, name: str) -> None:
    """A figure of the site with its sentence; one with nothing to draw is the sentence alone, as on the site."""
    st.subheader(fmt.plain(spec.title))
    st.markdown(fmt.plain(spec.sentence))
    if not spec.spec:
        return
    runtime.draw_prepared(charts[name], name)
    with st.expander(words.t("app.values_table")):
        for number, values in enumerate(spec.tables):
            table(values, f"{name}-{number}")


st.header(words.t("pages.index.headlines"))
headlines = content["index"]["headlines"]
for start in range(0, len(headlines), 4):
    for column, card in zip(st.columns(4), headlines[start : start + 4], strict=False):
        column.metric(fmt.plain(f"{card.label} — {card.side_name}"), card.value, border=True)
        column.caption(fmt.plain(card.detail))

st.header(words.t("pages.crime.title"))
st.markdown(fmt.plain(words.t("pages.crime.intro")))
for sentence in content["crime"]["change_sentences"]:
    st.markdown(f"- {fmt.plain(sentence)}")
table(content["crime"]["change_table"], "public-crime-change")
for crime_class, spec in zip(public_text.CLASSES_SHOWN, content["crime"]["charts"], strict=True):
    chart(spec, f"public-crime-{crime_class}")
st.caption(words.t("pages.crime.sensitive"))

map_content = content["index"]["map"]
st.subheader(fmt.plain(map_content["heading"]))
st.markdown(fmt.plain(map_content["sentence"]))
if "map" in charts:
    deck, legend = charts["map"]
    st.pydeck_chart(deck, height=420)
    runtime.show_legend(legend)
with st.expander(words.t("app.values_table")):
    table(map_content["table"], "public-crime-map")

st.header(words.t("pages.trust.title"))
st.markdown(fmt.plain(words.t("pages.trust.intro")))
table(content["trust"]["latest_table"], "public-trust-latest")
for measure, spec in zip(("trust", "safety"), content["trust"]["charts"], strict=True):
    chart(spec, f"public-{measure}")

st.header(words.t("pages.partnerships.title"))
partnerships = content["partnerships"]
chart(partnerships["type_chart"], "public-partnership-types")
st.subheader(words.t("pages.partnerships.counts_heading"))
st.markdown(fmt.plain(partnerships["counts_explained"]))
chart(partnerships["programs_chart"], "public-programs")
chart(partnerships["funding_chart"], "public-funding")
st.caption(words.t("pages.partnerships.funding_note"))
st.subheader(words.t("pages.partnerships.registry"))
table(partnerships["registry"], "public-partnerships")

st.header(words.t("pages.downloads.title"))
st.markdown(fmt.plain(words.t("pages.downloads.intro")))
for name in runtime.PUBLIC_TABLES:
    runtime.download(
        runtime.public_table(name), f"open-data-{name}", words.t("app.download", table=words.t(f"tables.{name}.title"))
    )

with st.expander(words.t("pages.how-to-read.title")):
    for title, text in content["how-to-read"]["sections"]:
        st.markdown(f"**{fmt.plain(title)}** {fmt.plain(text)}")
