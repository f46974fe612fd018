"""Telegram's limits for the shared outbound pacer: per chat, per group, overall."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters import pacing
from bot.adapters.pacing import Pacer, RetryLater, Sleep, Transient, Window

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

    def default_limits(self) -> Limits:
        """Telegram's limits as documented."""
        return Limits()

    def overall_window(self) -> Window:
        """About 30 messages a second to all chats together."""
        return self.limits.overall

    def window_for(self, chat_id: str) -> Window:
        """Groups (negative chat ids) have their own, slower window."""
        return self.limits.group if chat_id.startswith("-") else self.limits.private
