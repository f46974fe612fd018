"""The sender of `bot/adapters/relaying.py` on a real store: a chat's rows in order, and a row
that cannot be sent is marked failed instead of being tried forever."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from bot.adapters.relaying import MAX_SEND_ATTEMPTS, Sender, Workers
from storage.relay import Doorbell, Incoming, Unsent
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


async def _until(condition: Callable[[], bool]) -> None:
    """Wait (briefly polling) until `condition()` holds; fail after 10 s."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not within 10 s")


async def test_an_update_stored_wakes_one_idle_worker_not_every_worker(store: Store) -> None:
    handled: list[str] = []
    looks = 0

    def count_looks(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal looks
        looks += statement.lstrip().startswith("SELECT") and "FROM inbox" in statement

    async def handle(body: str) -> bool:
        handled.append(body)
        return True

    relay = store.relay
    bell = relay.worker_bell("telegram")
    # Idle workers look anyway after `idle_look`; far beyond this test, so every look counted
    # is one a wake-up caused.
    workers = Workers(relay, "telegram", handle, count=4, idle_look=600)
    workers.start()
    try:
        await _until(lambda: bell.waiting == 4)
        event.listen(relay.database.sync_engine, "before_cursor_execute", count_looks)
        await relay.put([Incoming("telegram", "1", "amina", "the update")], NOW)
        await _until(lambda: handled == ["the update"] and bell.waiting == 4)
        # The woken worker's look that took it, and its look for more before it waits
        # again; the three others slept on (woken all, each would have looked for nothing).
        assert looks == 2
    finally:
        event.remove(relay.database.sync_engine, "before_cursor_execute", count_looks)
        await workers.stop()


async def test_a_ring_wakes_one_waiter_and_one_nobody_waited_for_is_kept() -> None:
    bell = Doorbell()
    waits = [asyncio.create_task(bell.wait(600)) for _ in range(3)]
    await _until(lambda: bell.waiting == 3)
    bell.ring()
    done, pending = await asyncio.wait(waits, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    assert [task.result() for task in done] == [True]
    for _ in range(5):
        await asyncio.sleep(0)  # the others, had they been woken, would have ended
    assert len(pending) == 2
    assert not any(task.done() for task in pending)
    bell.ring_all()
    assert await asyncio.gather(*pending) == [True, True]
    # Rung while nobody waited (the one extra of ring_all, and two more): kept for the
    # next waiters, at once; and a wait with none kept ends at its time, unrung.
    bell.ring(2)
    assert [await bell.wait(600) for _ in range(3)] == [True, True, True]
    assert await bell.wait(0.01) is False
    assert bell.waiting == 0
    bell.ring(Doorbell.KEPT + 5)
    kept = 0
    while await bell.wait(0):
        kept += 1
    assert kept == Doorbell.KEPT
