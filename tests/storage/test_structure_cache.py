"""The structure cache: answering does not re-read questions; a change anywhere is seen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import load_into
from config.consultation import Consultation
from handlers.engine import Engine
from handlers.ports import FileStore, FixedClock
from storage.db import create_engine, session_factory
from storage.models import AgendaItemRow
from storage.repositories import Store, StructureCache
from tests.conftest import Chat, new_invite, onboard


@dataclass
class Process:
    """One bot process: its own database engine, store (and cache) and conversation engine."""

    database: AsyncEngine
    store: Store
    engine: Engine
    statements: list[str]


@pytest.fixture
async def processes(
    database_url: str, clock: FixedClock, bundled: list[Consultation], files: FileStore
) -> AsyncIterator[tuple[Process, Process]]:
    """Two processes on the same database, as the bot and the command line are."""
    made: list[Process] = []
    for _ in range(2):
        database = create_engine(database_url)
        store = Store(session_factory(database))
        statements: list[str] = []

        def record(*args: object, into: list[str] = statements) -> None:
            into.append(str(args[2]))

        event.listen(database.sync_engine, "before_cursor_execute", record)
        made.append(Process(database, store, Engine(store, clock=clock, files=files), statements))
    await load_into(made[0].store, bundled, clock)
    yield made[0], made[1]
    for process in made:
        await process.database.dispose()


async def at_agenda_item_2(bot: Process, clock: FixedClock) -> Chat:
    """Alice, onboarded in `bot`, at the first question of agenda item 2."""
    alice = Chat(bot.engine, "alice")
    await onboard(alice, await new_invite(bot.store, clock))
    await alice.press("Constructive dialogue 2027")
    await alice.press("Agenda item 2")
    return alice


def reads_of(statements: list[str], table: str) -> int:
    return sum(1 for s in statements if s.startswith("SELECT") and f"FROM {table}" in s)


async def test_answering_reads_questions_once_per_process(
    processes: tuple[Process, Process], clock: FixedClock
) -> None:
    bot, _ = processes
    alice = await at_agenda_item_2(bot, clock)
    for round in range(3):
        if round == 1:
            bot.statements.clear()  # The first round filled the cache.
        await alice.press("We contributed to it")
        assert "Question 2 of" in alice.text
        await alice.press("‹ Back")
        assert "Question 1 of" in alice.text
    assert reads_of(bot.statements, "questions") == 0
    assert reads_of(bot.statements, "agenda_items") == 0


async def test_an_item_closed_by_another_process_is_closed_at_once(
    processes: tuple[Process, Process], clock: FixedClock
) -> None:
    bot, command_line = processes
    alice = await at_agenda_item_2(bot, clock)
    await alice.press("We contributed to it")
    await alice.press("‹ Back")
    async with command_line.store.transaction() as uow:
        generation = await uow.identities.generation()
        items = await uow.consultations.items("wgic-18-2027")
        next(item for item in items if item.number == "2").closed = True
    async with bot.store.transaction() as uow:
        assert await uow.identities.generation() == generation + 1
    await alice.press("We know of it only in general terms")
    assert "Submissions for this consultation are closed; nothing was changed." in alice.text
    async with bot.store.transaction() as uow:
        answers = await uow.answers.for_participant(1)
    assert [a.value for a in answers] == [{"choice": "contributed"}]


async def test_a_change_rolled_back_leaves_no_trace(processes: tuple[Process, Process]) -> None:
    bot, command_line = processes
    async with bot.store.transaction() as uow:
        before = await uow.identities.generation()
        item_id = (await uow.consultations.items("wgic-18-2027"))[0].id

    async def close_then_fail() -> None:
        async with command_line.store.transaction() as uow:
            row = await uow.session.get(AgendaItemRow, item_id)
            assert row is not None
            row.closed = True
            await uow.session.flush()
            raise RuntimeError("the command failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        await close_then_fail()
    async with bot.store.transaction() as uow:
        assert await uow.identities.generation() == before
        row = await uow.session.get(AgendaItemRow, item_id)
        assert row is not None
        assert row.closed is False


async def test_reloading_a_consultation_is_a_new_generation(
    processes: tuple[Process, Process], clock: FixedClock, bundled: list[Consultation]
) -> None:
    bot, command_line = processes
    async with bot.store.transaction() as uow:
        before = await uow.identities.generation()
    await load_into(command_line.store, bundled, clock)
    async with bot.store.transaction() as uow:
        assert await uow.identities.generation() > before


async def test_rows_read_under_an_older_generation_are_not_kept_under_a_newer_one(
    processes: tuple[Process, Process],
) -> None:
    bot, _ = processes
    cache = bot.store.structure
    async with bot.store.transaction() as uow:
        generation = await uow.identities.generation()
        question_id = (await uow.consultations.questions_of("wgic-18-2027"))[0].id
        uow.consultations.use_generation(generation)
        read = uow.consultations._load_placed

        async def overtaken(wanted: int) -> object:
            found = await read(wanted)
            # While this transaction waited for the database, a newer one moved the cache on.
            cache.at(generation + 1)
            return found

        uow.consultations._load_placed = overtaken  # type: ignore[method-assign,assignment]
        placed = await uow.consultations.placed(question_id)
    assert placed is not None
    assert placed[0].id == question_id
    assert cache.generation == generation + 1
    assert question_id not in cache.placed


def test_an_older_transaction_does_not_move_the_cache_back() -> None:
    cache = StructureCache()
    assert cache.at(3) is cache
    cache.placed[1] = None
    assert cache.at(2) is None  # It reads the database instead.
    assert (cache.generation, list(cache.placed)) == (3, [1])
    assert cache.at(3) is cache
    assert list(cache.placed) == [1]
    assert cache.at(4) is cache
    assert (cache.generation, list(cache.placed)) == (4, [])
