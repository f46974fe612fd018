"""Long-running processes: `run` (channels and scheduler) and `serve` (the web app)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

import uvicorn

from bot.adapters import telegram, terminal
from bot.app import App
from bot.scheduler import scheduled
from bot.web import create_web_app
from handlers.ports import Outbox

if TYPE_CHECKING:
    from bot.adapters import slack

log = logging.getLogger(__name__)


async def run(app: App) -> int:
    """Start every channel whose credentials are set; with none, the terminal channel."""
    settings = app.settings
    channels: list[Awaitable[None]] = []
    if settings.has_telegram:
        channels.append(telegram_polling(app))
    if settings.has_slack and settings.slack_app_token is not None:
        channels.append(slack_socket_mode(app))
    elif settings.has_slack:
        log.warning(
            "SLACK_APP_TOKEN is not set: Slack reaches this bot over HTTP, "
            "through `intersessional serve` at /slack/events"
        )
    async with scheduled(app):
        if channels:
            await asyncio.gather(*channels)
            return 0
        return await shell(app, user="terminal")


async def telegram_polling(app: App, *, stop: asyncio.Event | None = None) -> None:
    """The Telegram channel by long polling (getUpdates), until `stop` is set."""
    channel = telegram.from_settings(app.settings, app.engine, app.store)
    await channel.start()
    try:
        app.outboxes[channel.platform] = channel
        await channel.set_commands()
        log.info("Telegram: polling for updates")
        await channel.poll(stop=stop)
    finally:
        app.outboxes.pop(channel.platform, None)
        await channel.close()


async def telegram_webhook(app: App) -> telegram.TelegramWebhook | None:
    """When TELEGRAM_WEBHOOK_URL is set: register it with its secret and set the commands."""
    settings = app.settings
    if not settings.has_telegram or not settings.telegram_webhook_url:
        if settings.has_telegram:
            log.warning(
                "TELEGRAM_WEBHOOK_URL is not set: this process receives no Telegram updates"
            )
        return None
    channel = telegram.from_settings(settings, app.engine, app.store)
    await channel.start()
    try:
        secret = await telegram.webhook_secret(settings, app.store, app.clock)
        await channel.register_webhook(settings.telegram_webhook_url, secret)
        await channel.set_commands()
    except BaseException:
        await channel.close()
        raise
    app.outboxes[channel.platform] = channel
    log.info("Telegram: webhook registered")
    return telegram.TelegramWebhook(channel, secret)


def slack_socket(app: App) -> slack.SocketMode:
    """The Slack channel on its Socket Mode connection (SLACK_APP_TOKEN), not yet connected."""
    from bot.adapters import slack  # Loaded only when Slack is configured.

    token = app.settings.slack_app_token
    if token is None:
        raise ValueError("SLACK_APP_TOKEN is not set")
    channel = slack.from_settings(app.settings, app.engine)
    return slack.socket_mode(channel, token.get_secret_value())


async def slack_socket_mode(app: App, *, stop: asyncio.Event | None = None) -> None:
    """The Slack channel over Socket Mode, until `stop` is set (or the task is cancelled)."""
    socket = slack_socket(app)
    app.outboxes[socket.channel.platform] = socket.channel
    try:
        await socket.connect()
        log.info("Slack: connected in Socket Mode")
        await (stop or asyncio.Event()).wait()
    finally:
        app.outboxes.pop(socket.channel.platform, None)
        await socket.close()


def slack_events(app: App) -> slack.SlackEvents | None:
    """When Slack credentials and SLACK_SIGNING_SECRET are set: the /slack/events endpoint."""
    settings = app.settings
    if not settings.has_slack:
        return None
    if settings.slack_signing_secret is None:
        log.warning("SLACK_SIGNING_SECRET is not set: this process receives no Slack requests")
        return None
    from bot.adapters import slack  # Loaded only when Slack is configured.

    channel = slack.from_settings(settings, app.engine)
    app.outboxes[channel.platform] = channel
    log.info("Slack: receiving events at /slack/events")
    return slack.SlackEvents(channel)


@asynccontextmanager
async def sending_channels(app: App) -> AsyncIterator[dict[str, Outbox]]:
    """Each configured platform's outbox in `app.outboxes`, for a command that only sends.

    Nothing is received: no polling, no webhook change, no Socket Mode connection, so a
    running `run` or `serve` process keeps its updates. A platform whose channel cannot start
    is logged and left out; its participants are then counted as having no running channel.

    Args:
        app: the application; its outboxes are registered on entry and removed on exit.

    Yields:
        `app.outboxes`, with the channels that started.
    """
    settings = app.settings
    async with AsyncExitStack() as stack:
        if settings.has_telegram:
            bot = telegram.from_settings(settings, app.engine, app.store)
            # Closed even when start fails: the HTTP clients may be half open.
            stack.push_async_callback(bot.close)
            try:
                await bot.start()
            except Exception as exc:  # The operator reads why; the other platforms still send.
                log.warning("Telegram: cannot send from this command (%s)", type(exc).__name__)
            else:
                _register(app, bot.platform, bot, stack)
        if settings.has_slack:
            from bot.adapters import slack  # Loaded only when Slack is configured.

            workspace = slack.from_settings(settings, app.engine)
            stack.push_async_callback(workspace.close)
            _register(app, workspace.platform, workspace, stack)
        yield app.outboxes


def _register(app: App, platform: str, outbox: Outbox, stack: AsyncExitStack) -> None:
    app.outboxes[platform] = outbox
    stack.callback(app.outboxes.pop, platform, None)


async def shell(app: App, *, user: str) -> int:
    """The terminal channel on stdin and stdout."""
    greeting = await terminal.trial_greeting(app, user=user) if sys.stdin.isatty() else None
    await terminal.converse(app.engine, user=user, greeting=greeting)
    return 0


async def serve(app: App) -> int:
    """The web process on $PORT."""
    webhook = await telegram_webhook(app)
    events = slack_events(app)
    config = uvicorn.Config(
        create_web_app(app, telegram=webhook, slack=events),
        host="0.0.0.0",  # noqa: S104 - a PaaS routes traffic to $PORT on every interface
        port=app.settings.port,
        log_level=app.settings.log_level.lower(),  # One setting for our logs and its own.
        # Its records go through our handler: one line each (a request path can carry an
        # encoded newline), secrets redacted.
        log_config=None,
    )
    try:
        async with scheduled(app):
            await uvicorn.Server(config).serve()
    finally:
        if webhook is not None:
            app.outboxes.pop(webhook.channel.platform, None)
            await webhook.channel.close()
        if events is not None:
            app.outboxes.pop(events.channel.platform, None)
            await events.channel.close()
    return 0
