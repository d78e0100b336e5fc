"""The static public site: built from public.duckdb alone, its figures equal the queries, nothing else leaks."""

from __future__ import annotations

import gzip
import html
import html.parser
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import queries
from components import public_tables, public_text
from reports import i18n, site

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def fixture_site(public_fixture_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    site.build(public_fixture_path, out)
    return out


@pytest.fixture(scope="session")
def demo_public_path(demo_path, tmp_path_factory):
    from data import publish

    path = tmp_path_factory.mktemp("demo-public") / "public.duckdb"
    publish.publish(demo_path, path)
    return path


@pytest.fixture(scope="session")
def demo_site(demo_public_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-site") / "site"
    site.build(demo_public_path, out)
    return out


class _Page(html.parser.HTMLParser):
    """The visible text, the attributes and the chart specs of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.charts: dict[str, dict] = {}
        self.cards: list[dict[str, str]] = []
        self._stack: list[tuple[str, dict]] = []
        self._chart: str | None = None
        self._skip = 0
        self._card_field: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
        if tag in ("script", "style"):
            self._skip += 1
            self._chart = attributes.get("data-chart")
        if tag == "li" and "card" in (attributes.get("class") or "").split():
            self.cards.append({})
        if tag == "p" and self.cards and (attributes.get("class") or "").startswith("card-"):
            self._card_field = attributes["class"][5:]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
            self._chart = None
        if tag == "p":
            self._card_field = None

    def handle_data(self, data):
        if self._chart:
            self.charts[self._chart] = json.loads(data)
        if self._skip:
            return
        self.text.append(data)
        if self._card_field:
            self.cards[-1][self._card_field] = self.cards[-1].get(self._card_field, "") + data.strip()


def parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)


def tables(path: Path) -> list[pd.DataFrame]:
    """Every HTML table of a page as strings (pandas reads the markup, no browser)."""
    text = path.read_text(encoding="utf-8")
    frames = []
    for match in re.finditer(r"<table.*?</table>", text, re.S):
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", match.group(0), re.S)
        cells = [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in CELL.findall(row)] for row in rows]
        frames.append(pd.DataFrame(cells[1:], columns=cells[0]))
    return frames


# --- what is built --------------------------------------------------------------------------


def test_every_page_in_both_languages_with_its_lang_and_a_switch(fixture_site):
    for language in i18n.LANGUAGES:
        words = i18n.words(language)
        other = next(code for code in i18n.LANGUAGES if code != language)
        for page in site.PAGES:
            path = fixture_site / language / f"{page}.html"
            text = path.read_text(encoding="utf-8")
            assert f'<html lang="{words.html_lang}">' in text
            assert f'href="../{other}/{page}.html" hreflang="{other}" lang="{other}"' in text, (language, page)
            assert f"<h1>{html.escape(words.t(f'pages.{page}.title'))}</h1>" in text
    assert (fixture_site / "index.html").is_file()


def test_assets_are_content_hashed_and_plotly_is_the_vendored_basic_bundle(fixture_site):
    import hashlib

    import plotly

    assets = sorted(path.name for path in (fixture_site / "assets").iterdir() if path.suffix != ".gz")
    for name in assets:
        digest = name.split(".")[-2]
        content = (fixture_site / "assets" / name).read_bytes()
        assert hashlib.sha256(content).hexdigest()[:12] == digest, name
    bundle = site.PLOTLY_BASIC.read_bytes()
    # unmodified from the registry, and the plotly.js that the installed plotly package was made for
    assert hashlib.sha256(bundle).hexdigest() == site.PLOTLY_BASIC_SHA256
    installed = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    assert site.plotly_js_version(bundle) == site.plotly_js_version(installed) == "4.1.1"
    plotly_files = [name for name in assets if name.startswith("plotly-")]
    assert plotly_files == [f"plotly-basic-4.1.1.min.{hashlib.sha256(bundle).hexdigest()[:12]}.js"]
    assert (fixture_site / "assets" / plotly_files[0]).read_bytes() == bundle
    assert len(gzip.compress(bundle, 9)) < 400_000
    for path in fixture_site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        # nothing is fetched from elsewhere: every src and href is a path inside the site
        for reference in re.findall(r'(?:src|href)="([^"]*)"', text):
            assert not re.match(r"^[a-z]+:|^//", reference), (path, reference)
        for reference in re.findall(r'(?:src|href)="([^"#]+)"', text):
            assert (path.parent / reference).resolve().is_file(), (path, reference)


def test_rebuild_is_byte_identical(public_fixture_path, fixture_site, tmp_path):
    again = tmp_path / "again"
    site.build(public_fixture_path, again)
    first = {path.relative_to(fixture_site): path.read_bytes() for path in fixture_site.rglob("*") if path.is_file()}
    second = {path.relative_to(again): path.read_bytes() for path in again.rglob("*") if path.is_file()}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_rebuilding_replaces_a_site_but_never_another_folder(public_fixture_path, tmp_path):
    out = tmp_path / "out"
    site.build(public_fixture_path, out)
    (out / "en" / "stale.html").write_text("old")
    site.build(public_fixture_path, out)
    assert not (out / "en" / "stale.html").exists()
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(site.SiteError, match="not empty"):
        site.build(public_fixture_path, other)
    assert (other / "notes.txt").read_text() == "keep me"


def test_refuses_the_agency_database(fixture_path, tmp_path):
    with pytest.raises(site.SiteError, match=r"not a public database|agency database"):
        site.build(fixture_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_site_and_publish_with_site(fixture_path, public_fixture_path, tmp_path):
    run = [sys.executable, "-m", "data"]
    done = subprocess.run([*run, "site", "--public", str(public_fixture_path), "--out", str(tmp_path / "a")],
                          cwd=ROOT, capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "15 pages in en, es" in done.stdout
    done = subprocess.run(
        [*run, "publish", "--db", str(fixture_path), "--out", str(tmp_path / "p.duckdb"),
         "--site", str(tmp_path / "b")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b" / "es" / "crime.html").is_file()
    done = subprocess.run([*run, "site", "--public", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "c")],
                          cwd=ROOT, capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1 and done.stderr.startswith("site failed: there is no public database")
    assert "Traceback" not in done.stderr


# --- every figure equals the same query on public.duckdb --------------------------------------


def _query(path: Path, name: str, **params) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return queries.run(con, name, **params)


@pytest.mark.parametrize("built", ["fixture_site", "demo_site"])
@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_crime_charts_and_tables_are_the_query(request, built, language):
    out = request.getfixturevalue(built)
    public = request.getfixturevalue("public_fixture_path" if built == "fixture_site" else "demo_public_path")
    words = i18n.words(language)
    series = _query(public, "public/crime_series")
    page = parse(out / language / "crime.html")
    for crime_class in public_text.CLASSES_SHOWN:
        spec = page.charts.get(f"crime-{crime_class}")
        if spec is None:  # nothing published on either side: no empty axes, the sentence says so
            published = series[(series["crime_class"] == crime_class) & series["is_published"]]
            assert published[published["side"].isin(["urban", "rural"])].empty
            continue
        for side in ("urban", "rural"):
            rows = series[(series["side"] == side) & (series["crime_class"] == crime_class) & series["is_published"]]
            traces = [trace for trace in spec["data"] if trace["name"] == words.choice("side", side)]
            if rows.empty:
                assert not traces
                continue
            value = "rate_per_1k" if rows["rate_per_1k"].notna().any() else "incidents"
            assert traces[0]["y"] == pytest.approx(list(rows[value].astype(float)))
            assert [x[:10] for x in traces[0]["x"]] == [str(day)[:10] for day in rows["period_start"]]
    # the tables under the charts: one per side, the same periods and values, formatted for the language
    expected = public_tables.crime_series_table(words, series, "violent", "urban")
    shown = next(frame for frame in tables(out / language / "crime.html") if list(frame.columns) == expected.columns
                 and len(frame) == len(expected.rows))  # fmt: skip
    assert shown.values.tolist() == expected.rows


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_headline_cards_are_the_change_query(demo_site, demo_public_path, language):
    words = i18n.words(language)
    change = public_text.with_exact_test(_query(demo_public_path, "public/crime_change"))
    cards = parse(demo_site / language / "index.html").cards
    urban_violent = change[(change["side"] == "urban") & (change["crime_class"] == "violent")].iloc[0]
    assert cards[0]["value"] == words.number(urban_violent["rate_per_1k"], 1)
    assert cards[0]["side"] == words.choice("side", "urban")
    assert words.number(urban_violent["rate_per_1k_prior"], 1) in cards[0]["detail"]
    assert words.p_value(urban_violent["p_value"]) in cards[0]["detail"]
    trust = _query(demo_public_path, "public/trust_change")
    urban_trust = trust[(trust["side"] == "urban") & (trust["audience"] == "resident")].iloc[0]
    trust_card = next(card for card in cards if card["label"] == words.t("home.card.trust"))
    assert trust_card["value"] == words.number(urban_trust["trust_0_100"], 1)
    assert words.count(urban_trust["n"]) in trust_card["detail"]


def test_english_sentence_reads_as_a_resident_would(demo_site, demo_public_path):
    change = public_text.with_exact_test(_query(demo_public_path, "public/crime_change"))
    row = change[(change["side"] == "urban") & (change["crime_class"] == "property")].iloc[0]
    direction = "down" if row["change_pct"] < 0 else "up"
    expected = (
        f"In urban areas, property crimes per 1,000 residents were {row['rate_per_1k']:.1f} in the 12 months to"
        f" {pd.Timestamp(row['period_end']):%B %Y}, {direction} {abs(row['change_pct']):.1f}% from"
        f" {row['rate_per_1k_prior']:.1f} a year earlier:"
    )
    assert expected in "".join(parse(demo_site / "en" / "crime.html").text)


def test_other_figures_are_the_queries(demo_site, demo_public_path):
    page = parse(demo_site / "en" / "partnerships.html")
    funding = _query(demo_public_path, "public/funding")
    bars = {trace["name"]: trace for trace in page.charts["funding"]["data"]}
    agency = funding[funding["source"] == "agency"]
    assert bars["Police agency"]["y"] == pytest.approx(list(agency["amount_usd"]))
    program_years = _query(demo_public_path, "public/program_years")
    urban = program_years[program_years["side"] == "urban"]
    bars = {trace["name"]: trace for trace in page.charts["programs"]["data"]}
    assert bars["Urban areas"]["y"] == pytest.approx(list(urban["participants_served"].astype(float)))
    by_type = _query(demo_public_path, "public/partnerships_by_type")
    bars = {trace["name"]: trace for trace in page.charts["partnerships-type"]["data"]}
    assert sum(bars["Urban areas"]["x"]) + sum(bars["Rural areas"]["x"]) == by_type["partnerships_active"].sum()
    trust = _query(demo_public_path, "public/trust_quarters")
    residents = trust[(trust["side"] == "rural") & (trust["audience"] == "resident") & trust["published"]]
    spec = parse(demo_site / "es" / "trust.html").charts["trust-trust"]
    line = next(trace for trace in spec["data"] if trace["name"] == "Zonas rurales")
    assert line["y"] == pytest.approx(list(residents["trust_0_100"]))


def test_map_draws_every_published_area_with_its_legend(demo_site, demo_public_path):
    text = (demo_site / "en" / "index.html").read_text(encoding="utf-8")
    outlines = _query(demo_public_path, "public/area_outlines")
    area_crime = _query(demo_public_path, "public/area_crime", crime_class="violent")
    svg = re.search(r'<svg class="area-map".*?</svg>', text, re.S).group(0)
    assert svg.count("<path d=") == len(outlines) + 1  # every area and the urban boundary
    for row in area_crime.itertuples():
        value = "not published" if pd.isna(row.rate_per_1k) else i18n.words("en").number(row.rate_per_1k, 1)
        assert f"<title>{html.escape(row.name)}: {value}</title>" in svg
    assert 'class="legend-title">Violent crime per 1,000 residents, ' in text
    assert "boundary between urban and rural areas" in text
    assert "not published (fewer than 10" in text


# --- nothing the public database does not hold ---------------------------------------------------


def _site_text(out: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8") for path in sorted(out.rglob("*")) if path.suffix in (".html", ".csv")
    )


def test_no_agency_only_name_free_text_or_coordinate_leaves(demo_site, demo_con):
    text = _site_text(demo_site).lower()
    secrets = {
        "program": "select name from programs",
        "site": "select name from program_sites",
        "description": "select description from partnerships where description is not null",
        "nonprofit description": "select description from nonprofits where description is not null",
        "feedback": "select comment from partner_feedback where comment is not null",
        "email": "select email from app_users",
        "roles": "select roles from partnerships where roles is not null",
    }
    for kind, sql in secrets.items():
        values = [value for (value,) in demo_con.execute(sql).fetchall() if value and len(value) > 6]
        assert values, kind
        partnership_names = {name.lower() for (name,) in demo_con.execute("select name from partnerships").fetchall()}
        for value in values:
            if kind == "program" and any(value.lower() in name for name in partnership_names):
                continue  # a program named like its partnership ("... Diversion"); the partnership's name is public
            assert value.lower() not in text, (kind, value)
    assert "@" not in text
    # no site or incident coordinate: their longitudes and latitudes, to 4 decimals, appear nowhere
    points = demo_con.execute(
        "select lon, lat from program_sites union all (select lon, lat from incidents where lon is not null limit 500)"
    ).fetchall()
    # (the areas download holds the published outlines, whose vertices may share 4 decimals with a point)
    without_outlines = "\n".join(
        path.read_text(encoding="utf-8") for path in sorted(demo_site.rglob("*"))
        if path.suffix in (".html", ".csv") and path.name != "areas.csv"
    )  # fmt: skip
    for lon, lat in points:
        assert f"{lon:.4f}" not in without_outlines and f"{lat:.4f}" not in without_outlines


def test_every_string_in_a_table_cell_is_held_by_the_public_database_or_the_locale(demo_site, demo_public_path):
    with duckdb.connect(str(demo_public_path), read_only=True) as con:
        held: set[str] = set()
        for table in site.published_tables():
            described = con.execute(
                "select column_name, data_type from information_schema.columns where table_name = ?", [table]
            ).fetchall()
            for column, kind in described:
                if kind == "VARCHAR" and column != "geojson":
                    held |= {
                        value
                        for (value,) in con.execute(f'select distinct "{column}" from {table}').fetchall()
                        if value
                    }
    for language in i18n.LANGUAGES:
        words = i18n.words(language)
        locale_text = " ".join(words.strings.values())
        for page in site.PAGES:
            for frame in tables(demo_site / language / f"{page}.html"):
                for cell in frame.values.ravel():
                    if not re.search(r"[A-Za-z]{3}", cell) or cell in held:
                        continue
                    # a cell of words is the locale's (e.g. "not published") or a list of held names
                    parts = [part for part in re.split(r"[;,]\s*", cell) if part]
                    assert cell in locale_text or all(part in held for part in parts) or _formatted(cell, words), (
                        language, page, cell,
                    )  # fmt: skip


def _formatted(cell: str, words: i18n.Words) -> bool:
    """A cell made by filling a locale text with numbers, dates and quarter names."""
    skeleton = re.sub(r"[\d.,%+−-]+", "#", cell)
    for text in words.strings.values():
        pattern = re.escape(re.sub(r"\{[^}]*\}", "\0", text)).replace("\\\0", ".*").replace("\0", ".*")
        if re.fullmatch(pattern, cell) or re.fullmatch(pattern, skeleton):
            return True
    months = [words.month(f"2024-{month:02d}-01").replace("2024", "") for month in range(1, 13)]
    return bool(re.fullmatch(r"[\d\s]+", skeleton.replace("#", "0"))) or any(month.strip() in cell for month in months)


def test_no_count_from_1_to_9_in_any_table_or_download(demo_site):
    count_columns = ("incidents", "participants_served", "n")
    for path in sorted((demo_site / "data").glob("*.csv")):
        if path.name.startswith("dictionary"):
            continue
        frame = pd.read_csv(path)
        for column in count_columns:
            if column in frame:
                values = frame[column].dropna()
                assert not values.between(1, 9).any(), (path.name, column)
    for language in i18n.LANGUAGES:
        words = i18n.words(language)
        headings = {words.t(key) for key in ("crime.series_table.incidents", "map.table.incidents",
                                             "programs.table.participants", "trust.table.n", "trust.latest.n",
                                             "crime.change_table.incidents",
                                             "crime.change_table.incidents_prior")}  # fmt: skip
        for page in site.PAGES:
            for frame in tables(demo_site / language / f"{page}.html"):
                for column in headings & set(frame.columns):
                    assert not frame[column].isin([str(n) for n in range(1, 10)]).any(), (language, page, column)


def test_downloads_are_the_published_tables(demo_site, demo_public_path):
    with duckdb.connect(str(demo_public_path), read_only=True) as con:
        for table in site.published_tables():
            held = con.execute(f"select count(*) from {table}").fetchall()[0][0]
            assert len(pd.read_csv(demo_site / "data" / f"{table}.csv")) == held
            assert len(pd.read_parquet(demo_site / "data" / f"{table}.parquet")) == held
    dictionary = pd.read_csv(demo_site / "data" / "dictionary-es.csv")
    assert list(dictionary.columns) == ["table", "column", "unit", "meaning"]
    assert dictionary.loc[dictionary["column"] == "rate_per_1k", "unit"].iloc[0] == "por cada 1,000 residentes"


NUMBER = re.compile(r"\$?\d[\d,.]*")


def _numeric_values(frame: pd.DataFrame) -> set[float]:
    values: set[float] = set()
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_numeric_dtype(series):
            values |= {float(value) for value in series.dropna()}
        elif pd.api.types.is_datetime64_any_dtype(series):
            for day in series.dropna():
                values |= {float(day.year), float(day.month), float(day.day)}
    return values


def _allowed(words: i18n.Words, values: set[float]) -> set[str]:
    shown = set()
    for value in values:
        shown |= {
            words.count(value),
            words.number(value, 1),
            words.number(value, 2),
            words.number(value, 3),
            words.percent(value, 1),
            words.money(value),
            words.p_value(value),
        }
        if value == int(value):
            shown.add(str(int(value)))
        shown |= {words.number(abs(value), 1), words.percent(abs(value), 1)}
    return {text.lstrip("+$") for text in shown if text}


def test_every_number_on_a_page_is_a_value_of_the_public_database(demo_site, demo_public_path):
    """Scan every number a reader sees, and every number a chart draws, against the public file's values."""
    with duckdb.connect(str(demo_public_path), read_only=True) as con:
        data = site.gather_from(con)
        values = set()
        for table in site.published_tables():
            frame = con.execute(f"select * from {table}").df().drop(columns=["geojson"], errors="ignore")
            values |= _numeric_values(frame)
    for frame in data.frames.values():
        values |= _numeric_values(frame.drop(columns=["geojson"], errors="ignore"))
    values |= {float(value) for value in data.manifest.values() if re.fullmatch(r"\d+", value)}
    # numbers inside the file's texts: the manifest's checksum and dates, quarter names like 2024-Q4
    held_tokens = {token.strip(".,") for value in data.manifest.values() for token in NUMBER.findall(value)}
    for frame in data.frames.values():
        for column in frame.select_dtypes(include=["object", "str"]).columns.drop("geojson", errors="ignore"):
            texts = frame[column].dropna().astype(str)
            held_tokens |= {token.strip(".,") for value in texts for token in NUMBER.findall(value)}
    values |= {public_text.SIGNIFICANCE_LEVEL, 0.001}
    for language in i18n.LANGUAGES:
        words = i18n.words(language)
        allowed = _allowed(words, values)
        allowed |= held_tokens | {
            token.strip(".,") for text in words.strings.values() for token in NUMBER.findall(text)
        }
        for page in site.PAGES:
            parsed = parse(demo_site / language / f"{page}.html")
            text = (
                " ".join(parsed.text)
                + " "
                + " ".join(value for tag, name, value in parsed.attributes if name in ("aria-label", "title"))
            )
            for token in NUMBER.findall(text):
                token = token.strip(".,").lstrip("$")
                assert token in allowed, (language, page, token)
            for chart_id, spec in parsed.charts.items():
                for trace in spec["data"]:
                    for axis in ("x", "y"):
                        for value in trace.get(axis, []):
                            if isinstance(value, (int, float)) and not isinstance(value, bool):
                                assert float(value) in values or value == 0, (chart_id, axis, value)


def nothing_published(path: Path) -> Path:
    """A public file of the published tables, empty but for its manifest and one area."""
    from data import publish

    with duckdb.connect(str(path)) as con:
        for name, columns in publish.TABLES.items():
            con.execute(f"create table {name} ({columns})")
        con.execute("insert into manifest values ('agency_name', 'Empty Police'), ('generated_by', 'hand')")
        con.execute(
            "insert into areas (area_code, name, kind, urbanicity, population)"
            " values ('A', 'Alpha', 'neighbourhood', 'urban', 100)"
        )
    return path


def test_builds_from_a_public_file_with_nothing_published_yet(tmp_path):
    path = nothing_published(tmp_path / "empty.duckdb")
    site.build(path, tmp_path / "site")
    words = i18n.words("en")
    index = "".join(parse(tmp_path / "site" / "en" / "index.html").text)
    assert words.t("map.no_outlines") in index and words.t("trust.sentence_none.trust") in index
    partnerships = "".join(parse(tmp_path / "site" / "en" / "partnerships.html").text)
    assert words.t("partnerships.type_sentence_none") in partnerships
    assert words.t("funding.sentence_none") in partnerships
    # no empty axes and no table of headings alone: the sentences say what is missing
    for page in site.PAGES:
        built = parse(tmp_path / "site" / "en" / f"{page}.html")
        assert built.charts == {}, page
        assert not any(name == "class" and value == "chart" for _, name, value in built.attributes), page
    trust = "".join(parse(tmp_path / "site" / "en" / "trust.html").text)
    assert words.t("trust.sentence_no_survey.trust") in trust and words.t("trust.sentence_no_survey.safety") in trust
    latest = words.t("trust.latest_caption")
    assert words.t("table.empty", caption=latest) in trust
    assert "<table" not in (tmp_path / "site" / "en" / "trust.html").read_text(encoding="utf-8")


def test_a_chart_the_basic_bundle_cannot_draw_stops_the_build_with_a_sentence():
    import plotly.graph_objects as go

    words = i18n.words("en")
    assert site.chart("crime-bars", go.Figure(go.Bar(x=[1], y=[2])), "", [], words).chart_id == "crime-bars"
    with pytest.raises(site.SiteError, match=r"^the chart crime-heat draws heatmap, which the site's plotly.js"):
        site.chart("crime-heat", go.Figure(go.Heatmap(z=[[1, 2]])), "", [], words)


def test_a_collapsed_table_is_called_the_chart_s_values_only_under_a_chart():
    """Over 12 rows a table folds into <details>; its summary names a chart only in chart_block."""
    rows = [[f"Area {number}", str(number)] for number in range(13)]
    table = public_tables.Table("Partnerships serving each area", ["Area", "Partnerships"], rows, [False, True])
    chart = site.Chart("c1", "A chart", "A sentence.", "{}", [table], 300)
    template = site.environment().from_string(
        '{% from "_macros.html.j2" import data_table, chart_block with context %}'
        "{{ data_table(table) }}|{{ chart_block(chart) }}"
    )
    for language in i18n.LANGUAGES:
        words = i18n.words(language)
        alone, under_chart = template.render(table=table, chart=chart, t=words.t).split("|")
        assert f"<summary>{words.t('table.rows_summary', count=13)}: Partnerships serving each area</summary>" in alone
        assert f"<summary>{words.t('chart.table_summary', count=13)}: Partnerships serving each area</summary>" in (
            under_chart
        )
