"""Malformed Bot API JSON: updates with the right secret, and answers to the bot's own calls.

A malformed update is refused (400 for the webhook, skipped by polling) and logged once as
one line; a malformed answer is mapped like any other error of the call. Neither stops the
channel: the next update is processed as usual.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.adapters.telegram.channel import TelegramChannel, TelegramWebhook
from bot.app import App
from bot.web import create_web_app
from tests.adapters.telegram.conftest import MALFORMED_UPDATES, SECRET, Deliver, fixture
from tests.fakes import serve_loopback
from tests.fakes.telegram_server import FakeTelegram

AMINA = 5230018431
CHANNEL_LOG = "bot.adapters.telegram.channel"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The channel's records at WARNING or above."""
    return [r for r in caplog.records if r.name == CHANNEL_LOG and r.levelno >= logging.WARNING]


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
    web = create_web_app(app, telegram=TelegramWebhook(channel, SECRET))
    async with serve_loopback(web) as url, httpx.AsyncClient(base_url=url) as client:

        async def send(body: Any) -> httpx.Response:
            response = await client.post(
                "/telegram/webhook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            await channel.queues.drain()
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
