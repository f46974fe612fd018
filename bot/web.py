"""The web process: health check, the secretariat's console, the routes of the channels
served over HTTP, and the body limit on every route."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.app import App

if TYPE_CHECKING:
    from bot.adapters import Channel

MAX_REQUEST_BYTES = 1024 * 1024
"""The largest request body any route reads. Slack's and Telegram's payloads are far smaller
(a Slack view submission or a Telegram update is a few kilobytes)."""
LINGER_BYTES = 16 * 1024 * 1024
LINGER_SECONDS = 2.0
"""After a 413, what is still read (and dropped, never held) before the connection is
closed: closing on unread data resets the connection, and the reset destroys the answer if
the client has not read it yet (the reason web servers linger). What a client has already
sent sits in the kernel's buffers, a few megabytes on loopback; past these bounds the
connection is closed anyway, so a client cannot keep us reading."""


class _TooLarge(Exception):
    """The body went over the limit; the 413 has been sent."""


class BodyLimit:
    """ASGI middleware: a request body over `limit` bytes gets 413 and is never held.

    A Content-Length over the limit is refused before a byte of the body is read; a body
    without one (chunked) is passed on as it arrives and refused the moment it goes over, so
    no endpoint ever holds more than `limit` bytes of it. The 413 closes the connection after
    a bounded linger, so the rest of the body is not read either.
    """

    def __init__(self, app: ASGIApp, *, limit: int = MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(receive, send)
            return
        received = 0
        answered = False

        async def limited_receive() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    answered = True
                    await _too_large(receive, send)
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # An endpoint that caught the error must not answer a second time.
            if not answered:
                await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            pass
        except Exception:
            if not answered:
                raise


async def _too_large(receive: Receive, send: Send) -> None:
    """Answer 413 (and close), reading what the client still sends for a moment first."""
    body = b'{"error": "request body too large"}'
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    # The whole answer is on its way; the response ends (and the connection closes) after
    # the linger, which drops what arrives meanwhile.
    await send({"type": "http.response.body", "body": body, "more_body": True})
    dropped = 0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(LINGER_SECONDS):
            while dropped < LINGER_BYTES:
                message = await receive()
                if message["type"] != "http.request" or not message.get("more_body"):
                    break
                dropped += len(message.get("body", b""))
    await send({"type": "http.response.body", "body": b""})


def create_web_app(app: App, channels: Sequence[Channel] = ()) -> Starlette:
    """The Starlette application serving every HTTP route of the bot.

    Every route is behind `BodyLimit` (MAX_REQUEST_BYTES); the secretariat's console is
    mounted at /console (`bot.console`).

    Args:
        app: The built application.
        channels: The channels the platforms reach over HTTP, each with its routes
            (Telegram's webhook at /telegram/webhook, Slack's events at /slack/events).
    """

    async def healthz(request: Request) -> JSONResponse:
        try:
            async with app.database.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # Reported, not raised: that is what a health check is for.
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    # The console (its pages, Jinja2) loads when a web app is made, not with the command line.
    from bot.console.routes import mount as console_mount

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"]), console_mount(app)]
    routes += [route for channel in channels for route in channel.routes]
    return Starlette(routes=routes, middleware=[Middleware(BodyLimit)])
