"""Sending to one participant: the account order, unreachable chats and missing channels,
the same for reminders and the secretariat's deliveries."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.sending import AllUnreachable, Channel, NoChannel, deliver
from handlers.events import Reply
from handlers.ports import Unreachable


class Outbox:
    """A channel's outbox that records what it sent, or refuses as told."""

    def __init__(self, *, refuse: type[Exception] | None = None) -> None:
        self.refuse = refuse
        self.sent: list[str] = []

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        if self.refuse is not None:
            raise self.refuse("refused")
        self.sent += [f"{chat_id}: {r.text}" for r in replies]


HELLO = [Reply("Hello")]


async def test_the_first_account_whose_channel_runs_gets_it() -> None:
    slack, telegram = Outbox(), Outbox()
    channels = [Channel("fax", "1"), Channel("slack", "D1"), Channel("telegram", "42")]
    used = await deliver({"slack": slack, "telegram": telegram}, channels, HELLO)
    assert (used, slack.sent, telegram.sent) == (Channel("slack", "D1"), ["D1: Hello"], [])


async def test_an_unreachable_chat_passes_the_message_to_the_next_account() -> None:
    slack, telegram = Outbox(refuse=Unreachable), Outbox()
    channels = [Channel("slack", "D1"), Channel("telegram", "42")]
    used = await deliver({"slack": slack, "telegram": telegram}, channels, HELLO)
    assert (used, telegram.sent) == (Channel("telegram", "42"), ["42: Hello"])


async def test_another_failure_stops_at_that_account() -> None:
    slack, telegram = Outbox(refuse=ConnectionError), Outbox()
    channels = [Channel("slack", "D1"), Channel("telegram", "42")]
    with pytest.raises(ConnectionError):
        await deliver({"slack": slack, "telegram": telegram}, channels, HELLO)
    assert telegram.sent == []


async def test_every_chat_unreachable_or_no_running_channel_are_told_apart() -> None:
    with pytest.raises(AllUnreachable):
        await deliver({"slack": Outbox(refuse=Unreachable)}, [Channel("slack", "D1")], HELLO)
    with pytest.raises(NoChannel):
        await deliver({"slack": Outbox()}, [Channel("telegram", "42")], HELLO)
    with pytest.raises(NoChannel):
        await deliver({"slack": Outbox()}, [], HELLO)
