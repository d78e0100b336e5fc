"""Real sign-in end to end: a real OpenID Connect provider on loopback, st.login, Chromium through the login.

The provider is panva's oidc-provider (npm, OpenID Certified, independent of Authlib, which
Streamlit's side uses, so the two cannot share a bug and pass), run with the machine's
Node.js from tests/oidc/ installed into a temp dir with `npm ci`. Its development login
form accepts any login name as the account's email. [auth] is given to each replica as a
secrets file under tmp_path (`streamlit run --secrets.files`), never written into the repo.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

import independent
from deploy import launch
from deploy_support import (
    ERROR_TEXT,
    chromium,
    require,
    require_nginx,
    route_to_each_replica,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

PROVIDER_FILES = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "bridgeboard"
NO_ROLE = "which has no Bridgeboard role yet, so you see the public page"


@pytest.fixture(scope="session")
def provider_install(tmp_path_factory) -> Path:
    """tests/oidc/ with its node_modules, installed from the npm registry by its lock file."""
    node, npm = shutil.which("node"), shutil.which("npm")
    require(None if node and npm else "Node.js and npm are not installed (apt-get install -y nodejs npm)")
    folder = tmp_path_factory.mktemp("oidc-provider")
    for name in ("package.json", "package-lock.json", "provider.mjs"):
        shutil.copy(PROVIDER_FILES / name, folder / name)
    command = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"]
    installed = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)
    require(None if installed.returncode == 0 else f"npm ci of oidc-provider failed: {installed.stderr.strip()[-500:]}")
    return folder


@dataclass
class Provider:
    url: str
    client_secret: str
    process: subprocess.Popen
    log_path: Path


def start_provider(install: Path, redirect_uris: list[str], folder: Path) -> Provider:
    port = launch.free_port()
    client_secret = secrets.token_hex(24)
    log_path = folder / "oidc-provider.log"
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": client_secret,
        "OIDC_REDIRECT_URIS": ",".join(redirect_uris),
    }
    with open(log_path, "w") as log:
        process = subprocess.Popen(["node", "provider.mjs"], cwd=install, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2) as response:
                assert json.load(response)["issuer"] == url
                return Provider(url, client_secret, process, log_path)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"oidc-provider did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.3)


def write_secrets(path: Path, app_url: str, provider: Provider) -> Path:
    """The [auth] section, as README, "Sign-in", describes it, pointing at the loopback provider."""
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "{app_url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{provider.client_secret}"\n'
        f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n'
        # this provider offers the prompts login and consent, not Streamlit's default select_account
        'client_kwargs = { prompt = "login" }\n'
    )
    return path


@pytest.fixture(scope="module")
def public_db(demo_path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("public") / "public.duckdb"
    launch.publish_if_stale(demo_path, path)
    return path


@pytest.fixture(scope="module")
def director(demo_con) -> tuple[str, int, str]:
    """(email, nonprofit_id, nonprofit name) of the first director in app_users."""
    return demo_con.execute(
        "select u.email, n.nonprofit_id, n.name from app_users u join nonprofits n using (nonprofit_id)"
        " where u.role = 'director' order by n.name limit 1"
    ).fetchone()


def _loopback_only(context) -> None:
    """The provider's pages link a web font; nothing may leave this machine."""
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1:") else route.abort(),
    )


def _sign_in(page, login: str) -> None:
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign in").click()
    page.wait_for_selector('input[name="login"]', timeout=60_000)  # the provider's own login form
    assert page.url.startswith("http://127.0.0.1:") and "/interaction/" in page.url
    page.fill('input[name="login"]', login)
    page.fill('input[name="password"]', "any password: the development form checks none")
    page.get_by_role("button", name="Sign-in").click()


def _open_signed_out(page, url: str) -> str:
    page.goto(url, wait_until="domcontentloaded")
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign in").wait_for(timeout=90_000)
    # the public report's title: the sidebar is drawn before the page's script has started
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=90_000)
    wait_until_idle(page)
    return page.inner_text("body")


def _headline_numbers(page) -> dict[str, str]:
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    return dict(zip([label.strip() for label in labels], [value.strip() for value in values], strict=True))


def _assert_director_dashboard(page, demo_con, director) -> None:
    email, nonprofit_id, _ = director
    page.get_by_text("Your programs running").wait_for(timeout=90_000)
    wait_until_idle(page)
    body = page.inner_text("body")
    assert f"Signed in as {email}" in body
    assert not ERROR_TEXT.search(body), ERROR_TEXT.search(body)
    start, end = independent.default_period(demo_con)
    own = independent.expected(demo_con, start, end, nonprofit_id)
    everyone = independent.expected(demo_con, start, end, None)
    shown = _headline_numbers(page)
    assert shown["Your programs running"] == f"{own.programs_active:,}"
    assert shown["Your participants served"] == f"{own.participants_served:,}"
    assert own.programs_active < everyone.programs_active  # their own programs, not the agency's
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Import data" not in nav and "Programs scorecard" in nav


def _sign_out(page) -> str:
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    # the provider asks before it ends its own session, then sends the browser back to the app
    page.get_by_role("button", name="Yes, sign me out").click(timeout=60_000)
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign in").wait_for(timeout=90_000)
    # the public report's title: the sidebar is drawn before the page's script has started
    page.locator('[data-testid="stMain"] h1').first.wait_for(timeout=90_000)
    wait_until_idle(page)
    return page.inner_text("body")


def _flow(page, app_url: str, demo_con, director) -> None:
    """Public until signed in; a director sees their own programs; sign-out returns to the public page."""
    body = _open_signed_out(page, app_url)
    assert "public report" in body.lower() and "Your programs running" not in body
    _sign_in(page, director[0].upper())  # the email's case does not matter
    _assert_director_dashboard(page, demo_con, director)
    body = _sign_out(page)
    assert "Your programs running" not in body and "Signed in as" not in body
    # signed out at the provider too: signing in again asks for the login again
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign in").click()
    page.wait_for_selector('input[name="login"]', timeout=60_000)


@pytest.fixture
def one_replica(provider_install, demo_path, public_db, tmp_path):
    port = launch.free_port()
    app_url = f"http://127.0.0.1:{port}"
    provider = start_provider(provider_install, [f"{app_url}/oauth2callback"], tmp_path)
    secrets_file = write_secrets(tmp_path / "secrets.toml", app_url, provider)
    cluster = launch.Cluster(
        db=demo_path, run_dir=tmp_path / "run", replicas=1, with_nginx=False, port=port,
        public_db=public_db, secrets_file=secrets_file,
    )  # fmt: skip
    try:
        with cluster:
            assert cluster.url == app_url
            yield cluster
            logs = cluster.logs()
    finally:
        provider.process.terminate()
    assert "Traceback" not in logs, logs
    assert "server_error" not in provider.log_path.read_text()


def test_a_director_signs_in_sees_their_own_programs_and_signs_out(one_replica, demo_con, director, tmp_path):
    with chromium(tmp_path / "profile") as context:
        _loopback_only(context)
        _flow(context.new_page(), one_replica.url, demo_con, director)


def test_an_unknown_email_gets_the_public_report_and_the_reason(one_replica, tmp_path):
    with chromium(tmp_path / "profile") as context:
        _loopback_only(context)
        page = context.new_page()
        _open_signed_out(page, one_replica.url)
        _sign_in(page, "stranger@example.org")
        page.get_by_text(NO_ROLE).wait_for(timeout=90_000)
        wait_until_idle(page)
        body = page.inner_text("body")
        assert "You are signed in as stranger@example.org" in body
        assert "public report" in body.lower()
        assert "Your programs running" not in body
        assert "Overview" not in page.locator('[data-testid="stSidebar"]').inner_text()
        assert not ERROR_TEXT.search(body), ERROR_TEXT.search(body)


def test_an_unverified_email_is_not_given_its_role(one_replica, director, tmp_path):
    with chromium(tmp_path / "profile") as context:
        _loopback_only(context)
        page = context.new_page()
        _open_signed_out(page, one_replica.url)
        _sign_in(page, f"unverified:{director[0]}")
        # back in the app after the callback, with the sign-in decided (whatever the refusal will say)
        page.wait_for_url(lambda url: url.startswith(one_replica.url) and "oauth2callback" not in url, timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_role("button", name=re.compile(r"^Sign (in|out)$")).wait_for(timeout=90_000)
        page.wait_for_selector("h1", timeout=90_000)
        wait_until_idle(page)
        page.wait_for_timeout(1000)
        body = page.inner_text("body")
        assert not ERROR_TEXT.search(body), ERROR_TEXT.search(body)
        assert "Your programs running" not in body
        assert "public report" in body.lower()


def test_the_same_sign_in_through_two_replicas_behind_nginx(
    provider_install, demo_path, public_db, demo_con, director, tmp_path
):
    require_nginx()
    port = launch.free_port()
    app_url = f"http://127.0.0.1:{port}"
    provider = start_provider(provider_install, [f"{app_url}/oauth2callback"], tmp_path)
    secrets_file = write_secrets(tmp_path / "secrets.toml", app_url, provider)
    try:
        with launch.Cluster(
            db=demo_path, run_dir=tmp_path / "run", replicas=2, port=port, public_db=public_db,
            secrets_file=secrets_file,
        ) as cluster:  # fmt: skip
            assert cluster.url == app_url
            routes = route_to_each_replica(cluster)
            first, second = cluster.started
            with chromium(tmp_path / "profile") as context:
                _loopback_only(context)
                context.add_cookies([{"name": launch.ROUTE_COOKIE, "value": routes[first.address], "url": app_url}])
                page = context.new_page()
                _open_signed_out(page, app_url)
                _sign_in(page, director[0])
                _assert_director_dashboard(page, demo_con, director)
                # the identity is a cookie signed with the shared cookie_secret: the other replica honours it
                context.add_cookies([{"name": launch.ROUTE_COOKIE, "value": routes[second.address], "url": app_url}])
                response = page.goto(app_url, wait_until="domcontentloaded")
                assert response.headers[launch.REPLICA_HEADER.lower()] == second.address
                _assert_director_dashboard(page, demo_con, director)
                body = _sign_out(page)
                assert "Your programs running" not in body
            logs = cluster.logs()
    finally:
        provider.process.terminate()
    assert "Traceback" not in logs, logs
