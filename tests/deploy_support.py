"""What the replica and sign-in tests share: tools that must be present, Chromium, routes to each replica.

A test that needs nginx, Chromium or Node skips with the reason when the tool is missing on a
developer's machine, and fails in CI (CI=true), where .ci/run installs all of them.
"""

from __future__ import annotations

import os
import re
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploy import launch
from reports import pdf

# the product's own Chromium and flags (no background traffic: this machine has no internet)
CHROMIUM = str(pdf.CHROMIUM)
CHROMIUM_FLAGS = pdf.FLAGS
ERROR_TEXT = re.compile(r"Traceback|Exception|Error:|StreamlitAPI|KeyError|ValueError|TypeError|internal error")


def require(problem: str | None) -> None:
    """Skip with `problem` on a developer's machine; fail in CI, where .ci/run must have installed it."""
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide this ({problem}); .ci/run installs it")
    pytest.skip(problem)


def require_nginx() -> None:
    require(launch.nginx_available())


def require_chromium() -> None:
    require(None if Path(CHROMIUM).exists() else "Debian's chromium is not installed (apt-get install -y chromium)")


@contextmanager
def chromium(profile_dir: Path, height: int = 1000):
    """A fresh headless Chromium (Debian's, through Playwright), 1400 px wide; yields the browser context."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": height},
        )
        try:
            yield context
        finally:
            context.close()


@contextmanager
def chromium_browser():
    """A headless Chromium (Debian's, through Playwright) for tests that open contexts of their own."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_until_idle(page, timeout_ms: int = 90_000) -> None:
    """Streamlit shows a status widget while the script runs (and while it reconnects); wait for it to go."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def replica_of(base_url: str, route: str) -> str:
    """The replica nginx sends the route cookie `route` to (its address, from X-Bridgeboard-Replica)."""
    request = urllib.request.Request(f"{base_url}/_stcore/health", headers={"Cookie": f"{launch.ROUTE_COOKIE}={route}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers[launch.REPLICA_HEADER].split(",")[-1].strip()


def route_to_each_replica(cluster: launch.Cluster) -> dict[str, str]:
    """{replica address: a route cookie value nginx sends there}, found by trying random routes."""
    wanted = {replica.address for replica in cluster.started}
    found: dict[str, str] = {}
    for _ in range(200):
        route = uuid.uuid4().hex
        found.setdefault(replica_of(cluster.url, route), route)
        if set(found) >= wanted:
            return {address: found[address] for address in wanted}
    raise AssertionError(f"200 random routes reached only {sorted(found)} of {sorted(wanted)}")


def metrics(url: str) -> dict[str, float]:
    """A replica's own /_stcore/metrics (active sessions, connects), asked directly, not through nginx."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=10) as response:
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values
