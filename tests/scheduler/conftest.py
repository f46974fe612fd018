"""Fixtures for reminders, digests and the scheduler: a recording outbox and the key times."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from handlers.events import Reply
from handlers.ports import Unreachable
from storage.models import Delivery
from storage.repositories import Store

DEADLINE = datetime(2027, 5, 31, 21, 59, tzinfo=UTC)
"""The 2027 sample consultation's deadline, 31 May 2027 23:59 in Vienna (CEST)."""
SLOT_14D = datetime(2027, 5, 17, 8, 0, tzinfo=UTC)
"""10:00 in Vienna, fourteen days before the deadline's day."""
SLOT_7D = datetime(2027, 5, 24, 8, 0, tzinfo=UTC)
SLOT_2D = datetime(2027, 5, 29, 8, 0, tzinfo=UTC)
SLOT_1D = datetime(2027, 5, 30, 8, 0, tzinfo=UTC)
SLOT_3H = datetime(2027, 5, 31, 18, 59, tzinfo=UTC)
"""The last reminder, exactly three hours before the deadline."""


@dataclass
class RecordingOutbox:
    """An Outbox that records what it is given; it can refuse, fail or hold a delivery."""

    platform: str = "test"
    sent: list[tuple[str, list[Reply]]] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)
    failures: int = 0
    """How many of the next deliveries raise a transient error."""
    hold: asyncio.Event | None = None
    """When set, a delivery waits for this event (after announcing itself in `entered`)."""
    entered: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(self, chat_id: str, replies: Sequence[Reply]) -> None:
        """Record the replies, or refuse, fail or wait as configured."""
        if chat_id in self.unreachable:
            raise Unreachable(chat_id)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the platform answered 502")
        self.entered.set()
        if self.hold is not None:
            await self.hold.wait()
        self.sent.append((chat_id, list(replies)))

    @property
    def texts(self) -> list[str]:
        """The text of every reply sent, in order."""
        return [reply.text for _, replies in self.sent for reply in replies]


@pytest.fixture
def outbox() -> RecordingOutbox:
    """The test platform's outbox (the `Chat` helper talks on platform 'test')."""
    return RecordingOutbox()


async def ledger(store: Store) -> list[Delivery]:
    """Every ledger row, in the order claimed."""
    async with store.transaction() as uow:
        return list(await uow.deliveries.everything())


async def participant_id(store: Store, user: str, platform: str = "test") -> int:
    """The participant behind a test user."""
    async with store.transaction() as uow:
        identity = await uow.identities.get(platform, user)
        assert identity is not None
        assert identity.participant_id is not None
        return identity.participant_id
