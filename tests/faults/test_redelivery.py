"""The same update delivered several times, out of order and concurrently, is stored once."""

from __future__ import annotations

import asyncio
import random

from handlers.engine import Engine
from handlers.events import Inbound
from storage.repositories import Store
from tests.conftest import Chat, onboard


async def test_redelivered_updates_store_each_answer_once(
    engine: Engine, store: Store, chat: Chat, invite: str
) -> None:
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    async with store.transaction() as uow:
        item = (await uow.consultations.items("wgic-18-2027"))[-1]
    await chat.payload(f"item:{item.id}")
    await chat.press(chat.labels[0])
    texts = [f"Answer number {n} about cooperation with providers." for n in range(6)]
    deliveries = [
        Inbound("test", "alice", "chat-alice", update_id=f"dup-{n}", text=text)
        for n, text in enumerate(texts)
        for _ in range(2 + n % 4)  # Each update two to five times.
    ]
    random.Random(8).shuffle(deliveries)
    replies = await asyncio.gather(*(engine.handle(event) for event in deliveries))
    answered = [r for r in replies if r]
    async with store.transaction() as uow:
        identity = await uow.identities.get("test", "alice")
        assert identity is not None
        assert identity.participant_id is not None
        answers = await uow.answers.for_participant(identity.participant_id)
        revisions = [r for a in answers for r in await uow.answers.revisions(a.id)]
        seen = [await uow.updates.seen("test", f"dup-{n}") for n in range(6)]
    assert len(answered) == len(texts)
    assert seen == [True] * 6
    # The item asks a choice, two texts, then a document: the first two handled texts are
    # stored, the rest are refused; a duplicate handled twice would add a revision.
    assert [a.revision for a in answers] == [1, 1, 1]
    assert len(revisions) == 3
    assert {a.text for a in answers[1:]} <= set(texts)
