"""Telegram's limits for the shared outbound pacer: per chat, per group, overall."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from bot.adapters.pacing import Now, Pacer, Retries, RetryLater, Sleep, Transient, Window

__all__ = ["Limiter", "Limits", "RetryLater", "Sleep", "Transient", "Window"]


@dataclass(frozen=True)
class Limits:
    """Telegram's documented limits and our retry policy."""

    overall: Window = field(default_factory=lambda: Window(30, 1.0))
    """Telegram allows about 30 messages per second to all chats together, counted when
    they arrive. No headroom is needed for travel time: the pacer counts a message from
    when it leaves until a second after its request completes, so Telegram cannot see more
    arrivals in a second than this allows (`bot.adapters.pacing.Pacer`)."""
    private: Window = field(default_factory=lambda: Window(3, 3.0))
    """One message per second in a private chat, allowing the short bursts Telegram allows
    (a reply is often two or three messages)."""
    group: Window = field(default_factory=lambda: Window(20, 60.0))
    """20 messages per minute in a group."""
    max_attempts: int = 4
    """Tries of one call that fails with a 5xx answer or a timeout."""
    max_flood_waits: int = 8
    """429 answers honoured for one call before giving up."""
    backoff: float = 0.5
    max_backoff: float = 30.0


class Limiter(Pacer):
    """Spaces out sends per chat and overall; a 429 pauses the chat it came from."""

    service = "Telegram"

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        now: Now = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits or Limits()
        super().__init__(
            overall=self.limits.overall,
            retries=Retries(
                max_attempts=self.limits.max_attempts,
                max_rate_limited=self.limits.max_flood_waits,
                backoff=self.limits.backoff,
                max_backoff=self.limits.max_backoff,
            ),
            now=now,
            sleep=sleep,
        )

    def window_for(self, chat_id: str) -> Window:
        """Groups (negative chat ids) have their own, slower window."""
        return self.limits.group if chat_id.startswith("-") else self.limits.private
