"""The App Home's overview: the same progress as the agenda step, read with a fixed number of
queries however many agenda items there are."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event

from bot.app import load_into
from config.consultation import Consultation
from handlers.engine import Engine
from handlers.ports import FileStore, FixedClock
from storage.db import create_engine, session_factory
from storage.repositories import Store
from tests.conftest import Chat, answer_agenda_item_2, new_invite, onboard


@pytest.fixture
async def counted(
    database_url: str, clock: FixedClock, bundled: list[Consultation], files: FileStore
) -> AsyncIterator[tuple[Engine, Store, list[str]]]:
    """An engine whose database records every statement it runs."""
    database = create_engine(database_url)
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(database.sync_engine, "before_cursor_execute", record)
    store = Store(session_factory(database))
    await load_into(store, bundled, clock)
    yield Engine(store, clock=clock, files=files), store, statements
    await database.dispose()


def reads_of(statements: list[str], table: str) -> int:
    return sum(1 for s in statements if s.startswith("SELECT") and f"FROM {table}" in s)


async def test_the_overview_reads_answers_and_submissions_once_for_all_agenda_items(
    counted: tuple[Engine, Store, list[str]], clock: FixedClock
) -> None:
    engine, store, statements = counted
    alice = Chat(engine, "alice")
    await onboard(alice, await new_invite(store, clock))
    await answer_agenda_item_2(alice, "Our comment on the review process.")
    await alice.press("Agenda item 3")
    await alice.press("‹ Back")
    statements.clear()

    seen = await engine.overview("test", "alice")

    assert seen is not None
    [consultation] = seen.consultations
    assert [(i.number, i.progress_text) for i in consultation.items] == [
        ("2", "3 of 3 questions answered · submitted"),
        ("3", "0 of 4 questions answered · not submitted"),
        ("4", "0 of 4 questions answered · not submitted"),
    ]
    assert reads_of(statements, "answers") == 1
    assert reads_of(statements, "submissions") == 1
