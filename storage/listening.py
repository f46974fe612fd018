"""The connection that hears the other processes' wake-ups (PostgreSQL `LISTEN`), kept open:
when it dies (a server restart, `pg_terminate_backend`, the network) it is opened again with
backoff, and once back the process looks once, since notifications may have been missed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

APPLICATION_NAME = "intersessional-listen"
"""The listening backend's name in pg_stat_activity."""
MAX_BACKOFF = 10.0

Heard = Callable[[str, str], None]
"""Called with a notification's channel and payload."""
Sleep = Callable[[float], Awaitable[None]]


class Listener:
    """One LISTEN connection for `channels`, reopened whenever it is lost."""

    def __init__(
        self,
        database: AsyncEngine,
        channels: Sequence[str],
        heard: Heard,
        look: Callable[[], None],
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """`heard` gets each notification; `look` is called once the connection is back."""
        self.database = database
        self.channels = tuple(channels)
        self._heard = heard
        self._look = look
        self._sleep = sleep
        self._connection: AsyncConnection | None = None
        self._dropped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> bool:
        """Open the connection (raising when the database cannot be reached), then keep it;
        False when the driver offers no LISTEN."""
        if not await self._open():
            return False
        self._task = asyncio.create_task(self._keep())
        return True

    async def close(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._discard()

    async def _open(self) -> bool:
        connection = await self.database.connect()
        try:
            raw = (await connection.get_raw_connection()).driver_connection
            if raw is None:
                await connection.close()
                return False
            dropped = asyncio.Event()
            await raw.execute(f"SET application_name = '{APPLICATION_NAME}'")

            def heard(_connection: Any, _pid: int, channel: str, payload: str) -> None:
                self._heard(channel, payload)

            for channel in self.channels:
                await raw.add_listener(channel, heard)
            raw.add_termination_listener(lambda _connection: dropped.set())
        except BaseException:
            with suppress(Exception):  # Never back to the pool: it holds our listeners.
                await connection.invalidate()
            raise
        self._connection, self._dropped = connection, dropped
        return True

    async def _discard(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(Exception):  # A connection already gone has nothing to release.
                await connection.invalidate()

    async def _keep(self) -> None:
        while True:
            await self._until_lost()
            log.warning(
                "the database connection for wake-ups was lost; reopening it "
                "(meanwhile the workers look every second)"
            )
            await self._discard()
            if not await self._reopen():
                return
            log.warning("the database connection for wake-ups is back")
            self._look()  # What was notified while it was away.

    async def _until_lost(self) -> None:
        # The driver says when the socket closed (a server restart, pg_terminate_backend, a
        # reset). No ping: one cancelled by a stop delays the stop, and a connection that
        # went silent without closing costs only the workers' look every second.
        await self._dropped.wait()

    async def _reopen(self) -> bool:
        failures = 0
        while True:
            try:
                return await self._open()
            except Exception:  # The database is away: try again, quietly, with backoff.
                failures += 1
                await self._sleep(min(MAX_BACKOFF, 0.5 * 2 ** (failures - 1)))
