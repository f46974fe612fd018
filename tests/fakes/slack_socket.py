"""A local fake of Slack's Socket Mode: the WebSocket server behind apps.connections.open.

It speaks the protocol as Slack documents it and slack_sdk's client expects it: a URL from
apps.connections.open (app token required, on the fake Web API) is good for one connection;
on connecting, the server sends `hello`; then envelopes

    {"envelope_id", "type": "events_api" | "interactive" | "slash_commands", "payload",
     "accepts_response_payload", "retry_attempt", "retry_reason"}

each of which the app must acknowledge with `{"envelope_id": …}` (and a `payload` where the
envelope accepts one, e.g. a form's errors). `disconnect` (reason `refresh_requested`) asks the
app to open a new connection; the old one is closed once the new one says hello. Pings are
answered, as Slack does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_TOKEN = "xapp-1-A0INTERSES-1800000000-abcdef0123456789"
APP_ID = "A0INTERSES"
BOUND = 30.0
"""Seconds any wait may take before the test fails (a hung client, not a slow one)."""


@dataclass
class Connection:
    """One WebSocket connection the app opened."""

    number: int
    ticket: str
    ws: web.WebSocketResponse
    received: list[dict[str, Any]] = field(default_factory=list)
    """Every message the app sent on it (its acknowledgements)."""


@dataclass
class Envelope:
    """One envelope sent to the app, and its acknowledgement once it came."""

    envelope_id: str
    type: str
    payload: dict[str, Any]
    connection: int
    retry_attempt: int
    ack: dict[str, Any] | None = None


class FakeSocketMode:
    """The Socket Mode server's state and its aiohttp application (`.app`)."""

    def __init__(self, app_token: str = APP_TOKEN) -> None:
        self.app_token = app_token
        self.url = ""
        """The server's base URL (ws://…), once it runs."""
        self.opened = 0
        """How many URLs apps.connections.open handed out."""
        self.connections: list[Connection] = []
        self.envelopes: dict[str, Envelope] = {}
        self._tickets: set[str] = set()
        self._numbers = itertools.count(1)
        self._changed = asyncio.Condition()
        self.app = web.Application()
        self.app.add_routes([web.get("/link/", self._link)])

    # apps.connections.open, called by the fake Web API

    def open_connection(self) -> str:
        """A fresh URL for one connection, as apps.connections.open returns it."""
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        self.opened += 1
        return f"{self.url}/link/?ticket={ticket}&app_id={APP_ID}"

    # The protocol

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)  # a URL is good for one connection
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        connection = Connection(next(self._numbers), ticket, ws)
        self.connections.append(connection)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self.open),
                    "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": APP_ID},
                }
            )
        )
        await self._notify()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._received(connection, json.loads(message.data))
        finally:
            await self._notify()
        return ws

    async def _received(self, connection: Connection, message: dict[str, Any]) -> None:
        connection.received.append(message)
        envelope = self.envelopes.get(str(message.get("envelope_id")))
        if envelope is not None and envelope.ack is None:
            envelope.ack = message
        await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Any, bound: float = BOUND) -> None:
        """Wait until `predicate()` holds; checked whenever a connection or a message comes."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), bound)

    # What tests do

    @property
    def open(self) -> list[Connection]:
        """The connections still open, oldest first."""
        return [c for c in self.connections if not c.ws.closed]

    async def connected(self, count: int = 1) -> Connection:
        """Wait until the app has opened `count` connections; the newest."""
        await self.wait_for(lambda: len(self.connections) >= count and self.open)
        return self.open[-1]

    async def send(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
        wait: bool = True,
    ) -> Envelope:
        """Send an envelope on the newest open connection; by default wait for its ack."""
        connection = await self.connected()
        envelope = Envelope(str(uuid.uuid4()), kind, payload, connection.number, retry_attempt)
        self.envelopes[envelope.envelope_id] = envelope
        message: dict[str, Any] = {
            "envelope_id": envelope.envelope_id,
            "payload": payload,
            "type": kind,
            # Slack takes a payload in the ack of interactions and commands, not of events.
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            message.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        await connection.ws.send_str(json.dumps(message))
        if wait:
            await self.wait_for(lambda: envelope.ack is not None)
        return envelope

    async def disconnect(self, reason: str = "refresh_requested") -> Connection:
        """Ask the app to reconnect, as Slack does every few hours; return the new
        connection once it said hello, after closing the old one."""
        old = await self.connected()
        count = len(self.connections)
        await old.ws.send_str(
            json.dumps(
                {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
            )
        )
        await self.wait_for(lambda: len(self.connections) > count)
        new = self.connections[-1]
        if not old.ws.closed:
            await old.ws.close()
        return new

    def unacknowledged(self) -> list[Envelope]:
        """The envelopes the app never acknowledged."""
        return [e for e in self.envelopes.values() if e.ack is None]

    async def close(self) -> None:
        """Close every connection still open (the server is going away)."""
        for connection in self.open:
            await connection.ws.close()


@asynccontextmanager
async def serve_socket_mode(fake: FakeSocketMode) -> AsyncIterator[str]:
    """Serve the fake on 127.0.0.1 and a free port; yield its ws:// base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    runner = web.AppRunner(fake.app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.SockSite(runner, sock)
    await site.start()
    fake.url = f"ws://127.0.0.1:{port}"
    try:
        yield fake.url
    finally:
        await fake.close()
        await runner.cleanup()
