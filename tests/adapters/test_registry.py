"""The registry decides from the settings which channels a process runs, and how; the
runtime and the web app name no platform."""

from __future__ import annotations

import ast
import inspect
from collections.abc import AsyncIterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

from bot import runtime, web
from bot.adapters import Channel, Mode, registry
from bot.adapters.slack import SlackChannel
from bot.adapters.telegram import TelegramChannel, TelegramWebhook
from bot.adapters.telegram.webhook import WEBHOOK_SECRET_KEY
from bot.adapters.terminal import TerminalChannel
from bot.app import App, build
from config.settings import load_settings
from handlers.ports import FixedClock

TELEGRAM = {"telegram_bot_token": "8150224466:AAH-a-token_for-the-registry-test"}
SLACK = {"slack_bot_token": "xoxb-1111111111-2222222222-a-token-for-the-test"}
HOOK = {"telegram_webhook_url": "https://bot.example.org/telegram/webhook"}


@pytest.fixture
async def built(database_url: str, tmp_path: Path, clock: FixedClock) -> AsyncIterator[Any]:
    """Build an application from the given settings (nothing is started)."""
    apps: list[App] = []

    async def make(**given: str) -> App:
        settings = load_settings(database_url=database_url, files_dir=tmp_path / "files", **given)
        apps.append(await build(settings, clock=clock, load=False))
        return apps[-1]

    yield make
    for app in apps:
        await app.close()


def kinds(channels: list[Channel]) -> list[type]:
    return [type(channel) for channel in channels]


async def test_without_a_platform_run_talks_in_the_terminal_and_nothing_else_runs(
    built: Any,
) -> None:
    app = await built()
    assert kinds(await registry.channels(app, Mode.RUN)) == [TerminalChannel]
    assert await registry.channels(app, Mode.SERVE) == []
    assert await registry.channels(app, Mode.SEND) == []


async def test_telegram_polls_for_run_sends_for_a_command_and_needs_a_url_to_serve(
    built: Any,
) -> None:
    app = await built(**TELEGRAM)
    assert kinds(await registry.channels(app, Mode.RUN)) == [TelegramChannel]
    assert kinds(await registry.channels(app, Mode.SEND)) == [TelegramChannel]
    assert await registry.channels(app, Mode.SERVE) == []

    served = await built(**TELEGRAM, **HOOK)
    [webhook] = await registry.channels(served, Mode.SERVE)
    assert isinstance(webhook, TelegramWebhook)
    assert [route.path for route in webhook.routes] == ["/telegram/webhook"]  # type: ignore[attr-defined]
    async with served.store.transaction() as uow:
        assert await uow.kv.get(WEBHOOK_SECRET_KEY) == webhook.secret


async def test_a_sending_command_gets_slack_without_a_call_to_slack(built: Any) -> None:
    app = await built(**SLACK)
    assert kinds(await registry.channels(app, Mode.SEND)) == [SlackChannel]


async def test_every_channel_says_what_it_renders_and_which_reach_participants_unprompted(
    built: Any,
) -> None:
    app = await built(**TELEGRAM, **SLACK)
    sending = await registry.channels(app, Mode.SEND)
    [terminal] = await registry.channels(await built(), Mode.RUN)
    shown = {c.platform: c.capabilities for c in [*sending, terminal]}
    assert {p: (c.edits, c.checkboxes, c.forms, c.unprompted) for p, c in shown.items()} == {
        "telegram": (True, False, False, True),
        "slack": (True, True, True, True),
        "terminal": (False, False, False, False),
    }
    assert (shown["telegram"].max_text, shown["slack"].max_text) == (4096, 3000)


def test_each_registry_line_names_a_folder_with_its_channel_factory() -> None:
    for entry in registry.CHANNELS:
        factory = import_module(entry.package).channel_for
        assert inspect.iscoroutinefunction(factory), entry.package
        assert list(inspect.signature(factory).parameters) == ["app", "mode"]


@pytest.mark.parametrize("module", [runtime, web])
def test_the_runtime_and_the_web_app_name_no_platform(module: object) -> None:
    source = inspect.getsource(module)  # type: ignore[arg-type]
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    platforms = ("telegram", "slack", "terminal")
    assert [name for name in imported if name and name.endswith(platforms)] == []
    assert [name for name in imported if name and ".adapters." in name] == []
