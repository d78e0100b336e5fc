"""Open the app in AppTest as a given viewer, on a given page and period."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
CHIEF = "Chief of police (whole agency)"
ANALYST = "Crime analyst (whole agency, imports data)"
YEAR_2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def open_page(
    db_path, monkeypatch, page: str | None = None, view_as: str | None = None, period=None, query_params=None
) -> AppTest:
    """Run app.py, switch viewer, period and page; assert nothing failed on the way."""
    monkeypatch.setenv("BRIDGEBOARD_DB", str(db_path))
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query_params or {}).items():
        app.query_params[key] = value
    app.run()
    if view_as:
        app.selectbox(key="view_as").set_value(view_as).run()
    if period:
        app.date_input(key="filter_period").set_value(period).run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def assert_clean(app: AppTest) -> None:
    """No exception and no error message anywhere on the page."""
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def errors(app: AppTest) -> list[str]:
    return [element.value for element in app.error]


def metrics(app: AppTest) -> dict[str, tuple[str, str]]:
    return {metric.label: (metric.value, metric.delta) for metric in app.metric}


def directors(con) -> list[tuple[int, str]]:
    """(nonprofit_id, view-as label) of every director in the database."""
    rows = con.execute(
        "select n.nonprofit_id, n.name from app_users u join nonprofits n using (nonprofit_id)"
        " where u.role = 'director' order by n.name"
    ).fetchall()
    return [(nonprofit_id, f"Director, {name}") for nonprofit_id, name in rows]


def roles(con) -> list[tuple[str, int | None]]:
    """(view-as label, nonprofit_id or None) of every signed-in demo viewer: agency-wide first."""
    return [(CHIEF, None), (ANALYST, None)] + [(label, nonprofit_id) for nonprofit_id, label in directors(con)]


def other_programs(con, nonprofit_id: int) -> list[str]:
    """Names of programs and program sites belonging to other organisations."""
    rows = con.execute(
        """
        select programs.name from programs join partnerships using (partnership_id) where nonprofit_id <> ?
        union
        select program_sites.name from program_sites join programs using (program_id)
        join partnerships using (partnership_id) where nonprofit_id <> ?
        """,
        [nonprofit_id, nonprofit_id],
    ).fetchall()
    return [name for (name,) in rows]
