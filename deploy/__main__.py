"""python -m deploy run|site-config: replicas behind nginx on one host, or the nginx site for a real server.

python -m deploy run --db agency.duckdb --replicas 2 --port 8080 [--secrets secrets.toml] [--run-dir DIR]
    starts the replicas and nginx (loopback only), prints where they listen, stops them all on Ctrl-C
python -m deploy site-config --replica-ports 8501,8502 [--listen 127.0.0.1:8080] [--server-name HOST]
    prints the nginx site (route cookie, upstream with affinity, proxy) for /etc/nginx/conf.d/
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import threading
from pathlib import Path

from deploy import launch


def _ports(text: str) -> list[int]:
    try:
        ports = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected ports like 8501,8502, got {text!r}") from None
    if not ports or any(not 0 < port < 65536 for port in ports):
        raise argparse.ArgumentTypeError(f"expected ports like 8501,8502, got {text!r}")
    return ports


def _replicas(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 16:
        raise argparse.ArgumentTypeError("--replicas must be between 1 and 16")
    return value


def _run(args: argparse.Namespace) -> int:
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="bridgeboard-deploy-"))
    cluster = launch.Cluster(
        db=args.db,
        run_dir=run_dir,
        replicas=args.replicas,
        public_db=args.public_db,
        secrets_file=args.secrets,
        port=args.port,
        with_nginx=True,
    )
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        cluster.start()
    except launch.DeployError as error:
        print(f"python -m deploy: {error}", file=sys.stderr)
        return 1
    try:
        print(
            json.dumps(
                {
                    "url": cluster.url,
                    "replicas": [{"url": r.url, "pid": r.pid, "log": str(r.log_path)} for r in cluster.started],
                    "nginx_pid": cluster.nginx.pid,
                    "run_dir": str(run_dir),
                },
                indent=2,
            ),
            flush=True,
        )
        while not stopping.wait(1):
            dead = [r for r in cluster.started if not r.alive()]
            if len(dead) == len(cluster.started):
                print(f"python -m deploy: every replica has stopped; see the logs in {run_dir}", file=sys.stderr)
                return 1
    finally:
        cluster.stop()
    return 0


def _site_config(args: argparse.Namespace) -> int:
    addresses = [f"127.0.0.1:{port}" for port in args.replica_ports]
    print(launch.nginx_site(args.listen, addresses, server_name=args.server_name), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="start replicas and nginx on this host (loopback)")
    run.add_argument("--db", type=Path, required=True, help="the agency database every replica reads")
    run.add_argument("--public-db", type=Path, help="the published file (default: next to --db)")
    run.add_argument("--replicas", type=_replicas, default=2)
    run.add_argument("--port", type=int, default=8080, help="nginx listens on 127.0.0.1:PORT")
    run.add_argument("--secrets", type=Path, help="a secrets.toml with [auth] for sign-in")
    run.add_argument("--run-dir", type=Path, help="where the nginx config, pid and logs go (default: a new temp dir)")
    run.set_defaults(handler=_run)
    site = commands.add_parser("site-config", help="print the nginx site for a real server")
    site.add_argument("--replica-ports", type=_ports, required=True)
    site.add_argument("--listen", default="127.0.0.1:8080", help="nginx's listen directive (add TLS for st.login)")
    site.add_argument("--server-name", default="_")
    site.set_defaults(handler=_site_config)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
