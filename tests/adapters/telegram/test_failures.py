"""An update the engine fails on: retried while the cause may pass, set aside when it will not.

The engine here is the real one, raising on a marked message: a transient cause (a lost
connection) is tried again from the inbox — the update was confirmed to Telegram once
stored — while any other failure is logged once, recorded as processed so a redelivery is a
duplicate, and the participant is told in their language.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select

from bot.adapters.telegram.channel import TelegramChannel
from bot.adapters.telegram.webhook import TelegramWebhook
from bot.app import App
from bot.web import create_web_app
from handlers.conversation import Context
from handlers.engine import Engine
from handlers.events import Destination, Inbound, Reply
from handlers.ports import FixedClock
from storage.models import ProcessedUpdate
from tests.adapters.telegram.conftest import SECRET, TelegramUser, onboard
from tests.conftest import new_invite
from tests.fakes import serve_loopback
from tests.fakes.telegram_server import FakeTelegram

AMINA = 5230018431
BROKEN = "This message meets a bug."
FLAKY = "This message meets a lost connection."
APOLOGY = "Sorry, something went wrong with your last message. Please try again."


class FailingEngine(Engine):
    """The real engine, failing on marked messages: always as a bug in a step would on
    BROKEN (inside the engine's transaction, after the update was claimed), and once as a
    dropped connection would on FLAKY."""

    flaky = 1

    async def handle(self, event: Inbound, *, reply_to: Destination | None = None) -> list[Reply]:
        if event.text == FLAKY and self.flaky:
            self.flaky -= 1
            raise ConnectionResetError("connection reset by peer")
        return await super().handle(event, reply_to=reply_to)

    async def _dispatch(self, ctx: Context) -> None:
        if ctx.event.text == BROKEN:
            raise KeyError("a step that was never written")
        await super()._dispatch(ctx)


@pytest.fixture
def conversation(app: App) -> Engine:
    """The channel holds the failing engine."""
    return FailingEngine(
        app.store,
        clock=app.clock,
        files=app.files,
        options=app.engine.options,
        services=app.engine.services,
    )


async def recorded(app: App, update_id: int) -> int:
    """How often the update is recorded as processed."""
    async with app.store.transaction() as uow:
        count = await uow.session.scalar(
            select(func.count())
            .select_from(ProcessedUpdate)
            .where(ProcessedUpdate.update_key.endswith(f":{update_id}"))
        )
        return int(count or 0)


async def test_trust_11_a_failed_update_is_recorded_once_answered_and_not_retried(
    app: App,
    fake: FakeTelegram,
    clock: FixedClock,
    users: Callable[..., TelegramUser],
    caplog: pytest.LogCaptureFixture,
) -> None:
    amina = users(AMINA, "Amina", language_code="fr")  # her app is in French...
    await onboard(amina, await new_invite(app.store, clock))  # ...she chose English
    caplog.set_level(logging.INFO)
    update = amina.text_update(BROKEN)
    await amina.send(update)  # the webhook fixture asserts 200; polling moves past it
    assert amina.text == APOLOGY
    assert await recorded(app, update["update_id"]) == 1
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert f"Telegram update {update['update_id']}" in error.getMessage()

    await amina.send(copy.deepcopy(update))  # Telegram delivers it again: a duplicate
    assert amina.calls == []
    assert await recorded(app, update["update_id"]) == 1
    await amina.say("/status")  # the next message works
    assert "Agenda item 2" in amina.text
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


async def test_trust_11_a_stranger_is_answered_in_the_language_of_their_app(
    app: App, users: Callable[..., TelegramUser]
) -> None:
    stranger = users(AMINA, "Amina", language_code="es")
    await stranger.say(BROKEN)
    assert stranger.text == (
        "Lo sentimos, se produjo un error con su último mensaje. Vuelva a intentarlo."
    )


@pytest.mark.parametrize("deliver", ["webhook"], indirect=True)
async def test_trust_11_a_transient_failure_is_answered_200_and_tried_again_from_the_inbox(
    app: App,
    channel: TelegramChannel,
    fake: FakeTelegram,
    clock: FixedClock,
    users: Callable[..., TelegramUser],
) -> None:
    amina = users(AMINA, "Amina")
    await onboard(amina, await new_invite(app.store, clock))
    update = amina.text_update(FLAKY)
    web = create_web_app(app, [TelegramWebhook(channel, SECRET)])
    async with serve_loopback(web) as url, httpx.AsyncClient(base_url=url) as client:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        first = await client.post("/telegram/webhook", json=update, headers=headers)
        await channel.settle()
    assert first.status_code == 200  # stored: Telegram need not deliver it again
    assert channel.engine.flaky == 0  # type: ignore[attr-defined]  # it failed once...
    assert await recorded(app, update["update_id"]) == 1  # ...and was handled the next time
    assert APOLOGY not in [m.get("text") for m in fake.messages[AMINA]]


async def test_trust_11_polling_confirms_a_stored_update_and_tries_a_transient_failure_again(
    app: App,
    fake: FakeTelegram,
    clock: FixedClock,
    channel: TelegramChannel,
    polling_users: Callable[..., TelegramUser],
) -> None:
    amina = polling_users(AMINA, "Amina")
    await onboard(amina, await new_invite(app.store, clock))
    update = amina.text_update(FLAKY)
    await amina.send(update)
    offsets = [c.params.get("offset") for c in fake.calls if c.method == "getUpdates"]
    assert update["update_id"] + 1 in offsets  # confirmed once stored
    assert channel.engine.flaky == 0  # type: ignore[attr-defined]
    assert await recorded(app, update["update_id"]) == 1
    assert APOLOGY not in amina.text
