"""python -m bench site [--duration S] [--connections N] [--users N] [--out FILE] [--results FILE]

The static public site against the Streamlit Public report, in one run, one after the other
(so that neither takes the other's cores): builds the demo's public site (twice, to time the
build and check it is byte-identical), serves it with Debian's nginx on 127.0.0.1 using
reports/nginx/site.conf in a throwaway prefix, and loads it with wrk for --duration seconds:
each connection loads a page as a first-time visitor does, its HTML and then every asset it
names (bench/site_views.lua). Then `streamlit run app.py` in public mode on the same public
file, loaded by --users websocket sessions rerunning the page (bench/site_load.py). Prints one
JSON document, saves it to bench/site_results.json and writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import builds, machine

ROOT = Path(__file__).resolve().parent.parent
NGINX_DIR = ROOT / "reports" / "nginx"
LUA = Path(__file__).with_name("site_views.lua")
RESULTS_JSON = Path(__file__).with_name("site_results.json")
SECTION_START = "<!-- site benchmark: written by python -m bench site -->"
SECTION_END = "<!-- /site benchmark -->"
TARGET_VIEWS_PER_S = 1000
TARGET_P95_MS = 50.0
TARGET_RATIO = 200
TARGET_HOME_BYTES = 2_000_000
# (label, page, whether the visitor has the hashed assets cached already): a first visit loads them all
VISITS = (
    ("en/index.html, first visit", "en/index.html", False),
    ("en/crime.html, first visit", "en/crime.html", False),
    ("en/crime.html, assets cached", "en/crime.html", True),
)
HOME = VISITS[0][0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_site(cache: Path) -> dict[str, object]:
    """The demo database (default size), its public file and its site, timed; and the site rebuilt to compare."""
    from data import demo, publish
    from reports import site

    cache.mkdir(parents=True, exist_ok=True)
    database = cache / "demo.duckdb"
    if not database.exists():
        demo.build(database, seed=1)
    public = cache / "public.duckdb"
    publish.publish(database, public)
    timings, digests = [], []
    for name in ("site", "site-again"):
        started = time.perf_counter()
        site.build(public, cache / name)
        timings.append(time.perf_counter() - started)
        digest = hashlib.sha256()
        for path in sorted((cache / name).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(cache / name)).encode() + path.read_bytes())
        digests.append(digest.hexdigest())
    shutil.rmtree(cache / "site-again")
    return {
        "public": str(public),
        "out": str(cache / "site"),
        "build_s": [round(value, 2) for value in timings],
        "byte_identical": digests[0] == digests[1],
    }


def page_assets(out: Path, page: str) -> list[str]:
    """The page's URL path and every script and stylesheet it names, as a first-time visitor fetches them."""
    text = (out / page).read_text(encoding="utf-8")
    base = "/" + page.rsplit("/", 1)[0] + "/"
    references = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', text)
    return ["/" + page, *(os.path.normpath(base + reference) for reference in references)]


@contextlib.contextmanager
def nginx(out: Path, port: int):
    """Debian's nginx serving `out` with the sample config, in its own prefix (not the system's)."""
    prefix = Path(tempfile.mkdtemp(prefix="bridgeboard-nginx-"))
    headers = prefix / "site-headers.conf"
    headers.write_text((NGINX_DIR / "site-headers.conf").read_text())
    server = (NGINX_DIR / "site.conf").read_text()
    server = re.sub(r"^\s*listen \[::\]:80;\n", "", server, flags=re.M)
    server = server.replace("listen 80;", f"listen 127.0.0.1:{port} reuseport backlog=4096;")
    server = server.replace("root /srv/bridgeboard-site;", f"root {out};")
    server = server.replace("/etc/nginx/snippets/bridgeboard-site-headers.conf", str(headers))
    # run as root, nginx's workers would be www-data, who cannot read a private folder (a test's tmp_path)
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}worker_processes auto;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\n include /etc/nginx/mime.types;\n default_type application/octet-stream;\n access_log off;\n"
        f" client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;"
        f" fastcgi_temp_path {prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;\n"
        f" keepalive_requests 100000;\n open_file_cache max=1000 inactive=60s;\n{server}}}\n"
    )
    process = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}/index.html", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(prefix, ignore_errors=True)


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server for {url} did not start")
        time.sleep(0.3)


def transfer(origin: str, paths: list[str]) -> dict[str, object]:
    """Bytes a first-time visitor receives for the page (gzip accepted), and the headers that cache them."""
    total, files = 0, []
    for path in paths:
        request = urllib.request.Request(origin + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            total += len(body)
            files.append({
                "path": path, "bytes": len(body), "encoding": response.headers.get("Content-Encoding"),
                "cache_control": response.headers.get("Cache-Control"),
            })  # fmt: skip
    return {"bytes": total, "files": files}


def wrk(origin: str, paths: list[str], duration_s: int, connections: int) -> dict[str, object]:
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration_s}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA),
        origin + paths[0],
    ]
    env = {**os.environ, "SITE_PAGE_PATHS": " ".join(paths)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=duration_s + 60, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["page_views_per_s"] = round(result["page_views"] / result["duration_s"], 1)
    result["requests_per_view"] = len(paths)
    result["mb_per_s"] = round(result["bytes"] / result["duration_s"] / 1e6, 1)
    return {"command": " ".join(command), **result}


@contextlib.contextmanager
def streamlit_public(public: Path, port: int, log: Path):
    env = {
        **os.environ, "BRIDGEBOARD_MODE": "public", "BRIDGEBOARD_PUBLIC_DB": str(public),
        "BRIDGEBOARD_DB": str(public.with_name("no-agency-file.duckdb")),
    }  # fmt: skip
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with open(log, "w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_for(f"http://127.0.0.1:{port}/_stcore/health", process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def run(duration_s: int, connections: int, users: int, cache: Path) -> dict[str, object]:
    from bench import site_load

    started = dt.datetime.now().astimezone()
    info = machine()
    builds.log("building the demo's public site (twice)")
    built = build_site(cache)
    out = Path(built["out"])
    results: dict[str, object] = {"started_at": started.isoformat(timespec="seconds"), "machine": info, "build": built}
    with nginx(out, _free_port()) as origin:
        results["site"] = {}
        for label, page, cached in VISITS:
            paths = page_assets(out, page)[:1] if cached else page_assets(out, page)
            builds.log(f"wrk: {label}, {len(paths)} requests a view, {duration_s} s, {connections} connections")
            results["site"][label] = {
                "transfer": transfer(origin, paths),
                "load": wrk(origin, paths, duration_s, connections),
            }
    builds.log(f"Streamlit Public report, {users} websocket sessions for {duration_s} s")
    with streamlit_public(Path(built["public"]), _free_port(), cache / "streamlit.log") as port:
        site_load.run(port, 1, 3)  # the first views warm the process's caches, as on a running server
        results["streamlit"] = site_load.run(port, users, duration_s)
    results["duration_s"] = round((dt.datetime.now().astimezone() - started).total_seconds(), 1)
    results["targets"] = evaluate(results)
    return results


def evaluate(results: dict[str, object]) -> dict[str, object]:
    home = results["site"][HOME]
    streamlit_rate = results["streamlit"]["views_per_s"] or 1e-9
    verdict = {}
    for page, figures in results["site"].items():
        load = figures["load"]
        verdict[page] = {
            "views_per_s_ge_1000": load["page_views_per_s"] >= TARGET_VIEWS_PER_S,
            "p95_le_50ms": 0 <= load["p95_ms"] <= TARGET_P95_MS,
            "ratio_to_streamlit": round(load["page_views_per_s"] / streamlit_rate, 1),
            "ratio_ge_200x": load["page_views_per_s"] / streamlit_rate >= TARGET_RATIO,
            "no_errors": load["bad_status"] == 0 and load["socket_errors"] == 0,
        }
    verdict["home_le_2mb_compressed"] = home["transfer"]["bytes"] <= TARGET_HOME_BYTES
    verdict["build_lt_10s"] = max(results["build"]["build_s"]) < 10
    verdict["byte_identical"] = results["build"]["byte_identical"]
    return verdict


def markdown(results: dict[str, object], command: str) -> str:
    lines = [
        SECTION_START,
        "## Static public site against the Streamlit Public report",
        "",
        f"`{command}`, {results['started_at']}, {results['machine']['nproc']} cores, load average"
        f" {results['machine']['load_average_1m']} at the start. nginx {_nginx_version()} with reports/nginx/site.conf"
        " on 127.0.0.1; wrk: each connection loads the page's HTML and then each asset it names, one after the"
        " other (a browser fetches assets in parallel, so a real view is faster), gzip accepted; a page view's time"
        " is from its first request to its last response. Streamlit: `streamlit run app.py` in public mode on the"
        " same public file, websocket sessions rerunning the page, each opened and run once before the clock starts"
        " (bench/site_load.py; Streamlit's own JavaScript bundle not counted: its best case). One after the other,"
        " so neither takes the other's cores; other work on this shared machine shows in the load average.",
        "",
        "| page | requests per view | compressed transfer | page views/s | p50 ms | p95 ms | MB/s | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for page, figures in results["site"].items():
        load = figures["load"]
        lines.append(
            f"| site {page} | {load['requests_per_view']} | {figures['transfer']['bytes'] / 1e3:,.0f} kB |"
            f" {load['page_views_per_s']:,.0f} | {load['p50_ms']:.1f} | {load['p95_ms']:.1f} |"
            f" {load['mb_per_s']:,.0f} |"
            f" {load['bad_status'] + load['socket_errors']} |"
        )
    streamlit = results["streamlit"]
    lines.append(
        f"| Streamlit Public report ({streamlit['users']} sessions) | 1 rerun | — | {streamlit['views_per_s']:,.2f} |"
        f" {streamlit['p50_ms']} | {streamlit['p95_ms']} | — | {streamlit['errors']} |"
    )
    targets = results["targets"]
    lines += [
        "",
        "Targets (issue 15): ≥ 1,000 page views/s at p95 ≤ 50 ms, ≥ 200× the Streamlit page, home page ≤ 2 MB"
        " compressed, rebuild < 10 s and byte-identical.",
        "",
    ]
    for page in results["site"]:
        verdict = targets[page]
        lines.append(
            f"- {page}: {'pass' if verdict['views_per_s_ge_1000'] else 'FAIL'} views/s,"
            f" {'pass' if verdict['p95_le_50ms'] else 'FAIL'} p95,"
            f" {verdict['ratio_to_streamlit']:,}× the Streamlit page ({'pass' if verdict['ratio_ge_200x'] else 'FAIL'})"
        )
    lines += [
        f"- home page {results['site'][HOME]['transfer']['bytes'] / 1e6:.2f} MB compressed:"
        f" {'pass' if targets['home_le_2mb_compressed'] else 'FAIL'}",
        f"- build {' s, '.join(str(value) for value in results['build']['build_s'])} s on the demo,"
        f" byte-identical: {'yes' if targets['byte_identical'] else 'NO'}",
        "",
        SECTION_END,
    ]
    return "\n".join(lines) + "\n"


def _nginx_version() -> str:
    done = subprocess.run(["nginx", "-v"], capture_output=True, text=True, check=False)
    return done.stderr.strip().split("/")[-1].split()[0] if done.stderr else "?"


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of RESULTS.md, or add it at the end (below the generated part)."""
    text = path.read_text() if path.is_file() else ""
    if SECTION_START in text and SECTION_END in text:
        before, rest = text.split(SECTION_START, 1)
        text = before + section + rest.split(SECTION_END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench site", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds of load on each side (default 15)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--users", type=int, default=25, help="Streamlit websocket sessions (default 25)")
    parser.add_argument(
        "--out", type=Path, default=RESULTS_JSON, help="the JSON document (default bench/site_results.json)"
    )
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md", help="the Markdown report")
    parser.add_argument("--cache-dir", type=Path, default=builds.CACHE_DIR / "site")
    args = parser.parse_args(argv)
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            print(f"python -m bench site needs Debian's {tool} (apt-get install -y nginx wrk)", file=sys.stderr)
            return 2
    command = " ".join(["python", "-m", "bench", "site", *argv])
    results = {"command": command, **run(args.duration, args.connections, args.users, args.cache_dir)}
    text = json.dumps(results, indent=2)
    print(text)
    args.out.write_text(text + "\n")
    write_section(args.results, markdown(results, command))
    builds.log(f"wrote {args.out} and its section of {args.results}")
    return 0
