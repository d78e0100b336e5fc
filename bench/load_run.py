"""python -m bench load [--quick | --cpu-only] [--out FILE] [--results FILE]: the dashboard under many users at once.

On the seed-11 demo (300,000 incidents), every server started here on 127.0.0.1 and stopped
at the end:

1. server CPU per rerun of every page, one tab alone, cold (filters nobody asked for yet)
   and cached (the same again); the median over pages is the figure to cut;
2. the load table: 1, 5 and 25 users with think times, on one process and then on two
   replicas behind nginx (deploy.launch), each row on freshly started servers warmed by one
   visit to every page;
3. 200 idle sessions on one process: RSS per session, errors, and whether closed sessions
   give their memory back.

Prints one JSON document; a full run rewrites the load section of bench/RESULTS.md (its own
markers, below the main harness's section, which it leaves alone). --quick is a smoke run
of every part in about a minute and writes no Markdown unless --results is given.
--cpu-only runs part 1 alone (about a minute; JSON only): the before/after of a change to
the cost of a rerun (bench/cpu-before.json, bench/cpu-after.json).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shlex
import sys
import tempfile
import urllib.request
from pathlib import Path

import duckdb

import bench
from bench import builds, load, load_report
from deploy.launch import REPLICA_HEADER, ROUTE_COOKIE, Cluster

SEED = 11  # the demo the issue measured
INCIDENTS = 300_000  # the demo's default size
STREAMLIT_SESSION_TTL_S = 120  # server.disconnectedSessionTTL's default, which deploy keeps

FULL = {
    "scenarios": [
        load.Scenario(1, (0.2, 0.5), 20),
        load.Scenario(5, (1.0, 3.0), 40),
        load.Scenario(25, (1.0, 3.0), 200),
        load.Scenario(25, (5.0, 15.0), 150),
    ],
    "cpu_runs": 10,
    "idle": 200,
    "session_ttl_s": STREAMLIT_SESSION_TTL_S,
    "idle_waits_s": (10, 5),  # how long the tabs sit idle; how long RSS is left to settle before a reading
}
QUICK = {
    "scenarios": [load.Scenario(2, (0.05, 0.1), 4)],
    "cpu_runs": 2,
    "idle": 4,
    "session_ttl_s": 1,
    "idle_waits_s": (1, 1),
}
TARGETS = {
    "one_process_p95_ms": 1000.0,  # 25 users at 5–15 s think
    "two_replicas_p95_ms": 2000.0,  # 25 users at 1–3 s think
    "idle_rss_per_session_mb": 1.0,
    # a second round of idle sessions after the first closed: growth per session at most this
    "idle_second_round_growth_mb": 0.1,
}


def data_months(db_path: Path) -> load.Periods:
    with duckdb.connect(str(db_path), read_only=True) as con:
        first, last = con.execute("select min(month), max(month) from crime_monthly").fetchone()
    return load.Periods(first_month=dt.date(first.year, first.month, 1), last_month=dt.date(last.year, last.month, 1))


def _replica_of(base_url: str, route: str) -> str:
    request = urllib.request.Request(f"{base_url}/_stcore/health", headers={"Cookie": f"{ROUTE_COOKIE}={route}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers.get(REPLICA_HEADER, "")


async def _warm_every_replica(cluster: Cluster, periods: load.Periods) -> None:
    for replica in cluster.started:  # straight to each replica: nginx would pick one at random
        await load.warm(replica.url, periods, list(load.page_names()))


def run_load(
    db_path: Path,
    run_dir: Path,
    *,
    scenarios: list[load.Scenario],
    cpu_runs: int,
    idle: int,
    session_ttl_s: float,
    idle_waits_s: tuple[float, float],
    log=builds.log,
) -> dict:
    started_at = dt.datetime.now().astimezone()
    machine = bench.machine()
    periods = data_months(db_path)
    results: dict = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "machine": machine,
        "database": {"path": str(db_path), "seed": SEED, "size_mb": round(db_path.stat().st_size / 1e6, 1)},
    }

    log(f"server CPU per rerun, every page, {cpu_runs} cold and {cpu_runs} cached reruns each (one process)")
    with Cluster(db=db_path, run_dir=run_dir / "cpu", replicas=1, with_nginx=False) as cluster:
        results["cpu_per_rerun"] = asyncio.run(
            load.cpu_per_page(cluster.url, [r.pid for r in cluster.started], periods, cpu_runs, log)
        )
    log(
        f"  median over pages: cold {results['cpu_per_rerun']['median_cold_cpu_ms']} ms,"
        f" cached {results['cpu_per_rerun']['median_cached_cpu_ms']} ms"
    )

    results["load"] = []
    for replicas in (1, 2):
        for number, scenario in enumerate(scenarios):
            where = "one process" if replicas == 1 else f"{replicas} replicas behind nginx"
            log(f"{scenario.label}, {scenario.reruns} reruns, {where}")
            folder = run_dir / f"load-{replicas}-{number}"
            with Cluster(db=db_path, run_dir=folder, replicas=replicas, with_nginx=replicas > 1) as cluster:
                asyncio.run(_warm_every_replica(cluster, periods))
                pids = [r.pid for r in cluster.started]
                row = asyncio.run(load.crowd(cluster.url, pids, periods, scenario))
                routes = row.pop("routes")
                if cluster.nginx_port is not None:
                    spread: dict[str, int] = {}
                    for route in routes:
                        address = _replica_of(cluster.url, route)
                        spread[address] = spread.get(address, 0) + 1
                    row["users_per_replica"] = sorted(spread.values(), reverse=True)
                problems = _tracebacks(cluster)
            row["replicas"] = replicas
            row["server_tracebacks"] = problems
            results["load"].append(row)
            log(
                f"  {row['reruns_ok']}/{row['reruns']} ok, p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms,"
                f" server CPU per rerun {row['server_cpu_per_rerun_ms']} ms, {row['runs_per_s']} runs/s"
                + (f", users per replica {row['users_per_replica']}" if "users_per_replica" in row else "")
                + (f"; {row['failed']} failed, first: {row['first_problem']}" if row["failed"] else "")
            )

    if not idle:
        results["duration_s"] = round((dt.datetime.now().astimezone() - started_at).total_seconds(), 1)
        return results
    log(f"{idle} idle sessions on one process (disconnected-session TTL {session_ttl_s:g} s)")
    ttl_env = {"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(int(session_ttl_s))}
    with Cluster(db=db_path, run_dir=run_dir / "idle", replicas=1, with_nginx=False, env=ttl_env) as cluster:
        asyncio.run(load.warm(cluster.url, periods, [""]))
        results["idle"] = asyncio.run(
            load.idle_sessions(
                cluster.url,
                cluster.started[0].pid,
                periods,
                idle,
                session_ttl_s=session_ttl_s,
                log=log,
                idle_s=idle_waits_s[0],
                settle_s=idle_waits_s[1],
            )
        )
        results["idle"]["server_tracebacks"] = _tracebacks(cluster)
    results["duration_s"] = round((dt.datetime.now().astimezone() - started_at).total_seconds(), 1)
    return results


def _tracebacks(cluster: Cluster) -> int:
    return sum(replica.log_path.read_text(errors="replace").count("Traceback") for replica in cluster.started)


def evaluate(results: dict) -> dict:
    """Pass/fail against issue 17's targets (a missed target is reported, never raised)."""

    def row(replicas: int, users: int, think: tuple[float, float]) -> dict | None:
        for entry in results["load"]:
            if entry["replicas"] == replicas and entry["users"] == users and tuple(entry["think_s"]) == think:
                return entry
        return None

    verdict = {}

    def within(entry: dict, limit_ms: float) -> dict:
        met = entry["failed"] == 0 and entry["p95_ms"] is not None and entry["p95_ms"] <= limit_ms
        return {"pass": met, "p95_ms": entry["p95_ms"], "failed": entry["failed"]}

    if (one := row(1, 25, (5.0, 15.0))) is not None:
        verdict["one_process_25_users_5_15s_p95_le_1s"] = within(one, TARGETS["one_process_p95_ms"])
    if (two := row(2, 25, (1.0, 3.0))) is not None:
        verdict["two_replicas_25_users_1_3s_p95_le_2s"] = within(two, TARGETS["two_replicas_p95_ms"])
    idle = results["idle"]
    verdict["idle_sessions_le_1mb_zero_errors"] = {
        "pass": idle["rss_per_session_mb"] <= TARGETS["idle_rss_per_session_mb"] and idle["errors"] == 0,
        "rss_per_session_mb": idle["rss_per_session_mb"],
        "errors": idle["errors"],
    }
    verdict["closed_sessions_free_their_memory"] = {
        "pass": idle["rss_growth_second_round_per_session_mb"] <= TARGETS["idle_second_round_growth_mb"],
        "rss_growth_second_round_per_session_mb": idle["rss_growth_second_round_per_session_mb"],
        "rss_kept_per_closed_session_mb": idle["rss_kept_per_closed_session_mb"],
    }
    failed = sum(entry["failed"] for entry in results["load"])
    verdict["no_failed_rerun"] = {"pass": failed == 0, "failed": failed}
    return verdict


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every part once, small: a smoke run of the harness")
    parser.add_argument("--out", type=Path, help="also save the JSON document to this file")
    parser.add_argument("--results", type=Path, help="write the Markdown section here (default bench/RESULTS.md)")
    parser.add_argument("--no-results", action="store_true", help="do not write the Markdown section")
    parser.add_argument("--cache-dir", type=Path, default=builds.CACHE_DIR, help="where the demo database is kept")
    parser.add_argument("--db", type=Path, help="measure this database instead of the seed-11 demo")
    parser.add_argument(
        "--cpu-only",
        action="store_true",
        help="only part 1, server CPU per rerun page by page (JSON out, no Markdown): before/after a change",
    )
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    command = shlex.join(["python", "-m", "bench", "load", *argv])
    db_path = args.db or Path(builds.ensure_db(INCIDENTS, args.cache_dir, seed=SEED)["path"])
    if args.cpu_only:
        settings = {**settings, "scenarios": [], "idle": 0}
    with tempfile.TemporaryDirectory(prefix="bridgeboard-load-") as run_dir:
        results = run_load(db_path, Path(run_dir), **settings)
    results["settings"] = {
        "scenarios": [
            {"users": s.users, "think_s": list(s.think_s), "reruns": s.reruns} for s in settings["scenarios"]
        ],
        "cpu_runs": settings["cpu_runs"],
        "idle": settings["idle"],
        "session_ttl_s": settings["session_ttl_s"],
        "rerun_timeout_s": load.RERUN_TIMEOUT_S,
    }
    verdict = {} if args.cpu_only else evaluate(results)
    document = {"command": command, **results, "targets": verdict}
    text = json.dumps(document, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    results_path = args.results or (
        None if args.quick or args.db or args.cpu_only else builds.REPO_ROOT / "bench" / "RESULTS.md"
    )
    if results_path and not args.no_results:
        load_report.write(results_path, document)
        builds.log(f"wrote the load section of {results_path}")
    for name, check in verdict.items():
        builds.log(f"target {name}: {'pass' if check['pass'] else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
