"""The Telegram channel: Bot API updates in, the engine's replies out."""

from bot.adapters.telegram.channel import (
    TelegramChannel,
    TelegramWebhook,
    from_settings,
    webhook_secret,
)

__all__ = ["TelegramChannel", "TelegramWebhook", "from_settings", "webhook_secret"]
