"""The bot process killed with SIGKILL at seeded points of a journey, restarted each time:
every acknowledged answer is stored exactly once and the conversation goes on."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import new_invite
from tests.fakes.telegram_server import on_loopback
from tests.faults.bot_process import (
    BotProcess,
    ObservedTelegram,
    Person,
    processed_update_counts,
    scalar_rows,
    telegram_answers,
)

pytestmark = pytest.mark.slow

AMINA = 5230018431
TEXT = "We contributed to the self-assessment checklist in 2026 and would do so again."
LEFT_OFF = "Here is where you left off."
# (action, what must be visible before it, what the bot shows once it is handled)
JOURNEY: list[tuple[str, str, str, str]] = [
    ("say", "/start {code}", "", "English"),
    ("press", "English", "English", "I agree"),
    ("press", "I agree", "I agree", "No, do not publish"),
    ("press", "No, do not publish", "No, do not publish", "This is correct"),
    ("press", "This is correct", "This is correct", "Prefer not to say"),
    ("press", "Prefer not to say", "Prefer not to say", "Constructive dialogue 2027"),
    ("press", "Constructive dialogue 2027", "Constructive dialogue 2027", "Agenda item 2"),
    ("press", "Agenda item 2", "Agenda item 2", "Question 1 of 3"),
    ("press", "We contributed to it", "We contributed to it", "Question 2 of 3"),
    ("press", "Yes", "Question 2 of 3", "Question 3 of 3"),
    ("say", TEXT, "Question 3 of 3", "Submit"),
    ("press", "Submit", "Submit", "Reference: WGIC-18-2027-2-"),
]


@pytest.fixture
async def fake() -> AsyncIterator[ObservedTelegram]:
    """The observing fake Bot API on loopback."""
    async with on_loopback(ObservedTelegram()) as server:
        yield server


async def committed(database_url: str, update_id: int) -> bool:
    """Whether a (now dead) process committed the update."""
    rows = await scalar_rows(
        database_url,
        "SELECT count(*) FROM processed_updates WHERE platform = 'telegram' AND update_key = :k",
        k=f"{ObservedTelegram().bot_id}:{update_id}",
    )
    return bool(rows[0][0])


@pytest.mark.parametrize("seed", [8])
async def test_killed_and_restarted_bot_loses_and_repeats_nothing(
    seed: int, fake: ObservedTelegram, store: Store, database_url: str, tmp_path: Path
) -> None:
    code = await new_invite(store, FixedClock(datetime.now(UTC)))
    rng = random.Random(seed)
    fake.kill_at = set(rng.sample(range(2, 40), 4))
    bot = BotProcess(fake, database_url, tmp_path)
    amina = Person(fake, AMINA, itertools.count(815_300_000))
    await bot.start()
    try:
        for kind, argument, ready, done in JOURNEY:

            def make(kind: str = kind, argument: str = argument) -> dict[str, object]:
                if kind == "say":
                    return amina.text_update(argument.format(code=code))
                return amina.press_update(argument)

            before = len(fake.calls)
            update_id = amina.inject(make())
            recovering = False
            while True:

                def settled(
                    before: int = before,
                    ready: str = ready,
                    done: str = done,
                    recovering: bool = recovering,
                ) -> bool:
                    shown = amina.shown(before)
                    return (
                        done in shown
                        or (recovering and LEFT_OFF in shown and ready in shown.split(LEFT_OFF)[1])
                        or not bot.alive
                    )

                await fake.wait_for(settled)
                shown = amina.shown(before)
                if done in shown:
                    break
                if bot.alive:  # /start showed the step again: its action was not handled
                    before = len(fake.calls)
                    update_id = amina.inject(make())
                    recovering = False
                    continue
                handled = await committed(database_url, update_id)
                await bot.start()
                if handled:  # its replies may be lost; /start shows where the journey is
                    before = len(fake.calls)
                    update_id = amina.inject(amina.text_update("/start"))
                    recovering = True
        await fake.wait_confirmed(amina.sent[-1], bound=60.0)
    finally:
        await bot.stop()
        logs = bot.logs()

    assert fake.kills == len(fake.kill_at), logs
    prefix = f"{fake.bot_id}:"
    acknowledged = {f"{prefix}{u}" for u in amina.sent if u < fake.confirmed}
    assert await processed_update_counts(database_url) == dict.fromkeys(acknowledged, 1)
    answers = await telegram_answers(database_url, AMINA)
    assert [(revision, revisions) for _, revision, _, revisions in answers] == [(1, 1)] * 3
    assert answers[-1][2] == TEXT
    assert "Traceback" not in logs
