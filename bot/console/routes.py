"""The console's routes, mounted at /console behind its security headers."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from bot.app import App
from bot.console import (
    answers,
    broadcast,
    deadlines,
    digest,
    files,
    invites,
    overview,
    records,
    signin,
)
from bot.console.base import STATIC, Console, SecurityHeaders


def mount(app: App) -> Mount:
    """Every console page under /console."""
    console = Console(app)
    routes = [
        *signin.routes(console),
        *overview.routes(console),
        *answers.routes(console),
        *digest.routes(console),
        *deadlines.routes(console),
        *invites.routes(console),
        *broadcast.routes(console),
        *records.routes(console),
        *files.routes(console),
        Mount("/static", StaticFiles(directory=STATIC), name="console-static"),
    ]
    return Mount("/console", routes=routes, middleware=[Middleware(SecurityHeaders)])
