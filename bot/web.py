"""The web process: health check now; the platforms' webhooks mount here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.adapters.telegram import TelegramWebhook
from bot.app import App

if TYPE_CHECKING:  # Slack's libraries are loaded only where Slack is configured.
    from bot.adapters.slack import SlackEvents


def create_web_app(
    app: App, *, telegram: TelegramWebhook | None = None, slack: SlackEvents | None = None
) -> Starlette:
    """The Starlette application serving every HTTP route of the bot.

    Args:
        app: The built application.
        telegram: When Telegram runs by webhook, what POST /telegram/webhook needs.
        slack: When Slack runs over HTTP, what POST /slack/events needs (events,
            interactivity and the slash command).
    """

    async def healthz(request: Request) -> JSONResponse:
        try:
            async with app.database.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # Reported, not raised: that is what a health check is for.
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    routes = [Route("/healthz", healthz, methods=["GET"])]
    if telegram is not None:
        routes.append(Route("/telegram/webhook", telegram.endpoint, methods=["POST"]))
    if slack is not None:
        routes.append(Route("/slack/events", slack.endpoint, methods=["POST"]))
    return Starlette(routes=routes)
