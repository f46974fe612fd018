"""Local fake platform servers for tests, and a way to run any ASGI app on loopback HTTP."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn


def loopback_socket() -> socket.socket:
    """A socket bound to 127.0.0.1 and a free port, for `serve_loopback`: its address is
    known before the app is built (an app whose settings name its own URL)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Without it, small replies wait on Nagle's algorithm: about 40 ms per request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def serve_loopback(app: Any, sock: socket.socket | None = None) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 and a free port (or on `sock`, from
    `loopback_socket`); yield its base URL.

    The socket is bound before the server starts, so the port is known and free, and the
    server is up as soon as this yields: nothing polls or sleeps to find out.
    """
    sock = sock or loopback_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="off",
        ws="none",
        log_config=None,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.shutdown(sockets=[sock])
