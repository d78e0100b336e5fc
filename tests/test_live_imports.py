"""The running app follows the database file: imports made while sessions rerun pages are read at once.

A real `streamlit run` server on 127.0.0.1, five websocket sessions rerunning pages without a
pause, and ten partnership imports one after another. After each import, a fresh session and
every one of the five older sessions must show the new number of active partnerships on their
next rerun of the Overview, and no rerun may fail (issue 12: before connections followed the
file, 6-7 of 10 imports stayed stale and some reruns failed with "connection is busy").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random

import duckdb
import websockets
from st_client import Run, Session

import queries
from data import demo
from data.importers import run_import
from test_browser import streamlit_server

SESSIONS = 5
IMPORTS = 10
PERIOD = "from=2024-01-01&to=2024-12-31"
RERUN_TIMEOUT_S = 60
# the public report republishes after each import, in the server's process, beside the other sessions' queries
PAGES = ["", "crime", "trust", "partnerships", "impact", "programs", "map", "methodology", "transparency"]


def active_partnerships(path) -> int:
    """The Overview's card, computed from the file itself."""
    with duckdb.connect(str(path), read_only=True) as con:
        totals = queries.run(
            con, "programs/totals", start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 12, 31), urbanicity=None
        )
    return int(totals["partnerships_active"].sum())


class Scenario:
    """Shared between the importing loop and the sessions: what each session read after each import."""

    def __init__(self) -> None:
        self.expected: tuple[int, str] | None = None  # (import number, active partnerships it must show)
        self.stale: dict[int, list[str]] = {}  # import number -> who showed an old value
        self.checked: dict[int, int] = {}  # import number -> sessions that reran after it
        self.failed: list[str] = []
        self.reruns = 0
        self.sessions_alive = SESSIONS
        self.stop = False

    async def rerun(self, who: str, session: Session, page: str) -> Run | None:
        """One rerun; a failed one (an error on the page, a timeout, a dropped socket) is recorded."""
        self.reruns += 1
        try:
            run = await session.rerun(page, PERIOD, timeout=RERUN_TIMEOUT_S)
        except (TimeoutError, OSError, websockets.WebSocketException) as error:
            self.failed.append(f"{who}: {type(error).__name__} {error}")
            return None
        if run.failed:
            self.failed.append(f"{who}: {run.errors[0][:200]}")
        return run

    def record(self, who: str, run: Run | None, expected: tuple[int, str]) -> None:
        number, value = expected
        self.checked[number] = self.checked.get(number, 0) + 1
        shown = run.metrics.get("Active partnerships") if run else None
        if shown != value:
            self.stale.setdefault(number, []).append(f"{who} showed {shown}, file holds {value}")


async def keep_rerunning(url: str, who: str, scenario: Scenario, rng: random.Random) -> None:
    """Rerun random pages; the first rerun started after each import is the Overview, and is checked.

    A session whose rerun failed is closed (its script may still be running), as a browser would reload.
    """
    checked_up_to = 0
    async with Session(url) as session:
        while not scenario.stop:
            expected = scenario.expected
            check = expected is not None and expected[0] > checked_up_to
            run = await scenario.rerun(who, session, "" if check else rng.choice(PAGES))
            if check:
                scenario.record(who, run, expected)
                checked_up_to = expected[0]
            if run is None:
                break
    scenario.sessions_alive -= 1


async def scenario_run(url: str, db_path, folder) -> Scenario:
    scenario = Scenario()
    sessions = [
        asyncio.create_task(keep_rerunning(url, f"session {number}", scenario, random.Random(number)))
        for number in range(SESSIONS)
    ]
    await asyncio.sleep(8)  # every session has drawn pages on the first file
    clock = asyncio.get_running_loop().time
    for number in range(1, IMPORTS + 1):
        partnerships = folder / f"partnerships-{number}.csv"
        partnerships.write_text(
            "name,nonprofit,org_type,start_date,areas\n"
            f"Live import {number},Riverton Youth Alliance,youth,2024-02-01,N01\n"
        )
        # the import runs beside the sessions' reruns, as one from the CLI or the Import page would
        await asyncio.to_thread(run_import, "partnerships", partnerships, db_path)
        expected = (number, str(active_partnerships(db_path)))
        scenario.expected = expected
        async with Session(url) as fresh:
            scenario.record("a fresh session", await scenario.rerun("a fresh session", fresh, ""), expected)
        deadline = clock() + 2 * RERUN_TIMEOUT_S
        while scenario.checked.get(number, 0) < scenario.sessions_alive + 1 and clock() < deadline:
            await asyncio.sleep(0.2)
    scenario.stop = True
    await asyncio.gather(*sessions)
    return scenario


def test_every_session_reads_each_import_on_its_next_rerun(tmp_path):
    db_path = tmp_path / "agency.duckdb"
    demo.build(db_path, seed=1, incidents=30_000)
    first = active_partnerships(db_path)
    with streamlit_server(db_path, tmp_path / "public.duckdb", tmp_path / "streamlit.log") as url:
        scenario = asyncio.run(asyncio.wait_for(scenario_run(url, db_path, tmp_path), timeout=1500))
        stale = sum(len(who) for who in scenario.stale.values())
        print(
            f"\nstale reads: {stale} of {IMPORTS * (SESSIONS + 1)} ({len(scenario.stale)} of {IMPORTS} imports);"
            f" failed reruns: {len(scenario.failed)} of {scenario.reruns}"
        )
    assert active_partnerships(db_path) == first + IMPORTS  # every import added one
    assert not scenario.failed, scenario.failed[:5]
    assert not scenario.stale, scenario.stale
    assert scenario.checked == {number: SESSIONS + 1 for number in range(1, IMPORTS + 1)}
    assert scenario.reruns > IMPORTS * (SESSIONS + 1)  # the sessions kept the server busy between checks
