"""The command line in tests: run in-process on the test database, its output captured."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from bot.app import load_into
from bot.cli import main
from bot.cli.table import handler, parser
from config.consultation import load_consultations
from config.settings import BUNDLED_CONSULTATIONS, load_settings
from handlers.ports import FixedClock
from storage.db import create_engine, session_factory
from storage.repositories import Store
from tests.conftest import NOW

T = TypeVar("T")

SETTINGS_VARIABLES = (
    "TELEGRAM_BOT_USERNAME",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_BASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "CONSULTATIONS_PATH",
    "FILES_DIR",
    "LOG_LEVEL",
    "SMTP_URL",
    "SMTP_FROM",
    "PUBLIC_URL",
    "CONSOLE_IDLE_MINUTES",
    "TRANSLATE_URL",
    "TRANSLATE_API_KEY",
    "ADMINS",
)
"""Variables of the developer's environment that would change what a command does."""


def point_at(monkeypatch: pytest.MonkeyPatch, folder: Path, database_url: str) -> Path:
    """The command line on `database_url`, working in `folder`, with no other settings."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.chdir(folder)
    return folder


@dataclass
class Run:
    """What one command printed and returned."""

    code: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """Run the command line in-process; the output of earlier calls is discarded first."""
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


async def run_in_loop(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """Run a command in this event loop (`run` starts its own), as `main` would: a test can
    serve a fake on loopback meanwhile."""
    capsys.readouterr()
    args = parser().parse_args(list(argv))
    code = await handler(args)(args, load_settings())
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def with_store(database_url: str, work: Callable[[Store], Awaitable[T]], *, load: bool = True) -> T:
    """Run async work on a store of its own (with the bundled consultations loaded)."""

    async def go() -> T:
        database = create_engine(database_url)
        try:
            store = Store(session_factory(database))
            if load:
                await load_into(store, load_consultations(BUNDLED_CONSULTATIONS), FixedClock(NOW))
            return await work(store)
        finally:
            await database.dispose()

    return asyncio.run(go())
