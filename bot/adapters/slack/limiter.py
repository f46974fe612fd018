"""Slack's limits for the shared outbound pacer: per channel, and a 429 pauses everything.

Slack counts them per app and workspace, whichever process calls: the channel shares the
windows with the app's other processes in its workspace (`Pacer.share`, scope
`slack:<team id>`, from auth.test at start), so a reminder from one process and a reply from
the elected sender keep one DM's pace together.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from bot.adapters import pacing
from bot.adapters.pacing import Pacer, RetryLater, Transient, Window

__all__ = ["Limiter", "Limits", "RetryLater", "Transient"]


@dataclass(frozen=True)
class Limits(pacing.Limits):
    """Slack's message pacing (the retry policy is every platform's: `pacing.Limits`)."""

    per_channel: int = 3
    """Messages to one channel in `window` seconds: Slack allows about one a second, with
    short bursts (a reply is often two or three messages)."""
    window: float = 3.0


class Limiter(Pacer[Limits]):
    """Spaces out messages per channel and waits as long as a 429's Retry-After says.

    A 429 pauses every call of this process, not only the one that got it: Slack's limits
    are per method and workspace, so the next call would most likely be refused too. (The
    pause is this process's own; the windows are shared, so a 429 should not come.)
    """

    service = "Slack"

    def default_limits(self) -> Limits:
        """Slack's limits as documented."""
        return Limits()

    @cached_property
    def _channel_window(self) -> Window:
        return Window(self.limits.per_channel, self.limits.window)

    def window_for(self, chat_id: str) -> Window:
        """Every channel has the same window."""
        return self._channel_window

    def on_rate_limited(self, chat_id: str | None, seconds: float) -> None:
        """Pause every call, not only this channel's."""
        self.pause(None, seconds)
