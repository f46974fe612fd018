"""Outbound windows shared by every process of a bot, so its messages keep one pace whichever
process sends them (replies, reminders, digests, broadcasts).

A window of `count` messages in `seconds` is `count` places (rows of `pace`). A message
takes a free place before it goes out, holding it while in flight; once its request
completed, the place is given back, free again a window length later. That is exactly how
a process's own pacer counts (`bot.adapters.pacing.Pacer`), so its argument holds across
processes: the platform can never see more than `count` arrivals in its window. Taking is
one `UPDATE … RETURNING` on a free row locked `FOR UPDATE SKIP LOCKED`; time is the
database's clock, the one clock every process shares.

PostgreSQL only: SQLite serves one process, whose pacer already counts every message of
the bot, so a place is granted at once and nothing is written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

IN_FLIGHT_SECONDS = 10.0
"""How long a taken place counts as in flight at most. A process killed while sending holds
its places until then, and the chat it was writing to waits for them: longer would hold a
restarted conversation up (two minutes did, in the kill-and-restart fault test). A request
still in flight after this long (an upload) lets its place go early: at worst one message
more in a window, which a 429 and its retry absorb."""

_TAKE = text(
    """
    UPDATE pace SET free_at = extract(epoch FROM clock_timestamp()) + :in_flight
    WHERE key = :key AND slot = (
        SELECT slot FROM pace
        WHERE key = :key AND slot < :count AND free_at <= extract(epoch FROM clock_timestamp())
        ORDER BY slot LIMIT 1 OFFSET :reserve
        FOR UPDATE SKIP LOCKED
    )
    RETURNING slot
    """
)
"""A free place, when `reserve` more stay free (locked ones count as taken)."""

_LOOK = text(
    """
    SELECT
        (SELECT count(*) FROM pace WHERE key = :key AND slot < :count) AS places,
        (SELECT free_at FROM pace WHERE key = :key AND slot < :count
         ORDER BY free_at LIMIT 1 OFFSET :reserve) - extract(epoch FROM clock_timestamp()) AS wait
    """
)
"""How many places the window has, and the seconds until `reserve` + 1 of them are free."""

_CREATE = text(
    "INSERT INTO pace (key, slot, free_at) SELECT :key, slot, 0 "
    "FROM generate_series(0, :count - 1) AS slot ON CONFLICT DO NOTHING"
)

_GIVE_BACK = text(
    "UPDATE pace SET free_at = extract(epoch FROM clock_timestamp()) + :after "
    "WHERE key = :key AND slot = :slot"
)

_FORGET = text(
    """
    DELETE FROM pace
    WHERE free_at < extract(epoch FROM clock_timestamp()) - :quiet AND key IN (
        SELECT key FROM pace GROUP BY key
        HAVING max(free_at) < extract(epoch FROM clock_timestamp()) - :quiet
    )
    """
)
"""The windows quiet for `quiet` seconds (each row checked again: one taken meanwhile stays)."""


@dataclass(frozen=True)
class Place:
    """A place taken in a shared window."""

    key: str
    slot: int


class Pace:
    """The shared windows of one database, on one connection of this process's own."""

    def __init__(self, database: AsyncEngine) -> None:
        self.database = database
        self.shared = database.dialect.name == "postgresql"
        """True when other processes may send for the same bot (PostgreSQL)."""
        self._connection: AsyncConnection | None = None
        self._lock = asyncio.Lock()

    async def take(self, key: str, count: int, *, reserve: int = 0) -> Place | float:
        """A place in the window `key` of `count` places, leaving `reserve` others free;
        or, when there is none, the seconds until one frees (more than the window's length:
        every place is in flight, look again soon).

        Raises:
            Exception: The database cannot be reached (the caller paces on its own then).
        """
        if not self.shared:
            return Place(key, 0)
        values = {"key": key, "count": count, "reserve": reserve}
        async with self._lock:
            connection = await self._connect()
            try:
                for _ in range(2):
                    slot = await connection.scalar(
                        _TAKE, {**values, "in_flight": IN_FLIGHT_SECONDS}
                    )
                    if slot is not None:
                        return Place(key, int(slot))
                    found = (await connection.execute(_LOOK, values)).one()
                    if found.places >= count:
                        break
                    # A window not used yet, or one that grew: its places, then try again.
                    await connection.execute(_CREATE, {"key": key, "count": count})
            except BaseException:
                await self._disconnect()
                raise
        return max(0.0, float(found.wait)) if found.wait is not None else 0.0

    async def give_back(self, places: Sequence[tuple[Place, float]]) -> None:
        """Give back places whose message's request completed, each free again after its
        seconds (0: the place was not used)."""
        if not self.shared or not places:
            return
        rows = [{"key": p.key, "slot": p.slot, "after": after} for p, after in places]
        async with self._lock:
            connection = await self._connect()
            try:
                await connection.execute(_GIVE_BACK, rows)
            except BaseException:
                await self._disconnect()
                raise

    async def forget_quiet(self, seconds: float) -> int:
        """Forget the windows nothing was sent in for `seconds` (a chat's, mostly: a window is
        made again when next used); how many places."""
        if not self.shared:
            return 0
        async with self.database.begin() as connection:
            result = await connection.execute(_FORGET, {"quiet": seconds})
        return int(result.rowcount or 0)

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self.database.connect()
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            self._connection = connection
        return self._connection

    async def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with suppress(Exception):  # A connection already gone has nothing to release.
                await connection.close()

    async def close(self) -> None:
        """Release the connection."""
        async with self._lock:
            await self._disconnect()
