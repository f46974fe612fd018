"""Start-up refused by a platform: one message naming the variable and the fix, exit 2.

Real `intersessional run` and `serve` processes, against the fake Bot API and the fake
Slack Web API on loopback: a token the platform refuses, or a Bot API nobody answers at. The
message must carry no secret (neither the token nor its secret half) and no traceback.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes import serve_loopback
from tests.fakes.slack_server import FakeSlack
from tests.fakes.telegram_server import FakeTelegram

pytestmark = pytest.mark.slow

REFUSED_TELEGRAM = "8150224466:AAH-a-token_that-Telegram-does-not-know"
REFUSED_SLACK = "xoxb-1111111111-2222222222-notthetokenofthisapp"
APP_TOKEN = "xapp-1-A0INTERSES-1234567890-appleveltokenforthefake"
BOUND = 60.0


@dataclass
class Fakes:
    telegram: str
    slack: str
    nowhere: str


@pytest.fixture
async def fakes() -> AsyncIterator[Fakes]:
    """Both fake platforms on loopback, and a loopback address where nothing listens."""
    telegram, slack = FakeTelegram(), FakeSlack()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}"
    async with serve_loopback(telegram.app) as t_url, serve_loopback(slack.app) as s_url:
        telegram.url = t_url
        try:
            yield Fakes(telegram=f"{t_url}/bot", slack=f"{s_url}/api/", nowhere=f"{nowhere}/bot")
        finally:
            telegram.close()


async def start(
    command: str, environment: dict[str, str], database_url: str, workdir: Path
) -> tuple[int, str]:
    """Run `python -m bot COMMAND` until it exits; its exit code and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
    with socket.socket() as probe:  # serve must fail before it listens; a free port anyway
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    env |= {"DATABASE_URL": database_url, "FILES_DIR": str(workdir / "files"), "PORT": port}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        command,
        cwd=workdir,
        env=env | environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), BOUND)
    assert process.returncode is not None
    return process.returncode, err.decode()


def telegram(base_url: str, token: str, command: str) -> dict[str, str]:
    hook = {"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook"}
    return {
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_BASE_URL": base_url,
        **(hook if command == "serve" else {}),
    }


def slack(api_url: str, command: str) -> dict[str, str]:
    mode = {"SLACK_APP_TOKEN": APP_TOKEN} if command == "run" else {}
    return {
        "SLACK_BOT_TOKEN": REFUSED_SLACK,
        "SLACK_API_URL": api_url,
        "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
        **mode,
    }


CASES = ["telegram-refused", "telegram-unreachable", "slack-refused"]


@pytest.mark.parametrize("command", ["run", "serve"])
@pytest.mark.parametrize("case", CASES)
async def test_trust_10_a_refused_start_names_the_variable_exits_2_and_shows_no_secret(
    case: str, command: str, fakes: Fakes, database_url: str, tmp_path: Path
) -> None:
    if case == "telegram-refused":
        environment, secret = telegram(fakes.telegram, REFUSED_TELEGRAM, command), REFUSED_TELEGRAM
        expected = (
            "TELEGRAM_BOT_TOKEN: Telegram refused the token (401 Unauthorized). "
            "Fix: copy the token from @BotFather again"
        )
    elif case == "telegram-unreachable":
        environment, secret = telegram(fakes.nowhere, REFUSED_TELEGRAM, command), REFUSED_TELEGRAM
        expected = f"TELEGRAM_BASE_URL: {fakes.nowhere}: cannot reach the Bot API"
    else:
        environment, secret = slack(fakes.slack, command), REFUSED_SLACK
        expected = (
            "SLACK_BOT_TOKEN: Slack refused the token (invalid_auth). "
            "Fix: copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page"
        )

    code, err = await start(command, environment, database_url, tmp_path)

    assert code == 2, err
    assert err.startswith("intersessional: configuration problem\n"), err
    assert expected in err
    assert len(err.strip().splitlines()) == 2, err  # the heading and the one problem
    assert "Traceback" not in err
    assert secret not in err
    assert secret.split(":", 1)[-1] not in err
    assert secret.rsplit("-", 1)[-1] not in err
