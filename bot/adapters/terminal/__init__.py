"""The terminal channel: the same conversation as Telegram and Slack, on stdin and stdout."""

from bot.adapters.terminal.channel import (
    PROMPT,
    TerminalChannel,
    channel_for,
    trial_greeting,
)
from bot.adapters.terminal.translate import PLATFORM, render, to_event

__all__ = [
    "PLATFORM",
    "PROMPT",
    "TerminalChannel",
    "channel_for",
    "render",
    "to_event",
    "trial_greeting",
]
