"""A broadcast to 500 participants on Telegram keeps within the limits the Bot API enforces.

The administrator writes `/admin broadcast …` and presses *Send it* in Telegram; the real
channel (python-telegram-bot over loopback HTTP) delivers through its limiter to the fake Bot
API, which answers 429 to any message over Telegram's limits. The limiter and the fake's
rolling windows share one fake clock, so the ~17 seconds of pacing take no real time.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from bot.adapters.telegram.channel import TelegramChannel, from_settings
from bot.adapters.telegram.limiter import Limiter, Limits, Window
from bot.app import App
from handlers.conversation import State
from handlers.ports import FixedClock
from storage.models import (
    Category,
    ConsentKind,
    Identity,
    Invite,
    Organisation,
    Participant,
    ParticipantStatus,
)
from storage.repositories import Store
from tests.adapters.telegram.conftest import FakeTimer, TelegramUser, app, fake, settings, timer
from tests.fakes.telegram_server import FakeTelegram

__all__ = ["app", "fake", "settings", "timer"]

PARTICIPANTS = 500
FIRST_CHAT = 6_100_000_000
"""Telegram user ids (= private chat ids) of the seeded participants."""
ADMIN = 5_550_001
TEXT = "The deadline for written comments is 31 May 2027.\nThank you for your contributions."


@pytest.fixture
async def channel(app: App, timer: FakeTimer) -> AsyncIterator[TelegramChannel]:
    """The Telegram channel on the fake timer, registered as the app's Telegram outbox.

    Its limiter keeps the production overall limit (30 a second); per private chat it is
    held to the 1 a second the fake enforces (the default allows a burst of 3 in 3 s).
    """
    limiter = Limiter(Limits(private=Window(1, 1.0)), now=timer.now, sleep=timer.sleep)
    built = from_settings(app.settings, app.engine, limiter=limiter, sleep=timer.sleep)
    await built.start()
    app.outboxes[built.platform] = built
    yield built
    app.outboxes.pop(built.platform, None)
    await built.close()


async def seed(store: Store, now: datetime) -> list[int]:
    """500 onboarded Telegram participants of wgic-18-2027, in one transaction."""
    chats = [FIRST_CHAT + n for n in range(PARTICIPANTS)]
    async with store.transaction() as uow:
        organisations = [
            Organisation(
                name=f"Civil Society Network {n:03d}",
                category=Category.NGO.value,
                country="AT",
                created_at=now,
            )
            for n in range(PARTICIPANTS)
        ]
        uow.session.add_all(organisations)
        await uow.session.flush()
        invites = [
            Invite(
                code=f"BULK{n:04d}",
                organisation_id=o.id,
                consultation_id="wgic-18-2027",
                max_uses=5,
                uses=1,
                created_at=now,
            )
            for n, o in enumerate(organisations)
        ]
        uow.session.add_all(invites)
        await uow.session.flush()
        participants = [
            Participant(
                organisation_id=i.organisation_id,
                invite_id=i.id,
                status=ParticipantStatus.ACTIVE,
                locale="en",
                state=State.HOME.value,
                context={},
                created_at=now,
                updated_at=now,
            )
            for i in invites
        ]
        uow.session.add_all(participants)
        await uow.session.flush()
        for participant, chat in zip(participants, chats, strict=True):
            await uow.participants.add_consent(
                participant.id, ConsentKind.PROCESSING, granted=True, version="2027-01", now=now
            )
            uow.session.add(
                Identity(
                    platform="telegram",
                    platform_user_id=str(chat),
                    chat_id=str(chat),
                    participant_id=participant.id,
                    created_at=now,
                    last_seen_at=now,
                )
            )
        await uow.admins.add("telegram", str(ADMIN), added_by="test", now=now)
    return chats


async def test_a_broadcast_to_500_participants_keeps_within_the_enforced_limits(
    app: App,
    channel: TelegramChannel,
    fake: FakeTelegram,
    timer: FakeTimer,
    clock: FixedClock,
) -> None:
    fake.enforce_limits(timer.now)
    chats = await seed(app.store, clock.now())
    stop = asyncio.Event()
    polling = asyncio.create_task(channel.poll(stop=stop))

    async def deliver(update: dict[str, Any]) -> None:
        fake.inject(update)
        # The button's update is confirmed once the whole broadcast has gone out.
        await fake.wait_confirmed(update["update_id"], bound=120.0)
        await channel.settle()

    secretariat = TelegramUser(
        fake, deliver, itertools.count(900_000_000), user_id=ADMIN, first_name="Secretariat"
    )
    try:
        await secretariat.say(f"/admin broadcast wgic-18-2027 all {TEXT}")
        assert secretariat.text == (
            f"This message will go to 500 participants of wgic-18-2027:\n\n{TEXT}"
        )
        assert fake.sent("sendMessage", chat_id=FIRST_CHAT) == []
        started = timer.now()
        await secretariat.press("Send it")
    finally:
        stop.set()
        await polling

    assert secretariat.text == (
        "Sending to 500 participants…\n"
        "Delivered to 500 of 500; unreachable: 0; failed: 0; no running channel: 0."
    )
    assert fake.floods == 0
    assert [call for call in fake.calls if call.status == 429] == []
    expected = f"Message from the secretariat:\n\n{TEXT}"
    received = {chat: [m.get("text") for m in fake.messages.get(chat, [])] for chat in chats}
    assert received == {chat: [expected] for chat in chats}
    # Paced, not burst: 500 messages at 30 a second take at least 470 / 30 s of the clock.
    assert timer.now() - started >= (PARTICIPANTS - 30) / 30
