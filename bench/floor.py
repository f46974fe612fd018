"""The cost of one statement at each layer under the engine: the floor an engine step stands on.

An answer step is one transaction of 4 to 8 statements through SQLAlchemy's asyncio ORM.
This measures, on the same database, one primary-key read through the raw driver
(aiosqlite or asyncpg), through SQLAlchemy Core on an `AsyncConnection`, through the ORM on
an `AsyncSession`, and one whole unit of work (`Store.transaction()` with that read and
its commit). From these, the fastest possible step of N statements costs about
`unit of work + (N - 1) × ORM statement`, whatever the engine does around them.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import asyncpg
from sqlalchemy import select, text

from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import KeyValue
from storage.repositories import Store

KEY = "bench-floor"


async def _per_call(call: Callable[[], Awaitable[object]], rounds: int) -> float:
    """Median microseconds of `call` over `rounds` (after a warm-up of a tenth of them)."""
    for _ in range(max(1, rounds // 10)):
        await call()
    spent: list[float] = []
    for _ in range(rounds):
        begin = time.perf_counter()
        await call()
        spent.append(time.perf_counter() - begin)
    return statistics.median(spent) * 1_000_000


async def measure(url: str, rounds: int = 2000) -> dict[str, Any]:
    """Median µs of one primary-key read per layer, and of a one-read unit of work."""
    database = create_engine(url)
    await migrate.upgrade(database)
    store = Store(session_factory(database))
    async with store.transaction() as uow:
        await uow.kv.setdefault(KEY, "x", datetime.now(UTC))
    query = select(KeyValue).where(KeyValue.key == KEY)
    raw_sql = "SELECT key, value, updated_at FROM kv WHERE key = "
    row: dict[str, Any] = {"database": url.split("+", 1)[0].split(":", 1)[0]}
    if url.startswith("sqlite"):
        raw = await aiosqlite.connect(url.split("///", 1)[1])

        async def driver() -> object:
            cursor = await raw.execute(raw_sql + "?", (KEY,))
            return await cursor.fetchall()

        row["driver µs"] = round(await _per_call(driver, rounds))
        await raw.close()
    else:
        pg = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))

        async def driver() -> object:
            return await pg.fetch(raw_sql + "$1", KEY)

        row["driver µs"] = round(await _per_call(driver, rounds))
        await pg.close()
    async with database.connect() as connection:

        async def core() -> object:
            return (await connection.execute(query)).first()

        row["Core µs"] = round(await _per_call(core, rounds))
        await connection.execute(text("SELECT 1"))
    sessions = session_factory(database)
    async with sessions() as session:

        async def orm() -> object:
            return await session.scalar(query)

        row["ORM µs"] = round(await _per_call(orm, rounds))

    async def unit_of_work() -> object:
        async with store.transaction() as uow:
            return await uow.session.scalar(query)

    row["unit of work µs"] = round(await _per_call(unit_of_work, rounds))
    for statements in (4, 8):
        row[f"{statements}-statement step floor ms"] = round(
            (row["unit of work µs"] + (statements - 1) * row["ORM µs"]) / 1000, 2
        )
    await database.dispose()
    return row
