"""Replicas behind nginx (deploy/): affinity, a browser session, an import swap, a replica killed mid-session.

Everything runs on 127.0.0.1: two `streamlit run` replicas and Debian's nginx started by
deploy.launch from a run directory under tmp_path, never the system's nginx config.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

import independent
from bench import load
from deploy import launch
from deploy_support import (
    ERROR_TEXT,
    chromium,
    metrics,
    replica_of,
    require_nginx,
    route_to_each_replica,
    wait_until_idle,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def agency_db(demo_path, tmp_path) -> Path:
    """A copy of the demo database for one test (imports replace it)."""
    path = tmp_path / "agency.duckdb"
    shutil.copy(demo_path, path)
    return path


@pytest.fixture
def cluster(agency_db, tmp_path):
    require_nginx()
    with launch.Cluster(db=agency_db, run_dir=tmp_path / "run", replicas=2) as started:
        yield started
        logs = started.logs()
    assert "Traceback" not in logs, logs


# --- the generated files ------------------------------------------------------------------


def test_site_config_hashes_on_a_route_cookie_and_names_every_replica():
    site = launch.nginx_site("127.0.0.1:8080", ["127.0.0.1:8501", "127.0.0.1:8502", "127.0.0.1:8503"])
    assert "hash $bridgeboard_route consistent;" in site
    assert "ip_hash" not in site  # every browser behind one address would land on one replica
    assert re.findall(r"server (127\.0\.0\.1:\d+) max_fails", site) == [
        "127.0.0.1:8501",
        "127.0.0.1:8502",
        "127.0.0.1:8503",
    ]
    assert "proxy_set_header Upgrade $http_upgrade;" in site
    assert "proxy_set_header Host $http_host;" in site  # Streamlit checks the websocket's origin against it
    assert f"client_max_body_size {launch.UPLOAD_LIMIT_MB}m;" in site
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert f"maxUploadSize = {launch.UPLOAD_LIMIT_MB}" in config


def test_nginx_accepts_the_generated_config(tmp_path):
    require_nginx()
    (tmp_path / "nginx-temp").mkdir()
    config = tmp_path / "nginx.conf"
    config.write_text(launch.nginx_config(tmp_path, launch.nginx_site("127.0.0.1:1", ["127.0.0.1:2"])))
    checked = subprocess.run(
        [launch.NGINX, "-t", "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    assert "/etc/nginx" not in config.read_text()


def test_systemd_unit_runs_what_the_launcher_runs():
    unit = (ROOT / "deploy" / "bridgeboard@.service").read_text()
    (exec_start,) = [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("ExecStart=")]
    unit_args = shlex.split(exec_start)
    launcher_args = launch.replica_command(0, secrets_file=Path("/etc/bridgeboard/secrets.toml"))
    assert unit_args[1:3] == launcher_args[1:3] == ["-m", "streamlit"]
    # the same flags and values, the port being the instance name (%i)
    expected = [arg.replace(str(launch.APP), "/opt/bridgeboard/app.py") for arg in launcher_args[3:]]
    expected[expected.index("--server.port") + 1] = "%i"
    assert unit_args[3:] == expected
    assert "Restart=on-failure" in unit
    assert "STREAMLIT_SERVER_COOKIE_SECRET" in unit  # every replica must share it


def test_site_config_command_prints_the_site(capsys):
    from deploy import __main__ as deploy_main

    assert deploy_main.main(["site-config", "--replica-ports", "8501,8502", "--listen", "127.0.0.1:9000"]) == 0
    printed = capsys.readouterr().out
    assert "listen 127.0.0.1:9000;" in printed and "server 127.0.0.1:8502" in printed
    with pytest.raises(SystemExit):
        deploy_main.main(["site-config", "--replica-ports", "eighty"])


def test_launcher_refuses_a_missing_database_in_one_sentence(tmp_path, capsys):
    from deploy import __main__ as deploy_main

    code = deploy_main.main(["run", "--db", str(tmp_path / "nope.duckdb"), "--run-dir", str(tmp_path / "run")])
    assert code == 1
    error = capsys.readouterr().err
    assert "there is no database at" in error and "Traceback" not in error


def test_launcher_serves_until_told_to_stop_then_stops_everything(agency_db, tmp_path):
    require_nginx()
    port = launch.free_port()
    command = [sys.executable, "-m", "deploy", "run", "--db", str(agency_db), "--replicas", "2", "--port", str(port)]
    command += ["--run-dir", str(tmp_path / "run")]
    launcher = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        started = json.loads("".join(iter(launcher.stdout.readline, "}\n")) + "}")
        assert started["url"] == f"http://127.0.0.1:{port}" and len(started["replicas"]) == 2
        with urllib.request.urlopen(f"{started['url']}/_stcore/health", timeout=10) as response:
            assert response.read() == b"ok"
        pids = [replica["pid"] for replica in started["replicas"]] + [started["nginx_pid"]]
    finally:
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=60) == 0, launcher.stderr.read()
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{started['url']}/_stcore/health", timeout=2)


# --- two replicas behind nginx ------------------------------------------------------------


def test_routes_spread_over_replicas_and_stick(cluster):
    routes = [f"route-{number}" for number in range(40)]
    first = {route: replica_of(cluster.url, route) for route in routes}
    counts = {replica.address: list(first.values()).count(replica.address) for replica in cluster.started}
    # 40 routes on 2 replicas by a consistent hash: each gets some (all on one would be a 1 in 5e11 chance)
    assert all(count >= 5 for count in counts.values()), counts
    for route in routes[:10]:
        assert replica_of(cluster.url, route) == first[route]
    # a browser without the cookie is given one, and keeps its replica with it
    with urllib.request.urlopen(f"{cluster.url}/_stcore/health", timeout=10) as response:
        cookies = response.headers.get_all("Set-Cookie")
        served_by = response.headers[launch.REPLICA_HEADER]
    (match,) = [m for c in cookies if (m := re.match(rf"{launch.ROUTE_COOKIE}=([0-9a-f]{{32}}); Path=/; HttpOnly;", c))]
    assert match.string.endswith("SameSite=Lax"), cookies
    assert replica_of(cluster.url, match.group(1)) == served_by
    # Streamlit's unauthenticated metrics stay behind nginx, though each replica serves them on loopback
    replica_metrics = f"http://{cluster.started[0].address}/_stcore/metrics"
    with urllib.request.urlopen(replica_metrics, timeout=10) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{cluster.url}/_stcore/metrics", timeout=10)
    assert refused.value.code == 404


@pytest.mark.browser
def test_a_browser_session_through_nginx_shows_the_right_numbers(cluster, demo_con, tmp_path):
    with chromium(tmp_path / "profile") as context:
        page = context.new_page()
        response = page.goto(cluster.url, wait_until="domcontentloaded")
        assert response.headers[launch.REPLICA_HEADER.lower()] in {r.address for r in cluster.started}
        page.wait_for_selector('[data-testid="stMetricValue"]', timeout=90_000)
        wait_until_idle(page)
        shown = _headline_numbers(page)
        start, end = independent.default_period(demo_con)
        truth = independent.expected(demo_con, start, end, None)
        assert shown["Programs running"] == f"{truth.programs_active:,}"
        assert shown["Violent crime (FBI) per 1k"] == f"{truth.violent_per_1k:,.2f}"
        # another page, then a click: reruns over the websocket, through nginx, on the same replica
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Crime trends").click()
        page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=60_000)
        wait_until_idle(page)
        page.locator('[data-testid="stSidebar"]').get_by_text("Rural", exact=True).click()
        page.wait_for_function("() => location.search.includes('areas=rural')", timeout=30_000)
        wait_until_idle(page)
        chart = page.locator('[data-testid="stPlotlyChart"]').first.inner_text()
        assert "Rural: 12-month mean" in chart and "Urban: 12-month mean" not in chart
        assert not ERROR_TEXT.search(page.inner_text("body"))


def _headline_numbers(page) -> dict[str, str]:
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    return dict(zip([label.strip() for label in labels], [value.strip() for value in values], strict=True))


@pytest.mark.browser
def test_a_killed_replicas_browsers_reconnect_to_a_live_one_and_redraw(cluster, demo_con, tmp_path):
    routes = route_to_each_replica(cluster)
    doomed, survivor = cluster.started
    with chromium(tmp_path / "profile") as context:
        # a browser on the replica about to die must come back; a user on the other must not notice
        context.add_cookies([{"name": launch.ROUTE_COOKIE, "value": routes[doomed.address], "url": cluster.url}])
        victim = context.new_page()
        victim.goto(f"{cluster.url}/crime?areas=urban", wait_until="domcontentloaded")
        victim.get_by_text("Crime trends").first.wait_for(timeout=90_000)
        wait_until_idle(victim)
        assert replica_of(cluster.url, routes[doomed.address]) == doomed.address
        # another user, on the live replica, mid-session over its own websocket
        # (in a thread of its own: Playwright's sync API already runs an event loop in this one)
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, daemon=True).start()

        def on_loop(coroutine):
            return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=120)

        bystander = on_loop(load.Tab(cluster.url, route=routes[survivor.address]).open())
        periods = load.Periods(first_month=dt.date(2021, 1, 1), last_month=dt.date(2024, 12, 1))
        assert not on_loop(bystander.run("crime", periods.fresh(), first=True)).failed
        connects_before = metrics(survivor.url)['session_events_total{type="connect"}']

        cluster.kill(0)
        assert not doomed.alive()
        # the bystander's session goes on as if nothing happened: same websocket, no error
        after_kill = on_loop(bystander.run("trust", periods.fresh()))
        assert not after_kill.failed, after_kill.problems

        # the browser notices the dropped websocket, reconnects through nginx (to the survivor, since
        # the doomed replica refuses connections) and reruns the page in a new session there
        deadline = time.monotonic() + 90
        while metrics(survivor.url)['session_events_total{type="connect"}'] <= connects_before:
            assert time.monotonic() < deadline, "the browser did not reconnect to the live replica"
            time.sleep(0.5)
        wait_until_idle(victim)
        victim.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=60_000)
        body = victim.inner_text("body")
        assert "Crime trends" in body
        assert not ERROR_TEXT.search(body), ERROR_TEXT.search(body)
        assert "Connecting" not in body and "Connection error" not in body
        # the URL kept the filters, so the redrawn page shows the same view
        assert "areas=urban" in victim.url
        assert "Rural: 12-month mean" not in victim.locator('[data-testid="stPlotlyChart"]').first.inner_text()
        assert replica_of(cluster.url, routes[doomed.address]) == survivor.address
        # a new visitor is served too
        fresh = context.new_page()
        fresh.goto(cluster.url, wait_until="domcontentloaded")
        fresh.wait_for_selector('[data-testid="stMetricValue"]', timeout=90_000)
        wait_until_idle(fresh)
        start, end = independent.default_period(demo_con)
        truth = independent.expected(demo_con, start, end, None)
        assert _headline_numbers(fresh)["Programs running"] == f"{truth.programs_active:,}"
        on_loop(bystander.close())
        loop.call_soon_threadsafe(loop.stop)
    # the doomed replica's log may end mid-line; only the survivor's must be free of tracebacks
    assert "Traceback" not in survivor.log_path.read_text()
    cluster.started.remove(doomed)  # the fixture's log check covers the survivor and nginx


def _next_month_csv(db_path: Path, folder: Path) -> tuple[Path, dt.date, dt.date]:
    """Incidents in the month after the last one held: the sidebar's "Data from … to …" moves by one month."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        (last,) = con.execute("select max(month) from crime_monthly").fetchone()
        codes = [row[0] for row in con.execute("select area_code from areas order by area_code limit 3").fetchall()]
    following = load.add_months(dt.date(last.year, last.month, 1), 1)
    lines = ["source_id,occurred_at,area_code,offense"]
    lines += [f"swap-{n},{following:%Y-%m}-{n + 1:02d} 12:00,{codes[n % 3]},theft" for n in range(12)]
    path = folder / "next-month.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, dt.date(last.year, last.month, 1), following


def test_an_import_is_seen_by_every_replica_at_its_next_query(cluster, agency_db, tmp_path):
    csv_path, last, following = _next_month_csv(agency_db, tmp_path)
    routes = route_to_each_replica(cluster)
    periods = load.Periods(first_month=dt.date(2021, 1, 1), last_month=last)

    async def scenario() -> tuple[list[load.RunResult], list[load.RunResult]]:
        tabs = [await load.Tab(cluster.url, route=routes[r.address]).open() for r in cluster.started]
        rng = random.Random(5)
        before = [await tab.run("crime", periods.random(rng), first=True) for tab in tabs]
        _import(csv_path, agency_db)  # while the tabs are open and idle
        after = [await tab.run("crime", periods.random(rng)) for tab in tabs]
        for tab in tabs:
            await tab.close()
        return before, after

    before, after = asyncio.run(asyncio.wait_for(scenario(), 180))
    for result in before:
        assert not result.failed and any(f"to {last:%b %Y}." in text for text in result.texts)
    for result in after:  # one tab per replica: both read the new file at their first query after the swap
        assert not result.failed, result.problems
        assert any(f"to {following:%b %Y}." in text for text in result.texts)


def _import(csv_path: Path, db_path: Path) -> None:
    command = [sys.executable, "-m", "data", "import", "incidents", str(csv_path), "--db", str(db_path)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stdout + completed.stderr


# Before issue 12's connections (a generation per file version, closed by its last query), 1 to 9 of ~110
# reruns failed around the swap ("connection is busy with another call"); this test requires none.
def test_an_import_during_load_fails_no_rerun(agency_db, tmp_path):
    require_nginx()
    with launch.Cluster(db=agency_db, run_dir=tmp_path / "run", replicas=2) as cluster:
        _import_during_load(cluster, agency_db, tmp_path)
        logs = cluster.logs()
    assert "Traceback" not in logs, logs


def _import_during_load(cluster: launch.Cluster, agency_db: Path, tmp_path: Path) -> None:
    csv_path, last, following = _next_month_csv(agency_db, tmp_path)
    routes = route_to_each_replica(cluster)
    periods = load.Periods(first_month=dt.date(2021, 1, 1), last_month=last)
    old_caption, new_caption = f"to {last:%b %Y}.", f"to {following:%b %Y}."
    pages = list(load.page_names())

    async def scenario():
        # two tabs on each replica, all through nginx, clicking with no think time while the import runs
        tabs = [load.Tab(cluster.url, route=routes[r.address]) for r in cluster.started for _ in range(2)]
        for tab in tabs:
            await tab.open()
        results: list[tuple[int, float, load.RunResult]] = []
        imported_at: list[float] = []

        async def click(number: int, tab: load.Tab) -> None:
            rng = random.Random(number)
            first = True
            # until 8 s after the import and at least one rerun of this tab started after it: a rerun
            # of the Public report that began as the file was swapped republishes the public file
            # (8 s alone, ~30 s with two replicas doing it under this load) and may end after the 8 s
            after_import = False
            while not imported_at or time.monotonic() - imported_at[0] < 8 or not after_import:
                started = time.monotonic()
                result = await tab.run(rng.choice(pages), periods.random(rng), first=first)
                first = False
                results.append((number, started, result))
                after_import = after_import or bool(imported_at and started >= imported_at[0])

        async def import_file() -> None:
            await asyncio.sleep(3)  # load first
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "data", "import", "incidents", str(csv_path), "--db", str(agency_db),
                cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
            output, _ = await process.communicate()
            assert process.returncode == 0, output.decode()
            imported_at.append(time.monotonic())

        await asyncio.gather(import_file(), *(click(number, tab) for number, tab in enumerate(tabs)))
        for tab in tabs:
            await tab.close()
        return results, imported_at[0]

    results, imported_at = asyncio.run(asyncio.wait_for(scenario(), 300))
    failed = [(number, result.problems) for number, _, result in results if result.failed]
    assert not failed, f"{len(failed)} of {len(results)} reruns failed during the import: {failed[:5]}"
    for number in range(4):
        mine = [(started, result) for n, started, result in results if n == number]
        before = [result for started, result in mine if started < imported_at - 3]
        after = [result for started, result in mine if started >= imported_at]
        assert before and after, f"tab {number} ran {len(before)} reruns before and {len(after)} after the import"
        assert any(old_caption in text for text in before[0].texts)
        # the first rerun that starts after the swap already reads the new file, on every replica
        assert any(new_caption in text for text in after[0].texts), [t for t in after[0].texts if "Data from" in t]
    assert {replica_of(cluster.url, route) for route in routes.values()} == {r.address for r in cluster.started}
