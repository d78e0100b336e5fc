"""Many people at once: a websocket load client for `streamlit run app.py`, and what it measures.

A simulated user is what a browser tab does over Streamlit's websocket: it opens a page with
a shared link's filters in the URL, then reruns pages with a new 12-month period and
urban/rural choice, sent as the widgets' new values (as a click in the sidebar sends them),
and waits between clicks (think time). A rerun's latency is from sending the rerun to the
server's `script_finished`. A rerun fails when the connection breaks or the page shows an
exception or an error box (st.error: "could not be drawn", "cannot be shown").

Server CPU is read from /proc/<pid>/stat (user + system time of every thread of the server
processes, including threads that have ended) before and after; RSS from /proc/<pid>/status.
Only loopback servers started here are measured; every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.timing import add_months, summarize
from deploy.launch import ROUTE_COOKIE

RERUN_TIMEOUT_S = 120
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SIDES = ("Urban and rural", "Urban", "Rural")
ERROR_FORMAT = 1  # streamlit.proto.Alert_pb2.Alert.ERROR
FINISHED_EARLY_FOR_RERUN = 2  # the app reran itself before finishing; the rerun goes on


def page_names() -> dict[str, str]:
    """Every page a chief can open with queries of its own, as {url name: title}; "" is the default page."""
    from components import navigation

    pages = navigation.pages_for("chief")
    names = {}
    for index, page in enumerate(pages):
        if page.path == "pages/import_data.py":  # an upload form without queries
            continue
        names["" if index == 0 else Path(page.path).stem] = page.title
    return names


# --- the server, seen from outside -------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its threads so far (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise LookupError(f"no VmRSS for process {pid}")


def total_cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def total_rss(pids: list[int]) -> int:
    return sum(rss_bytes(pid) for pid in pids)


# --- one browser tab -----------------------------------------------------------------------


@dataclass
class Period:
    start: dt.date
    end: dt.date
    side: str

    def query_string(self) -> str:
        side = {"Urban and rural": "both", "Urban": "urban", "Rural": "rural"}[self.side]
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}&areas={side}"


@dataclass
class RunResult:
    seconds: float
    problems: list[str]
    texts: list[str]

    @property
    def failed(self) -> bool:
        return bool(self.problems)


@dataclass
class Tab:
    """One websocket session, as one browser tab holds it."""

    base_url: str
    route: str = field(default_factory=lambda: uuid.uuid4().hex)
    ws: object = None
    widget_ids: dict[str, str] = field(default_factory=dict)

    async def open(self) -> Tab:
        url = self.base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.ws = await websockets.connect(
            url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": f"{ROUTE_COOKIE}={self.route}"},
            max_size=2**27,
            open_timeout=60,
            ping_interval=None,  # a tab that sits idle is part of what is measured
        )
        return self

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def run(self, page: str, period: Period, *, first: bool = False) -> RunResult:
        """Open `page` with `period`: through the URL on the first run, as widget values after it."""
        message = BackMsg()
        message.rerun_script.page_name = page
        if first or not self.widget_ids:
            message.rerun_script.query_string = period.query_string()
        else:
            dates = WidgetState(id=self.widget_ids["date_input:filter_period"])
            dates.string_array_value.data.extend([period.start.isoformat(), period.end.isoformat()])
            side = WidgetState(id=self.widget_ids["radio:filter_urbanicity"])
            side.string_value = period.side
            message.rerun_script.widget_states.widgets.extend([dates, side])
            message.rerun_script.query_string = period.query_string()
        started = time.perf_counter()
        problems: list[str] = []
        texts: list[str] = []
        try:
            await self.ws.send(message.SerializeToString())
            while True:
                incoming = ForwardMsg()
                incoming.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=RERUN_TIMEOUT_S))
                kind = incoming.WhichOneof("type")
                if kind == "delta" and incoming.delta.WhichOneof("type") == "new_element":
                    self._read_element(incoming.delta.new_element, problems, texts)
                elif kind == "script_finished" and incoming.script_finished != FINISHED_EARLY_FOR_RERUN:
                    break
        except Exception as error:  # a load client reports a broken connection; it does not crash
            problems.append(f"{type(error).__name__}: {str(error)[:120]}")
        return RunResult(time.perf_counter() - started, problems, texts)

    def _read_element(self, element, problems: list[str], texts: list[str]) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            problems.append("exception: " + element.exception.message[:120])
        elif kind == "alert":
            if element.alert.format == ERROR_FORMAT:
                problems.append("error box: " + element.alert.body[:120])
            texts.append(element.alert.body)
        elif kind == "markdown":
            texts.append(element.markdown.body)
        elif kind in ("date_input", "radio"):
            widget = getattr(element, kind)
            key = widget.id.rsplit("-", 1)[-1]  # $$ID-<hash>-<user key>
            self.widget_ids[f"{kind}:{key}"] = widget.id


# --- filters -------------------------------------------------------------------------------


@dataclass
class Periods:
    """12-month periods inside the data, each new one never asked for before in this run."""

    first_month: dt.date
    last_month: dt.date
    issued: int = 0

    def months(self) -> list[dt.date]:
        months, month = [], add_months(self.first_month, 12)
        while month <= self.last_month:
            months.append(month)
            month = add_months(month, 1)
        return months

    def random(self, rng: random.Random) -> Period:
        """A period a person might pick: any 12 whole months ending within the data, either side."""
        end_month = rng.choice(self.months())
        return Period(add_months(end_month, -11), add_months(end_month, 1) - dt.timedelta(days=1), rng.choice(SIDES))

    def fresh(self) -> Period:
        """A combination no query of this process has seen (every period-bound query misses the cache)."""
        months = self.months()
        index = self.issued
        self.issued += 1
        end_month = months[-1 - index % len(months)]
        start_day = 1 + (index // len(months)) % 28  # after every end month was used, shift the start day
        start = add_months(end_month, -11).replace(day=start_day)
        return Period(start, add_months(end_month, 1) - dt.timedelta(days=1), SIDES[index % len(SIDES)])


# --- measurements --------------------------------------------------------------------------


async def warm(base_url: str, periods: Periods, pages: list[str], tabs: int = 1) -> None:
    """Open every page once per tab (imports, connections, first compiles), as a server up for a while has."""
    for _ in range(tabs):
        tab = await Tab(base_url).open()
        try:
            first = True
            for page in pages:
                await tab.run(page, periods.random(random.Random(0)), first=first)
                first = False
        finally:
            await tab.close()


async def cpu_per_page(base_url: str, pids: list[int], periods: Periods, runs: int, log: Callable[[str], None]) -> dict:
    """Server CPU and latency of a rerun of each page, one tab alone: cold (new filters) then cached (same again)."""
    names = page_names()
    await warm(base_url, periods, list(names))
    results = {}
    tab = await Tab(base_url).open()
    try:
        await tab.run("", periods.random(random.Random(1)), first=True)
        for page, title in names.items():
            await tab.run(page, periods.random(random.Random(2)))  # on the page; no measurement
            chosen = [periods.fresh() for _ in range(runs)]
            measured = {}
            for case in ("cold", "cached"):
                cpu, seconds, problems = [], [], []
                for period in chosen:
                    before = total_cpu(pids)
                    result = await tab.run(page, period)
                    cpu.append(total_cpu(pids) - before)
                    seconds.append(result.seconds)
                    problems += result.problems
                measured[case] = {
                    **summarize(seconds),
                    # /proc counts CPU in ticks (10 ms), so the mean over the runs is the precise figure
                    "cpu_ms": round(1000 * sum(cpu) / len(cpu), 1),
                    "cpu_p50_ms": summarize(cpu)["p50_ms"],
                    "failed": len(problems),
                    "first_problem": problems[0] if problems else None,
                }
            results[page or "overview"] = {"title": title, **measured}
            log(
                f"  {title}: server CPU per rerun cold {measured['cold']['cpu_ms']:.0f} ms,"
                f" cached {measured['cached']['cpu_ms']:.0f} ms (latency p50 {measured['cold']['p50_ms']:.0f} /"
                f" {measured['cached']['p50_ms']:.0f} ms)"
            )
    finally:
        await tab.close()
    cold = sorted(page["cold"]["cpu_ms"] for page in results.values())
    cached = sorted(page["cached"]["cpu_ms"] for page in results.values())
    return {
        "runs": runs,
        "pages": results,
        "median_cold_cpu_ms": _median(cold),
        "median_cached_cpu_ms": _median(cached),
    }


def _median(values: list[float]) -> float:
    values = sorted(values)
    middle = len(values) // 2
    return round(values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2, 1)


@dataclass(frozen=True)
class Scenario:
    users: int
    think_s: tuple[float, float]
    reruns: int  # in all, shared evenly by the users

    @property
    def label(self) -> str:
        return f"{self.users} users, {self.think_s[0]:g}–{self.think_s[1]:g} s think"


async def crowd(
    base_url: str,
    pids: list[int],
    periods: Periods,
    scenario: Scenario,
    *,
    seed: int = 11,
    arrive_within_s: float = 2.0,
    deadline_s: float = 600,
) -> dict:
    """`users` tabs at once, each rerunning random pages with random filters; latencies and server cost."""
    pages = list(page_names())
    per_user = max(1, scenario.reruns // scenario.users)
    seconds: list[float] = []
    later_seconds: list[float] = []  # reruns after a tab's first page open (which starts its session)
    problems: list[str] = []
    routes: list[str] = []

    async def user(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        await asyncio.sleep(rng.uniform(0, arrive_within_s))
        tab = Tab(base_url, route=uuid.UUID(int=rng.getrandbits(128)).hex)
        routes.append(tab.route)
        try:
            await tab.open()
        except Exception as error:
            problems.append(f"connect: {type(error).__name__}: {str(error)[:120]}")
            return
        try:
            for index in range(per_user):
                result = await tab.run(rng.choice(pages), periods.random(rng), first=index == 0)
                if result.failed:
                    problems.extend(result.problems)
                else:
                    seconds.append(result.seconds)
                    if index > 0:
                        later_seconds.append(result.seconds)
                await asyncio.sleep(rng.uniform(*scenario.think_s))
        finally:
            await tab.close()

    rss_peak = [total_rss(pids)]

    async def sample_rss() -> None:
        while True:
            rss_peak[0] = max(rss_peak[0], total_rss(pids))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample_rss())
    cpu_before = total_cpu(pids)
    started = time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.gather(*(user(number) for number in range(scenario.users))), deadline_s)
    except TimeoutError:
        problems.append(f"the scenario did not finish within {deadline_s:.0f} s")
    finally:
        sampler.cancel()
    wall = time.perf_counter() - started
    cpu = total_cpu(pids) - cpu_before
    done = len(seconds) + len(problems)
    empty = {"runs": 0, "p50_ms": None, "p95_ms": None, "max_ms": None}
    stats = summarize(seconds) if seconds else empty
    later = summarize(later_seconds) if later_seconds else empty
    return {
        "users": scenario.users,
        "think_s": list(scenario.think_s),
        "reruns": per_user * scenario.users,
        "reruns_ok": len(seconds),
        "failed": len(problems),
        "first_problem": problems[0] if problems else None,
        "p50_ms": stats["p50_ms"],
        "p95_ms": stats["p95_ms"],
        "max_ms": stats["max_ms"],
        # the same without each tab's first open: when everyone arrives at once, those queue up
        "after_first_open": {"reruns_ok": later["runs"], "p50_ms": later["p50_ms"], "p95_ms": later["p95_ms"]},
        "wall_s": round(wall, 1),
        "runs_per_s": round(done / wall, 2),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_per_rerun_ms": round(1000 * cpu / done, 1) if done else None,
        "server_rss_peak_mb": round(rss_peak[0] / 1e6, 1),
        "routes": routes,
    }


async def idle_sessions(
    base_url: str,
    pid: int,
    periods: Periods,
    count: int,
    *,
    session_ttl_s: float,
    log: Callable[[str], None],
    batch: int = 10,
    idle_s: float = 10,
    settle_s: float = 5,
) -> dict:
    """Open `count` tabs on the Overview and leave them idle; RSS per session; close them; is memory given back?

    Streamlit keeps a closed tab's session for server.disconnectedSessionTTL in case it
    reconnects, and (Streamlit issue 12506) an expired session is dropped from that store
    without being shut down. So RSS is read after the TTL has passed and a new session has
    come and gone (a write to the store is what drops expired entries), and a second round
    of `count` tabs shows whether the first round's memory is reused or lost.
    """
    rng = random.Random(7)

    async def open_round() -> tuple[list[Tab], list[str]]:
        tabs, problems = [], []
        for offset in range(0, count, batch):
            opened = await asyncio.gather(
                *(Tab(base_url).open() for _ in range(min(batch, count - offset))), return_exceptions=True
            )
            ready = []
            for tab in opened:
                if isinstance(tab, Exception):
                    problems.append(f"connect: {type(tab).__name__}: {str(tab)[:120]}")
                else:
                    ready.append(tab)
            results = await asyncio.gather(*(tab.run("", periods.random(rng), first=True) for tab in ready))
            for result in results:
                problems.extend(result.problems)
            tabs += ready
        return tabs, problems

    async def close_round(tabs: list[Tab]) -> None:
        await asyncio.gather(*(tab.close() for tab in tabs))
        await asyncio.sleep(session_ttl_s + settle_s)
        passer = await Tab(base_url).open()  # its disconnect writes to the session store: expired ones go
        await passer.run("", periods.random(rng), first=True)
        await passer.close()
        await asyncio.sleep(settle_s)

    async def settle() -> int:
        await asyncio.sleep(settle_s)
        return rss_bytes(pid)

    baseline = await settle()
    rounds = []
    for number in (1, 2):
        started = time.perf_counter()
        tabs, problems = await open_round()
        opened_s = time.perf_counter() - started
        await asyncio.sleep(idle_s)  # idle: nobody clicks
        still_open = sum(1 for tab in tabs if tab.ws.state.name == "OPEN")
        rss_open = await settle()
        await close_round(tabs)
        rss_closed = rss_bytes(pid)
        rounds.append(
            {
                "sessions": len(tabs),
                "errors": len(problems) + (len(tabs) - still_open),
                "first_problem": problems[0] if problems else None,
                "open_s": round(opened_s, 1),
                "rss_open_mb": round(rss_open / 1e6, 1),
                "rss_after_close_mb": round(rss_closed / 1e6, 1),
            }
        )
        log(
            f"  round {number}: {len(tabs)} sessions open in {opened_s:.0f} s, RSS {rss_open / 1e6:.0f} MB;"
            f" after closing them and the {session_ttl_s:.0f} s TTL: {rss_closed / 1e6:.0f} MB"
        )
    first, second = rounds
    return {
        "count": count,
        "session_ttl_s": session_ttl_s,
        "idle_s": idle_s,
        "rss_baseline_mb": round(baseline / 1e6, 1),
        "rounds": rounds,
        "rss_per_session_mb": round((first["rss_open_mb"] - baseline / 1e6) / count, 3),
        "rss_kept_per_closed_session_mb": round((first["rss_after_close_mb"] - baseline / 1e6) / count, 3),
        # a second round that fits in memory the first round gave back grows RSS by much less
        "rss_growth_second_round_per_session_mb": round((second["rss_open_mb"] - first["rss_open_mb"]) / count, 3),
        "errors": first["errors"] + second["errors"],
    }
