"""Malformed Bot API JSON: updates with the right secret, and answers to the bot's own calls.

A malformed update is refused (400 for the webhook, skipped by polling) and logged once as
one line; a malformed answer is mapped like any other error of the call. Neither stops the
channel: the next update is processed as usual.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from bot.adapters.telegram.channel import TelegramChannel, from_settings
from bot.adapters.telegram.webhook import TelegramWebhook
from bot.app import App
from bot.web import create_web_app
from config.errors import ConfigError
from handlers.events import Reply
from handlers.ports import FixedClock
from tests.adapters.telegram.conftest import (
    MALFORMED_UPDATES,
    SECRET,
    Deliver,
    TelegramUser,
    fixture,
)
from tests.conftest import new_invite
from tests.fakes import serve_loopback
from tests.fakes.telegram_server import MALFORMED, TOKEN, FakeTelegram

AMINA = 5230018431
CHANNEL_LOG = "bot.adapters.telegram."


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The channel's records at WARNING or above (its modules' loggers)."""
    return [
        r for r in caplog.records if r.name.startswith(CHANNEL_LOG) and r.levelno >= logging.WARNING
    ]


def assert_logged_once_as_one_line(caplog: pytest.LogCaptureFixture, text: str) -> None:
    """Exactly one warning from the channel, one line without a traceback, and no traceback
    logged by anyone."""
    [record] = warnings_of(caplog)
    assert text in record.getMessage()
    assert "\n" not in record.getMessage()
    assert [r for r in caplog.records if r.exc_info] == []


def start_update(update_id: int) -> dict[str, Any]:
    """A well-formed /start from Amina."""
    update = fixture("start_deep_link")
    update["update_id"] = update_id
    return update


@pytest.fixture
async def post(app: App, channel: TelegramChannel) -> AsyncIterator[Any]:
    """POST a JSON body to the webhook with the right secret; the response once processed."""
    web = create_web_app(app, [TelegramWebhook(channel, SECRET)])
    async with serve_loopback(web) as url, httpx.AsyncClient(base_url=url) as client:

        async def send(body: Any) -> httpx.Response:
            response = await client.post(
                "/telegram/webhook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            await channel.settle()
            return response

        yield send


@pytest.mark.parametrize("name", MALFORMED_UPDATES)
async def test_trust_12_a_malformed_webhook_update_gets_400_and_one_log_line(
    name: str,
    post: Any,
    fake: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    refused = await post(fixture(f"malformed/{name}"))
    assert refused.status_code == 400
    assert_logged_once_as_one_line(caplog, "Telegram update")
    assert [c.method for c in fake.calls] == ["getMe"]

    accepted = await post(start_update(815_294_900))
    assert accepted.status_code == 200
    assert [c.method for c in fake.calls] == ["getMe", "sendMessage"]


@pytest.mark.parametrize("name", MALFORMED_UPDATES)
async def test_trust_12_polling_skips_a_malformed_update_and_moves_the_offset_on(
    name: str,
    polling: Deliver,
    fake: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    fake.inject(fixture(f"malformed/{name}"))
    await polling(start_update(815_294_900))
    assert fake.confirmed == 815_294_901
    made = [c.method for c in fake.calls if c.method not in ("getUpdates", "deleteWebhook")]
    assert made == ["getMe", "sendMessage"]
    assert_logged_once_as_one_line(caplog, "Telegram update")


MALFORMED_KINDS = sorted(MALFORMED)


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
async def test_trust_09_a_malformed_answer_to_a_send_is_logged_once_and_the_rest_still_go(
    kind: str,
    app: App,
    fake: FakeTelegram,
    clock: FixedClock,
    users: Callable[..., TelegramUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    amina = users(AMINA, "Amina")
    code = await new_invite(app.store, clock)
    fake.mangle("sendMessage", MALFORMED[kind])  # Telegram sends it; its answer is malformed
    await amina.say(f"/start {code}")
    sent = [call.params["text"] for call in amina.calls if call.method == "sendMessage"]
    assert len(sent) == 2
    assert sent[0].startswith("Welcome!")
    assert sent[1] == "Which language would you like me to use?"
    assert_logged_once_as_one_line(caplog, "sendMessage")
    await amina.press("English")
    assert "Do you agree that we process your information" in amina.text


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
async def test_trust_09_a_reminder_batch_survives_a_malformed_answer(
    kind: str, channel: TelegramChannel, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake.mangle("sendMessage", MALFORMED[kind])
    await channel.deliver(str(AMINA), [Reply("First reminder."), Reply("Second reminder.")])
    assert [m["text"] for m in fake.messages[AMINA]] == ["First reminder.", "Second reminder."]
    assert_logged_once_as_one_line(caplog, "sendMessage")


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
async def test_trust_09_polling_survives_a_malformed_getupdates_answer(
    kind: str,
    channel: TelegramChannel,
    fake: FakeTelegram,
    polling: Deliver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    fake.mangle("getUpdates", MALFORMED[kind])
    await polling(start_update(815_294_900))
    await polling(start_update(815_294_901))
    assert len(fake.sent("sendMessage", chat_id=AMINA)) == 2  # one answer to each
    assert [r for r in caplog.records if r.exc_info] == []


async def test_trust_09_a_task_that_dies_unseen_fails_the_test(
    lost_task_exceptions: list[dict[str, Any]],
) -> None:
    async def dies() -> None:
        raise KeyError("is_bot")

    task = asyncio.ensure_future(dies())
    await asyncio.sleep(0)
    assert task.done()
    del task
    gc.collect()
    # The guard saw it, and would fail this test; emptied so that it does not.
    assert [repr(c.get("exception")) for c in lost_task_exceptions] == ["KeyError('is_bot')"]
    lost_task_exceptions.clear()


@pytest.mark.parametrize("kind", ["no-is_bot", "null", "wrong-type"])
async def test_trust_09_a_malformed_getme_at_start_is_one_configuration_problem(
    kind: str, app: App, fake: FakeTelegram
) -> None:
    fake.mangle("getMe", MALFORMED[kind])
    channel = from_settings(app.settings, app.engine)
    try:
        with pytest.raises(ConfigError) as raised:
            await channel.start()
    finally:
        await channel.close()
    [problem] = raised.value.problems
    assert (problem.source, problem.path) == ("TELEGRAM_BASE_URL", fake.url + "/bot")
    assert problem.message.startswith("the answer to getMe is not the Bot API's")
    assert TOKEN not in str(raised.value)
