"""The Telegram channel: Bot API updates in, the engine's replies out."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.adapters import Channel, Mode
from bot.adapters.telegram.channel import TelegramChannel, from_settings
from bot.adapters.telegram.webhook import TelegramWebhook, webhook_secret

if TYPE_CHECKING:
    from bot.app import App

__all__ = ["TelegramChannel", "TelegramWebhook", "channel_for", "from_settings", "webhook_secret"]

log = logging.getLogger(__name__)


async def channel_for(app: App, mode: Mode) -> Channel | None:
    """The Telegram channel for a mode (the registry's hook): long polling for `run`, the
    webhook for `serve` when TELEGRAM_WEBHOOK_URL is set, the Bot API alone for sending."""
    settings = app.settings
    if mode is not Mode.SERVE:
        return from_settings(settings, app.engine, relaying=mode is Mode.RUN)
    if not settings.telegram_webhook_url:
        log.warning("TELEGRAM_WEBHOOK_URL is not set: this process receives no Telegram updates")
        return None
    secret = await webhook_secret(settings, app.keep)
    channel = from_settings(settings, app.engine)
    return TelegramWebhook(channel, secret, url=settings.telegram_webhook_url)
