"""The long-running processes (`run`, `shell`, `serve`) and database maintenance (`db`)."""

from __future__ import annotations

import argparse

from bot import runtime
from bot.app import App
from bot.cli.common import until_stopped, with_app
from bot.shutdown import Stop
from config.settings import Settings


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the configured channels; with none configured, the terminal."""
    return await until_stopped(settings, lambda app, stop: runtime.run(app, stop=stop))


async def shell(args: argparse.Namespace, settings: Settings) -> int:
    """Talk to the bot on stdin/stdout."""

    async def work(app: App, stop: Stop) -> int:
        return await runtime.shell(app, user=args.user, stop=stop)

    return await until_stopped(settings, work)


async def serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve HTTP on $PORT."""
    return await until_stopped(settings, lambda app, stop: runtime.serve(app, stop=stop))


async def db(args: argparse.Namespace, settings: Settings) -> int:
    """Apply migrations (building the application does)."""

    async def work(app: App) -> int:
        print("database is at the newest revision")
        return 0

    return await with_app(settings, work, load=False)
