"""SIGTERM and SIGINT to real `run` and `serve` processes: they finish the update in hand,
stop the scheduler, close the database and exit within 2 s, with the documented code."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.requests import Request
from starlette.responses import Response

from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import database_kind, new_invite
from tests.fakes.telegram_server import on_loopback
from tests.faults.bot_process import (
    BotProcess,
    ObservedTelegram,
    Person,
    processed_update_counts,
)

pytestmark = pytest.mark.slow

AMINA = 5230018431
STOPPED_WITHIN = 2.0
EXIT_CODES = {signal.SIGTERM: 0, signal.SIGINT: 130}
"""As the README says: a stop asked by the supervisor is a clean exit; Ctrl-C is 130."""
STOPPED = "intersessional: stopped"
"""The last line a process logs, once its database is closed."""


class SignallingTelegram(ObservedTelegram):
    """The observing fake Bot API that signals the bot when it receives its first reply,
    before answering it: the bot is then in the middle of an update."""

    def __init__(self) -> None:
        super().__init__()
        self.signum: signal.Signals | None = None
        self.signalled_at: float | None = None

    async def _api(self, request: Request) -> Response:
        process = self.process
        method = request.path_params["method"]
        if method == "sendMessage" and self.signum and self.signalled_at is None and process:
            process.send_signal(self.signum)
            self.signalled_at = time.monotonic()
        return await super()._api(request)


@pytest.fixture
async def fake() -> AsyncIterator[SignallingTelegram]:
    """The signalling fake Bot API on loopback."""
    async with on_loopback(SignallingTelegram()) as server:
        yield server


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_trust_13_run_finishes_the_update_in_hand_and_stops_within_2s(
    signum: signal.Signals,
    fake: SignallingTelegram,
    store: Store,
    database_url: str,
    tmp_path: Path,
) -> None:
    code = await new_invite(store, FixedClock(datetime.now(UTC)))
    bot = BotProcess(fake, database_url, tmp_path)
    bot.env["LOG_LEVEL"] = "INFO"
    await bot.start()
    process = fake.process
    assert process is not None
    amina = Person(fake, AMINA, itertools.count(815_300_000))
    fake.signum = signum
    update_id = amina.inject(amina.text_update(f"/start {code}"))
    try:
        await asyncio.wait_for(process.wait(), 30.0)
        fake.process = None  # it exited by itself: nothing left to kill
    finally:
        await bot.stop()
    assert fake.signalled_at is not None
    assert time.monotonic() - fake.signalled_at < STOPPED_WITHIN
    logs = bot.logs()
    assert process.returncode == EXIT_CODES[signum], logs
    # The update in hand was finished: committed once, both its replies sent, confirmed.
    assert await processed_update_counts(database_url) == {f"{fake.bot_id}:{update_id}": 1}
    shown = amina.shown()
    assert "Welcome!" in shown
    assert "Which language would you like me to use?" in shown
    assert fake.confirmed > update_id
    assert "Traceback" not in logs
    assert logs.strip().splitlines()[-1].endswith(f"{STOPPED} ({signum.name})")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_trust_13_serve_stops_within_2s_and_closes_the_database(
    signum: signal.Signals, database_url: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
    env |= {
        "DATABASE_URL": database_url,
        "FILES_DIR": str(tmp_path / "files"),
        "PORT": str(free_port()),
        "LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        while "Application startup complete" not in "".join(lines):
            line = await asyncio.wait_for(process.stderr.readline(), 30.0)
            assert line, "".join(lines)
            lines.append(line.decode())
        if database_kind() == "sqlite":
            assert (tmp_path / "intersessional.db-wal").exists()  # open while it serves
        signalled_at = time.monotonic()
        process.send_signal(signum)
        rest = await asyncio.wait_for(process.stderr.read(), 30.0)
        await asyncio.wait_for(process.wait(), 30.0)
        elapsed = time.monotonic() - signalled_at
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    logs = "".join(lines) + rest.decode()
    assert elapsed < STOPPED_WITHIN, logs
    assert process.returncode == EXIT_CODES[signum], logs
    assert "Traceback" not in logs
    assert logs.strip().splitlines()[-1].endswith(f"{STOPPED} ({signum.name})")
    if database_kind() == "sqlite":
        # SQLite removes the write-ahead log when its last connection closes.
        assert not (tmp_path / "intersessional.db-wal").exists()
