"""The Telegram fixtures of tests/adapters/telegram, for the fault tests, with a fake that
lets a hanging call go after a fraction of a second."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.adapters.telegram.conftest import (  # noqa: F401 - fixtures re-exported
    _no_lost_task_exceptions,
    app,
    channel,
    lost_task_exceptions,
    polling,
    polling_users,
    settings,
    timer,
    update_ids,
)
from tests.fakes import serve_loopback
from tests.fakes.telegram_server import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API; a hung call or an idle long poll ends after 0.3 s."""
    server = FakeTelegram(max_poll_wait=0.3)
    async with serve_loopback(server.app) as url:
        server.url = url
        try:
            yield server
        finally:
            server.close()
