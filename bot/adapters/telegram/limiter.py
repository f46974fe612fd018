"""One outbound limiter for the Bot API: Telegram's rate limits, retry_after and bounded retries."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Now = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RetryLater(Exception):
    """Telegram answered 429: try again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"flood control: retry after {seconds} s")
        self.seconds = seconds


class Transient(Exception):
    """A failure worth retrying: a 5xx answer, a timeout, a dropped connection."""


@dataclass(frozen=True)
class Window:
    """At most `count` messages in any `seconds`."""

    count: int
    seconds: float


@dataclass(frozen=True)
class Limits:
    """Telegram's documented limits and our retry policy."""

    overall: Window = Window(30, 1.0)
    """About 30 messages per second to all chats together."""
    private: Window = Window(3, 3.0)
    """One message per second in a private chat, allowing the short bursts Telegram allows
    (a reply is often two or three messages)."""
    group: Window = Window(20, 60.0)
    """20 messages per minute in a group."""
    max_attempts: int = 4
    """Tries of one call that fails with a 5xx answer or a timeout."""
    max_flood_waits: int = 8
    """429 answers honoured for one call before giving up."""
    backoff: float = 0.5
    max_backoff: float = 30.0


class Limiter:
    """Spaces out sends per chat and overall, and retries what can be retried.

    Time comes from `now` and waiting from `sleep`, so tests inject a fake clock and
    never sleep for real.
    """

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        now: Now = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits or Limits()
        self._now = now
        self._sleep = sleep
        self._overall: deque[float] = deque()
        self._chats: dict[str, deque[float]] = {}
        self._paused: dict[str | None, float] = {}

    def _window(self, chat_id: str | None) -> Window | None:
        if chat_id is None:
            return None
        return self.limits.group if chat_id.startswith("-") else self.limits.private

    @staticmethod
    def _wait(sent: deque[float], window: Window, now: float) -> float:
        while sent and sent[0] <= now - window.seconds:
            sent.popleft()
        return sent[0] + window.seconds - now if len(sent) >= window.count else 0.0

    def _delay(self, chat_id: str | None, now: float, *, counted: bool) -> float:
        delay = max(
            self._paused.get(None, now) - now,
            self._paused.get(chat_id, now) - now if chat_id is not None else 0.0,
        )
        if counted:
            delay = max(delay, self._wait(self._overall, self.limits.overall, now))
            window = self._window(chat_id)
            if window is not None and chat_id is not None:
                sent = self._chats.setdefault(chat_id, deque())
                delay = max(delay, self._wait(sent, window, now))
        return delay

    async def acquire(self, chat_id: str | None, *, counted: bool = True) -> None:
        """Wait until a message to `chat_id` may go out, and count it as sent."""
        while (delay := self._delay(chat_id, self._now(), counted=counted)) > 0:
            await self._sleep(delay)
        if counted:
            now = self._now()
            self._overall.append(now)
            if chat_id is not None:
                self._chats.setdefault(chat_id, deque()).append(now)
            if len(self._chats) > 10_000:
                self._forget_quiet_chats(now)

    def _forget_quiet_chats(self, now: float) -> None:
        longest = max(self.limits.private.seconds, self.limits.group.seconds)
        for chat_id in [
            c for c, sent in self._chats.items() if not sent or sent[-1] < now - longest
        ]:
            del self._chats[chat_id]

    def pause(self, chat_id: str | None, seconds: float) -> None:
        """Send nothing more to `chat_id` (None: to anyone) for `seconds`."""
        until = self._now() + seconds
        self._paused[chat_id] = max(self._paused.get(chat_id, until), until)

    async def run(
        self, chat_id: str | None, call: Callable[[], Awaitable[T]], *, counted: bool = True
    ) -> T:
        """Make one API call within the limits, retrying 429s, 5xx answers and timeouts.

        Args:
            chat_id: The chat the call sends to; None for calls about no chat.
            call: Makes the call; raises RetryLater or Transient for what may be retried.
            counted: False for calls that are not messages (answering a button, a download).

        Returns:
            What the call returned.

        Raises:
            RetryLater: Telegram kept asking to wait more often than the limits allow.
            Transient: The call kept failing.
        """
        floods = failures = 0
        while True:
            await self.acquire(chat_id, counted=counted)
            try:
                return await call()
            except RetryLater as exc:
                floods += 1
                if floods > self.limits.max_flood_waits:
                    raise
                log.warning("Telegram asked to wait %s s (chat %s)", exc.seconds, chat_id)
                self.pause(chat_id, exc.seconds)
            except Transient as exc:
                failures += 1
                if failures >= self.limits.max_attempts:
                    raise
                delay = min(self.limits.max_backoff, self.limits.backoff * 2 ** (failures - 1))
                log.warning("Telegram call failed (%s); retrying in %s s", exc, delay)
                await self._sleep(delay)
