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

With several connections open (an app may hold up to ten: several processes), Slack sends
each envelope to one of them, any one (`deliver`). An Events API envelope not acknowledged
in time — its connection closed, or 3 seconds passed — is sent again, as a new envelope with
`retry_attempt` counting the retries and `retry_reason` `timeout`, to one of the connections
then open, up to three times (Slack waits a minute, then five, before the later ones: a test
gives shorter `retry_delays`). An interaction or a slash command is not sent again: the
person sees that the app did not respond, and tries again.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_TOKEN = "xapp-1-A0INTERSES-1800000000-abcdef0123456789"
APP_ID = "A0INTERSES"
BOUND = 30.0
"""Seconds any wait may take before the test fails (a hung client, not a slow one)."""
ACK_SECONDS = 3.0
"""How long Slack waits for an envelope's acknowledgement."""
RETRY_DELAYS = (0.0, 60.0, 300.0)
"""Slack's waits before each retry of an Events API envelope not acknowledged."""


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

    def __init__(
        self,
        app_token: str = APP_TOKEN,
        *,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        seed: int = 0,
    ) -> None:
        self.app_token = app_token
        self.retry_delays = retry_delays
        self.retried = 0
        """Events API envelopes sent again because one was not acknowledged (`deliver`)."""
        self.on_sent: Callable[[Envelope], Awaitable[None]] | None = None
        """Called as each envelope of `deliver` has gone, before its acknowledgement is
        awaited (a test kills the process it went to)."""
        self._random = random.Random(seed)
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
        envelope = await self._send_on(
            connection, kind, payload, retry_attempt=retry_attempt, retry_reason=retry_reason
        )
        assert envelope is not None, "the connection closed"
        if wait:
            await self.wait_for(lambda: envelope.ack is not None)
        return envelope

    async def deliver(
        self, kind: str, payload: dict[str, Any], *, ack_within: float = ACK_SECONDS
    ) -> Envelope | None:
        """Send an envelope as Slack does with several connections open: to any one of them
        (at random), waiting up to `ack_within` for its acknowledgement; an Events API
        envelope not acknowledged (its connection closed, or too late) is sent again to one
        of those then open, after each of `retry_delays`. The envelope acknowledged, or None:
        an interaction or a command whose connection did not acknowledge it, or an event
        whose every retry went unacknowledged.
        """
        delays = self.retry_delays if kind == "events_api" else ()
        for attempt in range(len(delays) + 1):
            if attempt:
                self.retried += 1
                await asyncio.sleep(delays[attempt - 1])
            await self.wait_for(lambda: bool(self.open))
            connection = self._random.choice(self.open)
            envelope = await self._send_on(
                connection,
                kind,
                payload,
                retry_attempt=attempt,
                retry_reason="timeout" if attempt else "",
            )
            if envelope is None:
                continue  # It closed as the envelope went.
            if self.on_sent is not None:
                await self.on_sent(envelope)
            with suppress(TimeoutError):  # Not in time: sent again, or left unanswered.
                await self.wait_for(
                    lambda e=envelope, c=connection: e.ack is not None or c.ws.closed, ack_within
                )
            if envelope.ack is not None:
                return envelope
        return None

    async def _send_on(
        self,
        connection: Connection,
        kind: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int,
        retry_reason: str,
    ) -> Envelope | None:
        """Send one envelope on `connection`; None when it closed meanwhile."""
        envelope = Envelope(str(uuid.uuid4()), kind, payload, connection.number, retry_attempt)
        message: dict[str, Any] = {
            "envelope_id": envelope.envelope_id,
            "payload": payload,
            "type": kind,
            # Slack takes a payload in the ack of interactions and commands, not of events.
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            message.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        try:
            await connection.ws.send_str(json.dumps(message))
        except ConnectionError:
            return None
        self.envelopes[envelope.envelope_id] = envelope
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
