"""The outbound windows every process shares (`storage.pace`), on real connections."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from storage.db import create_engine
from storage.pace import IN_FLIGHT_SECONDS, Pace, Place
from storage.relay_models import PacePlace
from tests.conftest import database_kind

postgresql = pytest.mark.skipif(
    database_kind() != "postgresql", reason="windows are shared on PostgreSQL only"
)


@postgresql
async def test_a_window_grants_its_places_then_says_when_one_frees(database_url: str) -> None:
    engine = create_engine(database_url)
    pace = Pace(engine)
    try:
        taken = [await pace.take("bot:1", 3) for _ in range(3)]
        assert sorted(p.slot for p in taken if isinstance(p, Place)) == [0, 1, 2]
        # All three in flight: no completion says when one frees.
        wait = await pace.take("bot:1", 3)
        assert isinstance(wait, float)
        assert IN_FLIGHT_SECONDS - 5 < wait <= IN_FLIGHT_SECONDS
        first, second, _ = (p for p in taken if isinstance(p, Place))
        window = IN_FLIGHT_SECONDS / 2
        await pace.give_back([(first, window)])
        wait = await pace.take("bot:1", 3)
        assert isinstance(wait, float)
        assert window - 3 < wait <= window  # Free a window length after its request completed.
        await pace.give_back([(second, 0.0)])  # Not used: free at once.
        assert await pace.take("bot:1", 3) == second
        # Another window is another key.
        assert isinstance(await pace.take("bot:1:42", 3), Place)
    finally:
        await pace.close()
        await engine.dispose()


@postgresql
async def test_a_reserve_leaves_places_free(database_url: str) -> None:
    engine = create_engine(database_url)
    pace = Pace(engine)
    try:
        assert isinstance(await pace.take("chat", 3, reserve=1), Place)
        assert isinstance(await pace.take("chat", 3, reserve=1), Place)
        # One free place is left; a message that must leave one free waits for it.
        assert isinstance(await pace.take("chat", 3, reserve=1), float)
        assert isinstance(await pace.take("chat", 3), Place)
    finally:
        await pace.close()
        await engine.dispose()


@postgresql
async def test_processes_share_one_window(database_url: str) -> None:
    """Three processes' connections asking at once: the window's places, and no more."""
    engines = [create_engine(database_url) for _ in range(3)]
    paces = [Pace(engine) for engine in engines]
    try:
        await paces[0].take("bot", 5)  # The window's rows exist; give the place back.
        await paces[0].give_back([(Place("bot", 0), 0.0)])
        got = await asyncio.gather(*(pace.take("bot", 5) for pace in paces for _ in range(4)))
        places = [p for p in got if isinstance(p, Place)]
        assert sorted(p.slot for p in places) == [0, 1, 2, 3, 4]
        assert len(got) - len(places) == 7
    finally:
        for pace, engine in zip(paces, engines, strict=True):
            await pace.close()
            await engine.dispose()


@postgresql
async def test_a_smaller_window_uses_fewer_of_its_places(database_url: str) -> None:
    engine = create_engine(database_url)
    pace = Pace(engine)
    try:
        assert isinstance(await pace.take("bot", 5), Place)
        got = [await pace.take("bot", 2) for _ in range(3)]
        assert [isinstance(p, Place) for p in got] == [True, False, False]
        got = [await pace.take("bot", 4) for _ in range(3)]  # Grown again: two more.
        assert [isinstance(p, Place) for p in got] == [True, True, False]
    finally:
        await pace.close()
        await engine.dispose()


async def test_one_process_on_sqlite_takes_its_places_at_once(database_url: str) -> None:
    if database_kind() != "sqlite":
        pytest.skip("the SQLite path")
    engine = create_engine(database_url)
    pace = Pace(engine)
    try:
        assert not pace.shared
        got = [await pace.take("bot", 1) for _ in range(3)]
        assert all(isinstance(p, Place) for p in got)
        await pace.give_back([(p, 1.0) for p in got if isinstance(p, Place)])
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(PacePlace)) == 0
    finally:
        await pace.close()
        await engine.dispose()


@postgresql
async def test_quiet_windows_are_forgotten_and_made_again(database_url: str) -> None:
    engine = create_engine(database_url)
    pace = Pace(engine)
    try:
        quiet = await pace.take("bot:chat-1", 3)
        busy = await pace.take("bot:chat-2", 3)
        assert isinstance(quiet, Place)
        assert isinstance(busy, Place)
        await pace.give_back([(quiet, -7200.0)])  # Its message went two hours ago.
        await pace.give_back([(busy, 1.0)])
        assert await pace.forget_quiet(3600) == 3
        async with engine.connect() as connection:
            keys = await connection.scalars(select(PacePlace.key).distinct())
            assert list(keys) == ["bot:chat-2"]
        assert isinstance(await pace.take("bot:chat-1", 3), Place)  # Made again.
    finally:
        await pace.close()
        await engine.dispose()
