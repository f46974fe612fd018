"""Long-running processes: `run` (channels and scheduler) and `serve` (the web app)."""

from __future__ import annotations

import logging
import sys

import uvicorn

from bot.adapters import terminal
from bot.app import App
from bot.web import create_web_app

log = logging.getLogger(__name__)


async def run(app: App) -> int:
    """Start every channel whose credentials are set; with none, the terminal channel."""
    settings = app.settings
    configured = {
        "TELEGRAM_BOT_TOKEN": settings.has_telegram,
        "SLACK_BOT_TOKEN": settings.has_slack,
    }
    for name, present in configured.items():
        if present:
            log.warning("%s is set, but this release has no such channel yet", name)
    return await shell(app, user="terminal")


async def shell(app: App, *, user: str) -> int:
    """The terminal channel on stdin and stdout."""
    greeting = await terminal.trial_greeting(app, user=user) if sys.stdin.isatty() else None
    await terminal.converse(app.engine, user=user, greeting=greeting)
    return 0


async def serve(app: App) -> int:
    """The web process on $PORT."""
    config = uvicorn.Config(
        create_web_app(app),
        host="0.0.0.0",  # noqa: S104 - a PaaS routes traffic to $PORT on every interface
        port=app.settings.port,
        log_level="info",
    )
    await uvicorn.Server(config).serve()
    return 0
