"""Long-running processes: `run` (channels and scheduler) and `serve` (the web app)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

import uvicorn

from bot import logs
from bot.adapters import telegram, terminal
from bot.app import App
from bot.scheduler import scheduled
from bot.shutdown import Stop
from bot.web import create_web_app
from config.errors import ConfigError
from handlers.ports import Outbox

if TYPE_CHECKING:
    from bot.adapters import slack

log = logging.getLogger(__name__)


async def run(app: App, *, stop: Stop | None = None) -> int:
    """Start every channel whose credentials are set; with none, the terminal channel.

    Every platform's credentials are checked before the scheduler starts, so a token the
    platform refuses stops start-up with its one message (a ConfigError) and nothing else.

    Args:
        app: The application.
        stop: Ends the channels (each finishing its event in hand), then the scheduler.

    Returns:
        The exit code: 0, or 130 when SIGINT stopped it.
    """
    settings = app.settings
    stop = stop or Stop()
    await check_credentials(app)
    async with AsyncExitStack() as stack:
        channels: list[Awaitable[None]] = []
        if settings.has_telegram:
            channel = await stack.enter_async_context(telegram_channel(app))
            channels.append(_poll(channel, stop=stop.event))
        if settings.has_slack and settings.slack_app_token is not None:
            channels.append(slack_socket_mode(app, stop=stop.event))
        elif settings.has_slack:
            log.warning(
                "SLACK_APP_TOKEN is not set: Slack reaches this bot over HTTP, "
                "through `intersessional serve` at /slack/events"
            )
        async with scheduled(app):
            if channels:
                await asyncio.gather(*channels)
                return stop.exit_code
            return await shell(app, user="terminal", stop=stop)


async def check_credentials(app: App) -> None:
    """Check Slack's bot token before anything starts (Telegram's is checked by getMe as
    its channel opens).

    Raises:
        ConfigError: A platform refused its token, or cannot be reached.
    """
    if app.settings.has_slack:
        from bot.adapters.slack.credentials import check_token  # Only when Slack is configured.

        await check_token(app.settings)


@asynccontextmanager
async def telegram_channel(app: App) -> AsyncIterator[telegram.TelegramChannel]:
    """The Telegram channel, started (its token checked) and registered as the outbox.

    Raises:
        ConfigError: Telegram refused the token, or the Bot API cannot be reached.
    """
    channel = telegram.from_settings(app.settings, app.engine, app.store)
    try:
        await channel.start()
        app.outboxes[channel.platform] = channel
        yield channel
    finally:
        app.outboxes.pop(channel.platform, None)
        await channel.close()


async def telegram_polling(app: App, *, stop: asyncio.Event | None = None) -> None:
    """The Telegram channel by long polling (getUpdates), until `stop` is set."""
    async with telegram_channel(app) as channel:
        await _poll(channel, stop=stop)


async def _poll(channel: telegram.TelegramChannel, *, stop: asyncio.Event | None = None) -> None:
    await channel.set_commands()
    log.info("Telegram: polling for updates")
    await channel.poll(stop=stop)


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
    try:
        await channel.start()
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
            except ConfigError as exc:  # Its message names the variable, never the secret.
                log.warning("Telegram: cannot send from this command (%s)", exc)
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


async def shell(app: App, *, user: str, stop: Stop | None = None) -> int:
    """The terminal channel on stdin and stdout, until end of input or `stop`.

    Returns:
        The exit code: 0, or 130 when SIGINT stopped it.
    """
    stop = stop or Stop()
    greeting, prompt = None, ""
    if sys.stdin.isatty():  # a person at a terminal, not a script
        greeting = await terminal.trial_greeting(app, user=user)
        where = logs.destination(app.settings, conversation=True)
        greeting += f"\n(The log is written to {where}; type after the > sign.)"
        prompt = terminal.PROMPT
    await terminal.converse(
        app.engine, user=user, greeting=greeting, stop=stop.event, prompt=prompt
    )
    return stop.exit_code


async def serve(app: App, *, stop: Stop | None = None) -> int:
    """The web process on $PORT, until `stop` (uvicorn also handles the signals itself).

    Returns:
        The exit code: 0, or 130 when SIGINT stopped it.
    """
    stop = stop or Stop()
    await check_credentials(app)
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
    server = uvicorn.Server(config)

    async def stop_serving() -> None:
        await stop.wait()
        server.should_exit = True  # uvicorn's own way to shut down gracefully

    try:
        async with scheduled(app):
            watcher = asyncio.create_task(stop_serving())
            try:
                await server.serve()
            finally:
                watcher.cancel()
    finally:
        if webhook is not None:
            app.outboxes.pop(webhook.channel.platform, None)
            await webhook.channel.close()
        if events is not None:
            app.outboxes.pop(events.channel.platform, None)
            await events.channel.close()
    return stop.exit_code
