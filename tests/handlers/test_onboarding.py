"""Joining with an invite code: each use is counted once, however many people try at once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from handlers.engine import Engine
from handlers.features.onboarding import how_to_join
from handlers.i18n import translator
from handlers.ports import FixedClock
from storage.models import Invite, Participant
from storage.repositories import Store
from tests.conftest import Chat, new_invite

USED_UP = "This invite code has already been used as often as it allows."


async def test_trust_02_single_use_invite_admits_one_of_many_concurrent_accounts(
    engine: Engine, store: Store, clock: FixedClock
) -> None:
    code = await new_invite(store, clock, max_uses=1)
    chats = [Chat(engine, f"racer-{n}") for n in range(12)]
    # Different accounts: the engine's per-account lock does not order them, and each event
    # runs in its own transaction on its own connection from the pool.
    await asyncio.gather(*(chat.say(f"/start {code}") for chat in chats))

    admitted = [c for c in chats if c.text.startswith("Welcome! You were invited")]
    refused = [c for c in chats if c not in admitted]
    assert len(admitted) == 1
    expected = [f"{USED_UP} {how_to_join(translator('en'))}"]
    assert [[r.text for r in c.replies] for c in refused] == [expected] * 11
    async with store.transaction() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Participant)) == 1
        assert await uow.session.scalar(select(Invite.uses).where(Invite.code == code)) == 1
