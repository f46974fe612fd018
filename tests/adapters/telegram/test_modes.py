"""The two ways Telegram reaches the bot: `run` polls, `serve` registers and answers a webhook."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
from sqlalchemy import func, select

from bot.adapters import Mode, registry
from bot.adapters.telegram.channel import TelegramChannel
from bot.adapters.telegram.webhook import WEBHOOK_SECRET_KEY, TelegramWebhook
from bot.app import App
from bot.web import create_web_app
from config.settings import load_settings
from storage.models import Identity, ProcessedUpdate
from tests.adapters.running import receiving, serving
from tests.adapters.telegram.conftest import SECRET, fixture
from tests.fakes import serve_loopback
from tests.fakes.telegram_server import FakeTelegram

HOOK = "https://bot.example.org/telegram/webhook"


async def stored_rows(app: App) -> tuple[int, int]:
    async with app.store.transaction() as uow:
        updates = await uow.session.scalar(select(func.count()).select_from(ProcessedUpdate))
        identities = await uow.session.scalar(select(func.count()).select_from(Identity))
        return int(updates or 0), int(identities or 0)


async def test_wrong_or_missing_secret_is_refused_and_nothing_recorded(
    app: App, channel: TelegramChannel, fake: FakeTelegram
) -> None:
    web = create_web_app(app, [TelegramWebhook(channel, SECRET)])
    update = fixture("start_deep_link")
    async with serve_loopback(web) as url, httpx.AsyncClient(base_url=url) as client:
        missing = await client.post("/telegram/webhook", json=update)
        wrong = await client.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"},
        )
        assert (missing.status_code, wrong.status_code) == (403, 403)
        assert await stored_rows(app) == (0, 0)
        assert [c.method for c in fake.calls] == ["getMe"]

        right = await client.post(
            "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        garbage = await client.post(
            "/telegram/webhook",
            content=b"not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        await channel.settle()
    assert (right.status_code, garbage.status_code) == (200, 400)
    assert await stored_rows(app) == (1, 1)
    assert [c.method for c in fake.calls] == ["getMe", "sendMessage"]


async def test_serve_registers_the_webhook_with_a_secret_kept_in_the_database(
    app: App, fake: FakeTelegram
) -> None:
    served = replace(app, settings=app.settings.model_copy(update={"telegram_webhook_url": HOOK}))
    async with serving(served) as [first]:
        assert served.outboxes["telegram"] is first
    async with serving(served) as [second]:
        assert served.outboxes["telegram"] is second
    assert isinstance(first, TelegramWebhook)
    assert isinstance(second, TelegramWebhook)
    assert first.secret == second.secret
    assert len(first.secret) >= 32
    assert fake.webhook is not None
    assert fake.webhook["url"] == HOOK
    assert fake.webhook["secret_token"] == first.secret
    assert fake.webhook["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]
    assert set(fake.commands) == {None, "en", "fr", "es", "ru", "zh", "ar"}
    async with app.store.transaction() as uow:
        assert await uow.kv.get(WEBHOOK_SECRET_KEY) == first.secret
    assert served.outboxes == {}


async def test_serve_uses_the_configured_secret(app: App, fake: FakeTelegram) -> None:
    settings = load_settings(
        **app.settings.model_dump(exclude={"telegram_webhook_url", "telegram_webhook_secret"}),
        telegram_webhook_url=HOOK,
        telegram_webhook_secret="from-the-environment_1",
    )
    async with serving(replace(app, settings=settings)) as [webhook]:
        assert isinstance(webhook, TelegramWebhook)
    assert webhook.secret == "from-the-environment_1"
    assert fake.webhook is not None
    assert fake.webhook["secret_token"] == "from-the-environment_1"
    async with app.store.transaction() as uow:
        assert await uow.kv.get(WEBHOOK_SECRET_KEY) is None


async def test_serve_without_a_webhook_url_takes_no_telegram_updates(
    app: App, fake: FakeTelegram
) -> None:
    assert await registry.channels(app, Mode.SERVE) == []
    assert fake.calls == []


async def test_run_polls_after_removing_any_webhook(app: App, fake: FakeTelegram) -> None:
    fake.webhook = {"url": HOOK}  # left over from a `serve`: getUpdates would get 409
    stop = asyncio.Event()
    running = asyncio.create_task(receiving(app, stop=stop))
    update = fixture("start_deep_link")
    fake.inject(update)
    await fake.wait_confirmed(update["update_id"])
    assert app.outboxes["telegram"].platform == "telegram"
    stop.set()
    await running
    methods = [c.method for c in fake.calls if c.method != "setMyCommands"]
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert "sendMessage" in methods
    assert len([c for c in fake.calls if c.method == "setMyCommands"]) == 7
    assert "telegram" not in app.outboxes
    assert await stored_rows(app) == (1, 1)
