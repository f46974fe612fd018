"""The inbox, the outbox's sending side and the leases (`storage.relay`), on SQLite and
PostgreSQL: one chat's updates one at a time and in order, other chats meanwhile; an update
whose handling failed stays; a lease has one holder."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from storage.db import create_engine
from storage.relay import Doorbell, Incoming, Relay
from storage.relay_models import INBOX_CHANNEL, OUTBOX_CHANNEL
from storage.repositories import Store
from tests.conftest import database_kind
from tests.faults.bot_process import scalar_rows

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def incoming(key: str, chat: str) -> Incoming:
    return Incoming("telegram", key, chat, f'{{"key": "{key}"}}')


async def test_a_chat_waits_for_its_update_in_hand_while_other_chats_go_on(store: Store) -> None:
    relay = store.relay
    await relay.put([incoming("1", "amina"), incoming("2", "amina"), incoming("3", "bob")], NOW)
    async with relay.take("telegram") as first:
        assert first is not None
        assert first.body == '{"key": "1"}'
        async with relay.take("telegram") as second:
            assert second is not None
            assert second.body == '{"key": "3"}'
            async with relay.take("telegram") as third:
                assert third is None
    async with relay.take("telegram") as fourth:
        assert fourth is not None
        assert fourth.body == '{"key": "2"}'
    assert await relay.waiting("telegram") == 0


async def test_an_update_whose_handling_failed_is_taken_again(store: Store) -> None:
    relay = store.relay
    await relay.put([incoming("1", "amina")], NOW)

    async def failing() -> None:
        async with relay.take("telegram") as taken:
            assert taken is not None
            raise RuntimeError("the engine failed")

    with pytest.raises(RuntimeError):
        await failing()
    assert await relay.waiting("telegram") == 1
    async with relay.take("telegram") as again:
        assert again is not None
        assert again.body == '{"key": "1"}'
    assert await relay.waiting("telegram") == 0


async def test_an_update_delivered_twice_waits_once(store: Store) -> None:
    relay = store.relay
    await relay.put([incoming("1", "amina")], NOW)
    await relay.put([incoming("1", "amina"), incoming("2", "amina")], NOW)
    assert await relay.waiting("telegram") == 2


async def test_a_row_keeps_its_progress_until_it_is_done_and_is_forgotten_a_week_later(
    store: Store, database_url: str
) -> None:
    relay = store.relay
    await relay.enqueue("telegram", "42", "body", NOW)
    [row] = await relay.unsent("telegram", skip=set())
    assert (row.chat_id, row.body, row.progress) == ("42", "body", 0)
    await relay.advance(row.id, 2)
    [again] = await relay.unsent("telegram", skip=set())
    assert again.progress == 2  # a sender taking over goes on from the third call
    assert await relay.unsent("telegram", skip={row.id}) == []
    await relay.finish(row.id, "sent", NOW)
    assert await relay.unsent("telegram", skip=set()) == []
    kept = await scalar_rows(database_url, "SELECT chat_id, body, outcome FROM outbox")
    assert kept == [("42", "", "sent")]  # the replies are not kept once sent
    assert await relay.forget_sent(NOW) == 0
    assert await relay.forget_sent(NOW + timedelta(seconds=1)) == 1


@pytest.mark.skipif(database_kind() != "postgresql", reason="SQLite serves one process")
async def test_a_lease_has_one_holder_among_processes_and_passes_on_release(
    database_url: str,
) -> None:
    engines = [create_engine(database_url), create_engine(database_url)]
    first, second = (Relay(engine) for engine in engines)
    stop = asyncio.Event()
    try:
        async with first.lease("sender", stop) as held:
            assert held is not None
            assert not held.is_set()
            standing = asyncio.Event()
            loop = asyncio.get_running_loop()
            loop.call_later(1.5, standing.set)  # the standby gives up after a few tries
            async with second.lease("sender", standing) as refused:
                assert refused is None
        async with second.lease("sender", stop) as taken_over:
            assert taken_over is not None
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_lease_is_held_once_in_one_process(store: Store) -> None:
    if database_kind() == "postgresql":
        pytest.skip("on PostgreSQL the lease is the database's (the test above)")
    stop = asyncio.Event()
    async with store.relay.lease("sender", stop) as held:
        assert held is not None
        with pytest.raises(RuntimeError):
            async with store.relay.lease("sender", stop):
                pass


async def _listeners(database_url: str) -> list[int]:
    """The backends LISTENing for the relay's wake-ups."""
    rows = await scalar_rows(
        database_url,
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'intersessional-listen'"
        " AND datname = current_database()",
    )
    return [int(row[0]) for row in rows]


async def _until(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait (briefly polling) until `condition()` is true; fail after 5 s."""
    for _ in range(250):
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("not within 5 s")


async def _forget_rings(bell: Doorbell) -> None:
    while await bell.wait(0):
        pass


@pytest.mark.skipif(database_kind() != "postgresql", reason="SQLite wakes in-process")
async def test_the_listener_comes_back_after_its_connection_is_killed_and_looks_once(
    database_url: str,
) -> None:
    engines = [create_engine(database_url), create_engine(database_url)]
    listening, putting = (Relay(engine) for engine in engines)
    woken = listening.worker_bell("telegram")
    try:
        await listening.listen()
        [pid] = await _listeners(database_url)
        await _forget_rings(woken)
        await scalar_rows(database_url, f"SELECT pg_terminate_backend({pid})")

        async def back() -> bool:
            return bool(set(await _listeners(database_url)) - {pid})

        await _until(back)
        # Notifications may have been missed while it was away: the workers look once.
        assert await woken.wait(5)
        await _forget_rings(woken)
        await putting.put([incoming("1", "amina")], NOW)  # another process stores an update
        assert await woken.wait(2)  # woken by its NOTIFY, not by a worker's next look
    finally:
        await listening.close()
        for engine in engines:
            await engine.dispose()


@pytest.mark.skipif(database_kind() != "postgresql", reason="SQLite serves one process")
async def test_other_processes_are_notified_only_of_what_this_one_cannot_take_or_send(
    store: Store,
) -> None:
    relay = store.relay
    notified: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "pg_notify" in statement:
            notified.append(str(parameters[0]))

    bell = relay.worker_bell("telegram")

    async def idle() -> bool:
        return bell.waiting == 1

    event.listen(relay.database.sync_engine, "before_cursor_execute", record)
    try:
        # No idle worker here: the other processes' workers are woken.
        await relay.put([incoming("1", "amina")], NOW)
        assert notified == [INBOX_CHANNEL]
        # One idle worker here takes one update: it is woken, nobody else.
        await _forget_rings(bell)  # the update above rang for a worker to come
        waiting = asyncio.create_task(bell.wait(600))
        await _until(idle)
        await relay.put([incoming("2", "bob")], NOW)
        assert await asyncio.wait_for(waiting, 5) is True
        assert notified == [INBOX_CHANNEL]
        # Two updates for one idle worker: the other processes are woken too.
        waiting = asyncio.create_task(bell.wait(600))
        await _until(idle)
        await relay.put([incoming("3", "carla"), incoming("4", "dmitri")], NOW)
        assert await asyncio.wait_for(waiting, 5) is True
        assert notified == [INBOX_CHANNEL, INBOX_CHANNEL]
        # Replies: the elected sender is notified, unless it is this process's.
        await relay.enqueue("telegram", "42", "body", NOW)
        async with store.transaction() as uow:
            await uow.outbox.add("telegram", "42", "body", NOW)
        assert notified[2:] == [OUTBOX_CHANNEL, OUTBOX_CHANNEL]
        relay.sending("telegram", here=True)
        assert relay.sends_here("telegram")
        await relay.enqueue("telegram", "42", "body", NOW)
        async with store.transaction() as uow:
            await uow.outbox.add("telegram", "42", "body", NOW, notify=False)
        assert notified[2:] == [OUTBOX_CHANNEL, OUTBOX_CHANNEL]
        assert relay.sender_event("telegram").is_set()
    finally:
        event.remove(relay.database.sync_engine, "before_cursor_execute", record)
        relay.sending("telegram", here=False)
