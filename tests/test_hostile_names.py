"""Hostile text in the data draws nothing in a real Chromium: every page, every role.

Every free-text column of the fixture database (names, descriptions, topics, sources,
funders, comments, area codes: every VARCHAR column whose constraints accept any text) is
overwritten with one string that carries an image link to another host, a javascript:
link, an <img onerror>, **bold**, $x^2$ (KaTeX) and a <script>. Then every page each role
may open is drawn by `streamlit run` on 127.0.0.1 and checked: no request went to the text's host,
no image, link, script, bold or KaTeX element was made from the text, and no handler ran.

The text is written into the database file rather than through the importers, so that no
column an importer does not happen to fill is missed; the importers' own refusals are
tested in test_import_bad_inputs.py.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest

import fixture_db
from components import navigation
from data import db
from deploy_support import chromium
from test_browser import streamlit_server

pytestmark = pytest.mark.browser

HOST = "hostile.example"
PAYLOAD = (
    f"X ![px](http://{HOST}/px.png) [clickme](javascript:window.__pwned=3) "
    "<img src=x onerror=window.__pwned=1> **BOLDMARK** $x^2$ <script>window.__pwned=2</script>"
)
# schema_meta holds the data-model version and settings the app reads, not names
NOT_FREE_TEXT = {("schema_meta", "key"), ("schema_meta", "value")}
# what a rendered payload would make: each selector must match nothing on any page
RENDERED = {
    "image from the text": f'img[src*="{HOST}"], img[src="x"], img[onerror]',
    "javascript: link": 'a[href^="javascript"]',
    "script from the text": "script:not([src])",
    "KaTeX": ".katex",
}


def poison(source: Path, target: Path) -> list[str]:
    """Copy `source` to `target` with PAYLOAD (numbered per row) in every free-text column.

    Free text: VARCHAR columns of base tables that no CHECK, key or foreign key limits to
    codes (the shipped offence labels included). Copied table by table in the schema's order,
    so keys and references stay valid.
    """
    written = []
    with db.building(target) as con:
        db.create_schema(con)
        con.execute(f"attach '{source}' as old (read_only)")
        coded = {
            (table, column)
            for table, columns in con.execute(
                "select table_name, constraint_column_names from duckdb_constraints()"
                " where database_name = current_database()"
                " and constraint_type in ('CHECK', 'PRIMARY KEY', 'FOREIGN KEY')"
            ).fetchall()
            for column in columns
        } | NOT_FREE_TEXT
        tables = [
            table
            for (table,) in con.execute(
                "select table_name from duckdb_tables() where database_name = current_database() order by table_oid"
            ).fetchall()
        ]
        # create_schema fills the code tables (offense_categories, nibrs_offenses): empty every table,
        # referencing ones first, before copying them back in the schema's order
        for table in reversed(tables):
            con.execute(f'delete from "{table}"')
        for table in tables:
            columns = con.execute(
                "select column_name, data_type from duckdb_columns() where database_name = current_database()"
                " and table_name = ? order by column_index",
                [table],
            ).fetchall()
            select = []
            for column, data_type in columns:
                if data_type == "VARCHAR" and (table, column) not in coded:
                    select.append(
                        f"case when \"{column}\" is null then null else $payload || ' #' || row_number() over () end"
                    )
                    written.append(f"{table}.{column}")
                else:
                    select.append(f'"{column}"')
            con.execute(
                f'insert into "{table}" select {", ".join(select)} from old."{table}"',
                {"payload": PAYLOAD} if any("$payload" in part for part in select) else None,
            )
        con.execute("detach old")
        db.rebuild_rollups(con)
    return written


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "hostile.duckdb"
    written = poison(fixture_db.build(folder / "fixture.duckdb"), path)
    with streamlit_server(path, folder / "public.duckdb", folder / "streamlit.log") as url:
        yield url, written


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with chromium(tmp_path_factory.mktemp("chromium-profile"), height=1100) as context:
        yield context


def wait_until_idle(page) -> None:
    page.wait_for_timeout(400)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    page.wait_for_timeout(400)


def check_page(page, where: str, problems: list[str]) -> None:
    wait_until_idle(page)
    for what, selector in RENDERED.items():
        for element in page.query_selector_all(selector):
            html = element.evaluate("e => e.outerHTML")[:160]
            if what == "script from the text" and "__pwned" not in html:
                continue  # Streamlit's own inline scripts
            # KaTeX the code writes is not the data's (the Methodology page's $parameters, a finding)
            if what == "KaTeX" and "x^2" not in element.evaluate("e => e.outerHTML"):
                continue
            problems.append(f"{where}: {what}: {html}")
    for bold in page.query_selector_all("strong, b"):
        if "BOLDMARK" in bold.inner_text():
            problems.append(f"{where}: bold text from the data")
    if page.evaluate("() => window.__pwned"):
        problems.append(f"{where}: a handler from the text ran")


# the demo's "View as" labels (components.runtime.known_viewers, PUBLIC) and the role each is
ROLES = {
    "Chief of police": "chief",
    "Crime analyst": "analyst",
    "Director, ": "director",
    "Member of the public": "public",
}


def test_hostile_text_draws_nothing_on_any_page_for_any_role(hostile_server, browser):
    url, written = hostile_server
    # the fields that carry what people type or import: all of them were written
    assert {"nonprofits.name", "partnerships.name", "programs.name", "areas.name", "survey_scores.source"} <= set(
        written
    )
    assert len(written) >= 25, written
    foreign, problems, pages_seen = [], [], 0
    page = browser.new_page()
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url)
            if urlparse(request.url).hostname not in ("127.0.0.1",) and not request.url.startswith(("data:", "blob:"))
            else None
        ),
    )
    for role in ROLES:
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_selector("h1", timeout=90_000)
        wait_until_idle(page)
        page.get_by_role("combobox", name="View as").click()
        options = page.get_by_role("option")
        labels = options.all_inner_texts()
        chosen = next(index for index, label in enumerate(labels) if label.startswith(role))
        options.nth(chosen).click()
        wait_until_idle(page)
        for spec in navigation.pages_for(ROLES[role]):
            link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=spec.title)
            if link.count():
                link.first.click()
            page.wait_for_selector("h1", timeout=90_000)
            check_page(page, f"{role} / {spec.title}", problems)
            pages_seen += 1
            body = page.inner_text("body")
            assert "Traceback" not in body and "could not be drawn" not in body, f"{role} / {spec.title}"
    print(f"\nhostile text in {len(written)} columns; {pages_seen} page views checked")
    assert pages_seen >= 20
    assert not problems, problems[:10]
    # nothing the data says is fetched; the app's own favicon (page_icon=":material/…") is fetched
    # from fonts.gstatic.com by Streamlit, which is not from the data and is reported separately
    from_data = [address for address in foreign if HOST in address or "px.png" in address]
    assert not from_data, from_data[:10]
    print(f"requests to other hosts not made by the data: {sorted({urlparse(a).hostname for a in foreign})}")
