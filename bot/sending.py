"""Sending to one participant: through their most recently used account whose channel runs.

Reminders (`bot.reminders`) and the secretariat's deliveries (`bot.admin.Services.send`:
broadcasts, decisions on registrations) both go through `deliver`, so the two agree on
which account is tried first, what counts as unreachable and what as no channel at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from handlers.events import Reply
from handlers.ports import Outbox, Unreachable
from storage.models import Identity


@dataclass(frozen=True)
class Channel:
    """Where a participant can be written to: a platform and a chat."""

    platform: str
    chat_id: str


def channels_of(identities: Sequence[Identity]) -> tuple[Channel, ...]:
    """A participant's chats in the order of their accounts (most recently used first)."""
    return tuple(Channel(i.platform, i.chat_id) for i in identities if i.chat_id)


class AllUnreachable(Exception):
    """Every running channel of the participant refused the message (blocked, left)."""


class NoChannel(LookupError):
    """No running channel reaches the participant."""


async def deliver(
    outboxes: Mapping[str, Outbox], channels: Sequence[Channel], replies: Sequence[Reply]
) -> Channel:
    """Send through the first of `channels` whose outbox takes it; return that channel.

    A channel that says the chat is closed to us (`Unreachable`) passes the message to the
    next; any other failure is the caller's to count, and stops here.

    Raises:
        AllUnreachable: every running channel refused it.
        NoChannel: none of the participant's platforms has a running channel.
    """
    refused = False
    for channel in channels:
        outbox = outboxes.get(channel.platform)
        if outbox is None:
            continue
        try:
            await outbox.deliver(channel.chat_id, replies)
        except Unreachable:
            refused = True
            continue
        return channel
    if refused:
        raise AllUnreachable
    raise NoChannel("no running channel reaches this participant")
