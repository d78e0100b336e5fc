"""A Streamlit websocket client for tests: one browser session, as a server sees it, on 127.0.0.1.

It speaks the protocol the browser speaks (/_stcore/stream, protobuf BackMsg/ForwardMsg):
`rerun(page, query)` asks for a script run of a page, as a click or a link does, and returns
what that run drew: its metric cards, its alerts and any exception. Small on purpose; the
load benchmark in bench/ has its own client.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED_EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")


@dataclass
class Run:
    """What one script run drew."""

    metrics: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # st.error alerts and exceptions

    @property
    def failed(self) -> bool:
        return bool(self.errors)


class Session:
    """One websocket session: its session_state lives on the server between reruns."""

    def __init__(self, url: str) -> None:
        self._url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self._socket = None

    async def __aenter__(self) -> Session:
        self._socket = await websockets.connect(self._url, subprotocols=["streamlit"], max_size=2**27, open_timeout=30)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._socket.close()

    async def rerun(self, page: str = "", query: str = "", timeout: float = 120) -> Run:
        """Run `page` (its URL path, "" for the default) with `query` as the URL's query string."""
        message = BackMsg()
        message.rerun_script.query_string = query
        message.rerun_script.page_name = page
        await self._socket.send(message.SerializeToString())
        run = Run()
        async with asyncio.timeout(timeout):
            while True:
                forward = ForwardMsg()
                forward.ParseFromString(await self._socket.recv())
                kind = forward.WhichOneof("type")
                if kind == "script_finished":
                    if forward.script_finished == FINISHED_EARLY_FOR_RERUN:  # the app reran itself
                        run = Run()
                        continue
                    return run
                if kind != "delta" or forward.delta.WhichOneof("type") != "new_element":
                    continue
                element = forward.delta.new_element
                shown = element.WhichOneof("type")
                if shown == "metric":
                    run.metrics[element.metric.label] = element.metric.body
                elif shown == "exception":
                    run.errors.append(f"exception: {element.exception.message}")
                elif shown == "alert" and element.alert.format == Alert.ERROR:
                    run.errors.append(element.alert.body)
