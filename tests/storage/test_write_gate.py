"""The write gate (`storage.write_gate`): on SQLite, writers of one process take their turn
first come, first served, and never wait in SQLite's busy handler.

Each engine here has SQLite's busy timeout at 0, so a writer that found the database locked
would fail at once with "database is locked": what passes shows that no writer ever met
another's lock. SQLite only: PostgreSQL has row locks and no gate.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import write_gate
from storage.db import create_engine
from storage.write_gate import NestedWrite, WriteGate
from tests.conftest import database_kind

pytestmark = pytest.mark.skipif(
    database_kind() != "sqlite", reason="the write gate serves SQLite's one writer at a time"
)

WRITERS = 6


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The product's engine on a fresh database, SQLite's busy handler switched off."""
    engine = create_engine(database_url)

    @event.listens_for(engine.sync_engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 0")
        cursor.close()

    async with engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE turns (id INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT NOT NULL)")
        )
    yield engine
    await engine.dispose()


def gate_of(engine: AsyncEngine) -> WriteGate:
    gate = write_gate.gate_of(engine)
    assert gate is not None
    return gate


async def insert(connection: AsyncConnection, who: str) -> None:
    await connection.execute(text("INSERT INTO turns (who) VALUES (:who)"), {"who": who})


async def turns(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT who FROM turns ORDER BY id"))
        return [row.who for row in rows]


async def queued(gate: WriteGate, count: int) -> None:
    """Return once `count` writers wait at the gate (each only yields to the loop)."""
    for _ in range(10_000):
        if gate.waits >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{gate.waits} writers wait, not {count}")


async def holding(engine: AsyncEngine, go: asyncio.Event) -> asyncio.Task[None]:
    """A task writing "first" that holds the database's write lock until `go` is set;
    returned once it holds it."""
    writing = asyncio.Event()

    async def first() -> None:
        async with engine.begin() as connection:
            await insert(connection, "first")
            writing.set()
            await go.wait()

    holder = asyncio.create_task(first())
    await writing.wait()
    return holder


async def test_writers_take_their_turn_in_the_order_they_asked(database: AsyncEngine) -> None:
    gate = gate_of(database)
    go = asyncio.Event()

    async def writer(name: str) -> None:
        async with database.begin() as connection:
            await insert(connection, name)
            await asyncio.sleep(0)  # other work between a transaction's statements
            await insert(connection, name)

    holder = await holding(database, go)
    waiting = []
    for n in range(WRITERS):
        waiting.append(asyncio.create_task(writer(f"w{n}")))
        await queued(gate, n + 1)
    go.set()
    await asyncio.gather(holder, *waiting)

    assert await turns(database) == ["first", *(f"w{n}" for n in range(WRITERS) for _ in (1, 2))]


async def test_reads_do_not_wait_for_a_writer(database: AsyncEngine) -> None:
    gate = gate_of(database)
    async with database.begin() as connection:
        await insert(connection, "first")
        assert await turns(database) == []  # another connection, the last committed state
    assert gate.waits == 0
    assert await turns(database) == ["first"]


async def test_a_rolled_back_or_failed_writer_lets_the_next_one_in(database: AsyncEngine) -> None:
    class Failed(Exception):
        pass

    async def failing() -> None:
        async with database.begin() as connection:
            await insert(connection, "rolled back")
            raise Failed

    with pytest.raises(Failed):
        await failing()
    async with database.connect() as connection:
        await insert(connection, "never committed")  # closed in its transaction: rolled back
    async with database.begin() as connection:
        await insert(connection, "next")
    assert await turns(database) == ["next"]


async def test_a_writer_cancelled_while_it_holds_the_gate_gives_it_back(
    database: AsyncEngine,
) -> None:
    writing = asyncio.Event()

    async def stuck() -> None:
        async with database.begin() as connection:
            await insert(connection, "cancelled")
            writing.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(stuck())
    await writing.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with database.begin() as connection:
        await insert(connection, "next")
    assert await turns(database) == ["next"]


async def test_a_writer_cancelled_while_it_waits_leaves_the_queue(database: AsyncEngine) -> None:
    gate = gate_of(database)
    go = asyncio.Event()
    holder = await holding(database, go)
    given_up = asyncio.create_task(_write(database, "given up"))
    await queued(gate, 1)
    after = asyncio.create_task(_write(database, "after"))
    await queued(gate, 2)
    given_up.cancel()
    go.set()
    await asyncio.gather(holder, after)
    with pytest.raises(asyncio.CancelledError):
        await given_up
    assert await turns(database) == ["first", "after"]


async def test_a_task_writing_on_two_connections_at_once_is_told_not_left_waiting(
    database: AsyncEngine,
) -> None:
    async with database.begin() as connection:
        await insert(connection, "first")
        with pytest.raises(NestedWrite, match="would make it wait for itself"):
            async with database.begin() as other:
                await insert(other, "second")
    assert await turns(database) == ["first"]


async def test_a_command_beside_the_bot_still_waits_in_sqlites_busy_handler(
    database_url: str, database: AsyncEngine
) -> None:
    # Another engine (another process, as far as SQLite knows) has a gate of its own: the
    # busy handler, with the product's timeout, orders the two.
    other = create_engine(database_url)
    try:
        async with database.begin() as connection:
            await insert(connection, "bot")
            waiting = asyncio.create_task(_write(other, "command"))
            for _ in range(100):
                await asyncio.sleep(0)
        await waiting
    finally:
        await other.dispose()
    assert await turns(database) == ["bot", "command"]


async def _write(engine: AsyncEngine, who: str) -> None:
    async with engine.begin() as connection:
        await insert(connection, who)
