"""Websocket load on the Streamlit Public report: USERS sessions each rerun the page for DURATION seconds.

Each rerun is one view of the page as Streamlit serves it (the script runs, the elements are
sent). Every session is opened and run once before the clock starts (a new session's first run
costs more), and a first-time visitor would also download Streamlit's JavaScript bundle, which
this does not count: the app's figure is its best case. Bounded in time; loopback only.
Used by bench/site_run.py; alone: python -m bench.site_load PORT USERS DURATION
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED_EARLY_FOR_RERUN = 2
TIMEOUT_S = 120


async def _view(socket, errors: list[str]) -> float:
    """Rerun the page once; its time in seconds, from the request to the script's end."""
    message = BackMsg()
    message.rerun_script.query_string = ""
    message.rerun_script.page_name = ""
    started = time.perf_counter()
    await socket.send(message.SerializeToString())
    while True:
        reply = ForwardMsg()
        reply.ParseFromString(await asyncio.wait_for(socket.recv(), timeout=TIMEOUT_S))
        kind = reply.WhichOneof("type")
        delta = reply.delta if kind == "delta" else None
        if delta and delta.WhichOneof("type") == "new_element" and delta.new_element.HasField("exception"):
            errors.append(delta.new_element.exception.message[:100])
        if kind == "script_finished" and reply.script_finished != FINISHED_EARLY_FOR_RERUN:
            return time.perf_counter() - started


async def _user(port: int, ready: asyncio.Barrier, run_for: list[float], latencies: list[float], errors: list[str]):
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    try:
        async with websockets.connect(url, subprotocols=["streamlit"], max_size=2**27, open_timeout=30) as socket:
            await _view(socket, errors)  # the session's first run sets it up; not counted
            await ready.wait()  # every session is open before the clock starts
            while time.monotonic() < run_for[0]:
                latencies.append(await _view(socket, errors))
    except Exception as error:  # a load client reports, it does not crash
        errors.append(f"{type(error).__name__}: {str(error)[:100]}")


async def _run(port: int, users: int, duration_s: float) -> dict[str, object]:
    latencies: list[float] = []
    errors: list[str] = []
    ready = asyncio.Barrier(users + 1)
    run_for = [float("inf")]
    tasks = [asyncio.create_task(_user(port, ready, run_for, latencies, errors)) for _ in range(users)]
    await asyncio.wait_for(ready.wait(), timeout=TIMEOUT_S * 2)
    started = time.monotonic()
    run_for[0] = started + duration_s
    await asyncio.gather(*tasks)
    wall = time.monotonic() - started
    ordered = sorted(latencies)

    def percentile(share: float) -> float | None:
        return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1) if ordered else None

    return {
        "users": users,
        "views": len(ordered),
        "wall_s": round(wall, 1),
        "views_per_s": round(len(ordered) / wall, 2) if wall else 0.0,
        "p50_ms": percentile(0.5),
        "p95_ms": percentile(0.95),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
    }


def run(port: int, users: int, duration_s: float) -> dict[str, object]:
    """Load the page and return views, views per second, p50/p95 (ms) and errors."""
    return asyncio.run(asyncio.wait_for(_run(port, users, duration_s), timeout=duration_s + TIMEOUT_S + 30))


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))))
