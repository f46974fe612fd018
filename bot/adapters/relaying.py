"""What a platform channel runs around the inbox and the outbox (`storage.relay`): workers
that take waiting updates, one chat at a time and many chats at once, in every process; and
the sender, elected among the processes, that sends the queued replies in order per chat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from functools import partial

from sqlalchemy.exc import InterfaceError, OperationalError

from bot.adapters.pacing import RetryLater, Transient
from bot.adapters.queues import ChatQueues
from bot.adapters.sending import ApiCall
from handlers.engine import Engine
from handlers.events import Destination, Inbound
from handlers.ports import Unreachable
from storage.relay import Relay, Unsent

log = logging.getLogger(__name__)

TRANSIENT: tuple[type[Exception], ...] = (
    Transient,
    RetryLater,
    ConnectionError,
    TimeoutError,
    OperationalError,
    InterfaceError,
)
"""Failures that may pass if an update is handled again, on every platform: a dropped
connection, a timeout, a lock or deadlock, a platform call that failed for now."""

MAX_SEND_ATTEMPTS = 3
"""Sends of one outbox row that raised before it is marked failed (a row that cannot be
sent at all must not be tried again forever)."""
WORKERS = 4
"""Updates one process handles at once per platform (each of a different chat)."""
IDLE_LOOK = 1.0
"""Seconds an idle worker or sender waits for a wake-up before it looks again anyway."""
MAX_BACKOFF = 10.0
UNSENT_BATCH = 200
"""Outbox rows the sender reads at one look; a full batch means more may wait."""

Handle = Callable[[str], Awaitable[bool]]
"""Handles one update's stored body; False: leave it to be tried again."""
SendRow = Callable[[Unsent], Awaitable[str]]
"""Sends one outbox row (from its progress on); the outcome to record."""
Sleep = Callable[[float], Awaitable[None]]


class _Retry(Exception):
    """The update is to be tried again: left in the inbox."""


async def _woken(event: asyncio.Event, stop: asyncio.Event, seconds: float) -> None:
    """Return when `event` or `stop` is set, or after `seconds`."""
    waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()


@asynccontextmanager
async def either(*events: asyncio.Event) -> AsyncIterator[asyncio.Event]:
    """An event set as soon as any of `events` is."""
    ended = asyncio.Event()

    async def watch(event: asyncio.Event) -> None:
        await event.wait()
        ended.set()

    watchers = [asyncio.create_task(watch(event)) for event in events]
    try:
        yield ended
    finally:
        for watcher in watchers:
            watcher.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)


class Workers:
    """Take updates of one platform from the inbox until stopped; finish those in hand."""

    def __init__(
        self,
        relay: Relay,
        platform: str,
        handle: Handle,
        *,
        count: int = WORKERS,
        sleep: Sleep = asyncio.sleep,
        idle_look: float = IDLE_LOOK,
    ) -> None:
        self.relay = relay
        self.platform = platform
        self._handle = handle
        self._count = count
        self._sleep = sleep
        self._idle_look = idle_look
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._failures = 0
        self.in_hand = 0
        self.settled = asyncio.Condition()

    def start(self) -> None:
        """Start the workers."""
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self._count)]

    async def stop(self) -> None:
        """Take nothing more; return once the updates in hand are handled."""
        self._stop.set()
        self.relay.worker_bell(self.platform).ring_all()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _work(self) -> None:
        bell = self.relay.worker_bell(self.platform)
        while not self._stop.is_set():
            try:
                took = await self._one()
            except _Retry:
                await self._back_off()
                continue
            except Exception as exc:  # The database is away, most likely: look again later.
                log.warning("%s: the inbox cannot be read (%s)", self.platform, type(exc).__name__)
                await self._back_off()
                continue
            self._failures = 0
            if not took and not self._stop.is_set():
                await bell.wait(self._idle_look)

    async def _back_off(self) -> None:
        self._failures += 1
        await self._sleep(min(MAX_BACKOFF, 0.5 * 2 ** (self._failures - 1)))

    async def _one(self) -> bool:
        async with self.relay.take(self.platform) as taken:
            if taken is None:
                return False
            self.in_hand += 1
            try:
                if not await self._handle(taken.body):
                    raise _Retry
            finally:
                self.in_hand -= 1
        async with self.settled:
            self.settled.notify_all()
        return True


class Sender:
    """The sender of one platform: while this process holds its lease, sends every queued
    row, one chat's rows in order and many chats at once."""

    def __init__(
        self,
        relay: Relay,
        platform: str,
        lease: str,
        send_row: SendRow,
        now: Callable[[], datetime],
    ) -> None:
        self.relay = relay
        self.platform = platform
        self.lease = lease
        self._send_row = send_row
        self._now = now
        self._queues = ChatQueues()
        self._in_hand: set[int] = set()
        self._done: set[int] = set()
        """Rows in hand whose send ended: a look that began before it ended may still have
        read them unsent, so they leave `_in_hand` only when the next look begins."""
        self._attempts: dict[int, int] = {}
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.leading = False
        self.settled = asyncio.Condition()

    def start(self) -> None:
        """Stand for the lease, and send while holding it."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Send what is queued now (when leading), then release the lease."""
        self._stop.set()
        if self._task is not None:
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def busy(self) -> bool:
        """Whether rows are in hand."""
        return bool(self._in_hand - self._done)

    async def _run(self) -> None:
        while not self._stop.is_set():
            async with self.relay.lease(self.lease, self._stop) as lost:
                if lost is None:
                    return
                self.leading = True
                self.relay.sending(self.platform, here=True)
                log.info("%s: this process sends the replies", self.platform)
                try:
                    await self._lead(lost)
                finally:
                    self.leading = False
                    self.relay.sending(self.platform, here=False)

    async def _lead(self, lost: asyncio.Event) -> None:
        event = self.relay.sender_event(self.platform)
        while not lost.is_set():
            event.clear()
            stopping = self._stop.is_set()
            try:
                queued = await self._queue_unsent()
            except Exception as exc:  # The database is away: look again later.
                log.warning("%s: the outbox cannot be read (%s)", self.platform, type(exc).__name__)
                queued = 0
            if stopping:
                await self._queues.drain()  # What was queued before the stop goes out.
                return
            if queued < UNSENT_BATCH:  # All there was: wait to be woken (or look anyway).
                await _woken(event, self._stop, IDLE_LOOK)
        await self._queues.drain()

    async def _queue_unsent(self) -> int:
        self._in_hand -= self._done
        self._done = set()
        rows = await self.relay.unsent(self.platform, skip=self._in_hand, limit=UNSENT_BATCH)
        for row in rows:
            self._in_hand.add(row.id)
            self._queues.submit(row.chat_id, partial(self._send, row))
        return len(rows)

    async def _send(self, row: Unsent) -> None:
        try:
            try:
                outcome = await self._send_row(row)
            except Exception:  # A bug, or the database away while marking progress.
                attempts = self._attempts[row.id] = self._attempts.get(row.id, 0) + 1
                if attempts < MAX_SEND_ATTEMPTS:
                    raise
                log.exception("%s: replies to %s cannot be sent", self.platform, row.chat_id)
                outcome = "failed"
            self._attempts.pop(row.id, None)
            await self.relay.finish(row.id, outcome, self._now())
        except Exception as exc:  # Left unsent: the next look sends it again.
            log.warning(
                "%s: replies to %s not recorded as sent (%s)", self.platform, row.chat_id, exc
            )
        finally:
            self._done.add(row.id)
            async with self.settled:
                self.settled.notify_all()


MAX_UPDATE_ATTEMPTS = 3
"""Tries of an update whose processing failed for a transient cause while the database
answered, before it is set aside (a failure while the database is away is not counted: the
update waits for it)."""


def kind(exc: BaseException) -> str:
    """An exception as one line for the log: its type and its first line."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Failures:
    """What a channel's worker does with an update whose handling failed: leave it to be
    tried again, or set it aside for good with an apology to its sender."""

    def __init__(self, engine: Engine, name: str, transient: tuple[type[Exception], ...]) -> None:
        """`name` says the platform in the log; `transient` are the failures that may pass."""
        self.engine = engine
        self.name = name
        self.transient = transient
        self._attempts: dict[str, int] = {}

    def handled(self, key: str) -> None:
        """The update `key` is handled: its count is forgotten."""
        self._attempts.pop(key, None)

    async def done_with(
        self, key: str, exc: Exception, event: Inbound | None, destination: Destination | None
    ) -> bool:
        """Whether a failed update is done with: False when it is to be tried again; True
        once it is recorded as processed, with the apology queued.

        A failure while the database is away says nothing about the update: it waits for the
        database, however long. A transient cause (a dropped connection, a timeout, a lock)
        is retried a few times. Anything else would fail again at every redelivery, so it is
        logged once, recorded like a processed update (a redelivery is then a duplicate) and
        the participant is asked to try again.
        """
        if not await self.engine.available():
            log.warning("%s update %s waits for the database (%s)", self.name, key, kind(exc))
            return False
        if isinstance(exc, self.transient):
            attempts = self._attempts[key] = self._attempts.get(key, 0) + 1
            if attempts < MAX_UPDATE_ATTEMPTS:
                log.warning(
                    "%s update %s failed (%s); it is tried again", self.name, key, kind(exc)
                )
                return False
        self._attempts.pop(key, None)
        log.error(
            "%s update %s failed and is set aside (%s)", self.name, key, kind(exc), exc_info=exc
        )
        try:
            if event is not None:
                await self.engine.set_aside(event, reply_to=destination)
        except Exception as again:  # The database failed too: the update is tried again.
            log.warning("%s update %s not recorded (%s)", self.name, key, kind(again))
            return False
        return True


async def quiet(relay: Relay, workers: Workers, sender: Sender | None) -> bool:
    """Whether nothing of a platform waits or is in hand: no update in the inbox, none being
    handled, no reply unsent (tests, with one process: it sends)."""
    if workers.in_hand or (sender is not None and sender.busy):
        return False
    if await relay.waiting(workers.platform):
        return False
    return not await relay.unsent(workers.platform, skip=set(), limit=1)


async def settle(relay: Relay, workers: Workers, sender: Sender | None) -> None:
    """Wait until `quiet`."""
    while not await quiet(relay, workers, sender):
        async with workers.settled:
            with suppress(TimeoutError):
                await asyncio.wait_for(workers.settled.wait(), 0.05)


SendCall = Callable[[ApiCall, int], Awaitable[None]]
"""Makes one call of a row (with its 1-based place among the row's calls)."""


async def send_calls(
    relay: Relay, row: Unsent, calls: Sequence[ApiCall], send_one: SendCall, name: str
) -> str:
    """Make a row's calls from its progress on, in order; its outcome.

    Each call the platform confirmed moves the row's progress (the last is recorded with
    the outcome), so a sender taking over after a crash repeats at most the call that was on
    its way. A call that fails is logged once and the next is still made, except when the
    chat is closed to the bot: then nothing more is sent (`unreachable`).
    """
    failed = 0
    for index, call in enumerate(calls[row.progress :], start=row.progress + 1):
        if index > row.progress + 1:
            await relay.advance(row.id, index - 1)
        try:
            await send_one(call, index)
        except Unreachable:
            log.info("%s chat %s is unreachable", name, row.chat_id)
            return "unreachable"
        except Exception as exc:  # Mapped by the client (or by the limiter giving up).
            failed += 1
            log.warning("%s %s to chat %s failed: %s", name, call.method, row.chat_id, kind(exc))
    return "failed" if failed else "sent"
