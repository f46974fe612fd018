"""PostgreSQL restarted under a running bot process: it reconnects and loses no update.

The test stops and starts the whole PostgreSQL server, which every other database on it
feels, so it runs only when FAULT_PG_RESTART=1 is set and DATABASE_URL names PostgreSQL.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import new_invite
from tests.fakes.telegram_server import on_loopback
from tests.faults.bot_process import (
    BOUND,
    TO_FIRST_QUESTION,
    BotProcess,
    ObservedTelegram,
    Person,
    processed_update_counts,
    scalar_rows,
    telegram_answers,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("FAULT_PG_RESTART") != "1"
        or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="restarts the PostgreSQL server: set FAULT_PG_RESTART=1 with a PostgreSQL "
        "DATABASE_URL",
    ),
]

AMINA = 5230018432
TEXT = "We contributed to the self-assessment checklist in 2026 and would do so again."


@pytest.fixture
async def fake() -> AsyncIterator[ObservedTelegram]:
    """The observing fake Bot API on loopback."""
    async with on_loopback(ObservedTelegram()) as server:
        yield server


def cluster_version() -> str:
    """The installed PostgreSQL major version (the name of its directory in /etc/postgresql)."""
    return sorted(path.name for path in Path("/etc/postgresql").iterdir())[-1]


async def pg_ctlcluster(action: str, version: str) -> None:
    """Run `pg_ctlcluster <version> main <action>` without blocking the fake's event loop."""
    process = await asyncio.create_subprocess_exec(
        "pg_ctlcluster",
        "--skip-systemctl-redirect",
        version,
        "main",
        action,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), BOUND)
    assert process.returncode == 0, output.decode(errors="replace")


async def step(fake: ObservedTelegram, person: Person, update: dict[str, object], done: str) -> int:
    """Inject `update` and wait until the bot shows `done`; the update's id."""
    before = len(fake.calls)
    update_id = person.inject(update)
    await fake.wait_for(lambda: done in person.shown(before))
    return update_id


async def to_questions(fake: ObservedTelegram, amina: Person, code: str) -> None:
    """From /start to the agenda item's first question."""
    for kind, argument, done in TO_FIRST_QUESTION:
        update = (
            amina.text_update(argument.format(code=code))
            if kind == "say"
            else amina.press_update(argument)
        )
        await step(fake, amina, update, done)


OUTAGE_SECONDS = 3.0
"""How long the server stays down: longer than the two seconds a skipping bot would retry."""


async def test_bot_reconnects_after_postgres_restart_and_loses_nothing(
    fake: ObservedTelegram, store: Store, database_url: str, tmp_path: Path
) -> None:
    version = cluster_version()
    code = await new_invite(store, FixedClock(datetime.now(UTC)))
    bot = BotProcess(fake, database_url, tmp_path)
    amina = Person(fake, AMINA, itertools.count(815_400_000, 10))
    await bot.start()
    try:
        await to_questions(fake, amina, code)
        await step(fake, amina, amina.press_update("We contributed to it"), "Question 2 of 3")

        # A restart while the bot idles: its pooled connections are all dead.
        await pg_ctlcluster("restart", version)
        await step(fake, amina, amina.press_update("Yes"), "Question 3 of 3")

        # The server down while an answer arrives: the update cannot be stored in the inbox
        # and the poller's lease went with its connection, so Telegram keeps it (the offset
        # stays) until the database is back. The outage itself is real time: nothing to inject.
        await pg_ctlcluster("stop", version)
        try:
            before = len(fake.calls)
            failed = amina.inject(amina.text_update(TEXT))
            await asyncio.sleep(OUTAGE_SECONDS)
            assert fake.confirmed <= failed  # not given up while the database is away
        finally:
            await pg_ctlcluster("start", version)
        await fake.wait_for(lambda: "Submit" in amina.shown(before))
        await step(fake, amina, amina.press_update("Submit"), "Reference: WGIC-18-2027-2-")
        await fake.wait_confirmed(amina.sent[-1], bound=BOUND)
        alive = bot.alive
    finally:
        await bot.stop()
        logs = bot.logs()

    assert alive, logs
    assert "skipped after" not in logs, logs
    assert await processed_update_counts(database_url) == {
        f"{fake.bot_id}:{update_id}": 1 for update_id in amina.sent
    }
    answers = await telegram_answers(database_url, AMINA)
    assert [(revision, revisions) for _, revision, _, revisions in answers] == [(1, 1)] * 3
    assert answers[-1][2] == TEXT
    submitted = await scalar_rows(
        database_url,
        "SELECT count(*) FROM submissions s JOIN identities i "
        "ON i.participant_id = s.participant_id WHERE i.platform_user_id = :user "
        "AND s.submitted_at IS NOT NULL",
        user=str(AMINA),
    )
    assert submitted == [(1,)]


async def test_an_update_outlives_a_database_outage_longer_than_two_seconds(
    fake: ObservedTelegram, store: Store, database_url: str, tmp_path: Path
) -> None:
    version = cluster_version()
    code = await new_invite(store, FixedClock(datetime.now(UTC)))
    bot = BotProcess(fake, database_url, tmp_path)
    amina = Person(fake, AMINA, itertools.count(815_500_000, 10))
    await bot.start()
    try:
        await to_questions(fake, amina, code)
        await pg_ctlcluster("stop", version)
        try:
            before = len(fake.calls)
            failed = amina.inject(amina.press_update("We contributed to it"))
            # An outage longer than a skipping bot's retries: the update must not be given up.
            await asyncio.sleep(OUTAGE_SECONDS)
            given_up = fake.confirmed > failed
        finally:
            await pg_ctlcluster("start", version)
        # Once the database is back the same update is taken and answered.
        await fake.wait_for(lambda: "Question 2 of 3" in amina.shown(before))
    finally:
        await bot.stop()
        logs = bot.logs()

    assert not given_up, logs
