"""N Streamlit replicas of Bridgeboard on one host, behind Debian's nginx with session affinity.

Every replica is `streamlit run app.py` on its own loopback port, reading the same DuckDB
file read-only (BRIDGEBOARD_DB). An import writes a new file and renames it over the old
one; each replica stats the path at every query and reopens it when it changed, so all of
them serve the new file from their next query on.

Why affinity: a Streamlit session lives in one process (its websocket, session state, the
files behind download buttons and media, uploads posted to /_stcore/upload_file/<session>),
so every request of one browser must reach the same replica. Open-source nginx has no
sticky-cookie directive and `ip_hash` sends every browser behind one address (an office's
NAT, a loopback load test) to the same replica; so nginx gives each browser a random route
cookie on its first response (the request's $request_id) and hashes on it (`hash ...
consistent`). Browsers spread evenly, a browser stays on its replica, and when that replica
dies nginx moves its hash to a live one: the browser reconnects there and the page redraws.
Sign-in does not depend on affinity: Streamlit keeps the OIDC state and the identity in
cookies signed with [auth] cookie_secret, which every replica shares.

nginx runs from a run directory of its own (config, pid, logs, temp files) with
`nginx -p DIR -c nginx.conf`; the system's /etc/nginx is never read or written.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
NGINX = "/usr/sbin/nginx"
ROUTE_COOKIE = "bridgeboard_route"
REPLICA_HEADER = "X-Bridgeboard-Replica"
UPLOAD_LIMIT_MB = 100  # = server.maxUploadSize in .streamlit/config.toml
START_TIMEOUT_S = 90


class DeployError(RuntimeError):
    """A replica or nginx could not be started; the message is one sentence for the operator."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def replica_command(port: int, *, secrets_file: Path | None = None) -> list[str]:
    """`streamlit run app.py` as a replica: loopback, headless, no file watcher (code does not change under it)."""
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    if secrets_file is not None:
        command += ["--secrets.files", str(secrets_file)]
    return command


@dataclass
class Replica:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        """How nginx names this replica in $upstream_addr."""
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read() == b"ok"
    except OSError:
        return False


def _wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _healthy(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
            raise DeployError(f"{what} did not become healthy at {url}; its log ends with:\n{tail}")
        time.sleep(0.3)


def start_replica(
    port: int,
    *,
    db: Path,
    public_db: Path,
    run_dir: Path,
    cookie_secret: str,
    secrets_file: Path | None = None,
    env: dict[str, str] | None = None,
) -> Replica:
    log_path = run_dir / f"replica-{port}.log"
    environment = {
        **os.environ,
        **(env or {}),
        "BRIDGEBOARD_DB": str(db),
        "BRIDGEBOARD_PUBLIC_DB": str(public_db),
        # one secret for all replicas, so a browser that fails over keeps its signed XSRF cookie
        # (uploads); with [auth] the secrets file's cookie_secret takes its place. Streamlit takes
        # it only from the environment or a config file, which also keeps it out of `ps`.
        "STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret,
    }
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            replica_command(port, secrets_file=secrets_file),
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C to the launcher is handled by the launcher, once
        )
    return Replica(port, process, log_path)


def nginx_site(listen: str, replica_addresses: list[str], *, server_name: str = "_") -> str:
    """The http-level part of the config: route cookie, upstream with affinity, the proxy server.

    This is also what a real server puts in /etc/nginx/conf.d/ (`python -m deploy site-config`),
    with TLS added in front as README, "Deploy", says.
    """
    servers = "\n".join(f"    server {address} max_fails=1 fail_timeout=10s;" for address in replica_addresses)
    return f"""\
# Bridgeboard: Streamlit replicas behind one address, one browser per replica (generated by python -m deploy)

# A browser without the route cookie gets this request's random id as its route, and the cookie
# to keep it; a browser with the cookie keeps its route. (Open-source nginx has no sticky cookie.)
map $cookie_{ROUTE_COOKIE} $bridgeboard_route {{
    ""      $request_id;
    default $cookie_{ROUTE_COOKIE};
}}
map $cookie_{ROUTE_COOKIE} $bridgeboard_set_route {{
    ""      "{ROUTE_COOKIE}=$request_id; Path=/; HttpOnly; SameSite=Lax";
    default "";
}}
map $http_upgrade $bridgeboard_connection {{
    default upgrade;
    ""      close;
}}

upstream bridgeboard_replicas {{
    # the same route always hashes to the same replica; a dead replica's routes move to live ones
    hash $bridgeboard_route consistent;
{servers}
}}

server {{
    listen {listen};
    server_name {server_name};
    client_max_body_size {UPLOAD_LIMIT_MB}m;

    # Streamlit's metrics (cache sizes, session counts) answer anyone who asks: not past nginx
    location = /_stcore/metrics {{
        return 404;
    }}

    location / {{
        proxy_pass http://bridgeboard_replicas;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $bridgeboard_connection;
        # with its port: Streamlit accepts a websocket only from the origin the browser sees
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        # a websocket stays open while the page is; Streamlit sends no traffic while nobody clicks
        proxy_read_timeout 1h;
        proxy_send_timeout 1h;
        # a replica that refuses the connection (stopped, restarting) hands the request to the next
        proxy_connect_timeout 2s;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_request_buffering off;
        add_header Set-Cookie $bridgeboard_set_route always;
        add_header {REPLICA_HEADER} $upstream_addr always;
    }}
}}
"""


def nginx_config(run_dir: Path, site: str) -> str:
    """A whole nginx.conf that keeps everything (pid, logs, temp files) inside run_dir."""
    temp = run_dir / "nginx-temp"
    # As root, nginx would run its workers as nobody, who cannot enter a private run directory.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""\
# generated by python -m deploy; started as: nginx -p {run_dir} -c {run_dir / "nginx.conf"}
{user}worker_processes 1;
worker_rlimit_nofile 8192;
pid {run_dir / "nginx.pid"};
error_log {run_dir / "nginx-error.log"} warn;

events {{
    worker_connections 4096;
}}

http {{
    log_format bridgeboard '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                           'route=$bridgeboard_route upstream=$upstream_addr';
    access_log {run_dir / "nginx-access.log"} bridgeboard;
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};

{site}}}
"""


def start_nginx(run_dir: Path, port: int, replica_addresses: list[str]) -> subprocess.Popen:
    if not Path(NGINX).exists():
        raise DeployError(f"nginx is not installed at {NGINX} (apt-get install -y nginx-light or nginx)")
    (run_dir / "nginx-temp").mkdir(parents=True, exist_ok=True)
    config = run_dir / "nginx.conf"
    config.write_text(nginx_config(run_dir, nginx_site(f"127.0.0.1:{port}", replica_addresses)))
    command = [NGINX, "-p", str(run_dir), "-c", str(config), "-e", str(run_dir / "nginx-error.log")]
    checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
    if checked.returncode != 0:
        raise DeployError(f"nginx refused the generated config {config}: {checked.stderr.strip()}")
    log_path = run_dir / "nginx-stdout.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [*command, "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    _wait_until_healthy(f"http://127.0.0.1:{port}", process, run_dir / "nginx-error.log", "nginx")
    return process


def publish_if_stale(db: Path, public_db: Path) -> None:
    """Write the public file once, before the replicas start, so they do not all publish it at once."""
    if public_db.exists() and public_db.stat().st_mtime_ns >= db.stat().st_mtime_ns:
        return
    completed = subprocess.run(
        [sys.executable, "-m", "data", "publish", "--db", str(db), "--out", str(public_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise DeployError(f"publishing {public_db} from {db} failed: {completed.stderr.strip()}")


def _stop(process: subprocess.Popen, timeout: float = 10) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


@dataclass
class Cluster:
    """Replicas (and nginx in front when there is more than one, or when asked) started together.

    Use as a context manager: everything it started is stopped on exit, even after a failure.
    """

    db: Path
    run_dir: Path
    replicas: int = 2
    public_db: Path | None = None
    secrets_file: Path | None = None
    port: int | None = None
    with_nginx: bool | None = None
    env: dict[str, str] = field(default_factory=dict)
    started: list[Replica] = field(default_factory=list, init=False)
    nginx: subprocess.Popen | None = field(default=None, init=False)
    nginx_port: int | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.db = Path(self.db)
        self.run_dir = Path(self.run_dir)
        self.public_db = Path(self.public_db) if self.public_db else self.db.with_name(f"{self.db.stem}.public.duckdb")
        if self.with_nginx is None:
            self.with_nginx = self.replicas > 1
        if self.replicas < 1:
            raise DeployError("a cluster needs at least one replica")

    @property
    def url(self) -> str:
        """Where browsers go: nginx when it runs, else the only replica."""
        if self.nginx_port is not None:
            return f"http://127.0.0.1:{self.nginx_port}"
        return self.started[0].url

    def start(self) -> Cluster:
        if not self.db.is_file():
            raise DeployError(f"there is no database at {self.db} (build one with python -m data demo --out PATH)")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        publish_if_stale(self.db, self.public_db)
        cookie_secret = secrets.token_hex(32)
        try:
            for _ in range(self.replicas):
                port = free_port() if self.port is None or self.with_nginx else self.port
                self.started.append(
                    start_replica(
                        port,
                        db=self.db,
                        public_db=self.public_db,
                        run_dir=self.run_dir,
                        cookie_secret=cookie_secret,
                        secrets_file=self.secrets_file,
                        env=self.env,
                    )
                )
            for replica in self.started:
                _wait_until_healthy(replica.url, replica.process, replica.log_path, f"replica {replica.port}")
            if self.with_nginx:
                self.nginx_port = self.port or free_port()
                self.nginx = start_nginx(self.run_dir, self.nginx_port, [r.address for r in self.started])
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.nginx is not None:
            _stop(self.nginx)
        for replica in self.started:
            _stop(replica.process)

    def kill(self, index: int) -> Replica:
        """SIGKILL one replica, as a crash would: no clean shutdown, open websockets just drop."""
        replica = self.started[index]
        with contextlib.suppress(ProcessLookupError):
            os.kill(replica.pid, signal.SIGKILL)
        replica.process.wait(timeout=10)
        return replica

    def replica_at(self, address: str) -> Replica:
        """The replica nginx names in its X-Bridgeboard-Replica header (the last one it tried)."""
        last = address.split(",")[-1].strip()
        for replica in self.started:
            if replica.address == last:
                return replica
        raise LookupError(f"{address!r} is none of this cluster's replicas")

    def logs(self) -> str:
        parts = [f"--- {r.log_path.name}\n{r.log_path.read_text(errors='replace')[-3000:]}" for r in self.started]
        error_log = self.run_dir / "nginx-error.log"
        if error_log.exists():
            parts.append(f"--- nginx-error.log\n{error_log.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def nginx_available() -> str | None:
    """Why nginx cannot be used here, or None."""
    if not Path(NGINX).exists() and not shutil.which("nginx"):
        return f"nginx is not installed at {NGINX} (apt-get install -y nginx)"
    return None
