"""One outbound limiter for the Slack Web API: message pacing, Retry-After on 429, retries."""

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
    """Slack answered 429: try again after `seconds` (its Retry-After header)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"rate limited: retry after {seconds} s")
        self.seconds = seconds


class Transient(Exception):
    """A failure worth retrying: a 5xx answer, a timeout, a dropped connection."""


@dataclass(frozen=True)
class Limits:
    """Slack's message pacing and our retry policy."""

    per_channel: int = 3
    """Messages to one channel in `window` seconds: Slack allows about one a second, with
    short bursts (a reply is often two or three messages)."""
    window: float = 3.0
    max_attempts: int = 4
    max_rate_limited: int = 8
    backoff: float = 0.5
    max_backoff: float = 30.0


class Limiter:
    """Spaces out messages per channel and waits as long as a 429's Retry-After says.

    A 429 pauses every call, not only the one that got it: Slack's limits are per method
    and workspace, so the next call would most likely be refused too. Time comes from
    `now` and waiting from `sleep`, so tests never wait for real.
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
        self._sent: dict[str, deque[float]] = {}
        self._paused_until = 0.0

    def _delay(self, channel: str | None, now: float) -> float:
        delay = self._paused_until - now
        if channel is not None:
            sent = self._sent.setdefault(channel, deque())
            while sent and sent[0] <= now - self.limits.window:
                sent.popleft()
            if len(sent) >= self.limits.per_channel:
                delay = max(delay, sent[0] + self.limits.window - now)
        return delay

    async def acquire(self, channel: str | None) -> None:
        """Wait until a call to `channel` (None: about no channel) may go out."""
        while (delay := self._delay(channel, self._now())) > 0:
            await self._sleep(delay)
        if channel is not None:
            self._sent.setdefault(channel, deque()).append(self._now())
            if len(self._sent) > 10_000:
                quiet = self._now() - self.limits.window
                for key in [k for k, sent in self._sent.items() if not sent or sent[-1] < quiet]:
                    del self._sent[key]

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds`."""
        self._paused_until = max(self._paused_until, self._now() + seconds)

    async def run(self, channel: str | None, call: Callable[[], Awaitable[T]]) -> T:
        """Make one Web API call within the limits, retrying 429s, 5xx answers and timeouts.

        Args:
            channel: The channel a message goes to; None for calls that send no message.
            call: Makes the call; raises RetryLater or Transient for what may be retried.

        Raises:
            RetryLater: Slack kept refusing more often than the limits allow.
            Transient: The call kept failing.
        """
        limited = failures = 0
        while True:
            await self.acquire(channel)
            try:
                return await call()
            except RetryLater as exc:
                limited += 1
                if limited > self.limits.max_rate_limited:
                    raise
                log.warning("Slack asked to wait %s s", exc.seconds)
                self.pause(exc.seconds)
            except Transient as exc:
                failures += 1
                if failures >= self.limits.max_attempts:
                    raise
                delay = min(self.limits.max_backoff, self.limits.backoff * 2 ** (failures - 1))
                log.warning("Slack call failed (%s); retrying in %s s", exc, delay)
                await self._sleep(delay)
