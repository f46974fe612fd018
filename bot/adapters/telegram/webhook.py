"""The Telegram channel for `serve`: Telegram posts each update to /telegram/webhook."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.adapters import Around
from bot.adapters.telegram.channel import TelegramChannel
from bot.adapters.telegram.translate import MalformedUpdate
from config.settings import Settings

log = logging.getLogger(__name__)

WEBHOOK_SECRET_KEY = "telegram.webhook_secret"  # noqa: S105 - a key name, not a secret
"""Where a generated webhook secret is kept (table `kv`), so every process uses the same one."""
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class TelegramWebhook(Around[TelegramChannel]):
    """The channel behind POST /telegram/webhook, checked by the webhook's secret."""

    def __init__(self, channel: TelegramChannel, secret: str, *, url: str | None = None) -> None:
        """The webhook of `channel`.

        Args:
            channel: The Telegram channel that processes the updates and sends the replies.
            secret: What Telegram must send in the X-Telegram-Bot-Api-Secret-Token header.
            url: Where Telegram is told to deliver, as the channel starts; None to leave
                Telegram's setting as it is.
        """
        super().__init__(channel)
        self.secret = secret
        self.url = url
        self.routes: Sequence[BaseRoute] = (
            Route("/telegram/webhook", self.endpoint, methods=["POST"]),
        )

    async def start(self) -> None:
        """Check the token, register the webhook with its secret, set the command menu."""
        await self.channel.start()
        if self.url is not None:
            await self.channel.register_webhook(self.url, self.secret)
            await self.channel.set_commands()
            log.info("Telegram: webhook registered")

    def authorised(self, token: str | None) -> bool:
        """True when the X-Telegram-Bot-Api-Secret-Token header carries our secret."""
        return token is not None and hmac.compare_digest(token.encode(), self.secret.encode())

    async def endpoint(self, request: Request) -> Response:
        """POST /telegram/webhook: check the secret, store the update in the inbox, answer 200
        at once; a worker of any process handles it.

        A missing or wrong secret gets 403 and nothing is read or recorded; a body that is not
        an update as the Bot API shapes it gets 400 (logged once, as one line); an update that
        cannot be stored (the database is away) gets 500, so Telegram delivers it again.
        """
        if not self.authorised(request.headers.get(SECRET_HEADER)):
            return Response(status_code=403)
        try:
            update = json.loads(await request.body())
        except ValueError:
            log.warning("Telegram update refused: the body is not JSON")
            return Response(status_code=400)
        try:
            await self.channel.handle_update(update)
        except MalformedUpdate as exc:
            log.warning("%s", exc)
            return Response(status_code=400)
        except Exception as exc:  # Not stored: Telegram must deliver it again.
            log.warning("Telegram update not stored (%s); answered 500", type(exc).__name__)
            return Response(status_code=500)
        return Response(status_code=200)


Keep = Callable[[str, str], Awaitable[str]]
"""The value kept under a key for every process, storing the one given when there is none
(`App.keep`)."""


async def webhook_secret(settings: Settings, keep: Keep) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or the one generated once and kept in the database."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    return await keep(WEBHOOK_SECRET_KEY, secrets.token_urlsafe(32))
