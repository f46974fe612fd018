"""The web process: health check now; the platforms' webhooks mount here."""

from __future__ import annotations

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.app import App


def create_web_app(app: App) -> Starlette:
    """The Starlette application serving every HTTP route of the bot."""

    async def healthz(request: Request) -> JSONResponse:
        try:
            async with app.database.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # Reported, not raised: that is what a health check is for.
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"])])
