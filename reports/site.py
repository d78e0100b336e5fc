"""The static public site: `python -m data site --public PATH --out DIR`.

Built from the published database alone (opened read-only; the agency's file is never
opened), with the queries in queries/public, components' figure builders and sentences, the
Jinja2 templates in reports/templates and the words of reports/locales. The result is plain
files any web server or CDN serves: one folder per language (en/, es/), assets/ whose names
carry a hash of their content (cache them for ever), data/ with every published table as CSV
and Parquet and the data dictionary, and a .gz beside every text file for servers that send
precompressed files (reports/nginx-site.conf). Nothing on a page loads from elsewhere:
plotly.js is plotly's own basic bundle (bar, pie and scatter; vendored unmodified, the version
of the installed plotly package: reports/static/vendor/README.md), fonts are the reader's
system fonts, maps are inline SVG.

The same database gives the same bytes: no clock, no random ids, sorted rows, gzip without
a timestamp, DuckDB on one thread.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import jinja2
import numpy as np
import pandas as pd
import plotly
import plotly.io
from babel import Locale

import queries
from components import public_tables, public_text, public_views
from reports import i18n, svgmap

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
PAGES = ("index", "crime", "trust", "partnerships", "how-to-read", "about-data", "downloads")
CHART_PAGES = frozenset({"crime", "trust", "partnerships"})
MARKER = ".bridgeboard-site"
COMPRESSED_SUFFIXES = (".html", ".css", ".js", ".csv", ".json", ".svg")
MAP_CLASS = "violent"
# plotly.js's basic partial bundle: a quarter of the full bundle's bytes for a first-time visitor
PLOTLY_BASIC = STATIC_DIR / "vendor" / "plotly-basic.min.js"
PLOTLY_BASIC_SHA256 = "99784e3abfb07b142a15e521a439e6d9addceadb3f79553fd24c72774f0649ba"
PLOTLY_BASIC_TRACES = frozenset({"bar", "pie", "scatter"})


class SiteError(ValueError):
    """The site cannot be built; the message is one sentence for people."""


@dataclass
class Summary:
    out: Path
    pages: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0

    def text(self) -> str:
        return (
            f"public site written to {self.out}: {self.pages} pages in {', '.join(i18n.LANGUAGES)},"
            f" {self.files} files, {self.bytes / 1e6:.1f} MB, in {self.seconds:.1f} s"
        )


@dataclass
class SiteData:
    """Every query result the site shows, from the public database only."""

    manifest: dict[str, str]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]


# the site's queries and their parameters: everything it shows comes from these
SITE_QUERIES = {
    "crime_change": ("public/crime_change", {}),
    "crime_series": ("public/crime_series", {}),
    "area_crime": ("public/area_crime", {"crime_class": MAP_CLASS}),
    "area_outlines": ("public/area_outlines", {}),
    "trust_quarters": ("public/trust_quarters", {}),
    "trust_change": ("public/trust_change", {}),
    "partnerships": ("public/partnerships", {}),
    "partnerships_by_type": ("public/partnerships_by_type", {}),
    "partnerships_by_area": ("public/partnerships_by_area", {}),
    "program_years": ("public/program_years", {}),
    "funding": ("public/funding", {}),
}


def gather(run: Callable[..., pd.DataFrame], manifest: dict[str, str]) -> SiteData:
    """Run the site's queries with `run(name, **params)`: queries.run on the public file, or the app's cached runner.

    The app's Public report calls this with components.runtime.public_query, so it shows the site's numbers.
    """
    data = SiteData(dict(manifest))
    for name, (query, params) in SITE_QUERIES.items():
        data.frames[name] = run(query, **params)
    data.frames["crime_change"] = public_text.with_exact_test(data.frames["crime_change"])
    return data


def gather_from(con: duckdb.DuckDBPyConnection) -> SiteData:
    """gather() on an open public database."""
    manifest = dict(con.execute("select key, value from manifest order by key").fetchall())
    return gather(lambda name, **params: queries.run(con, name, **params), manifest)


def published_tables() -> tuple[str, ...]:
    """The tables `python -m data publish` writes, in its order: the downloads."""
    from data import publish

    return tuple(publish.TABLES)


def open_public(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.is_file():
        raise SiteError(f"there is no public database at {path}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise SiteError(f"{path} cannot be opened as a DuckDB database ({str(error).splitlines()[0]})") from None
    present = {name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()}
    missing = [table for table in published_tables() if table not in present]
    if missing:
        con.close()
        raise SiteError(
            f"{path} is not a public database written by `python -m data publish` (it has no {missing[0]} table)"
        )
    if "agencies" in present or "incidents" in present:
        con.close()
        raise SiteError(f"{path} is an agency database; publish it first with `python -m data publish`")
    con.execute("set threads = 1")  # one thread: files come out the same every time
    return con


def build(public_path: str | os.PathLike, out_dir: str | os.PathLike) -> Summary:
    """Write the site for `public_path` into `out_dir` (replaced whole, atomically, when it is a previous site)."""
    started = time.perf_counter()
    public_path, out_dir = Path(public_path), Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise SiteError(f"{out_dir} is a file, not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise SiteError(f"{out_dir} is not empty and holds no earlier site; choose an empty or new folder")
    building = out_dir.with_name(f".{out_dir.name}.building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    try:
        con = open_public(public_path)
        try:
            data = gather_from(con)
            downloads = _write_downloads(con, building / "data")
        finally:
            con.close()
        summary = _write_site(data, downloads, building)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    old = out_dir.with_name(f".{out_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    building.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    files = [path for path in out_dir.rglob("*") if path.is_file()]
    return dataclasses.replace(
        summary,
        out=out_dir,
        files=len(files),
        bytes=sum(path.stat().st_size for path in files),
        seconds=time.perf_counter() - started,
    )


# --- files --------------------------------------------------------------------------------


def _hashed(directory: Path, stem: str, suffix: str, content: bytes) -> str:
    """Write `content` as <stem>.<hash><suffix> in `directory`; return the file name."""
    name = f"{stem}.{hashlib.sha256(content).hexdigest()[:12]}{suffix}"
    (directory / name).write_bytes(content)
    return name


def _write_assets(out: Path) -> dict[str, str]:
    assets = out / "assets"
    assets.mkdir()
    plotly_js = PLOTLY_BASIC.read_bytes()
    return {
        "css": "assets/" + _hashed(assets, "site", ".css", (STATIC_DIR / "site.css").read_bytes()),
        "js": "assets/" + _hashed(assets, "site", ".js", (STATIC_DIR / "site.js").read_bytes()),
        "plotly": "assets/" + _hashed(assets, f"plotly-basic-{plotly_js_version(plotly_js)}.min", ".js", plotly_js),
    }


def plotly_js_version(bundle: bytes) -> str:
    """The version in a plotly.js bundle's licence header ("* plotly.js (basic - minified) v4.1.1")."""
    header = bundle[:300].decode("ascii", "replace")
    return header.split(" v", 1)[1].split()[0] if "plotly.js" in header and " v" in header else "unknown"


def _write_downloads(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, dict[str, object]]:
    """Every published table as CSV and Parquet, rows in a fixed order; returns table -> columns."""
    directory.mkdir()
    tables: dict[str, dict[str, object]] = {}
    for table in published_tables():
        columns = [name for (name,) in con.execute(
            "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
            [table],
        ).fetchall()]  # fmt: skip
        ordered = f'select * from "{table}" order by all'  # noqa: S608 - table from publish.TABLES
        for suffix, options in (("csv", "format csv, header true"), ("parquet", "format parquet, compression zstd")):
            con.execute(f"copy ({ordered}) to {_quoted(directory / f'{table}.{suffix}')} ({options})")
        tables[table] = {"columns": columns}
    return tables


def _quoted(path: Path) -> str:
    """A file path as an SQL string literal (COPY takes no bound parameter for its file)."""
    return "'" + str(path).replace("'", "''") + "'"


def _compress(out: Path) -> None:
    """A .gz beside every text file, without a timestamp, for nginx's gzip_static."""
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.suffix in COMPRESSED_SUFFIXES:
            path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes(), 9, mtime=0))


# --- pages ----------------------------------------------------------------------------------


def environment() -> jinja2.Environment:
    """Templates with autoescape on and undefined names as errors."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _write_site(data: SiteData, downloads: dict[str, dict[str, object]], out: Path) -> Summary:
    assets = _write_assets(out)
    env = environment()
    pages = 0
    for language in i18n.LANGUAGES:
        words = i18n.words(language)
        (out / language).mkdir()
        _write_dictionary(words, downloads, out / "data")
        content = page_content(data, words, downloads)
        for page in PAGES:
            html = env.get_template(f"{page}.html.j2").render(
                **content[page],
                **_common(data, words, page, assets),
            )
            (out / language / f"{page}.html").write_text(html, encoding="utf-8")
            pages += 1
    chooser = env.get_template("choose.html.j2").render(
        languages=[i18n.words(language) for language in i18n.LANGUAGES],
        agency=data.manifest.get("agency_name", ""),
        css=assets["css"],
    )
    (out / "index.html").write_text(chooser, encoding="utf-8")
    (out / MARKER).write_text("built by python -m data site\n")
    _compress(out)
    return Summary(out, pages=pages + 1)


def _common(data: SiteData, words: i18n.Words, page: str, assets: dict[str, str]) -> dict[str, object]:
    other = [i18n.words(language) for language in i18n.LANGUAGES if language != words.language]
    return {
        "t": words.t,
        "words": words,
        "page": page,
        "pages": PAGES,
        "other_languages": other,
        "assets": {name: f"../{path}" for name, path in assets.items()},
        "has_charts": page in CHART_PAGES,
        "agency": data.manifest.get("agency_name", ""),
        "first_month": manifest_month(words, data.manifest.get("source_first_month")),
        "last_month": manifest_month(words, data.manifest.get("source_last_month")),
        "plotly_locale": json.dumps(plotly_locale(words), ensure_ascii=False, sort_keys=True),
    }


def manifest_month(words: i18n.Words, value: str | None) -> str:
    return words.month(f"{value}-01") if value else words.t("format.missing")


def page_content(
    data: SiteData, words: i18n.Words, downloads: dict[str, dict[str, object]] | None = None
) -> dict[str, dict]:
    """What each page shows, in one language: sentences, tables, figures (as JSON) and the map.

    Without `downloads` (the tables written and their columns) there is no downloads page: the app's
    Public report offers the tables itself.
    """
    change = data["crime_change"]
    series = data["crime_series"]
    return {
        "index": {
            "headlines": public_text.headlines(words, change, data["trust_change"], data["program_years"]),
            "map": _map(data, words),
        },
        "crime": {
            "change_sentences": [
                public_text.crime_change_sentence(words, row)
                for _, row in change[change["crime_class"].isin(public_text.CLASSES_SHOWN)].iterrows()
            ],
            "change_table": public_tables.crime_change_table(words, change),
            "charts": [
                chart(
                    f"crime-{crime_class}",
                    public_views.crime_rate_figure(series, crime_class, words),
                    public_text.crime_series_sentence(words, series, crime_class),
                    [public_tables.crime_series_table(words, series, crime_class, side) for side in public_views.SIDES],
                    words,
                )
                for crime_class in public_text.CLASSES_SHOWN
            ],
        },
        "trust": {
            "latest_table": public_tables.trust_latest_table(words, data["trust_change"]),
            "charts": [
                chart(
                    f"trust-{measure}",
                    public_views.trust_figure(data["trust_quarters"], words, measure),
                    public_text.trust_sentence(words, data["trust_change"], measure),
                    [public_tables.trust_table(words, data["trust_quarters"], measure)],
                    words,
                )
                for measure in ("trust", "safety")
            ],
        },
        "partnerships": {
            "type_chart": chart(
                "partnerships-type",
                public_views.partnerships_type_figure(data["partnerships_by_type"], words),
                public_text.partnerships_type_sentence(words, data["partnerships_by_type"]),
                [public_tables.partnerships_type_table(words, data["partnerships_by_type"])],
                words,
            ),
            "area_table": public_tables.partnerships_area_table(words, data["partnerships_by_area"]),
            "programs_chart": chart(
                "programs",
                public_views.programs_figure(data["program_years"], words),
                public_text.programs_sentence(words, data["program_years"]),
                [public_tables.programs_table(words, data["program_years"])],
                words,
            ),
            "funding_chart": chart(
                "funding",
                public_views.funding_figure(data["funding"], words),
                public_text.funding_sentence(words, data["funding"]),
                [public_tables.funding_table(words, data["funding"])],
                words,
            ),
            "counts_explained": public_text.counts_explained(words, data["partnerships"], data["program_years"]),
            "registry": public_tables.registry_table(words, data["partnerships"]),
        },
        "how-to-read": {"sections": how_to_read(words, data.manifest)},
        "about-data": {
            "entries": manifest_entries(words, data.manifest),
            "generated_by": "python -m data site",
        },
        "downloads": {}
        if downloads is None
        else {"tables": _download_list(words, downloads), "dictionary": dictionary(words, downloads)},
    }


@dataclass
class Chart:
    """A figure on a page: its id, title, sentence, plotly JSON ("" when it has nothing to draw) and its values."""

    chart_id: str
    title: str
    sentence: str
    spec: str
    tables: list[public_tables.Table]
    height: int


def chart(chart_id: str, figure, sentence: str, tables: list[public_tables.Table], words: i18n.Words) -> Chart:
    """The figure as JSON for charts.js; its title moves into the page's heading, where it cannot overlap."""
    title = figure.layout.title.text or ""
    kinds = {trace.type or "scatter" for trace in figure.data} - PLOTLY_BASIC_TRACES
    if kinds:
        raise SiteError(
            f"the chart {chart_id} draws {', '.join(sorted(kinds))}, which the site's plotly.js bundle "
            f"(bar, pie and scatter only) cannot draw; see reports/static/vendor/README.md"
        )
    tables = [table for table in tables if table.rows]
    if not public_views.has_points(figure):
        # nothing to draw: the heading and the sentence (which says why) stand alone, with no empty axes
        return Chart(chart_id, title, sentence, "", tables, 0)
    figure.update_layout(title=None, margin_t=36 if figure.layout.annotations else 16)
    plain = plain_arrays(figure.to_plotly_json())
    spec = {
        "data": plain["data"],
        "layout": plain["layout"],
        "config": {"displayModeBar": False, "responsive": True, "locale": words.language},
    }
    text = plotly.io.json.to_json_plotly(spec)
    # inside <script>: no '<' can close the element early
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Chart(chart_id, title, sentence, text, tables, int(figure.layout.height or 400))


def plain_arrays(value: object) -> object:
    """Arrays as plain lists: plotly.py would write them as base64, and the page's numbers should read as numbers."""
    if isinstance(value, dict) and {"dtype", "bdata"} <= set(value):
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if "shape" in value:
            array = array.reshape([int(size) for size in str(value["shape"]).split(",")])
        return array.tolist()
    if isinstance(value, dict):
        return {key: plain_arrays(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_arrays(item) for item in value]
    if isinstance(value, (np.ndarray, pd.Series, pd.Index)):
        return [plain_arrays(item) for item in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def plotly_locale(words: i18n.Words) -> dict[str, object]:
    """plotly.js's locale of `words`: month and day names and separators from Babel (no locale file to fetch)."""
    locale = Locale.parse(words.babel_locale)
    months = locale.months["stand-alone"]
    days = locale.days["stand-alone"]
    symbols = locale.number_symbols["latn"]
    return {
        "moduleType": "locale",
        "name": words.language,
        "dictionary": {},
        "format": {
            "months": [months["wide"][number] for number in range(1, 13)],
            "shortMonths": [months["abbreviated"][number] for number in range(1, 13)],
            # plotly counts days from Sunday, Babel from Monday (0)
            "days": [days["wide"][(number + 6) % 7] for number in range(7)],
            "shortDays": [days["abbreviated"][(number + 6) % 7] for number in range(7)],
            "periods": [locale.day_periods["format"]["abbreviated"][period] for period in ("am", "pm")],
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": ["$", ""],
            # d3 time formats, the same in both languages: the month and year, day month year
            "dateTime": "%x, %X",
            "date": "%Y-%m-%d",
            "time": "%H:%M:%S",
            "year": "%Y",
            "month": "%b %Y",
            "dayMonth": "%-d %b",
            "dayMonthYear": "%-d %b %Y",
        },
    }


def _map(data: SiteData, words: i18n.Words) -> dict[str, object]:
    area_crime = data["area_crime"]
    year = int(area_crime["year"].dropna().iloc[0]) if area_crime["year"].notna().any() else ""
    crime_class = words.choice("crime_class", MAP_CLASS)
    sentence = public_text.map_sentence(words, area_crime, MAP_CLASS)
    drawn = svgmap.area_map(
        data["area_outlines"],
        area_crime.set_index("area_code")["rate_per_1k"],
        words,
        title=words.t("map.heading", crime_class=crime_class, year=year),
        description=sentence,
    )
    has_urban = (data["area_outlines"]["urbanicity"] == "urban").any()
    return {
        "heading": words.t("map.heading", crime_class=crime_class, year=year),
        "legend_title": words.t("map.legend_title", crime_class=crime_class, year=year),
        "sentence": sentence,
        "drawn": drawn,
        "boundary": has_urban and (data["area_outlines"]["urbanicity"] == "rural").any(),
        "table": public_tables.area_table(words, area_crime, MAP_CLASS),
    }


# --- how to read, about the data, downloads -------------------------------------------------


def how_to_read(words: i18n.Words, manifest: dict[str, str]) -> list[tuple[str, str]]:
    """The explanations, with the thresholds the manifest records."""
    minimum = int(manifest.get("min_published_count", "10"))
    values = {
        "level": words.number(public_text.SIGNIFICANCE_LEVEL, 2),
        "min_count_minus_one": words.count(minimum - 1),
        "min_n": manifest.get("survey_min_n", ""),
        "min_n_eff": manifest.get("survey_min_n_eff", ""),
        "ci": manifest.get("ci_level", ""),
        "rse": manifest.get("rse_flag_pct", ""),
    }
    sections = []
    for name in ("rates", "classes", "change", "small", "grain", "survey", "urban", "counts"):
        key = f"howto.{name}"
        needed = {placeholder: values[placeholder] for placeholder in words.placeholders(key)}
        sections.append((words.t(f"{key}_title"), words.t(key, **needed)))
    return sections


@dataclass
class ManifestEntry:
    label: str
    value: str
    value_lang: str | None  # the language of the value where it differs from the page's


# manifest values that are sentences written by `publish` in English; the others are numbers, codes and names
ENGLISH_VALUES = frozenset({
    "suppression_method", "suppression_protects_against", "suppression_does_not_protect_against",
    "suppression_constraints", "sensitive_rule", "crime_area_year_years", "suppression_zeros",
    "protection_rule", "audit_method", "audit_result", "area_groups", "survey_mean_threat_model",
    "rolled_up_shown_as", "crime_latest_12m_period",
})  # fmt: skip


def manifest_entries(words: i18n.Words, manifest: dict[str, str]) -> list[ManifestEntry]:
    """Every manifest entry with its label in `words`; a key without a label fails (a missing translation)."""
    entries = []
    for key in sorted(manifest):
        value = manifest[key]
        if key in ("source_first_month", "source_last_month") and value:
            value = words.month(f"{value}-01")
        lang = "en" if key in ENGLISH_VALUES and words.html_lang != "en" else None
        entries.append(ManifestEntry(words.t(f"about.manifest.{key}"), value, lang))
    return entries


@dataclass
class Download:
    title: str
    description: str
    csv: str
    parquet: str


def _download_list(words: i18n.Words, downloads: dict[str, dict[str, object]]) -> list[Download]:
    items = [
        Download(
            words.t(f"tables.{table}.title"),
            words.t(f"tables.{table}.description"),
            f"../data/{table}.csv",
            f"../data/{table}.parquet",
        )
        for table in downloads
    ]
    items.append(
        Download(
            words.t("tables.dictionary.title"),
            words.t("tables.dictionary.description"),
            f"../data/dictionary-{words.language}.csv",
            f"../data/dictionary-{words.language}.parquet",
        )
    )
    return items


def column_entry(words: i18n.Words, column: str) -> tuple[str, str]:
    """(unit, meaning) of a published column; a column without an entry fails (a missing translation)."""
    unit, _, meaning = words.t(f"columns.{column}").partition(" | ")
    return words.t(f"units.{unit.strip()}"), meaning.strip()


def dictionary(
    words: i18n.Words, downloads: dict[str, dict[str, object]]
) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Per table: (column, unit, meaning) of each of its columns."""
    return [
        (
            words.t(f"tables.{table}.title"),
            [(column, *column_entry(words, column)) for column in info["columns"]],
        )
        for table, info in downloads.items()
    ]


def _write_dictionary(words: i18n.Words, downloads: dict[str, dict[str, object]], directory: Path) -> None:
    rows = [
        {"table": table, "column": column, **dict(zip(("unit", "meaning"), column_entry(words, column), strict=True))}
        for table, info in downloads.items()
        for column in info["columns"]
    ]
    frame = pd.DataFrame(rows, columns=["table", "column", "unit", "meaning"])
    con = duckdb.connect()
    try:
        con.execute("set threads = 1")
        con.register("dictionary", frame)
        stem = directory / f"dictionary-{words.language}"
        con.execute(f"copy dictionary to {_quoted(stem.with_suffix('.csv'))} (format csv, header true)")
        con.execute(f"copy dictionary to {_quoted(stem.with_suffix('.parquet'))} (format parquet, compression zstd)")
    finally:
        con.close()
