"""The Slack channel: events, actions, forms and commands in, the engine's replies out."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.adapters import Channel, Mode
from bot.adapters.slack.channel import SlackChannel, from_settings
from bot.adapters.slack.credentials import check_token
from bot.adapters.slack.http import SlackEvents
from bot.adapters.slack.socket_mode import SocketMode, socket_mode

if TYPE_CHECKING:
    from bot.app import App

__all__ = [
    "SlackChannel",
    "SlackEvents",
    "SocketMode",
    "channel_for",
    "from_settings",
    "socket_mode",
]

log = logging.getLogger(__name__)


async def channel_for(app: App, mode: Mode) -> Channel | None:
    """The Slack channel for a mode (the registry's hook): Socket Mode for `run` when
    SLACK_APP_TOKEN is set, /slack/events for `serve` when SLACK_SIGNING_SECRET is, the Web
    API alone for sending.

    A process that receives from Slack checks the bot token (auth.test) before anything of
    Slack's is built, so a refused token stops start-up with its one message.

    Raises:
        ConfigError: Slack refused the bot token, or its Web API cannot be reached.
    """
    settings = app.settings
    if mode is Mode.SEND:
        return from_settings(settings, app.engine, relaying=False)
    await check_token(settings)
    if mode is Mode.SERVE:
        if settings.slack_signing_secret is None:
            log.warning("SLACK_SIGNING_SECRET is not set: this process receives no Slack requests")
            return None
        return SlackEvents(from_settings(settings, app.engine))
    if settings.slack_app_token is None:
        log.warning(
            "SLACK_APP_TOKEN is not set: Slack reaches this bot over HTTP, "
            "through `intersessional serve` at /slack/events"
        )
        return None
    token = settings.slack_app_token.get_secret_value()
    return socket_mode(from_settings(settings, app.engine), token)
