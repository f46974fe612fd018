"""Telegram's limits for the shared outbound pacer: per chat, per group, overall."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from bot.adapters import pacing
from bot.adapters.pacing import Now, Pacer, RetryLater, Sleep, Transient, Window

__all__ = ["Limiter", "Limits", "RetryLater", "Sleep", "Transient", "Window"]


@dataclass(frozen=True)
class Limits(pacing.Limits):
    """Telegram's documented limits (the retry policy is every platform's: `pacing.Limits`)."""

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


class Limiter(Pacer[Limits]):
    """Spaces out sends per chat and overall; a 429 pauses the chat it came from."""

    service = "Telegram"

    def __init__(
        self,
        limits: Limits | None = None,
        *,
        now: Now = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        limits = limits or Limits()
        super().__init__(limits, overall=limits.overall, now=now, sleep=sleep)

    def window_for(self, chat_id: str) -> Window:
        """Groups (negative chat ids) have their own, slower window."""
        return self.limits.group if chat_id.startswith("-") else self.limits.private
