"""Outbound pacing shared by the channels: sliding windows, waits on 429, bounded retries.

Each platform states its own limits (`bot/adapters/telegram/limiter.py`,
`bot/adapters/slack/limiter.py`); the mechanism is this one. Time comes from `now` and
waiting from `sleep`, so tests inject a fake clock and never sleep for real.
"""

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

QUIET_KEYS_KEPT = 10_000
"""Above this many chats with recorded sends, the quiet ones are forgotten."""


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


@dataclass(frozen=True)
class Retries:
    """How often one call is tried again, and how long to wait between tries."""

    max_attempts: int = 4
    """Tries of one call that fails with a 5xx answer or a timeout."""
    max_rate_limited: int = 8
    """429 answers honoured for one call before giving up."""
    backoff: float = 0.5
    max_backoff: float = 30.0


class Pacer:
    """Spaces out sends overall and per chat, and retries what can be retried.

    Subclasses say which window applies to a chat (`window_for`) and what a 429 pauses
    (`on_rate_limited`: by default only the chat it came from).
    """

    service = "platform"

    def __init__(
        self,
        *,
        overall: Window | None,
        retries: Retries,
        now: Now = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._overall_window = overall
        self._retries = retries
        self._now = now
        self._sleep = sleep
        self._overall: deque[float] = deque()
        self._chats: dict[str, deque[float]] = {}
        self._paused: dict[str | None, float] = {}

    def window_for(self, chat_id: str) -> Window | None:
        """The window that applies to messages to one chat (None: no per-chat limit)."""
        return None

    def on_rate_limited(self, chat_id: str | None, seconds: float) -> None:
        """React to a 429 for a call to `chat_id`."""
        self.pause(chat_id, seconds)

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
            if self._overall_window is not None:
                delay = max(delay, self._wait(self._overall, self._overall_window, now))
            window = self.window_for(chat_id) if chat_id is not None else None
            if window is not None and chat_id is not None:
                delay = max(
                    delay, self._wait(self._chats.setdefault(chat_id, deque()), window, now)
                )
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
            if len(self._chats) > QUIET_KEYS_KEPT:
                self._forget_quiet_chats(now)

    def _forget_quiet_chats(self, now: float) -> None:
        for chat_id in [c for c, sent in self._chats.items() if not sent]:
            del self._chats[chat_id]
        for chat_id, sent in list(self._chats.items()):
            window = self.window_for(chat_id)
            if window is None or sent[-1] < now - window.seconds:
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
            RetryLater: The platform kept asking to wait more often than the limits allow.
            Transient: The call kept failing.
        """
        limited = failures = 0
        retries = self._retries
        while True:
            await self.acquire(chat_id, counted=counted)
            try:
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
