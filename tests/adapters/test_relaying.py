"""The sender of `bot/adapters/relaying.py` on a real store: a chat's rows in order, and a row
that cannot be sent is marked failed instead of being tried forever."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.adapters.relaying import MAX_SEND_ATTEMPTS, Sender
from storage.relay import Unsent
from storage.repositories import Store
from tests.faults.bot_process import scalar_rows

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


async def test_a_chats_rows_are_sent_in_order_and_marked_sent(
    store: Store, database_url: str
) -> None:
    sent: list[str] = []
    done = asyncio.Event()

    async def send_row(row: Unsent) -> str:
        sent.append(row.body)
        if len(sent) == 3:
            done.set()
        return "sent"

    for chat, body in (("42", "first"), ("7", "other"), ("42", "second")):
        await store.relay.enqueue("telegram", chat, body, NOW)
    sender = Sender(store.relay, "telegram", "sender", send_row, lambda: NOW)
    sender.start()
    await asyncio.wait_for(done.wait(), 10)
    await sender.stop()
    assert [body for body in sent if body != "other"] == ["first", "second"]
    rows = await scalar_rows(database_url, "SELECT outcome, count(*) FROM outbox GROUP BY 1")
    assert rows == [("sent", 3)]


async def test_a_row_that_cannot_be_sent_is_marked_failed_not_tried_forever(
    store: Store, database_url: str
) -> None:
    tries = 0
    gave_up = asyncio.Event()

    async def send_row(row: Unsent) -> str:
        nonlocal tries
        tries += 1
        if tries == MAX_SEND_ATTEMPTS:
            gave_up.set()
        raise ValueError("a reply no channel can carry")

    await store.relay.enqueue("telegram", "42", "broken", NOW)
    sender = Sender(store.relay, "telegram", "sender", send_row, lambda: NOW)
    sender.start()
    await asyncio.wait_for(gave_up.wait(), 10)
    await sender.stop()
    assert tries == MAX_SEND_ATTEMPTS
    rows = await scalar_rows(database_url, "SELECT outcome FROM outbox")
    assert rows == [("failed",)]
