"""What lets many processes share one database: the inbox workers take updates from, the
outbox the elected sender sends from, the leases that elect it, and the wake-ups.

PostgreSQL carries it across processes: a worker holds the oldest waiting update of a chat
with `FOR UPDATE SKIP LOCKED` on a connection of its own until it is handled, so a chat is
handled by one worker at a time, in order, and many chats at once; a lease is a session
advisory lock on a connection of its own, freed the moment its process dies; `NOTIFY` wakes
the other processes. SQLite serves one process: the same calls, with the chats in hand and
the leases kept in memory and in-process events as wake-ups.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter, deque
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from storage.listening import Listener
from storage.relay_models import INBOX_CHANNEL, OUTBOX_CHANNEL, InboxItem, OutboxItem

log = logging.getLogger(__name__)

LEASE_CHECK_SECONDS = 1.0
"""How often a lease holder checks its connection, and a standby tries to take the lease."""


@dataclass(frozen=True)
class Incoming:
    """An update as it goes into the inbox."""

    platform: str
    update_key: str
    chat_key: str
    body: str


@dataclass(frozen=True)
class Taken:
    """An update a worker holds until it is handled."""

    id: int
    chat_key: str
    body: str


@dataclass(frozen=True)
class Unsent:
    """One outbox row to send."""

    id: int
    chat_id: str
    body: str
    progress: int


class Doorbell:
    """Wakes one waiter for each ring, where an `asyncio.Event` wakes them all: an update
    stored wakes one idle worker, not every worker of the process to look at the inbox and
    all but one find nothing. A ring while nobody waits is kept for the next waiter (a
    worker between two looks), at most `KEPT` of them.
    """

    KEPT = 8
    """Rings kept for waiters to come: more than the workers of a process, so that none
    goes unwoken; fewer than a burst's updates, which the busy workers take anyway (a
    worker that handled an update looks again before it waits)."""

    def __init__(self) -> None:
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._kept = 0

    def ring(self, times: int = 1) -> None:
        """Wake `times` waiters; keep the rings nobody was waiting for."""
        for _ in range(times):
            while self._waiters and self._waiters[0].done():
                self._waiters.popleft()  # Its wait ended (timed out or cancelled).
            if self._waiters:
                self._waiters.popleft().set_result(None)
            else:
                self._kept = min(self.KEPT, self._kept + 1)

    @property
    def waiting(self) -> int:
        """How many wait now."""
        return sum(not waiter.done() for waiter in self._waiters)

    def ring_all(self) -> None:
        """Wake every waiter, and the next one to wait."""
        self.ring(len(self._waiters) + 1)

    async def wait(self, seconds: float) -> bool:
        """Wait for a ring (a kept one at once), at most `seconds`; whether one came."""
        if self._kept:
            self._kept -= 1
            return True
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, seconds)
        except TimeoutError:
            return False
        finally:
            with suppress(ValueError):
                self._waiters.remove(waiter)
        return True


class Relay:
    """The inbox, the outbox as the sender sees it, leases and wake-ups, for one database."""

    def __init__(self, database: AsyncEngine) -> None:
        self.database = database
        self.shared = database.dialect.name == "postgresql"
        """True when other processes may share the database (PostgreSQL)."""
        self._busy: dict[str, set[str]] = {}
        self._claiming = asyncio.Lock()
        self._events: dict[tuple[str, str], asyncio.Event] = {}
        self._bells: dict[str, Doorbell] = {}
        self._sending: set[str] = set()
        self._listener: Listener | None = None
        self._local_leases: set[str] = set()

    # Wake-ups

    def event(self, channel: str, platform: str) -> asyncio.Event:
        """The event set when something arrives for `platform` on `channel`."""
        return self._events.setdefault((channel, platform), asyncio.Event())

    def wake(self, channel: str, platform: str, times: int = 1) -> None:
        """Wake this process's waiters (the other processes hear the NOTIFY): the sender,
        or `times` of the idle workers."""
        if channel == INBOX_CHANNEL:
            self.worker_bell(platform).ring(times)
        else:
            self.event(channel, platform).set()

    def wake_sender(self, platform: str) -> None:
        """Wake this process's sender of `platform` (replies were queued)."""
        self.wake(OUTBOX_CHANNEL, platform)

    def sender_event(self, platform: str) -> asyncio.Event:
        """Set when replies to `platform` were queued."""
        return self.event(OUTBOX_CHANNEL, platform)

    def sending(self, platform: str, here: bool) -> None:
        """Note whether this process's sender of `platform` holds the lease (it sends)."""
        if here:
            self._sending.add(platform)
        else:
            self._sending.discard(platform)

    def sends_here(self, platform: str) -> bool:
        """Whether this process sends for `platform`: replies it queues need no NOTIFY, its
        own sender is woken in memory (one that takes the lease over looks first anyway)."""
        return platform in self._sending

    def worker_bell(self, platform: str) -> Doorbell:
        """Rung once for each update of `platform` stored in the inbox."""
        return self._bells.setdefault(platform, Doorbell())

    def wake_all(self) -> None:
        """Wake every waiter of this process (something may have been missed)."""
        for event in self._events.values():
            event.set()
        for bell in self._bells.values():
            bell.ring_all()

    async def listen(self) -> None:
        """Hear the other processes' notifications (PostgreSQL; nothing to do on SQLite).

        Wake-ups are hints: a waiter also looks again every second or so, so a notification
        lost while the connection was away delays, and loses, nothing. A lost connection is
        opened again (`storage.listening`), and every waiter looks once it is back.
        """
        if not self.shared or self._listener is not None:
            return
        listener = Listener(
            self.database, (INBOX_CHANNEL, OUTBOX_CHANNEL), self.wake, self.wake_all
        )
        if await listener.start():
            self._listener = listener

    async def close(self) -> None:
        """Stop listening."""
        listener, self._listener = self._listener, None
        if listener is not None:
            await listener.close()

    # The inbox

    async def put(self, items: Sequence[Incoming], now: datetime) -> None:
        """Store updates in one transaction (one already waiting is stored once); once this
        returns they are safe, and the platform may be told they arrived."""
        if not items:
            return
        make = postgresql_insert if self.shared else sqlite_insert
        rows = [
            {
                "platform": item.platform,
                "update_key": item.update_key,
                "chat_key": item.chat_key,
                "body": item.body,
                "received_at": now,
            }
            for item in items
        ]
        statement = make(InboxItem).on_conflict_do_nothing(
            index_elements=["platform", "update_key"]
        )
        stored = Counter(item.platform for item in items)
        async with self.database.begin() as connection:
            await connection.execute(statement, rows)
            for platform, count in stored.items():
                # Only when this process's idle workers cannot take them all at once: a
                # NOTIFY wakes a worker in every other process, and all but one find nothing.
                if self.worker_bell(platform).waiting < count:
                    await self._notify(connection, INBOX_CHANNEL, platform)
        for platform, count in stored.items():
            self.wake(INBOX_CHANNEL, platform, count)

    async def _notify(self, connection: AsyncConnection, channel: str, platform: str) -> None:
        if self.shared:
            await connection.execute(
                text("SELECT pg_notify(:channel, :platform)"),
                {"channel": channel, "platform": platform},
            )

    def _oldest(self, platform: str, busy: set[str]) -> Any:
        """The oldest waiting update of each chat no worker of this process holds."""
        earlier = aliased(InboxItem)
        query = (
            select(InboxItem.id, InboxItem.chat_key, InboxItem.body)
            .where(
                InboxItem.platform == platform,
                ~exists().where(
                    earlier.platform == InboxItem.platform,
                    earlier.chat_key == InboxItem.chat_key,
                    earlier.id < InboxItem.id,
                ),
            )
            .order_by(InboxItem.id)
            .limit(1)
        )
        if busy:
            query = query.where(InboxItem.chat_key.not_in(sorted(busy)))
        return query

    @asynccontextmanager
    async def take(self, platform: str) -> AsyncIterator[Taken | None]:
        """Hold the oldest waiting update of a chat no other worker holds (None: none waits).

        It is deleted when the block ends normally: handled, or set aside. When the block
        raises, or the process dies, it is left for a worker to take again.
        """
        busy = self._busy.setdefault(platform, set())
        if self.shared:
            async with self._take_shared(platform, busy) as taken:
                yield taken
            return
        # One process: the chats in hand are kept here, claimed one worker at a time.
        async with self._claiming, self.database.connect() as connection:
            row = (await connection.execute(self._oldest(platform, busy))).first()
            taken = Taken(row.id, row.chat_key, row.body) if row is not None else None
            if taken is not None:
                busy.add(taken.chat_key)
        if taken is None:
            yield None
            return
        try:
            yield taken
            async with self.database.begin() as connection:
                await connection.execute(delete(InboxItem).where(InboxItem.id == taken.id))
        finally:
            busy.discard(taken.chat_key)

    @asynccontextmanager
    async def _take_shared(self, platform: str, busy: set[str]) -> AsyncIterator[Taken | None]:
        async with self.database.connect() as connection:
            transaction = await connection.begin()
            try:
                query = self._oldest(platform, busy).with_for_update(skip_locked=True, of=InboxItem)
                row = (await connection.execute(query)).first()
                if row is None:
                    await transaction.rollback()
                    yield None
                    return
                busy.add(row.chat_key)
                try:
                    yield Taken(row.id, row.chat_key, row.body)
                finally:
                    busy.discard(row.chat_key)
                await connection.execute(delete(InboxItem).where(InboxItem.id == row.id))
                await transaction.commit()
            except BaseException:
                with suppress(Exception):  # The connection may be the reason.
                    await transaction.rollback()
                raise

    async def waiting(self, platform: str) -> int:
        """How many updates of a platform wait in the inbox (held ones included)."""
        async with self.database.connect() as connection:
            count = await connection.scalar(
                select(func.count()).select_from(InboxItem).where(InboxItem.platform == platform)
            )
        return int(count or 0)

    # The outbox, as the sender sees it

    async def unsent(self, platform: str, *, skip: set[int], limit: int = 200) -> list[Unsent]:
        """The oldest rows of a platform not sent yet, except those in `skip` (in hand)."""
        query = (
            select(OutboxItem.id, OutboxItem.chat_id, OutboxItem.body, OutboxItem.progress)
            .where(OutboxItem.platform == platform, OutboxItem.done_at.is_(None))
            .order_by(OutboxItem.id)
            .limit(limit + len(skip))
        )
        async with self.database.connect() as connection:
            rows = (await connection.execute(query)).all()
        found = [Unsent(r.id, r.chat_id, r.body, r.progress) for r in rows if r.id not in skip]
        return found[:limit]

    async def advance(self, row_id: int, progress: int) -> None:
        """Note that the platform confirmed the first `progress` calls of a row."""
        async with self.database.begin() as connection:
            await connection.execute(
                update(OutboxItem).where(OutboxItem.id == row_id).values(progress=progress)
            )

    async def finish(self, row_id: int, outcome: str, now: datetime) -> None:
        """Mark a row done: `sent`, `unreachable` or `failed`. Its replies are dropped (they
        may hold a participant's answers, or their whole data for /mydata): what stays is
        where and when, and how it went."""
        async with self.database.begin() as connection:
            await connection.execute(
                update(OutboxItem)
                .where(OutboxItem.id == row_id)
                .values(done_at=now, outcome=outcome, body="")
            )

    async def enqueue(self, platform: str, chat_id: str, body: str, now: datetime) -> None:
        """Queue replies outside any update's transaction (what comes after its commit)."""
        async with self.database.begin() as connection:
            await connection.execute(
                insert(OutboxItem).values(
                    platform=platform, chat_id=chat_id, body=body, progress=0, created_at=now
                )
            )
            if not self.sends_here(platform):
                await self._notify(connection, OUTBOX_CHANNEL, platform)
        self.wake(OUTBOX_CHANNEL, platform)

    async def forget_sent(self, before: datetime) -> int:
        """Forget rows done before `before`; how many."""
        async with self.database.begin() as connection:
            result = await connection.execute(delete(OutboxItem).where(OutboxItem.done_at < before))
        return int(result.rowcount or 0)

    # Leases

    @asynccontextmanager
    async def lease(self, name: str, stop: asyncio.Event) -> AsyncIterator[asyncio.Event | None]:
        """Hold the lease `name` (one holder among every process) while the block runs.

        Waits until this process holds it, trying every LEASE_CHECK_SECONDS; yields None
        when `stop` is set first. Otherwise yields an event set when the lease is lost (its
        connection went away): the holder must then stop what the lease guards. Leaving the
        block releases it; a process that dies releases it with its connection.
        """
        if not self.shared:
            if name in self._local_leases:
                raise RuntimeError(f"lease {name} is already held in this process")
            self._local_leases.add(name)
            try:
                yield asyncio.Event()
            finally:
                self._local_leases.discard(name)
            return
        connection = await self._acquire(name, stop)
        if connection is None:
            yield None
            return
        lost = asyncio.Event()
        watch = asyncio.create_task(_watch(connection, lost))
        try:
            yield lost
        finally:
            watch.cancel()
            with suppress(asyncio.CancelledError):
                await watch
            with suppress(Exception):  # Closing the connection releases the lock anyway.
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), _key(name))
            with suppress(Exception):
                await connection.close()

    async def _acquire(self, name: str, stop: asyncio.Event) -> AsyncConnection | None:
        while not stop.is_set():
            connection: AsyncConnection | None = None
            try:
                connection = await self.database.connect()
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                while not stop.is_set():
                    held = await connection.scalar(
                        text("SELECT pg_try_advisory_lock(:key)"), _key(name)
                    )
                    if held:
                        return connection
                    await _wait(stop, LEASE_CHECK_SECONDS)
            except Exception as exc:  # The database is away: try again, quietly.
                log.warning("lease %s: cannot reach the database (%s)", name, type(exc).__name__)
                await _wait(stop, LEASE_CHECK_SECONDS)
            if connection is not None:
                with suppress(Exception):
                    await connection.close()
        return None


def _key(name: str) -> dict[str, int]:
    """The advisory lock's 64-bit key for a lease name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return {"key": int.from_bytes(digest, "big", signed=True)}


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _watch(connection: AsyncConnection, lost: asyncio.Event) -> None:
    """Set `lost` once the lease's connection stops answering."""
    while True:
        await asyncio.sleep(LEASE_CHECK_SECONDS)
        try:
            async with asyncio.timeout(LEASE_CHECK_SECONDS * 3):
                await connection.execute(text("SELECT 1"))
        except Exception:  # However it failed, the lock may be gone with the connection.
            log.warning("a lease's database connection was lost; stepping down")
            lost.set()
            return
