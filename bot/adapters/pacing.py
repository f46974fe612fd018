"""Outbound pacing shared by the channels: sliding windows, waits on 429, bounded retries.

Each platform states its own limits (`bot/adapters/telegram/limiter.py`,
`bot/adapters/slack/limiter.py`) as a subclass of `Limits`, which carries the retry policy
they share; the mechanism is this one. Time comes from `now` and
waiting from `sleep`, so tests inject a fake clock and never sleep for real.

A platform counts a message when its request *arrives*, which is some time after we let it
go and before its answer comes back. So a message occupies its windows from the moment it
is let go until one window length after its request *completes*: whatever the transit
times, no window of the platform's can then hold more messages than ours allows (see
`Pacer`). It also means at most `count` messages of a window are in flight at once.

When several processes send for one bot (PostgreSQL), each message also takes a place in
the windows they share (`storage.pace`, counted the same way, `Pacer.share`), so the bot
keeps one pace whichever process sends: the elected sender's replies, a sweep's reminders,
a command's broadcast.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from storage.pace import Pace, Place

log = logging.getLogger(__name__)

T = TypeVar("T")
Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

QUIET_KEYS_KEPT = 10_000
"""Above this many chats with recorded sends, the quiet ones are forgotten."""
SHARED_LOOK = 0.02
"""Seconds between looks at a shared window whose places are all in flight (no completion
says yet when one frees)."""


class RetryLater(Exception):
    """The platform answered 429: try again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited: retry after {seconds} s")
        self.seconds = seconds


class Transient(Exception):
    """A failure worth retrying: a 5xx answer, a timeout, a dropped connection."""


@dataclass(frozen=True)
class Window:
    """At most `count` messages in any `seconds`."""

    count: int
    seconds: float


@dataclass(frozen=True, kw_only=True)
class Limits:
    """A platform's limits: its windows, stated by a subclass, and how often one call is
    tried again and how long to wait between tries, the same for every platform."""

    max_attempts: int = 4
    """Tries of one call that fails with a 5xx answer or a timeout."""
    max_rate_limited: int = 8
    """429 answers (Telegram's "flood waits") honoured for one call before giving up."""
    backoff: float = 0.5
    """Seconds before the second try; each further try waits twice as long."""
    max_backoff: float = 30.0
    """The longest wait between two tries."""


L = TypeVar("L", bound=Limits)


class _Sent:
    """One message let go: in flight until `done`, when its request completed; the places it
    holds in shared windows, each with the window's seconds."""

    __slots__ = ("done", "places")

    def __init__(self, places: Sequence[tuple[Place, float]] = ()) -> None:
        self.done: float | None = None
        self.places = places


class _Ledger:
    """The messages that still occupy one window."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self.sent: deque[_Sent] = deque()

    def _prune(self, now: float) -> None:
        # Requests complete out of order: a message in the middle may have left already.
        left = now - self.window.seconds
        if any(s.done is not None and s.done <= left for s in self.sent):
            self.sent = deque(s for s in self.sent if s.done is None or s.done > left)

    def wait(self, now: float, reserve: int = 0) -> float | None:
        """Seconds until one more message fits (0.0: now); None: not before one completes.

        Messages in flight count, and so do those whose request completed less than a
        window length ago: the platform counted each at some moment in between. With a
        `reserve`, that many places must stay free after this message (when the window has
        room for more than that).
        """
        self._prune(now)
        reserve = reserve if self.window.count > reserve else 0
        excess = len(self.sent) - (self.window.count - reserve) + 1
        if excess <= 0:
            return 0.0
        done = sorted(s.done for s in self.sent if s.done is not None)
        # One completing from now on stays a whole window: only those done can free a place.
        return done[excess - 1] + self.window.seconds - now if len(done) >= excess else None

    def quiet(self, now: float) -> bool:
        """True when nothing occupies the window any more."""
        self._prune(now)
        return not self.sent


class Pacer(Generic[L]):
    """Spaces out sends overall and per chat, and retries what can be retried.

    Subclasses say what their platform's limits are by default (`default_limits`), which
    window applies to all messages together (`overall_window`: by default none) and to a
    chat (`window_for`), and what a 429 pauses (`on_rate_limited`: by default only the chat
    it came from).

    Why a message counts from its release until a window length after its request
    completes: say the platform counted k messages in some window of its own ending at
    `s`, and j is the last of them we let go, at r ≤ s. Every other one arrived after
    `s - seconds`, so it completed after `r - seconds` or was still in flight when j was let
    go: it still counted in our window then, which held fewer than `count`. So k ≤ `count`,
    whatever the transit times. Counting on release alone let transit jitter put 31
    arrivals in a second (docs/performance.md, "Reminder fan-out").

    Counted messages wait their turn for the overall window one at a time, in order
    (`_gate`): the one at the head sleeps, the others wait on the lock rather than each
    waking up whenever a place frees. A chat's own window and pause are waited out before
    taking the turn, so a held chat never holds up the others.

    Shared windows (`share`) count the same way, on the database's clock: a place is taken
    (after the chat's own window, and for the overall window under the gate) before the
    message goes, and given back when its request completed, free a window later. The
    argument above then holds for the messages of every process together.
    """

    service = "platform"

    def __init__(
        self,
        limits: L | None = None,
        *,
        now: Now = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits if limits is not None else self.default_limits()
        self._now = now
        self._sleep = sleep
        overall = self.overall_window()
        self._overall = _Ledger(overall) if overall is not None else None
        self._chats: dict[str, _Ledger] = {}
        self._paused: dict[str | None, float] = {}
        self._gate = asyncio.Lock()
        self._completed = asyncio.Event()
        self._shared: Pace | None = None
        self._scope = ""
        self._shared_away = False

    def share(self, pace: Pace | None, scope: str) -> None:
        """Count every message in the windows `pace` shares with the other processes that
        send for the same bot too, named by `scope` (`telegram:<bot id>`); None: in this
        process's own windows only."""
        self._shared = pace if pace is not None and pace.shared else None
        self._scope = scope

    def default_limits(self) -> L:
        """The platform's limits when none are given."""
        raise NotImplementedError

    def overall_window(self) -> Window | None:
        """The window that applies to all messages together (None: no overall limit)."""
        return None

    def window_for(self, chat_id: str) -> Window | None:
        """The window that applies to messages to one chat (None: no per-chat limit)."""
        return None

    def on_rate_limited(self, chat_id: str | None, seconds: float) -> None:
        """React to a 429 for a call to `chat_id`."""
        self.pause(chat_id, seconds)

    def pause(self, chat_id: str | None, seconds: float) -> None:
        """Send nothing more to `chat_id` (None: to anyone) for `seconds`."""
        until = self._now() + seconds
        self._paused[chat_id] = max(self._paused.get(chat_id, until), until)

    def _ledger(self, chat_id: str) -> _Ledger | None:
        ledger = self._chats.get(chat_id)
        if ledger is None:
            window = self.window_for(chat_id)
            if window is None:
                return None
            ledger = self._chats[chat_id] = _Ledger(window)
        return ledger

    def _delay(
        self, keys: tuple[str | None, ...], ledger: _Ledger | None, reserve: int = 0
    ) -> float | None:
        """Seconds to wait for the pauses of `keys` and for `ledger`; None: for a completion."""
        now = self._now()
        delay = max((self._paused.get(key, now) - now for key in keys), default=0.0)
        wait = ledger.wait(now, reserve) if ledger is not None else 0.0
        return None if wait is None else max(delay, wait)

    async def _until_free(
        self, keys: tuple[str | None, ...], ledger: _Ledger | None, reserve: int = 0
    ) -> None:
        while True:
            delay = self._delay(keys, ledger, reserve)
            if delay is None:
                await self._completed.wait()
            elif delay > 0:
                await self._sleep(delay)
            else:
                return

    async def _release(
        self, chat_id: str | None, *, counted: bool, reserve: int = 0
    ) -> _Sent | None:
        """Wait until a message to `chat_id` may go out, leaving `reserve` places of the
        chat's window free; what counts it (None: uncounted)."""
        if not counted:
            await self._until_free((None, chat_id) if chat_id is not None else (None,), None)
            return None
        while True:
            places: list[tuple[Place, float]] = []
            if chat_id is not None:
                await self._until_free((None, chat_id), self._ledger(chat_id), reserve)
                window = self.window_for(chat_id)
                if window is not None:
                    places += await self._take_shared(chat_id, window, reserve)
            async with self._gate:
                await self._until_free((None,), self._overall)
                # The chat may have been paused, or filled, while this one waited its turn.
                # (Its ledger is looked up again: quiet ones are forgotten, under the gate.)
                chat = self._ledger(chat_id) if chat_id is not None else None
                if chat_id is None or self._delay((chat_id,), chat, reserve) == 0.0:
                    if self._overall is not None:
                        places += await self._take_shared(None, self._overall.window, 0)
                    sent = _Sent(places)
                    if self._overall is not None:
                        self._overall.sent.append(sent)
                    if chat is not None:
                        chat.sent.append(sent)
                    if len(self._chats) > QUIET_KEYS_KEPT:
                        self._forget_quiet_chats()
                    return sent
            await self._give_back([(place, 0.0) for place, _ in places])  # Not used.

    async def _take_shared(
        self, chat_id: str | None, window: Window, reserve: int
    ) -> list[tuple[Place, float]]:
        """Wait for a place in the shared window of `chat_id` (None: overall); none when
        nothing is shared, or the database cannot be reached (this process's own windows
        still hold: the platform's 429, if it comes, is waited out)."""
        pace = self._shared
        if pace is None:
            return []
        key = self._scope if chat_id is None else f"{self._scope}:{chat_id}"
        reserve = reserve if window.count > reserve else 0
        while True:
            try:
                found = await pace.take(key, window.count, reserve=reserve)
            except Exception as exc:  # The database is away: pace on our own meanwhile.
                if not self._shared_away:
                    log.warning(
                        "%s: the shared pace cannot be reached (%s); this process paces alone",
                        self.service,
                        type(exc).__name__,
                    )
                self._shared_away = True
                return []
            if self._shared_away:
                log.info("%s: the shared pace is back", self.service)
                self._shared_away = False
            if isinstance(found, Place):
                return [(found, window.seconds)]
            await self._sleep(found if found <= window.seconds else SHARED_LOOK)

    async def _give_back(self, places: Sequence[tuple[Place, float]]) -> None:
        if self._shared is None or not places:
            return
        try:
            await self._shared.give_back(places)
        except Exception as exc:  # Left in flight: they free themselves (IN_FLIGHT_SECONDS).
            log.warning("%s: shared places not given back (%s)", self.service, type(exc).__name__)

    async def _complete(self, sent: _Sent | None) -> None:
        if sent is None:
            return
        sent.done = self._now()
        # Wake whoever waits for a place held by a message in flight, then start afresh.
        self._completed.set()
        self._completed = asyncio.Event()
        await self._give_back(sent.places)

    def _forget_quiet_chats(self) -> None:
        now = self._now()
        for chat_id in [c for c, ledger in self._chats.items() if ledger.quiet(now)]:
            del self._chats[chat_id]

    @asynccontextmanager
    async def sending(
        self, chat_id: str | None, *, counted: bool = True, reserve: int = 0
    ) -> AsyncIterator[None]:
        """Wait until a message to `chat_id` may go out; it counts until a window after the block.

        Args:
            chat_id: The chat the call sends to; None for calls about no chat.
            counted: False for calls that are not messages: they wait only for pauses.
            reserve: Places of the chat's window this message must leave free (see `run`).
        """
        sent = await self._release(chat_id, counted=counted, reserve=reserve)
        try:
            yield
        finally:
            await self._complete(sent)

    async def run(
        self,
        chat_id: str | None,
        call: Callable[[], Awaitable[T]],
        *,
        counted: bool = True,
        reserve: int = 0,
    ) -> T:
        """Make one API call within the limits, retrying 429s, 5xx answers and timeouts.

        Args:
            chat_id: The chat the call sends to; None for calls about no chat.
            call: Makes the call; raises RetryLater or Transient for what may be retried.
            counted: False for calls that are not messages (answering a button, a download).
            reserve: Places of the chat's window to leave free: the rest of a reply's messages
                leave one, so the first message of the next reply never waits behind a burst
                (the window itself still holds: no more than its count in its seconds).

        Returns:
            What the call returned.

        Raises:
            RetryLater: The platform kept asking to wait more often than the limits allow.
            Transient: The call kept failing.
        """
        limited = failures = 0
        retries = self.limits
        while True:
            try:
                async with self.sending(chat_id, counted=counted, reserve=reserve):
                    return await call()
            except RetryLater as exc:
                limited += 1
                if limited > retries.max_rate_limited:
                    raise
                log.warning("%s asked to wait %s s (chat %s)", self.service, exc.seconds, chat_id)
                self.on_rate_limited(chat_id, exc.seconds)
            except Transient as exc:
                failures += 1
                if failures >= retries.max_attempts:
                    raise
                delay = min(retries.max_backoff, retries.backoff * 2 ** (failures - 1))
                log.warning("%s call failed (%s); retrying in %s s", self.service, exc, delay)
                await self._sleep(delay)
