"""The Bot API failing at each call the conversation makes — no answer, 500, 429 with
retry_after, malformed JSON: retries stay bounded, the answer is stored once, the
conversation goes on, and no log line carries the bot token. A failing cosmetic call at
start-up (the command menu) is warned about and start-up goes on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.adapters.telegram.channel import TelegramChannel
from bot.adapters.telegram.webhook import TelegramWebhook
from bot.app import App
from handlers.ports import FixedClock
from tests.adapters.running import receiving, serving
from tests.adapters.telegram.conftest import FakeTimer, TelegramUser, fixture, onboard
from tests.conftest import new_invite
from tests.fakes.telegram_server import TOKEN, FakeTelegram

AMINA = 5230018431
HOOK = "https://bot.example.org/telegram/webhook"
MODES = ["timeout", "500", "429", "malformed"]
FAILURES = 3
"""Consecutive failures of the call: fewer than the limiter's tries, so it gets through."""


def arm(fake: FakeTelegram, method: str, mode: str) -> None:
    """Make the next FAILURES calls of `method` fail the way `mode` says."""
    if mode == "timeout":
        fake.hang(method, times=FAILURES)
    elif mode == "malformed":
        fake.garble(method, times=FAILURES)
    elif mode == "429":
        fake.fail(method, 429, retry_after=2, times=FAILURES)
    else:
        fake.fail(method, 500, times=FAILURES)


async def stored(app: App) -> list[tuple[str, int, int]]:
    """Amina's answers: question key, revision, number of revisions kept."""
    async with app.store.transaction() as uow:
        identity = await uow.identities.get("telegram", str(AMINA))
        assert identity is not None
        assert identity.participant_id is not None
        result = []
        for answer in await uow.answers.for_participant(identity.participant_id):
            question = await uow.consultations.question(answer.question_id)
            assert question is not None
            revisions = await uow.answers.revisions(answer.id)
            result.append((question.key, answer.revision, len(revisions)))
        return result


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything logged at DEBUG, asked for before the channel starts, as LOG_LEVEL=DEBUG."""
    caplog.set_level(logging.DEBUG)
    for name in ("telegram", "httpx", "bot"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


CASES = [
    pytest.param(method, mode, id=f"{method}-{mode}")
    for method in ("sendMessage", "answerCallbackQuery", "getUpdates")
    for mode in MODES
]


@pytest.mark.parametrize(("method", "mode"), CASES)
async def test_a_failing_call_is_retried_a_bounded_number_of_times(
    method: str,
    mode: str,
    debug_logs: pytest.LogCaptureFixture,
    app: App,
    fake: FakeTelegram,
    timer: FakeTimer,
    polling_users: Callable[..., TelegramUser],
) -> None:
    code = await new_invite(app.store, FixedClock(app.clock.now()))
    amina = polling_users(AMINA, "Amina")
    await onboard(amina, code)
    await amina.press("Constructive dialogue 2027")
    await amina.press("Agenda item 2")
    before = len(fake.calls)
    arm(fake, method, mode)

    await amina.press("We contributed to it")

    made = [call for call in fake.calls[before:] if call.method == method]
    succeeded = [call.status == 200 for call in made]
    # Every failure is followed by one more try, and none once it got through. An answer
    # that cannot be read is treated like a timeout: delivery is at least once.
    assert succeeded[: FAILURES + 1] == [False] * FAILURES + [True]
    if method != "getUpdates":
        assert len(made) == FAILURES + 1
    assert "Question 2 of 3" in amina.text
    assert await stored(app) == [("ai2-familiarity", 1, 1)]
    await amina.press("Yes")
    assert "Question 3 of 3" in amina.text
    assert await stored(app) == [("ai2-familiarity", 1, 1), ("ai2-data-platform", 1, 1)]
    assert TOKEN not in debug_logs.text
    assert TOKEN.split(":")[1] not in debug_logs.text


def arm_all(fake: FakeTelegram, method: str, mode: str, *, times: int = 50) -> None:
    """Make every call of `method` fail the way `mode` says (400, 500 or timeout)."""
    if mode == "timeout":
        fake.hang(method, times=times)
    else:
        fake.fail(method, int(mode), times=times)


@pytest.mark.parametrize("process", ["run", "serve"])
@pytest.mark.parametrize("mode", ["400", "500", "timeout"])
async def test_trust_08_a_failed_command_menu_is_warned_once_and_start_up_goes_on(
    process: str,
    mode: str,
    app: App,
    fake: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    arm_all(fake, "setMyCommands", mode)
    update = fixture("start_deep_link")
    if process == "run":
        stop = asyncio.Event()
        running = asyncio.create_task(receiving(app, stop=stop))
        fake.inject(update)
        await fake.wait_confirmed(update["update_id"])
        channel = app.outboxes["telegram"]
        assert isinstance(channel, TelegramChannel)
        await channel.settle()
        stop.set()
        await running
    else:
        settings = app.settings.model_copy(update={"telegram_webhook_url": HOOK})
        async with serving(replace(app, settings=settings)) as [webhook]:
            assert isinstance(webhook, TelegramWebhook)
            assert await webhook.channel.handle_update(update)
            await webhook.channel.settle()
    assert len(fake.sent("sendMessage")) == 1  # the journey begins: the /start is answered
    assert len([c for c in fake.calls if c.method == "setMyCommands"]) == 1  # cosmetic: once
    said = [r for r in caplog.records if "command menu" in r.getMessage()]
    assert [r.levelno for r in said] == [logging.WARNING]
    assert TOKEN not in caplog.text
