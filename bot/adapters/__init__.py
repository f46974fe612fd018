"""Channels: what every channel is (`Channel`), how a process runs it (`Mode`) and what it can
render (`Capabilities`).

One folder per channel (`terminal/`, `telegram/`, `slack/`) implements them; `registry`
decides from the settings which channels a process runs, and how.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from handlers.events import Button, Reply

if TYPE_CHECKING:
    from starlette.routing import BaseRoute


class Mode(StrEnum):
    """How a process runs its channels."""

    RUN = "run"
    """`run`: each channel fetches what participants send (polling, Socket Mode, stdin)."""
    SERVE = "serve"
    """`serve`: the platforms reach the web process (Telegram's webhook, Slack's events)."""
    SEND = "send"
    """A command that only sends (reminders, digests, broadcasts): nothing is received."""


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show, so the reader of one folder knows what it renders."""

    edits: bool
    """Updates the message whose button was pressed in place (`Reply.replace_previous`)."""
    checkboxes: bool
    """Shows a choice group of several as checkboxes (`Reply.choices`); else as buttons."""
    forms: bool
    """Offers a whole agenda item as one form (`Button.form`)."""
    max_text: int | None
    """The characters one message holds (longer text continues in the next); None: no limit."""
    unprompted: bool
    """Reaches a participant who did not just write (reminders, digests, broadcasts): the
    process registers the channel as its platform's outbox."""


class Channel(Protocol):
    """One channel around the engine: what every folder under bot/adapters/ implements."""

    platform: str
    """The platform's name in identities and update keys (`telegram`)."""
    capabilities: Capabilities

    @property
    def routes(self) -> Sequence[BaseRoute]:
        """The web routes the platform reaches this channel at (`serve`); empty otherwise."""
        ...

    async def start(self) -> None:
        """Connect and check the credentials (a refusal raises ConfigError)."""
        ...

    async def receive(self, stop: asyncio.Event) -> None:
        """Take what participants send until `stop` is set (`run`)."""
        ...

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send replies to a chat (the `Outbox`); raise Unreachable when it is closed to us."""
        ...

    async def close(self) -> None:
        """Finish the work in hand and disconnect."""
        ...


C = TypeVar("C", bound=Channel)


class Around(Generic[C]):
    """A channel around the platform's own (`channel`), which sends and closes: what comes
    to it arrives at its routes or on a connection of its own, so it has nothing to fetch."""

    def __init__(self, channel: C) -> None:
        self.channel = channel
        self.platform = channel.platform
        self.capabilities = channel.capabilities

    async def receive(self, stop: asyncio.Event) -> None:
        """Nothing to fetch: wait until `stop`."""
        await stop.wait()

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Send through the platform's channel."""
        await self.channel.deliver(chat_id, replies)

    async def close(self) -> None:
        """Close the platform's channel, finishing its work in hand."""
        await self.channel.close()


CHECK_MARK = "✓ "
"""What a channel that shows only buttons draws before a chosen option's label."""


def drawn_label(button: Button) -> str:
    """A button's label as a channel without checkboxes draws it: a chosen option marked."""
    return CHECK_MARK + button.label if button.selected else button.label
