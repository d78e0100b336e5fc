"""Who sees what: sign-in through st.login, roles from app_users, the public side, public mode."""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from apptest import APP, YEAR_2024
from components import navigation
from pagetree import page_text

# An OIDC provider as st.login expects it; AppTest never contacts it.
AUTH_SECRETS = {
    "auth": {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "bridgeboard",
        "client_secret": "not-a-secret",
        "server_metadata_url": "https://login.example/.well-known/openid-configuration",
    }
}


@pytest.fixture
def public_db(fixture_path, tmp_path, monkeypatch):
    """The fixture's published file, where the app looks for it."""
    from data import publish

    path = tmp_path / "public.duckdb"
    publish.publish(fixture_path, path)
    monkeypatch.setenv("BRIDGEBOARD_PUBLIC_DB", str(path))
    return path


def signed_in(fixture_path, monkeypatch, email: str | None, page: str | None = None) -> AppTest:
    monkeypatch.setenv("BRIDGEBOARD_DB", str(fixture_path))
    app = AppTest.from_file(APP, default_timeout=120)
    app.secrets = AUTH_SECRETS
    app.user = {"is_logged_in": False} if email is None else {"is_logged_in": True, "email": email}
    app.run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


URBAN_PROGRAMS = "Programs running in 2024 — Urban areas"  # a headline of the Public report


def test_signed_out_visitor_gets_the_public_report(fixture_path, public_db, monkeypatch):
    app = signed_in(fixture_path, monkeypatch, None)
    assert [button.label for button in app.button] == ["Sign in"]
    assert app.title[0].value == "Community safety partnerships: public report"
    assert "Demo mode" not in page_text(app)
    assert "View as" not in page_text(app)
    # nothing but published figures: the fixture's urban programs in 2024 (G1, G3)
    assert {metric.label: metric.value for metric in app.metric}[URBAN_PROGRAMS] == "2"


@pytest.mark.parametrize("email", ["chief@testville.example", "  Chief@Testville.EXAMPLE "])
def test_chief_signs_in(fixture_path, public_db, monkeypatch, email):
    app = signed_in(fixture_path, monkeypatch, email)
    app.date_input(key="filter_period").set_value(YEAR_2024).run()
    assert app.title[0].value == "Overview"
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown["Programs running"] == "3"  # the whole agency
    assert [button.label for button in app.button if button.key != "packet_make_council"] == ["Sign out"]
    assert "Signed in as chief@testville.example" in [caption.value.replace("\\", "") for caption in app.caption]


def test_unknown_email_sees_the_public_page_and_why(fixture_path, public_db, monkeypatch):
    app = signed_in(fixture_path, monkeypatch, "mallory@evil.example")
    assert app.title[0].value == "Community safety partnerships: public report"
    assert any("has no Bridgeboard role yet" in info.value for info in app.info)
    # an agency page is not even registered for this session, so no path can open it
    only_public = r"Known pages: \['[^']*pages/transparency.py'(, '[^']*pages/transparency.py')?\]"  # + its alias
    with pytest.raises(ValueError, match=only_public):
        app.switch_page("pages/overview.py")


FIXTURE_PROGRAMS = {1: ["Mentoring", "Summer league", "Old program"], 2: ["Outreach"]}


@pytest.mark.parametrize(("email", "nonprofit_id"), [("director@youth.example", 1), ("director@housing.example", 2)])
def test_director_sees_no_other_organisations_programs_on_any_page(
    fixture_path, public_db, monkeypatch, email, nonprofit_id
):
    others = [name for owner, names in FIXTURE_PROGRAMS.items() if owner != nonprofit_id for name in names]
    for page in navigation.pages_for("director"):
        app = signed_in(fixture_path, monkeypatch, email, page.path)
        app.date_input(key="filter_period").set_value(YEAR_2024).run()
        assert not app.exception, page.path
        text = page_text(app)
        leaked = [name for name in others if f'"{name}"' in text or f"{name}," in text or f"\n{name}\n" in text]
        assert not leaked, (email, page.path, leaked)


def test_director_scope_ignores_the_url(fixture_path, public_db, monkeypatch):
    monkeypatch.setenv("BRIDGEBOARD_DB", str(fixture_path))
    app = AppTest.from_file(APP, default_timeout=120)
    app.secrets = AUTH_SECRETS
    app.user = {"is_logged_in": True, "email": "director@housing.example"}
    # a crafted link cannot widen the scope: there is no such parameter, and roles come from the identity
    for key, value in {"nonprofit_id": "1", "scope_nonprofit_id": "1", "role": "chief", "view_as": "chief"}.items():
        app.query_params[key] = value
    app.run()
    app.switch_page("pages/programs.py").run()
    app.date_input(key="filter_period").set_value(YEAR_2024).run()
    assert list(app.dataframe[0].value["program_name"]) == ["Outreach"]


def test_public_mode_serves_the_report_alone(public_db, tmp_path, monkeypatch):
    never_opened = tmp_path / "agency.duckdb"
    monkeypatch.setenv("BRIDGEBOARD_MODE", "public")
    monkeypatch.setenv("BRIDGEBOARD_DB", str(never_opened))
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception and not app.error
    assert app.title[0].value == "Community safety partnerships: public report"
    assert "View as" not in page_text(app) and "Demo mode" not in page_text(app)
    for page in navigation.PAGES:
        if page.path != "pages/transparency.py":
            with pytest.raises(ValueError, match="Known pages"):
                app.switch_page(page.path)
    assert not never_opened.exists()  # the agency database is never built or opened in public mode


def test_public_page_reads_only_the_published_file(fixture_path, public_db, monkeypatch):
    monkeypatch.setenv("BRIDGEBOARD_DB", str(fixture_path))
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.selectbox(key="view_as").set_value("Member of the public (transparency page)").run()
    assert app.title[0].value == "Community safety partnerships: public report"
    published = duckdb.connect(str(public_db), read_only=True)
    expected = published.execute(
        "select programs_active from program_counts where year = 2024 and urbanicity = 'urban'"
    ).fetchall()[0][0]
    published.close()
    assert {metric.label: metric.value for metric in app.metric}[URBAN_PROGRAMS] == str(expected)
    # the public viewer cannot run an agency query even if a page tried
    from components import runtime

    with pytest.raises(Exception, match="reads only published figures"):
        runtime.PUBLIC.scope  # noqa: B018
