"""Which channels a process runs, and how: one line per channel, decided by the settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import import_module

from bot.adapters import Channel, Mode, terminal
from bot.app import App
from config.settings import Settings

Factory = Callable[[App, Mode], Awaitable[Channel | None]]
"""A channel folder's `channel_for`: the channel for a mode, not started; None when this
mode is not available with these settings (it says why in the log)."""


@dataclass(frozen=True)
class Entry:
    """One channel: its folder, and whether the settings configure it."""

    package: str
    configured: Callable[[Settings], bool]


CHANNELS: tuple[Entry, ...] = (
    Entry("bot.adapters.telegram", lambda settings: settings.has_telegram),
    Entry("bot.adapters.slack", lambda settings: settings.has_slack),
)
"""Every platform channel. A folder is imported only when its channel is configured, so its
platform's libraries load only then."""

LOCAL_USER = "terminal"
"""The terminal's account when `run` falls back to it."""


async def channels(app: App, mode: Mode) -> list[Channel]:
    """The channels a process runs in `mode`, built but not started.

    `run` with no platform channel that receives talks in the terminal instead.
    """
    found: list[Channel] = []
    for entry in CHANNELS:
        if entry.configured(app.settings):
            factory: Factory = import_module(entry.package).channel_for
            channel = await factory(app, mode)
            if channel is not None:
                found.append(channel)
    if mode is Mode.RUN and not found:
        found.append(local(app, user=LOCAL_USER))
    return found


def local(app: App, *, user: str) -> Channel:
    """The channel of a person at this machine: the terminal, on stdin and stdout."""
    return terminal.channel_for(app, user=user)
